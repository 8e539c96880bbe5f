/* Names of OpenCL error codes, for messages such as "CL_INVALID_WORK_GROUP_SIZE (-54)". */
#ifndef CLCNN_CORE_CL_ERROR_NAMES_H
#define CLCNN_CORE_CL_ERROR_NAMES_H

#include <clcnn/clcnn.h>

/* Static text; "CL_UNKNOWN_ERROR" for codes it does not know. */
const char *clcnn_cl_error_name(cl_int code);

#endif

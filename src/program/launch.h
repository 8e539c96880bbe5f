/* Setting kernel arguments and enqueueing an NDRange rounded up to the work-group size. */
#ifndef CLCNN_PROGRAM_LAUNCH_H
#define CLCNN_PROGRAM_LAUNCH_H

#include <clcnn/clcnn.h>

typedef struct clcnn_arg {
  size_t size;
  const void *value;
} clcnn_arg;

#define CLCNN_ARG(x) ((clcnn_arg){sizeof(x), &(x)})

typedef struct clcnn_launch_dims {
  cl_uint dims;     /* 1 to 3 */
  size_t global[3]; /* work items needed; rounded up to a multiple of local */
  size_t local[3];  /* 0 in local[0]: let the driver choose */
} clcnn_launch_dims;

/* Sets args[0..nargs) on kernel and enqueues it on ctx's queue without waiting. */
clcnn_status clcnn_launch(clcnn_context *ctx, cl_kernel kernel, const char *kernel_name,
                          const clcnn_arg *args, size_t nargs, const clcnn_launch_dims *dims);

#endif

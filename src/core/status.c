/* Static descriptions of clcnn_status values and the library version string. */
#include <clcnn/clcnn.h>

#define CLCNN_STATUS_LIST(X)                                                                       \
  X(CLCNN_OK, "success")                                                                           \
  X(CLCNN_INVALID_ARGUMENT, "invalid argument")                                                    \
  X(CLCNN_UNSUPPORTED, "unsupported")                                                              \
  X(CLCNN_OUT_OF_MEMORY, "out of memory")                                                          \
  X(CLCNN_NO_DEVICE, "no OpenCL device")                                                           \
  X(CLCNN_BUILD_FAILED, "OpenCL program build failed")                                             \
  X(CLCNN_OPENCL_ERROR, "OpenCL error")                                                            \
  X(CLCNN_GEMM_ERROR, "CLBlast GEMM error")                                                        \
  X(CLCNN_DEVICE_LOST, "device lost")

const char *clcnn_status_string(clcnn_status s) {
  switch (s) {
#define CLCNN_STATUS_CASE(code, text)                                                              \
  case code:                                                                                       \
    return #code ": " text;
    CLCNN_STATUS_LIST(CLCNN_STATUS_CASE)
#undef CLCNN_STATUS_CASE
  }
  return "unknown clcnn_status";
}

const char *clcnn_version(void) {
  return CLCNN_VERSION_STRING;
}

/* Setting kernel arguments and enqueueing an NDRange rounded up to the work-group size. */
#include "program/launch.h"

#include <stdio.h>

#include "device/context.h"
#include "program/program.h"

clcnn_status clcnn_launch(clcnn_context *ctx, cl_kernel kernel, const char *kernel_name,
                          const clcnn_arg *args, size_t nargs, const clcnn_launch_dims *dims) {
  cl_uint expected = 0;
  cl_int info = clGetKernelInfo(kernel, CL_KERNEL_NUM_ARGS, sizeof expected, &expected, NULL);
  if (info != CL_SUCCESS) return clcnn_fail_cl(ctx, info, "clGetKernelInfo", kernel_name);
  if (expected != nargs)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "internal: kernel %s takes %u arguments, the launch passed %zu", kernel_name,
                      expected, nargs);
  for (size_t i = 0; i < nargs; i++) {
    cl_int err = clSetKernelArg(kernel, (cl_uint)i, args[i].size, args[i].value);
    if (err != CL_SUCCESS) {
      char detail[160];
      snprintf(detail, sizeof detail, "%s argument %zu", kernel_name, i);
      return clcnn_fail_cl(ctx, err, "clSetKernelArg", detail);
    }
  }
  size_t global[3];
  const int has_local = dims->local[0] != 0;
  for (cl_uint d = 0; d < dims->dims; d++) {
    size_t l = has_local ? dims->local[d] : 1;
    global[d] = (dims->global[d] + l - 1) / l * l;
    if (global[d] == 0) return CLCNN_OK; /* nothing to do */
  }
  cl_int err = clEnqueueNDRangeKernel(ctx->queue, kernel, dims->dims, NULL, global,
                                      has_local ? dims->local : NULL, 0, NULL, NULL);
  return err == CL_SUCCESS ? CLCNN_OK
                           : clcnn_fail_cl(ctx, err, "clEnqueueNDRangeKernel", kernel_name);
}

clcnn_status clcnn_launch_elementwise(clcnn_context *ctx, const char *file, int alone,
                                      const char *kernel_name, size_t global0, size_t global1,
                                      const clcnn_arg *args, size_t nargs) {
  cl_kernel kernel;
  clcnn_status status = alone ? clcnn_kernel_get_alone(ctx, file, kernel_name, &kernel)
                              : clcnn_kernel_get(ctx, file, "", kernel_name, &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {global1 ? 2 : 1, {global0, global1}, {64, 1}};
  return clcnn_launch(ctx, kernel, kernel_name, args, nargs, &dims);
}

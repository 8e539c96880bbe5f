/* A device health check: build and run a trivial kernel before a context is handed out. */
#include "program/probe.h"

#include "device/context.h"
#include "program/launch.h"
#include "program/program.h"

static const char probe_source[] = "__kernel void clcnn_probe(__global float *out) {\n"
                                   "  size_t i = get_global_id(0);\n"
                                   "  out[i] = 2.0f * (float)i + 1.0f;\n"
                                   "}\n";

enum { PROBE_ITEMS = 16 };

clcnn_status clcnn_device_probe(clcnn_context *ctx) {
  cl_kernel kernel;
  clcnn_status status =
      clcnn_kernel_from_source(ctx, "device probe", probe_source, "", "clcnn_probe", &kernel);
  if (status != CLCNN_OK) return status;
  cl_int err;
  cl_mem buf =
      clCreateBuffer(ctx->cl_ctx, CL_MEM_WRITE_ONLY, PROBE_ITEMS * sizeof(float), NULL, &err);
  if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clCreateBuffer (device probe)", NULL);
  float out[PROBE_ITEMS] = {0};
  clcnn_launch_dims dims = {1, {PROBE_ITEMS}, {0}};
  status = CLCNN_LAUNCH(ctx, kernel, "clcnn_probe", &dims, CLCNN_MEM(buf));
  if (status == CLCNN_OK &&
      (err = clEnqueueReadBuffer(ctx->queue, buf, CL_TRUE, 0, sizeof out, out, 0, NULL, NULL)))
    status = clcnn_fail_cl(ctx, err, "clEnqueueReadBuffer (device probe)", NULL);
  clReleaseMemObject(buf);
  if (status != CLCNN_OK) return status;
  for (int i = 0; i < PROBE_ITEMS; i++)
    if (out[i] != 2.0f * (float)i + 1.0f)
      return clcnn_fail(ctx, CLCNN_OPENCL_ERROR,
                        "device probe kernel computed out[%d] = %g, expected %g", i, out[i],
                        2.0 * i + 1.0);
  return CLCNN_OK;
}

/* Tensors over cl_mem: create, wrap, read, write, fill, shape. */
#include "memory/tensor.h"

#include <stdlib.h>

#include "device/context.h"
#include "memory/size_math.h"
#include "program/launch.h"
#include "program/program.h"

static clcnn_status shape_count(clcnn_context *ctx, const char *fn, size_t n, size_t c, size_t h,
                                size_t w, size_t *count) {
  if (n == 0 || c == 0 || h == 0 || w == 0)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: shape %zux%zux%zux%zu has a zero dimension (tensors cannot be empty)",
                      fn, n, c, h, w);
  size_t bytes;
  if (!clcnn_count4_ok(n, c, h, w, count) || !clcnn_mul_ok(*count, sizeof(float), &bytes))
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: shape %zux%zux%zux%zu overflows the size arithmetic", fn, n, c, h, w);
  return CLCNN_OK;
}

static clcnn_status tensor_alloc(clcnn_context *ctx, const char *fn, size_t n, size_t c, size_t h,
                                 size_t w, clcnn_tensor **out) {
  clcnn_tensor *t = calloc(1, sizeof *t);
  if (!t) return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "%s: host allocation failed", fn);
  t->ctx = ctx;
  t->shape[0] = n;
  t->shape[1] = c;
  t->shape[2] = h;
  t->shape[3] = w;
  t->count = n * c * h * w;
  *out = t;
  return CLCNN_OK;
}

clcnn_status clcnn_tensor_create(clcnn_context *ctx, size_t n, size_t c, size_t h, size_t w,
                                 clcnn_tensor **out) {
  const char *fn = "clcnn_tensor_create";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  if (!out) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: out is NULL", fn);
  *out = NULL;
  size_t count = 0;
  if ((status = shape_count(ctx, fn, n, c, h, w, &count)) != CLCNN_OK) return status;
  size_t bytes = count * sizeof(float);
  if (bytes > ctx->caps.max_alloc_bytes)
    return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY,
                      "%s: %zux%zux%zux%zu floats need %zu bytes, over the device's "
                      "CL_DEVICE_MAX_MEM_ALLOC_SIZE of %llu bytes",
                      fn, n, c, h, w, bytes, (unsigned long long)ctx->caps.max_alloc_bytes);
  cl_int err;
  cl_mem buf = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
  if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clCreateBuffer", fn);
  clcnn_tensor *t = NULL;
  if ((status = tensor_alloc(ctx, fn, n, c, h, w, &t)) != CLCNN_OK) {
    clReleaseMemObject(buf);
    return status;
  }
  t->buf = t->root = buf;
  *out = t;
  return CLCNN_OK;
}

static clcnn_status check_wrapped_buffer(clcnn_context *ctx, const char *fn, cl_mem buf,
                                         size_t offset, size_t count) {
  cl_context owner = NULL;
  size_t buf_bytes = 0;
  cl_int err = clGetMemObjectInfo(buf, CL_MEM_CONTEXT, sizeof owner, &owner, NULL);
  if (err == CL_SUCCESS)
    err = clGetMemObjectInfo(buf, CL_MEM_SIZE, sizeof buf_bytes, &buf_bytes, NULL);
  if (err != CL_SUCCESS)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: buf is not a valid cl_mem (%d)", fn,
                      (int)err);
  if (owner != ctx->cl_ctx)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: buf belongs to another cl_context than the clcnn context's", fn);
  size_t end, end_bytes;
  if (!clcnn_add_ok(offset, count, &end) || !clcnn_mul_ok(end, sizeof(float), &end_bytes) ||
      end_bytes > buf_bytes)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: offset %zu + %zu elements needs more than the buffer's %zu bytes "
                      "(%zu floats)",
                      fn, offset, count, buf_bytes, buf_bytes / sizeof(float));
  return CLCNN_OK;
}

clcnn_status clcnn_tensor_wrap(clcnn_context *ctx, cl_mem buf, size_t offset_elems, size_t n,
                               size_t c, size_t h, size_t w, clcnn_tensor **out) {
  const char *fn = "clcnn_tensor_wrap";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  if (!out || !buf)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: %s is NULL", fn, !out ? "out" : "buf");
  *out = NULL;
  size_t count = 0;
  if ((status = shape_count(ctx, fn, n, c, h, w, &count)) != CLCNN_OK) return status;
  if ((status = check_wrapped_buffer(ctx, fn, buf, offset_elems, count)) != CLCNN_OK) return status;
  clcnn_tensor *t = NULL;
  if ((status = tensor_alloc(ctx, fn, n, c, h, w, &t)) != CLCNN_OK) return status;
  clRetainMemObject(buf);
  t->buf = buf;
  t->offset = offset_elems;
  t->wrapped = 1;
  t->root = buf;
  t->root_byte = offset_elems * sizeof(float);
  cl_mem parent = NULL;
  size_t origin = 0;
  if (clGetMemObjectInfo(buf, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof parent, &parent, NULL) ==
          CL_SUCCESS &&
      parent &&
      clGetMemObjectInfo(buf, CL_MEM_OFFSET, sizeof origin, &origin, NULL) == CL_SUCCESS) {
    t->root = parent; /* OpenCL 1.2 makes no sub-buffer of a sub-buffer: one level */
    t->root_byte += origin;
  }
  *out = t;
  return CLCNN_OK;
}

void clcnn_tensor_destroy(clcnn_tensor *t) {
  if (!t) return;
  clReleaseMemObject(t->buf); /* a wrapped buffer only loses the reference wrap took */
  free(t);
}

static clcnn_status check_transfer(const clcnn_tensor *t, const void *host, size_t count,
                                   const char *fn, const char *host_name) {
  if (!t) return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: tensor is NULL", fn);
  clcnn_status status = clcnn_context_check(t->ctx, fn);
  if (status != CLCNN_OK) return status;
  if (!host) return clcnn_fail(t->ctx, CLCNN_INVALID_ARGUMENT, "%s: %s is NULL", fn, host_name);
  if (count != t->count)
    return clcnn_fail(t->ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: count is %zu, tensor %zux%zux%zux%zu holds %zu", fn, count, t->shape[0],
                      t->shape[1], t->shape[2], t->shape[3], t->count);
  return CLCNN_OK;
}

clcnn_status clcnn_tensor_write(clcnn_tensor *t, const float *src, size_t count) {
  clcnn_status status = check_transfer(t, src, count, "clcnn_tensor_write", "src");
  if (status != CLCNN_OK) return status;
  cl_int err = clEnqueueWriteBuffer(t->ctx->queue, t->buf, CL_TRUE, t->offset * sizeof(float),
                                    count * sizeof(float), src, 0, NULL, NULL);
  return err == CL_SUCCESS ? CLCNN_OK : clcnn_fail_wait(t->ctx, err, "clEnqueueWriteBuffer");
}

clcnn_status clcnn_tensor_read(const clcnn_tensor *t, float *dst, size_t count) {
  clcnn_status status = check_transfer(t, dst, count, "clcnn_tensor_read", "dst");
  if (status != CLCNN_OK) return status;
  cl_int err = clEnqueueReadBuffer(t->ctx->queue, t->buf, CL_TRUE, t->offset * sizeof(float),
                                   count * sizeof(float), dst, 0, NULL, NULL);
  return err == CL_SUCCESS ? CLCNN_OK : clcnn_fail_wait(t->ctx, err, "clEnqueueReadBuffer");
}

clcnn_status clcnn_tensor_fill_locked(clcnn_tensor *t, float value) {
  clcnn_context *ctx = t->ctx;
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "fill.cl", "", "fill_f32", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {1, {t->count}, {64}};
  return CLCNN_LAUNCH(ctx, kernel, "fill_f32", &dims, CLCNN_MEM(t->buf), CLCNN_ULONG(t->offset),
                      CLCNN_ULONG(t->count), CLCNN_FLOAT(value));
}

clcnn_status clcnn_tensor_fill(clcnn_tensor *t, float value) {
  const char *fn = "clcnn_tensor_fill";
  if (!t) return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: tensor is NULL", fn);
  clcnn_context *ctx = t->ctx;
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  return CLCNN_LOCKED(ctx, clcnn_tensor_fill_locked(t, value));
}

void clcnn_tensor_shape(const clcnn_tensor *t, size_t shape[4]) {
  if (!shape) return;
  for (int i = 0; i < 4; i++) shape[i] = t ? t->shape[i] : 0;
}

cl_mem clcnn_tensor_buffer(const clcnn_tensor *t) {
  return t ? t->buf : NULL;
}
size_t clcnn_tensor_offset(const clcnn_tensor *t) {
  return t ? t->offset : 0;
}

/* Inference ops of common convnets: validate, then one kernel (or one rectangle copy per
   input for concatenation). */
#include <math.h>
#include <stdio.h>

#include "device/context.h"
#include "memory/tensor.h"
#include "ops/conv_paths.h"
#include "ops/network.h"
#include "ops/shape.h"
#include "program/launch.h"
#include "program/program.h"

/* Elements per work-item of the add kernel. */
#define ADD_VECTOR 16

/* Kernel kernel_name of network.cl over global0 (x global1) work-items. */
static clcnn_status launch(clcnn_context *ctx, const char *kernel_name, size_t global0,
                           size_t global1, const clcnn_arg *args, size_t nargs) {
  return clcnn_launch_elementwise(ctx, "network.cl", 1, kernel_name, global0, global1, args, nargs);
}

clcnn_status clcnn_add(clcnn_context *ctx, const clcnn_tensor *a, const clcnn_tensor *b,
                       clcnn_tensor *y) {
  return clcnn_add_activation(ctx, a, b, CLCNN_EPI_NONE, y);
}

clcnn_status clcnn_add_activation(clcnn_context *ctx, const clcnn_tensor *a, const clcnn_tensor *b,
                                  int act, clcnn_tensor *y) {
  const char *fn = "clcnn_add";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "a", a, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "b", b, a->shape);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, a->shape);
  if (status == CLCNN_OK) status = clcnn_check_in_place(ctx, fn, y, "y", a, "a");
  if (status == CLCNN_OK) status = clcnn_check_in_place(ctx, fn, y, "y", b, "b");
  if (status != CLCNN_OK) return status;
  return CLCNN_LOCKED(
      ctx, launch(ctx, "add", (a->count + ADD_VECTOR - 1) / ADD_VECTOR, 0,
                  CLCNN_ARGS(CLCNN_MEM(a->buf), CLCNN_ULONG(a->offset), CLCNN_MEM(b->buf),
                             CLCNN_ULONG(b->offset), CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset),
                             CLCNN_ULONG(a->count),
                             CLCNN_INT(CLCNN_EPI_FLAGS(((clcnn_epilogue){NULL, act, 0}))))));
}

clcnn_status clcnn_clip(clcnn_context *ctx, const clcnn_tensor *x, float lo, float hi,
                        clcnn_tensor *y) {
  const char *fn = "clcnn_clip";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  if (isnan(lo) || isnan(hi) || lo > hi)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: bounds lo = %g, hi = %g must be numbers with lo <= hi", fn, (double)lo,
                      (double)hi);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, x->shape);
  if (status == CLCNN_OK) status = clcnn_check_in_place(ctx, fn, y, "y", x, "x");
  if (status != CLCNN_OK) return status;
  return CLCNN_LOCKED(ctx,
                      launch(ctx, "clip", x->count, 0,
                             CLCNN_ARGS(CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset),
                                        CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset),
                                        CLCNN_ULONG(x->count), CLCNN_FLOAT(lo), CLCNN_FLOAT(hi))));
}

clcnn_status clcnn_unary(clcnn_context *ctx, clcnn_unary_op op, float p, float q,
                         const clcnn_tensor *x, clcnn_tensor *y) {
  const char *fn = "clcnn_unary";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK && (op < CLCNN_UNARY_LEAKY_RELU || op > CLCNN_UNARY_SOFTSIGN))
    status = clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: operation %d", fn, (int)op);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, x->shape);
  if (status == CLCNN_OK) status = clcnn_check_in_place(ctx, fn, y, "y", x, "x");
  if (status != CLCNN_OK) return status;
  return CLCNN_LOCKED(
      ctx, launch(ctx, "unary", x->count, 0,
                  CLCNN_ARGS(CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset), CLCNN_MEM(y->buf),
                             CLCNN_ULONG(y->offset), CLCNN_ULONG(x->count), CLCNN_INT(op),
                             CLCNN_FLOAT(p), CLCNN_FLOAT(q))));
}

clcnn_status clcnn_softmax_forward(clcnn_context *ctx, const clcnn_tensor *x, clcnn_tensor *y) {
  const char *fn = "clcnn_softmax_forward";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, x->shape);
  if (status == CLCNN_OK) status = clcnn_check_in_place(ctx, fn, y, "y", x, "x");
  if (status == CLCNN_OK) status = clcnn_check_index_range(ctx, fn, "x", x->shape);
  if (status != CLCNN_OK) return status;
  size_t c = x->shape[1], hw = x->shape[2] * x->shape[3], nhw = x->shape[0] * hw;
  if (nhw > (size_t)CL_INT_MAX)
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED, "%s: %zu positions exceed the 32-bit index range", fn,
                      nhw);
  return CLCNN_LOCKED(
      ctx, launch(ctx, "softmax_channels", nhw, 0,
                  CLCNN_ARGS(CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset), CLCNN_MEM(y->buf),
                             CLCNN_ULONG(y->offset), CLCNN_INT(c), CLCNN_INT(hw), CLCNN_INT(nhw))));
}

clcnn_status clcnn_batchnorm_inference(clcnn_context *ctx, const clcnn_tensor *x,
                                       const clcnn_tensor *scale, const clcnn_tensor *shift,
                                       const clcnn_tensor *mean, const clcnn_tensor *var, float eps,
                                       clcnn_tensor *y) {
  const char *fn = "clcnn_batchnorm_inference";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, NULL);
  if (status != CLCNN_OK) return status;
  const size_t per_channel[4] = {1, x->shape[1], 1, 1};
  const clcnn_tensor *params[4] = {scale, shift, mean, var};
  const char *names[4] = {"scale", "shift", "mean", "var"};
  for (int i = 0; i < 4 && status == CLCNN_OK; i++)
    status = clcnn_check_tensor(ctx, fn, names[i], params[i], per_channel);
  if (status == CLCNN_OK && !(isfinite(eps) && eps >= 0))
    status = clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: eps = %g, expected a finite value >= 0",
                        fn, (double)eps);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, x->shape);
  if (status == CLCNN_OK) status = clcnn_check_in_place(ctx, fn, y, "y", x, "x");
  for (int i = 0; i < 4 && status == CLCNN_OK; i++)
    status = clcnn_check_distinct(ctx, fn, y, "y", params[i], names[i]);
  if (status == CLCNN_OK) status = clcnn_check_index_range(ctx, fn, "x", x->shape);
  if (status != CLCNN_OK) return status;
  size_t hw = x->shape[2] * x->shape[3], planes = x->shape[0] * x->shape[1];
  return CLCNN_LOCKED(
      ctx,
      launch(ctx, "batchnorm_inference", hw, planes,
             CLCNN_ARGS(CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset), CLCNN_MEM(y->buf),
                        CLCNN_ULONG(y->offset), CLCNN_MEM(scale->buf), CLCNN_ULONG(scale->offset),
                        CLCNN_MEM(shift->buf), CLCNN_ULONG(shift->offset), CLCNN_MEM(mean->buf),
                        CLCNN_ULONG(mean->offset), CLCNN_MEM(var->buf), CLCNN_ULONG(var->offset),
                        CLCNN_FLOAT(eps), CLCNN_INT(x->shape[1]), CLCNN_INT(hw))));
}

static clcnn_status check_concat(clcnn_context *ctx, const char *fn, const clcnn_tensor *const *xs,
                                 size_t count, const clcnn_tensor *y) {
  clcnn_status status = clcnn_check_tensor(ctx, fn, "y", y, NULL);
  if (status != CLCNN_OK) return status;
  if (!xs || count == 0)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: %s", fn,
                      !xs ? "xs is NULL" : "count is 0, expected at least one input");
  size_t channels = 0;
  for (size_t i = 0; i < count; i++) {
    char name[32];
    snprintf(name, sizeof name, "xs[%zu]", i);
    if ((status = clcnn_check_tensor(ctx, fn, name, xs[i], NULL)) != CLCNN_OK) return status;
    const size_t *s = xs[i]->shape;
    if (s[0] != y->shape[0] || s[2] != y->shape[2] || s[3] != y->shape[3])
      return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                        "%s: %s is %zux%zux%zux%zu, expected %zux(any)x%zux%zu as y", fn, name,
                        s[0], s[1], s[2], s[3], y->shape[0], y->shape[2], y->shape[3]);
    if ((status = clcnn_check_distinct(ctx, fn, y, "y", xs[i], name)) != CLCNN_OK) return status;
    channels += s[1];
  }
  if (channels != y->shape[1])
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: the inputs have %zu channels in all, y has %zu", fn, channels,
                      y->shape[1]);
  return CLCNN_OK;
}

/* Each input's N blocks of C_i*H*W floats go to their rows of y: one rectangle copy. */
static clcnn_status copy_blocks(clcnn_context *ctx, const clcnn_tensor *const *xs, size_t count,
                                clcnn_tensor *y) {
  const size_t f = sizeof(float), hw = y->shape[2] * y->shape[3], y_row = y->shape[1] * hw * f;
  size_t channel = 0;
  for (size_t i = 0; i < count; i++) {
    const clcnn_tensor *x = xs[i];
    const size_t row = x->shape[1] * hw * f;
    const size_t src[3] = {x->offset * f, 0, 0}, dst[3] = {y->offset * f + channel * hw * f, 0, 0};
    const size_t region[3] = {row, y->shape[0], 1};
    cl_int err = clEnqueueCopyBufferRect(ctx->queue, x->buf, y->buf, src, dst, region, row, 0,
                                         y_row, 0, 0, NULL, NULL);
    if (err != CL_SUCCESS) return clcnn_fail_wait(ctx, err, "clEnqueueCopyBufferRect (concat)");
    channel += x->shape[1];
  }
  return CLCNN_OK;
}

clcnn_status clcnn_concat_channels(clcnn_context *ctx, const clcnn_tensor *const *xs, size_t count,
                                   clcnn_tensor *y) {
  const char *fn = "clcnn_concat_channels";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = check_concat(ctx, fn, xs, count, y);
  if (status != CLCNN_OK) return status;
  return CLCNN_LOCKED(ctx, copy_blocks(ctx, xs, count, y));
}

clcnn_status clcnn_pad2d(clcnn_context *ctx, const clcnn_tensor *x, size_t pad_top,
                         size_t pad_bottom, size_t pad_left, size_t pad_right, clcnn_tensor *y) {
  const char *fn = "clcnn_pad2d";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, NULL);
  if (status != CLCNN_OK) return status;
  const size_t limit = (size_t)1 << 20;
  if (pad_top > limit || pad_bottom > limit || pad_left > limit || pad_right > limit)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: pads %zu, %zu, %zu, %zu (top, bottom, left, right) exceed %zu", fn,
                      pad_top, pad_bottom, pad_left, pad_right, limit);
  const size_t *s = x->shape;
  const size_t ys[4] = {s[0], s[1], s[2] + pad_top + pad_bottom, s[3] + pad_left + pad_right};
  if ((status = clcnn_check_tensor(ctx, fn, "y", y, ys)) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, y, "y", x, "x")) != CLCNN_OK ||
      (status = clcnn_check_index_range(ctx, fn, "y", ys)) != CLCNN_OK)
    return status;
  cl_kernel kernel;
  clcnn_context_lock(ctx);
  status = clcnn_kernel_get_alone(ctx, "network.cl", "pad2d", &kernel);
  clcnn_launch_dims dims = {3, {ys[3], ys[2], s[0] * s[1]}, {0}};
  if (status == CLCNN_OK)
    status = CLCNN_LAUNCH(ctx, kernel, "pad2d", &dims, CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset),
                          CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset), CLCNN_INT(s[2]),
                          CLCNN_INT(s[3]), CLCNN_INT(ys[2]), CLCNN_INT(ys[3]), CLCNN_INT(pad_top),
                          CLCNN_INT(pad_left), CLCNN_INT(s[0] * s[1]));
  clcnn_context_unlock(ctx);
  return status;
}

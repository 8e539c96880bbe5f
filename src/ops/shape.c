/* Output shapes and descriptor validation shared by the ops, the tests and the tools. */
#include "ops/shape.h"

#include <clcnn/training.h>

#include "device/context.h"
#include "memory/size_math.h"
#include "memory/tensor.h"

#define SHAPE_FMT "%zux%zux%zux%zu"
#define SHAPE_ARGS(s) (s)[0], (s)[1], (s)[2], (s)[3]

/* Largest value for any single extent; keeps every index a kernel computes inside 31 bits
   per axis and every product checked. */
#define MAX_EXTENT ((size_t)1 << 30)

static clcnn_status check_extents(clcnn_context *ctx, const char *fn, const char *name,
                                  const size_t s[4]) {
  if (!s) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: %s shape is NULL", fn, name);
  size_t count;
  if (s[0] == 0 || s[1] == 0 || s[2] == 0 || s[3] == 0)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: %s shape " SHAPE_FMT " has a zero dimension", fn, name, SHAPE_ARGS(s));
  size_t bytes;
  int too_large = !clcnn_count4_ok(s[0], s[1], s[2], s[3], &count) ||
                  !clcnn_mul_ok(count, sizeof(float), &bytes);
  for (int i = 0; i < 4; i++) too_large |= s[i] > MAX_EXTENT;
  if (too_large)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: %s shape " SHAPE_FMT " is too large (each extent at most %zu, "
                      "its size in bytes without overflow)",
                      fn, name, SHAPE_ARGS(s), MAX_EXTENT);
  return CLCNN_OK;
}

/* Output extent along one axis: padded input `in` must cover the dilated kernel `span`. */
static size_t conv_extent(size_t in, size_t span, size_t stride) {
  return (in - span) / stride + 1;
}

static clcnn_status check_conv_params(clcnn_context *ctx, const char *fn,
                                      const clcnn_conv2d_desc *d) {
  if (!d) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: descriptor d is NULL", fn);
  if (d->stride_h == 0 || d->stride_w == 0)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: stride %zux%zu must be >= 1 on each axis",
                      fn, d->stride_h, d->stride_w);
  if (d->dilation_h == 0 || d->dilation_w == 0)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: dilation %zux%zu must be >= 1 on each axis",
                      fn, d->dilation_h, d->dilation_w);
  if (d->groups == 0)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: groups is 0, must be >= 1", fn);
  if (d->algo < CLCNN_CONV_AUTO || d->algo > CLCNN_CONV_WINOGRAD)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: unknown algo %d (expected 0..%d)", fn,
                      d->algo, CLCNN_CONV_WINOGRAD);
  size_t params[] = {d->stride_h,   d->stride_w, d->dilation_h, d->dilation_w, d->pad_top,
                     d->pad_bottom, d->pad_left, d->pad_right,  d->groups};
  for (size_t i = 0; i < sizeof params / sizeof *params; i++)
    if (params[i] > MAX_EXTENT)
      return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                        "%s: stride, dilation, padding and groups must be at most %zu (got %zu)",
                        fn, MAX_EXTENT, params[i]);
  return CLCNN_OK;
}

static clcnn_status check_channels(clcnn_context *ctx, const char *fn, const clcnn_conv2d_desc *d,
                                   const size_t *x, const size_t *w) {
  if (x[1] % d->groups != 0 || w[0] % d->groups != 0)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: groups %zu must divide input channels C=%zu and filters K=%zu", fn,
                      d->groups, x[1], w[0]);
  if (w[1] != x[1] / d->groups)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: w has %zu input channels, expected C/groups = %zu/%zu = %zu", fn, w[1],
                      x[1], d->groups, x[1] / d->groups);
  return CLCNN_OK;
}

clcnn_status clcnn_conv_geometry_make(clcnn_context *ctx, const char *fn,
                                      const clcnn_conv2d_desc *d, const size_t x_shape[4],
                                      const size_t w_shape[4], clcnn_conv_geometry *g) {
  clcnn_status status = check_conv_params(ctx, fn, d);
  if (status == CLCNN_OK) status = check_extents(ctx, fn, "x", x_shape);
  if (status == CLCNN_OK) status = check_extents(ctx, fn, "w", w_shape);
  if (status == CLCNN_OK) status = check_channels(ctx, fn, d, x_shape, w_shape);
  if (status != CLCNN_OK) return status;
  /* every term below is at most 2^30, so the sums and products fit in 64 bits */
  size_t hp = x_shape[2] + d->pad_top + d->pad_bottom, wp = x_shape[3] + d->pad_left + d->pad_right;
  size_t span_h = d->dilation_h * (w_shape[2] - 1) + 1,
         span_w = d->dilation_w * (w_shape[3] - 1) + 1;
  if (hp < span_h || wp < span_w)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: padded input %zux%zu is smaller than dilated kernel %zux%zu", fn, hp, wp,
                      span_h, span_w);
  *g = (clcnn_conv_geometry){.n = x_shape[0],
                             .c = x_shape[1],
                             .h = x_shape[2],
                             .w = x_shape[3],
                             .k = w_shape[0],
                             .r = w_shape[2],
                             .s = w_shape[3],
                             .p = conv_extent(hp, span_h, d->stride_h),
                             .q = conv_extent(wp, span_w, d->stride_w),
                             .groups = d->groups,
                             .cg = x_shape[1] / d->groups,
                             .kg = w_shape[0] / d->groups,
                             .sh = d->stride_h,
                             .sw = d->stride_w,
                             .dh = d->dilation_h,
                             .dw = d->dilation_w,
                             .pt = d->pad_top,
                             .pb = d->pad_bottom,
                             .pl = d->pad_left,
                             .pr = d->pad_right};
  size_t y_shape[4] = {g->n, g->k, g->p, g->q};
  return check_extents(ctx, fn, "y", y_shape);
}

clcnn_status clcnn_conv2d_output_shape(const clcnn_conv2d_desc *d, const size_t x_shape[4],
                                       const size_t w_shape[4], size_t y_shape[4]) {
  const char *fn = "clcnn_conv2d_output_shape";
  if (!y_shape) return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: y_shape is NULL", fn);
  clcnn_conv_geometry g = {0};
  clcnn_status status = clcnn_conv_geometry_make(NULL, fn, d, x_shape, w_shape, &g);
  if (status != CLCNN_OK) return status;
  y_shape[0] = g.n;
  y_shape[1] = g.k;
  y_shape[2] = g.p;
  y_shape[3] = g.q;
  return CLCNN_OK;
}

static clcnn_status check_pool_params(clcnn_context *ctx, const char *fn,
                                      const clcnn_pool2d_desc *d, clcnn_pad_rule rule) {
  if (!d) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: descriptor d is NULL", fn);
  if (d->mode != CLCNN_POOL_MAX && d->mode != CLCNN_POOL_AVG)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: unknown mode %d (expected 0 max, 1 avg)",
                      fn, d->mode);
  if (d->kernel_h == 0 || d->kernel_w == 0 || d->kernel_h > MAX_EXTENT || d->kernel_w > MAX_EXTENT)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: window %zux%zu must be 1..%zu on each axis",
                      fn, d->kernel_h, d->kernel_w, MAX_EXTENT);
  if (d->stride_h == 0 || d->stride_w == 0 || d->stride_h > MAX_EXTENT || d->stride_w > MAX_EXTENT)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: stride %zux%zu must be 1..%zu on each axis",
                      fn, d->stride_h, d->stride_w, MAX_EXTENT);
  const char *names[] = {"pad_top", "pad_bottom", "pad_left", "pad_right"};
  size_t pads[] = {d->pad_top, d->pad_bottom, d->pad_left, d->pad_right};
  for (int i = 0; i < 4; i++) {
    size_t window = i < 2 ? d->kernel_h : d->kernel_w;
    if (rule == CLCNN_PADS_HALF_WINDOW && pads[i] > window / 2)
      return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                        "%s: %s %zu is more than half the window (%s %zu allows at most %zu)", fn,
                        names[i], pads[i], i < 2 ? "kernel_h" : "kernel_w", window, window / 2);
    if (rule == CLCNN_PADS_BELOW_WINDOW && pads[i] >= window)
      return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                        "%s: %s %zu leaves windows without an input element (%s %zu allows at "
                        "most %zu)",
                        fn, names[i], pads[i], i < 2 ? "kernel_h" : "kernel_w", window, window - 1);
  }
  return CLCNN_OK;
}

/* Output extent along one axis, with PyTorch's ceil-mode rule that the last window starts
   inside the input or its leading padding. */
static size_t pool_extent(size_t in, size_t pad_lo, size_t pad_hi, size_t k, size_t stride,
                          int ceil_mode) {
  size_t span = in + pad_lo + pad_hi - k;
  size_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad_lo) out--;
  return out;
}

clcnn_status clcnn_pool_geometry_make(clcnn_context *ctx, const char *fn,
                                      const clcnn_pool2d_desc *d, const size_t x_shape[4],
                                      clcnn_pool_geometry *g) {
  return clcnn_pool_geometry_make_rule(ctx, fn, d, x_shape, CLCNN_PADS_HALF_WINDOW, g);
}

clcnn_status clcnn_pool_geometry_make_rule(clcnn_context *ctx, const char *fn,
                                           const clcnn_pool2d_desc *d, const size_t x_shape[4],
                                           clcnn_pad_rule rule, clcnn_pool_geometry *g) {
  clcnn_status status = check_pool_params(ctx, fn, d, rule);
  if (status == CLCNN_OK) status = check_extents(ctx, fn, "x", x_shape);
  if (status != CLCNN_OK) return status;
  size_t hp = x_shape[2] + d->pad_top + d->pad_bottom, wp = x_shape[3] + d->pad_left + d->pad_right;
  if (hp < d->kernel_h || wp < d->kernel_w)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: padded input %zux%zu is smaller than the window %zux%zu", fn, hp, wp,
                      d->kernel_h, d->kernel_w);
  *g = (clcnn_pool_geometry){.n = x_shape[0],
                             .c = x_shape[1],
                             .h = x_shape[2],
                             .w = x_shape[3],
                             .p = pool_extent(x_shape[2], d->pad_top, d->pad_bottom, d->kernel_h,
                                              d->stride_h, d->ceil_mode),
                             .q = pool_extent(x_shape[3], d->pad_left, d->pad_right, d->kernel_w,
                                              d->stride_w, d->ceil_mode),
                             .kh = d->kernel_h,
                             .kw = d->kernel_w,
                             .sh = d->stride_h,
                             .sw = d->stride_w,
                             .pt = d->pad_top,
                             .pb = d->pad_bottom,
                             .pl = d->pad_left,
                             .pr = d->pad_right};
  return CLCNN_OK;
}

clcnn_status clcnn_pool2d_output_shape(const clcnn_pool2d_desc *d, const size_t x_shape[4],
                                       size_t y_shape[4]) {
  const char *fn = "clcnn_pool2d_output_shape";
  if (!y_shape) return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: y_shape is NULL", fn);
  clcnn_pool_geometry g = {0};
  clcnn_status status = clcnn_pool_geometry_make(NULL, fn, d, x_shape, &g);
  if (status != CLCNN_OK) return status;
  y_shape[0] = g.n;
  y_shape[1] = g.c;
  y_shape[2] = g.p;
  y_shape[3] = g.q;
  return CLCNN_OK;
}

clcnn_status clcnn_check_index_range(clcnn_context *ctx, const char *fn, const char *name,
                                     const size_t shape[4]) {
  const size_t limit = CL_INT_MAX;
  if (shape[0] * shape[1] <= limit && shape[2] * shape[3] <= limit) return CLCNN_OK;
  return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                    "%s: %s " SHAPE_FMT " needs N*C and H*W at most %zu (32-bit kernel indices)",
                    fn, name, SHAPE_ARGS(shape), limit);
}

clcnn_status clcnn_check_tensor(clcnn_context *ctx, const char *fn, const char *name,
                                const clcnn_tensor *t, const size_t expect[4]) {
  if (!t) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: %s is NULL", fn, name);
  if (t->ctx != ctx)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: %s belongs to another context", fn, name);
  if (expect && (t->shape[0] != expect[0] || t->shape[1] != expect[1] || t->shape[2] != expect[2] ||
                 t->shape[3] != expect[3]))
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: %s is " SHAPE_FMT ", expected " SHAPE_FMT,
                      fn, name, SHAPE_ARGS(t->shape), SHAPE_ARGS(expect));
  return CLCNN_OK;
}

clcnn_status clcnn_check_distinct(clcnn_context *ctx, const char *fn, const clcnn_tensor *out,
                                  const char *out_name, const clcnn_tensor *in,
                                  const char *in_name) {
  if (!in || !out || in->root != out->root) return CLCNN_OK;
  size_t in_end = in->root_byte + in->count * sizeof(float);
  size_t out_end = out->root_byte + out->count * sizeof(float);
  if (in->root_byte >= out_end || out->root_byte >= in_end) return CLCNN_OK;
  if (in->buf == out->buf)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: %s overlaps %s in the same buffer (elements %zu..%zu and %zu..%zu); "
                      "the output must not alias an input",
                      fn, out_name, in_name, out->offset, out->offset + out->count, in->offset,
                      in->offset + in->count);
  return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                    "%s: %s overlaps %s through sub-buffers of one buffer (bytes %zu..%zu and "
                    "%zu..%zu of the parent); the output must not alias an input",
                    fn, out_name, in_name, out->root_byte, out_end, in->root_byte, in_end);
}

clcnn_status clcnn_check_in_place(clcnn_context *ctx, const char *fn, const clcnn_tensor *out,
                                  const char *out_name, const clcnn_tensor *in,
                                  const char *in_name) {
  if (in && out && in->root == out->root && in->root_byte == out->root_byte) return CLCNN_OK;
  return clcnn_check_distinct(ctx, fn, out, out_name, in, in_name);
}

const char *clcnn_activation_name(int act) {
  static const char *const names[] = {"relu", "sigmoid", "tanh", "relu6"};
  return act >= CLCNN_ACT_RELU && act <= CLCNN_ACT_RELU6 ? names[act] : "none";
}

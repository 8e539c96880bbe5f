/* clcnn_conv2d_forward: validate, choose the algorithm, enqueue. */
#include "device/context.h"
#include "ops/conv_paths.h"

static clcnn_status validate(clcnn_context *ctx, const char *fn, const clcnn_conv2d_desc *d,
                             clcnn_conv_args *a) {
  clcnn_status status;
  if ((status = clcnn_check_tensor(ctx, fn, "x", a->x, NULL)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "w", a->w, NULL)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "y", a->y, NULL)) != CLCNN_OK)
    return status;
  status = clcnn_conv_geometry_make(ctx, fn, d, a->x->shape, a->w->shape, &a->g);
  if (status != CLCNN_OK) return status;
  size_t y_shape[4] = {a->g.n, a->g.k, a->g.p, a->g.q};
  if ((status = clcnn_check_tensor(ctx, fn, "y", a->y, y_shape)) != CLCNN_OK ||
      (status = clcnn_check_index_range(ctx, fn, "x", a->x->shape)) != CLCNN_OK ||
      (status = clcnn_check_index_range(ctx, fn, "y", y_shape)) != CLCNN_OK)
    return status;
  if (a->bias) {
    if ((status = clcnn_check_tensor(ctx, fn, "bias", a->bias, NULL)) != CLCNN_OK) return status;
    if (a->bias->count != a->g.k)
      return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                        "%s: bias has %zu elements, expected K = %zu (1x%zux1x1)", fn,
                        a->bias->count, a->g.k, a->g.k);
  }
  if ((status = clcnn_check_distinct(ctx, fn, a->y, "y", a->x, "x")) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, a->y, "y", a->w, "w")) != CLCNN_OK)
    return status;
  return clcnn_check_distinct(ctx, fn, a->y, "y", a->bias, "bias");
}

clcnn_status clcnn_conv2d_forward(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                  const clcnn_tensor *x, const clcnn_tensor *w,
                                  const clcnn_tensor *bias, clcnn_tensor *y) {
  const char *fn = "clcnn_conv2d_forward";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  clcnn_conv_args a = {.x = x, .w = w, .bias = bias, .y = y};
  if ((status = validate(ctx, fn, d, &a)) != CLCNN_OK) return status;
  clcnn_conv_algo algo =
      d->algo == CLCNN_CONV_AUTO ? clcnn_conv_auto_pick(ctx, &a.g) : (clcnn_conv_algo)d->algo;
  switch (algo) {
  case CLCNN_CONV_DIRECT:
    return clcnn_conv_direct(ctx, &a);
  case CLCNN_CONV_IM2COL_GEMM:
    return clcnn_conv_im2col_gemm(ctx, &a);
  case CLCNN_CONV_GEMM_1X1:
    return clcnn_conv_gemm_1x1(ctx, &a);
  case CLCNN_CONV_WINOGRAD:
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "%s: CLCNN_CONV_WINOGRAD is not implemented in this version; use "
                      "CLCNN_CONV_AUTO or CLCNN_CONV_DIRECT",
                      fn);
  case CLCNN_CONV_AUTO:
    break;
  }
  return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: unknown algo %d", fn, d->algo);
}

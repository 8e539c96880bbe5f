/* Convolution gradients: the input gradient as a transposed convolution (stride 1 through the
   forward direct kernel, else a gather kernel), the weight and bias gradients as one GEMM per
   group over the images side by side. */
#include <stdio.h>

#include "device/context.h"
#include "gemm/gemm.h"
#include "memory/workspace.h"
#include "ops/conv_paths.h"
#include "program/launch.h"
#include "program/program.h"

static clcnn_status validate(clcnn_context *ctx, const char *fn, const clcnn_conv2d_desc *d,
                             const clcnn_tensor *x_like, const clcnn_tensor *w_like,
                             const clcnn_tensor *dy, clcnn_conv_geometry *g) {
  clcnn_status status = clcnn_check_tensor(ctx, fn, "dy", dy, NULL);
  if (status == CLCNN_OK)
    status = clcnn_conv_geometry_make(ctx, fn, d, x_like->shape, w_like->shape, g);
  if (status != CLCNN_OK) return status;
  size_t y_shape[4] = {g->n, g->k, g->p, g->q};
  if ((status = clcnn_check_tensor(ctx, fn, "dy", dy, y_shape)) != CLCNN_OK ||
      (status = clcnn_check_index_range(ctx, fn, "x", x_like->shape)) != CLCNN_OK)
    return status;
  return clcnn_check_index_range(ctx, fn, "dy", y_shape);
}

static clcnn_status gather_data(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                const clcnn_tensor *dy, const clcnn_tensor *w, clcnn_tensor *dx) {
  cl_kernel kernel;
  clcnn_status status =
      clcnn_kernel_get(ctx, "conv2d_backward.cl", "", "conv2d_backward_data", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong dy_off = dy->offset, w_off = w->offset, dx_off = dx->offset;
  cl_int v[] = {(cl_int)g->n,  (cl_int)g->c,      (cl_int)g->h,  (cl_int)g->w,
                (cl_int)g->k,  (cl_int)g->r,      (cl_int)g->s,  (cl_int)g->p,
                (cl_int)g->q,  (cl_int)g->groups, (cl_int)g->sh, (cl_int)g->sw,
                (cl_int)g->dh, (cl_int)g->dw,     (cl_int)g->pt, (cl_int)g->pl};
  clcnn_arg args[6 + 16] = {CLCNN_ARG(dy->buf), CLCNN_ARG(dy_off),  CLCNN_ARG(w->buf),
                            CLCNN_ARG(w_off),   CLCNN_ARG(dx->buf), CLCNN_ARG(dx_off)};
  for (int i = 0; i < 16; i++) args[6 + i] = (clcnn_arg){sizeof(cl_int), &v[i]};
  clcnn_launch_dims dims = {3, {g->w, g->h, g->n * g->c}, {0}};
  return clcnn_launch(ctx, kernel, "conv2d_backward_data", args, 22, &dims);
}

/* Stride 1 with padding no wider than the dilated filter: dx is the forward convolution of
   dy with the flipped, transposed filters and the complementary padding. */
static int transposes_to_forward(const clcnn_conv_geometry *g) {
  size_t span_h = g->dh * (g->r - 1), span_w = g->dw * (g->s - 1);
  return g->sh == 1 && g->sw == 1 && g->pt <= span_h && g->pb <= span_h && g->pl <= span_w &&
         g->pr <= span_w;
}

static clcnn_status flipped_forward(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                    const clcnn_tensor *dy, const clcnn_tensor *w,
                                    clcnn_tensor *dx) {
  size_t count = g->k * g->cg * g->r * g->s;
  cl_mem wf;
  cl_kernel kernel;
  clcnn_status status =
      clcnn_workspace_get(ctx, CLCNN_WS_TRANSFORMED_WEIGHTS, count * sizeof(float), &wf);
  if (status == CLCNN_OK)
    status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "flip_weights", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong w_off = w->offset;
  cl_int G = (cl_int)g->groups, KG = (cl_int)g->kg, CG = (cl_int)g->cg, R = (cl_int)g->r,
         S = (cl_int)g->s;
  clcnn_arg args[] = {CLCNN_ARG(w->buf), CLCNN_ARG(w_off), CLCNN_ARG(wf), CLCNN_ARG(G),
                      CLCNN_ARG(KG),     CLCNN_ARG(CG),    CLCNN_ARG(R),  CLCNN_ARG(S)};
  clcnn_launch_dims dims = {1, {count}, {64}};
  if ((status = clcnn_launch(ctx, kernel, "flip_weights", args, 8, &dims)) != CLCNN_OK)
    return status;
  struct clcnn_tensor flipped = {ctx, wf, 0, {g->c, g->kg, g->r, g->s}, count, 1};
  size_t span_h = g->dh * (g->r - 1), span_w = g->dw * (g->s - 1);
  clcnn_conv2d_desc t = {
      1,     1,     span_h - g->pt, span_h - g->pb,   span_w - g->pl, span_w - g->pr,
      g->dh, g->dw, g->groups,      CLCNN_CONV_DIRECT};
  clcnn_conv_args a = {.x = dy, .w = &flipped, .bias = NULL, .y = dx};
  status = clcnn_conv_geometry_make(ctx, "clcnn_conv2d_backward_data", &t, dy->shape, flipped.shape,
                                    &a.g);
  return status == CLCNN_OK ? clcnn_conv_direct(ctx, &a) : status;
}

/* A filter that covers its whole input (a fully connected layer): seen as N x C*R*S x 1 x 1,
   the input gradient is a 1x1 convolution of dy with the transposed filters, which the
   direct kernel vectorizes along all C*R*S outputs instead of mostly padding. */
static int covers_input(const clcnn_conv_geometry *g) {
  return g->p == 1 && g->q == 1 && g->h == g->r && g->w == g->s && g->pt == 0 && g->pb == 0 &&
         g->pl == 0 && g->pr == 0;
}

static clcnn_conv_geometry as_one_by_one(const clcnn_conv_geometry *g) {
  clcnn_conv_geometry f = *g;
  f.c = g->c * g->r * g->s;
  f.cg = g->cg * g->r * g->s;
  f.h = f.w = f.r = f.s = 1;
  f.sh = f.sw = f.dh = f.dw = 1;
  return f;
}

clcnn_status clcnn_conv2d_backward_data(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                        const clcnn_tensor *dy, const clcnn_tensor *w,
                                        clcnn_tensor *dx) {
  const char *fn = "clcnn_conv2d_backward_data";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "w", w, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dx", dx, NULL);
  clcnn_conv_geometry g = {0};
  if (status == CLCNN_OK) status = validate(ctx, fn, d, dx, w, dy, &g);
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, dx, "dx", dy, "dy");
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, dx, "dx", w, "w");
  if (status != CLCNN_OK) return status;
  if (covers_input(&g)) {
    clcnn_conv_geometry f = as_one_by_one(&g);
    return flipped_forward(ctx, &f, dy, w, dx);
  }
  return transposes_to_forward(&g) ? flipped_forward(ctx, &g, dy, w, dx)
                                   : gather_data(ctx, &g, dy, w, dx);
}

static clcnn_status transpose_chunk(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                    const clcnn_tensor *dy, size_t n0, size_t images, cl_mem dyt) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "transpose_images", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong dy_off = dy->offset + n0 * g->k * g->p * g->q;
  cl_int K = (cl_int)g->k, PQ = (cl_int)(g->p * g->q), nb = (cl_int)images;
  clcnn_arg args[] = {CLCNN_ARG(dy->buf), CLCNN_ARG(dy_off), CLCNN_ARG(dyt),
                      CLCNN_ARG(K),       CLCNN_ARG(PQ),     CLCNN_ARG(nb)};
  clcnn_launch_dims dims = {3, {g->p * g->q, images, g->k}, {0}};
  return clcnn_launch(ctx, kernel, "transpose_images", args, 6, &dims);
}

static clcnn_status bias_chunk(clcnn_context *ctx, const clcnn_conv_geometry *g, cl_mem dyt,
                               size_t images, clcnn_tensor *dbias, int accumulate) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "sum_rows", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong db_off = dbias->offset, row = images * g->p * g->q;
  cl_int K = (cl_int)g->k, acc = accumulate;
  clcnn_arg args[] = {CLCNN_ARG(dyt), CLCNN_ARG(dbias->buf), CLCNN_ARG(db_off),
                      CLCNN_ARG(row), CLCNN_ARG(K),          CLCNN_ARG(acc)};
  clcnn_launch_dims dims = {1, {g->k}, {0}};
  return clcnn_launch(ctx, kernel, "sum_rows", args, 6, &dims);
}

/* dw_g (+)= dyt_g [KG x images*PQ] times columns_g^T [images*PQ x CG*R*S]. */
static clcnn_status weights_chunk(clcnn_context *ctx, const clcnn_conv_args *a, cl_mem dyt,
                                  cl_mem col, size_t n0, size_t images) {
  const clcnn_conv_geometry *g = &a->g;
  size_t crs = g->cg * g->r * g->s, row = images * g->p * g->q;
  clcnn_status status = CLCNN_OK;
  for (size_t gi = 0; status == CLCNN_OK && gi < g->groups; gi++) {
    status = clcnn_conv_im2col(ctx, a, gi, n0, images, CLCNN_COLUMNS_SIDE_BY_SIDE, col);
    clcnn_gemm_desc desc = {.trans_b = 1,
                            .m = g->kg,
                            .n = crs,
                            .k = row,
                            .alpha = 1.0f,
                            .beta = n0 == 0 ? 0.0f : 1.0f,
                            .a = dyt,
                            .a_offset = gi * g->kg * row,
                            .lda = row,
                            .b = col,
                            .b_offset = 0,
                            .ldb = row,
                            .c = a->y->buf,
                            .c_offset = a->y->offset + gi * g->kg * crs,
                            .ldc = crs};
    if (status == CLCNN_OK) status = clcnn_gemm(ctx, &desc);
  }
  return status;
}

/* Output columns per vector in the weight-gradient kernel, and the limits past which the
   GEMM path is used instead: narrow outputs (fully connected layers) leave most lanes idle,
   and more than 32 taps would not fit in registers. */
#define WEIGHT_VECTOR 8
#define WEIGHT_MIN_COLUMNS 4
#define WEIGHT_MAX_TAPS 32

static int weights_direct_applies(const clcnn_conv_geometry *g) {
  return g->q >= WEIGHT_MIN_COLUMNS && g->r * g->s <= WEIGHT_MAX_TAPS;
}

typedef struct weight_plan {
  size_t tiles_q, xh, xw, chunk;
} weight_plan;

static weight_plan plan_weights(const clcnn_context *ctx, const clcnn_conv_geometry *g) {
  weight_plan pl;
  pl.tiles_q = (g->q + WEIGHT_VECTOR - 1) / WEIGHT_VECTOR;
  pl.xh = (g->p - 1) * g->sh + (g->r - 1) * g->dh + 1;
  pl.xw = (pl.tiles_q * WEIGHT_VECTOR - 1) * g->sw + (g->s - 1) * g->dw + 1;
  size_t per_image = g->c * pl.xh * pl.xw, partials = g->k * g->cg * g->r * g->s;
  pl.chunk = clcnn_workspace_items(
      ctx, (per_image > partials ? per_image : partials) * sizeof(float), g->n);
  return pl;
}

static clcnn_status partials_kernel(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                    const weight_plan *pl, cl_kernel *kernel) {
  char options[384];
  snprintf(options, sizeof options,
           "-DWEIGHT_PARTIALS -DVQ=%d -DR=%zu -DS=%zu -DSH=%zu -DSW=%zu -DDH=%zu -DDW=%zu "
           "-DP=%zu -DQ=%zu -DXH=%zu -DXW=%zu -DCG=%zu -DKG=%zu -DG=%zu -DTILES_Q=%zu",
           WEIGHT_VECTOR, g->r, g->s, g->sh, g->sw, g->dh, g->dw, g->p, g->q, pl->xh, pl->xw, g->cg,
           g->kg, g->groups, pl->tiles_q);
  return clcnn_kernel_get(ctx, "conv2d_weights.cl", options, "conv2d_weight_partials", kernel);
}

static clcnn_status reduce_chunk(clcnn_context *ctx, const clcnn_conv_geometry *g, cl_mem part,
                                 clcnn_tensor *dw, size_t images, int accumulate) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_weights.cl", "", "sum_partials", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong dw_off = dw->offset, count = g->k * g->cg * g->r * g->s;
  cl_int nb = (cl_int)images, acc = accumulate;
  clcnn_arg args[] = {CLCNN_ARG(part),  CLCNN_ARG(dw->buf), CLCNN_ARG(dw_off),
                      CLCNN_ARG(count), CLCNN_ARG(nb),      CLCNN_ARG(acc)};
  clcnn_launch_dims dims = {1, {count}, {64}};
  return clcnn_launch(ctx, kernel, "sum_partials", args, 6, &dims);
}

static clcnn_status bias_direct(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                const clcnn_tensor *dy, size_t n0, size_t images,
                                clcnn_tensor *dbias) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_weights.cl", "", "bias_gradient", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong dy_off = dy->offset + n0 * g->k * g->p * g->q, db_off = dbias->offset;
  cl_int K = (cl_int)g->k, PQ = (cl_int)(g->p * g->q), nb = (cl_int)images, acc = n0 > 0;
  clcnn_arg args[] = {CLCNN_ARG(dy->buf), CLCNN_ARG(dy_off), CLCNN_ARG(dbias->buf),
                      CLCNN_ARG(db_off),  CLCNN_ARG(K),      CLCNN_ARG(PQ),
                      CLCNN_ARG(nb),      CLCNN_ARG(acc)};
  clcnn_launch_dims dims = {1, {g->k}, {0}};
  return clcnn_launch(ctx, kernel, "bias_gradient", args, 8, &dims);
}

/* Per image partial weight gradients from a padded input copy, then a sum over the images. */
static clcnn_status weights_direct(clcnn_context *ctx, const clcnn_conv_args *a,
                                   const clcnn_tensor *dy, clcnn_tensor *dbias) {
  const clcnn_conv_geometry *g = &a->g;
  weight_plan pl = plan_weights(ctx, g);
  size_t partials = g->k * g->cg * g->r * g->s;
  cl_kernel kernel;
  cl_mem xp, part;
  clcnn_status status = partials_kernel(ctx, g, &pl, &kernel);
  if (status == CLCNN_OK)
    status = clcnn_workspace_get(ctx, CLCNN_WS_PADDED_INPUT,
                                 pl.chunk * g->c * pl.xh * pl.xw * sizeof(float), &xp);
  if (status == CLCNN_OK)
    status = clcnn_workspace_get(ctx, CLCNN_WS_GRADIENT_ROWS, pl.chunk * partials * sizeof(float),
                                 &part);
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += pl.chunk) {
    size_t images = g->n - n0 < pl.chunk ? g->n - n0 : pl.chunk;
    status = clcnn_conv_pad_input(ctx, a->x, g, n0, images, pl.xh, pl.xw, xp);
    cl_ulong dy_off = dy->offset + n0 * g->k * g->p * g->q;
    clcnn_arg args[] = {CLCNN_ARG(xp), CLCNN_ARG(dy->buf), CLCNN_ARG(dy_off), CLCNN_ARG(part)};
    clcnn_launch_dims dims = {2, {g->k * g->cg, images}, {0}};
    if (status == CLCNN_OK)
      status = clcnn_launch(ctx, kernel, "conv2d_weight_partials", args, 4, &dims);
    if (status == CLCNN_OK) status = reduce_chunk(ctx, g, part, a->y, images, n0 > 0);
    if (status == CLCNN_OK && dbias) status = bias_direct(ctx, g, dy, n0, images, dbias);
  }
  return status;
}

static clcnn_status check_weight_outputs(clcnn_context *ctx, const char *fn, const clcnn_tensor *x,
                                         const clcnn_tensor *dy, const clcnn_tensor *dw,
                                         const clcnn_tensor *dbias, size_t k) {
  clcnn_status status = clcnn_check_distinct(ctx, fn, dw, "dw", x, "x");
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, dw, "dw", dy, "dy");
  if (status != CLCNN_OK || !dbias) return status;
  if ((status = clcnn_check_tensor(ctx, fn, "dbias", dbias, NULL)) != CLCNN_OK) return status;
  if (dbias->count != k)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: dbias has %zu elements, expected K = %zu",
                      fn, dbias->count, k);
  if ((status = clcnn_check_distinct(ctx, fn, dbias, "dbias", x, "x")) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, dbias, "dbias", dy, "dy")) != CLCNN_OK)
    return status;
  return clcnn_check_distinct(ctx, fn, dbias, "dbias", dw, "dw");
}

clcnn_status clcnn_conv2d_backward_weights(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                           const clcnn_tensor *x, const clcnn_tensor *dy,
                                           clcnn_tensor *dw, clcnn_tensor *dbias) {
  const char *fn = "clcnn_conv2d_backward_weights";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dw", dw, NULL);
  clcnn_conv_args a = {.x = x, .w = dw, .bias = NULL, .y = dw};
  if (status == CLCNN_OK) status = validate(ctx, fn, d, x, dw, dy, &a.g);
  if (status == CLCNN_OK) status = check_weight_outputs(ctx, fn, x, dy, dw, dbias, a.g.k);
  if (status != CLCNN_OK) return status;
  const clcnn_conv_geometry *g = &a.g;
  if (weights_direct_applies(g) && plan_weights(ctx, g).chunk > 0)
    return weights_direct(ctx, &a, dy, dbias);
  size_t crs = g->cg * g->r * g->s, pq = g->p * g->q;
  size_t chunk = clcnn_workspace_items(ctx, (crs > g->k ? crs : g->k) * pq * sizeof(float), g->n);
  if (chunk == 0)
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "%s: one image needs %zu bytes of columns, over CL_DEVICE_MAX_MEM_ALLOC_SIZE",
                      fn, crs * pq * sizeof(float));
  cl_mem col, dyt;
  status = clcnn_workspace_get(ctx, CLCNN_WS_COLUMNS, chunk * crs * pq * sizeof(float), &col);
  if (status == CLCNN_OK)
    status =
        clcnn_workspace_get(ctx, CLCNN_WS_GRADIENT_ROWS, chunk * g->k * pq * sizeof(float), &dyt);
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += chunk) {
    size_t images = g->n - n0 < chunk ? g->n - n0 : chunk;
    status = transpose_chunk(ctx, g, dy, n0, images, dyt);
    if (status == CLCNN_OK) status = weights_chunk(ctx, &a, dyt, col, n0, images);
    if (status == CLCNN_OK && dbias) status = bias_chunk(ctx, g, dyt, images, dbias, n0 > 0);
  }
  return status;
}

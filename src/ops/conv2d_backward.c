/* Convolution gradients. Input gradient: a transposed convolution, through the forward direct
   path on flipped, transposed filters when the stride is 1 (or the filter covers its input),
   else a gather kernel. Weight and bias gradients: per-image vectorized partials summed over
   the images, or one CLBlast GEMM per group over the images side by side. */
#include <stdio.h>
#include <string.h>

#include "device/context.h"
#include "gemm/gemm.h"
#include "memory/workspace.h"
#include "ops/conv_paths.h"
#include "program/launch.h"
#include "program/program.h"

/* ---- input gradient ---------------------------------------------------------------------- */

/* Stride 1 with padding no wider than the dilated filter: dx is the forward convolution of
   dy with the flipped, transposed filters and the complementary padding. */
static int transposes_to_forward(const clcnn_conv_geometry *g) {
  size_t span_h = g->dh * (g->r - 1), span_w = g->dw * (g->s - 1);
  return g->sh == 1 && g->sw == 1 && g->pt <= span_h && g->pb <= span_h && g->pl <= span_w &&
         g->pr <= span_w;
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

/* The forward geometry of dx = dy (*) flipped filters, for a problem g that transposes. */
static clcnn_status transposed_geometry(clcnn_context *ctx, const char *fn,
                                        const clcnn_conv_geometry *g, clcnn_conv_geometry *t) {
  size_t span_h = g->dh * (g->r - 1), span_w = g->dw * (g->s - 1);
  clcnn_conv2d_desc d = {
      1,     1,     span_h - g->pt, span_h - g->pb,   span_w - g->pl, span_w - g->pr,
      g->dh, g->dw, g->groups,      CLCNN_CONV_DIRECT};
  size_t dy_shape[4] = {g->n, g->k, g->p, g->q}, wf_shape[4] = {g->c, g->kg, g->r, g->s};
  return clcnn_conv_geometry_make(ctx, fn, &d, dy_shape, wf_shape, t);
}

clcnn_status clcnn_backward_data_setup(clcnn_context *ctx, const char *fn,
                                       const clcnn_conv_geometry *g, clcnn_backward_data_conv *bd) {
  *bd = (clcnn_backward_data_conv){.g = *g};
  clcnn_conv_geometry f = covers_input(g) ? as_one_by_one(g) : *g;
  if (!covers_input(g) && !transposes_to_forward(g))
    return clcnn_kernel_get(ctx, "conv2d_backward.cl", "", "conv2d_backward_data", &bd->kernel);
  bd->flipped = 1;
  bd->g = f;
  bd->flipped_floats = f.k * f.cg * f.r * f.s;
  clcnn_status status = transposed_geometry(ctx, fn, &f, &bd->tg);
  if (status == CLCNN_OK) status = clcnn_direct_setup(ctx, &bd->tg, &bd->dc);
  if (status == CLCNN_OK)
    status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "flip_weights", &bd->kernel);
  return status;
}

size_t clcnn_backward_data_packed_floats(const clcnn_backward_data_conv *bd) {
  if (!bd->flipped) return 0;
  return bd->dc.fast ? bd->dc.packed_floats : bd->flipped_floats;
}

clcnn_status clcnn_backward_data_pack(clcnn_context *ctx, const clcnn_backward_data_conv *bd,
                                      clcnn_buffer_view w, cl_mem scratch, cl_mem packed) {
  const clcnn_conv_geometry *g = &bd->g;
  cl_mem flipped = bd->dc.fast ? scratch : packed;
  clcnn_launch_dims dims = {1, {bd->flipped_floats}, {64}};
  clcnn_status status =
      CLCNN_LAUNCH(ctx, bd->kernel, "flip_weights", &dims, CLCNN_MEM(w.buf), CLCNN_ULONG(w.offset),
                   CLCNN_MEM(flipped), CLCNN_INT(g->groups), CLCNN_INT(g->kg), CLCNN_INT(g->cg),
                   CLCNN_INT(g->r), CLCNN_INT(g->s));
  if (status != CLCNN_OK || !bd->dc.fast) return status;
  return clcnn_direct_pack(ctx, &bd->dc, (clcnn_buffer_view){flipped, 0}, packed);
}

static clcnn_status gather_data(clcnn_context *ctx, const clcnn_backward_data_conv *bd,
                                const clcnn_tensor *dy, clcnn_buffer_view w, clcnn_tensor *dx) {
  const clcnn_conv_geometry *g = &bd->g;
  clcnn_launch_dims dims = {3, {g->w, g->h, g->n * g->c}, {0}};
  return CLCNN_LAUNCH(ctx, bd->kernel, "conv2d_backward_data", &dims, CLCNN_MEM(dy->buf),
                      CLCNN_ULONG(dy->offset), CLCNN_MEM(w.buf), CLCNN_ULONG(w.offset),
                      CLCNN_MEM(dx->buf), CLCNN_ULONG(dx->offset), CLCNN_INT(g->n), CLCNN_INT(g->c),
                      CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->k), CLCNN_INT(g->r),
                      CLCNN_INT(g->s), CLCNN_INT(g->p), CLCNN_INT(g->q), CLCNN_INT(g->groups),
                      CLCNN_INT(g->sh), CLCNN_INT(g->sw), CLCNN_INT(g->dh), CLCNN_INT(g->dw),
                      CLCNN_INT(g->pt), CLCNN_INT(g->pl));
}

clcnn_status clcnn_backward_data_run(clcnn_context *ctx, const clcnn_backward_data_conv *bd,
                                     const clcnn_tensor *dy, clcnn_buffer_view w,
                                     clcnn_tensor *dx) {
  if (!bd->flipped) return gather_data(ctx, bd, dy, w, dx);
  /* the transposed problem sees dy and dx with its own (possibly 1x1-folded) shapes */
  struct clcnn_tensor dy_view = *dy, dx_view = *dx;
  const clcnn_conv_geometry *t = &bd->tg;
  size_t dy_shape[4] = {t->n, t->c, t->h, t->w}, dx_shape[4] = {t->n, t->k, t->p, t->q};
  memcpy(dy_view.shape, dy_shape, sizeof dy_shape);
  memcpy(dx_view.shape, dx_shape, sizeof dx_shape);
  return clcnn_direct_run(ctx, &bd->dc, &dy_view, w, NULL, &dx_view);
}

/* ---- weight and bias gradients ----------------------------------------------------------- */

/* Output columns per vector in the weight-gradient kernel, and the limits past which the
   GEMM path is used instead: narrow outputs (fully connected layers) leave most lanes idle,
   and more than 32 taps would not fit in registers. */
#define WEIGHT_VECTOR 8
#define WEIGHT_MIN_COLUMNS 4
#define WEIGHT_MAX_TAPS 32

static clcnn_status setup_partials(clcnn_context *ctx, clcnn_backward_weights_conv *bw) {
  const clcnn_conv_geometry *g = &bw->g;
  bw->tiles_q = (g->q + WEIGHT_VECTOR - 1) / WEIGHT_VECTOR;
  bw->xh = (g->p - 1) * g->sh + (g->r - 1) * g->dh + 1;
  bw->xw = (bw->tiles_q * WEIGHT_VECTOR - 1) * g->sw + (g->s - 1) * g->dw + 1;
  size_t per_image = g->c * bw->xh * bw->xw, partials = g->k * g->cg * g->r * g->s;
  bw->chunk = clcnn_workspace_items(
      ctx, (per_image > partials ? per_image : partials) * sizeof(float), g->n);
  if (bw->chunk == 0) return CLCNN_OK;
  bw->direct = 1;
  char options[384];
  snprintf(options, sizeof options,
           "-DWEIGHT_PARTIALS -DVQ=%d -DR=%zu -DS=%zu -DSH=%zu -DSW=%zu -DDH=%zu -DDW=%zu "
           "-DP=%zu -DQ=%zu -DXH=%zu -DXW=%zu -DCG=%zu -DKG=%zu -DG=%zu -DTILES_Q=%zu",
           WEIGHT_VECTOR, g->r, g->s, g->sh, g->sw, g->dh, g->dw, g->p, g->q, bw->xh, bw->xw, g->cg,
           g->kg, g->groups, bw->tiles_q);
  return clcnn_kernel_get(ctx, "conv2d_weights.cl", options, "conv2d_weight_partials", &bw->kernel);
}

clcnn_status clcnn_backward_weights_setup(clcnn_context *ctx, const char *fn,
                                          const clcnn_conv_geometry *g,
                                          clcnn_backward_weights_conv *bw) {
  *bw = (clcnn_backward_weights_conv){.g = *g};
  if (g->q >= WEIGHT_MIN_COLUMNS && g->r * g->s <= WEIGHT_MAX_TAPS) {
    clcnn_status status = setup_partials(ctx, bw);
    if (status != CLCNN_OK || bw->direct) return status;
  }
  size_t crs = g->cg * g->r * g->s, pq = g->p * g->q;
  bw->chunk = clcnn_workspace_items(ctx, (crs > g->k ? crs : g->k) * pq * sizeof(float), g->n);
  if (bw->chunk == 0)
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "%s: one image needs %zu bytes of columns, over CL_DEVICE_MAX_MEM_ALLOC_SIZE",
                      fn, crs * pq * sizeof(float));
  return CLCNN_OK;
}

static clcnn_status transpose_chunk(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                    const clcnn_tensor *dy, size_t n0, size_t images, cl_mem dyt) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "transpose_images", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {3, {g->p * g->q, images, g->k}, {0}};
  return CLCNN_LAUNCH(ctx, kernel, "transpose_images", &dims, CLCNN_MEM(dy->buf),
                      CLCNN_ULONG(dy->offset + n0 * g->k * g->p * g->q), CLCNN_MEM(dyt),
                      CLCNN_INT(g->k), CLCNN_INT(g->p * g->q), CLCNN_INT(images));
}

static clcnn_status bias_chunk(clcnn_context *ctx, const clcnn_conv_geometry *g, cl_mem dyt,
                               size_t images, clcnn_tensor *dbias, int accumulate) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "sum_rows", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {1, {g->k}, {0}};
  return CLCNN_LAUNCH(ctx, kernel, "sum_rows", &dims, CLCNN_MEM(dyt), CLCNN_MEM(dbias->buf),
                      CLCNN_ULONG(dbias->offset), CLCNN_ULONG(images * g->p * g->q),
                      CLCNN_INT(g->k), CLCNN_INT(accumulate));
}

/* dw_g (+)= dyt_g [KG x images*PQ] times columns_g^T [images*PQ x CG*R*S]. */
static clcnn_status weights_chunk(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                  const clcnn_tensor *x, clcnn_tensor *dw, cl_mem dyt, cl_mem col,
                                  size_t n0, size_t images) {
  size_t crs = g->cg * g->r * g->s, row = images * g->p * g->q;
  clcnn_status status = CLCNN_OK;
  for (size_t gi = 0; status == CLCNN_OK && gi < g->groups; gi++) {
    status = clcnn_conv_im2col(ctx, g, x, gi, n0, images, CLCNN_COLUMNS_SIDE_BY_SIDE, col);
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
                            .c = dw->buf,
                            .c_offset = dw->offset + gi * g->kg * crs,
                            .ldc = crs};
    if (status == CLCNN_OK) status = clcnn_gemm(ctx, &desc);
  }
  return status;
}

static clcnn_status weights_gemm(clcnn_context *ctx, const clcnn_backward_weights_conv *bw,
                                 const clcnn_tensor *x, const clcnn_tensor *dy, clcnn_tensor *dw,
                                 clcnn_tensor *dbias) {
  const clcnn_conv_geometry *g = &bw->g;
  size_t crs = g->cg * g->r * g->s, pq = g->p * g->q;
  cl_mem col, dyt;
  clcnn_status status =
      clcnn_workspace_get(ctx, CLCNN_WS_COLUMNS, bw->chunk * crs * pq * sizeof(float), &col);
  if (status == CLCNN_OK)
    status = clcnn_workspace_get(ctx, CLCNN_WS_GRADIENT_ROWS, bw->chunk * g->k * pq * sizeof(float),
                                 &dyt);
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += bw->chunk) {
    size_t images = g->n - n0 < bw->chunk ? g->n - n0 : bw->chunk;
    status = transpose_chunk(ctx, g, dy, n0, images, dyt);
    if (status == CLCNN_OK) status = weights_chunk(ctx, g, x, dw, dyt, col, n0, images);
    if (status == CLCNN_OK && dbias) status = bias_chunk(ctx, g, dyt, images, dbias, n0 > 0);
  }
  return status;
}

static clcnn_status reduce_chunk(clcnn_context *ctx, const clcnn_conv_geometry *g, cl_mem part,
                                 clcnn_tensor *dw, size_t images, int accumulate) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_weights.cl", "", "sum_partials", &kernel);
  if (status != CLCNN_OK) return status;
  size_t count = g->k * g->cg * g->r * g->s;
  clcnn_launch_dims dims = {1, {count}, {64}};
  return CLCNN_LAUNCH(ctx, kernel, "sum_partials", &dims, CLCNN_MEM(part), CLCNN_MEM(dw->buf),
                      CLCNN_ULONG(dw->offset), CLCNN_ULONG(count), CLCNN_INT(images),
                      CLCNN_INT(accumulate));
}

static clcnn_status bias_direct(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                const clcnn_tensor *dy, size_t n0, size_t images,
                                clcnn_tensor *dbias) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_weights.cl", "", "bias_gradient", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {1, {g->k}, {0}};
  return CLCNN_LAUNCH(ctx, kernel, "bias_gradient", &dims, CLCNN_MEM(dy->buf),
                      CLCNN_ULONG(dy->offset + n0 * g->k * g->p * g->q), CLCNN_MEM(dbias->buf),
                      CLCNN_ULONG(dbias->offset), CLCNN_INT(g->k), CLCNN_INT(g->p * g->q),
                      CLCNN_INT(images), CLCNN_INT(n0 > 0));
}

/* Per image partial weight gradients from a padded input copy, then a sum over the images. */
static clcnn_status weights_direct(clcnn_context *ctx, const clcnn_backward_weights_conv *bw,
                                   const clcnn_tensor *x, const clcnn_tensor *dy, clcnn_tensor *dw,
                                   clcnn_tensor *dbias) {
  const clcnn_conv_geometry *g = &bw->g;
  size_t partials = g->k * g->cg * g->r * g->s;
  cl_mem xp, part;
  clcnn_status status = clcnn_workspace_get(
      ctx, CLCNN_WS_PADDED_INPUT, bw->chunk * g->c * bw->xh * bw->xw * sizeof(float), &xp);
  if (status == CLCNN_OK)
    status = clcnn_workspace_get(ctx, CLCNN_WS_GRADIENT_ROWS, bw->chunk * partials * sizeof(float),
                                 &part);
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += bw->chunk) {
    size_t images = g->n - n0 < bw->chunk ? g->n - n0 : bw->chunk;
    status = clcnn_conv_pad_input(ctx, x, g, n0, images, bw->xh, bw->xw, xp);
    clcnn_launch_dims dims = {2, {g->k * g->cg, images}, {0}};
    if (status == CLCNN_OK)
      status = CLCNN_LAUNCH(ctx, bw->kernel, "conv2d_weight_partials", &dims, CLCNN_MEM(xp),
                            CLCNN_MEM(dy->buf), CLCNN_ULONG(dy->offset + n0 * g->k * g->p * g->q),
                            CLCNN_MEM(part));
    if (status == CLCNN_OK) status = reduce_chunk(ctx, g, part, dw, images, n0 > 0);
    if (status == CLCNN_OK && dbias) status = bias_direct(ctx, g, dy, n0, images, dbias);
  }
  return status;
}

clcnn_status clcnn_backward_weights_run(clcnn_context *ctx, const clcnn_backward_weights_conv *bw,
                                        const clcnn_tensor *x, const clcnn_tensor *dy,
                                        clcnn_tensor *dw, clcnn_tensor *dbias) {
  return bw->direct ? weights_direct(ctx, bw, x, dy, dw, dbias)
                    : weights_gemm(ctx, bw, x, dy, dw, dbias);
}

/* The CLBlast paths: im2col into a workspace then GEMM, and 1x1 convolution as a GEMM
   straight on the input; bias is added by a kernel afterwards. */
#include "device/context.h"
#include "gemm/gemm.h"
#include "memory/workspace.h"
#include "ops/conv_paths.h"
#include "program/launch.h"
#include "program/program.h"

int clcnn_conv_is_plain_1x1(const clcnn_conv_geometry *g) {
  return g->r == 1 && g->s == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pb == 0 &&
         g->pl == 0 && g->pr == 0;
}

size_t clcnn_conv_im2col_chunk(const clcnn_context *ctx, const clcnn_conv_geometry *g) {
  return clcnn_workspace_items(ctx, g->cg * g->r * g->s * g->p * g->q * sizeof(float), g->n);
}

clcnn_status clcnn_conv_add_bias(clcnn_context *ctx, const clcnn_conv_args *a) {
  if (!a->bias) return CLCNN_OK;
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "add_bias", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong y_off = a->y->offset, b_off = a->bias->offset;
  cl_int K = (cl_int)a->g.k, PQ = (cl_int)(a->g.p * a->g.q), N = (cl_int)a->g.n;
  clcnn_arg args[] = {CLCNN_ARG(a->y->buf), CLCNN_ARG(y_off), CLCNN_ARG(a->bias->buf),
                      CLCNN_ARG(b_off),     CLCNN_ARG(K),     CLCNN_ARG(PQ),
                      CLCNN_ARG(N)};
  clcnn_launch_dims dims = {3, {a->g.p * a->g.q, a->g.k, a->g.n}, {0}};
  return clcnn_launch(ctx, kernel, "add_bias", args, 7, &dims);
}

/* Product of group gi's filters with `images` column (or input) matrices, one per image. */
static clcnn_status group_gemm(clcnn_context *ctx, const clcnn_conv_args *a, size_t gi, cl_mem b,
                               size_t b_offset, size_t b_stride, size_t n0, size_t images) {
  const clcnn_conv_geometry *g = &a->g;
  size_t crs = g->cg * g->r * g->s, pq = g->p * g->q;
  clcnn_gemm_desc desc = {.m = g->kg,
                          .n = pq,
                          .k = crs,
                          .alpha = 1.0f,
                          .beta = 0.0f,
                          .a = a->w->buf,
                          .a_offset = a->w->offset + gi * g->kg * crs,
                          .lda = crs,
                          .b = b,
                          .b_offset = b_offset,
                          .ldb = pq,
                          .c = a->y->buf,
                          .c_offset = a->y->offset + (n0 * g->k + gi * g->kg) * pq,
                          .ldc = pq};
  if (images == 1) return clcnn_gemm(ctx, &desc);
  return clcnn_gemm_strided_batched(ctx, &desc, 0, b_stride, g->k * pq, images);
}

clcnn_status clcnn_conv_im2col(clcnn_context *ctx, const clcnn_conv_args *a, size_t gi, size_t n0,
                               size_t images, clcnn_columns_layout layout, cl_mem col) {
  const clcnn_conv_geometry *g = &a->g;
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "im2col", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong x_off = a->x->offset + n0 * g->c * g->h * g->w;
  cl_ulong image_stride =
      layout == CLCNN_COLUMNS_PER_IMAGE ? g->cg * g->r * g->s * g->p * g->q : g->p * g->q;
  cl_ulong row_stride = layout == CLCNN_COLUMNS_PER_IMAGE ? g->p * g->q : images * g->p * g->q;
  cl_int v[] = {(cl_int)g->c,  (cl_int)g->h,  (cl_int)g->w,  (cl_int)g->r,  (cl_int)g->s,
                (cl_int)g->p,  (cl_int)g->q,  (cl_int)g->cg, (cl_int)gi,    (cl_int)g->sh,
                (cl_int)g->sw, (cl_int)g->dh, (cl_int)g->dw, (cl_int)g->pt, (cl_int)g->pl};
  clcnn_arg args[5 + 15] = {CLCNN_ARG(a->x->buf), CLCNN_ARG(x_off), CLCNN_ARG(col),
                            CLCNN_ARG(image_stride), CLCNN_ARG(row_stride)};
  for (int i = 0; i < 15; i++) args[5 + i] = (clcnn_arg){sizeof(cl_int), &v[i]};
  clcnn_launch_dims dims = {3, {g->p * g->q, g->cg * g->r * g->s, images}, {0}};
  return clcnn_launch(ctx, kernel, "im2col", args, 20, &dims);
}

clcnn_status clcnn_conv_im2col_gemm(clcnn_context *ctx, const clcnn_conv_args *a) {
  const clcnn_conv_geometry *g = &a->g;
  size_t chunk = clcnn_conv_im2col_chunk(ctx, g);
  size_t per_image = g->cg * g->r * g->s * g->p * g->q;
  if (chunk == 0)
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "clcnn_conv2d_forward: CLCNN_CONV_IM2COL_GEMM needs %zu bytes of columns "
                      "per image, over CL_DEVICE_MAX_MEM_ALLOC_SIZE %llu; use CLCNN_CONV_DIRECT",
                      per_image * sizeof(float), (unsigned long long)ctx->caps.max_alloc_bytes);
  cl_mem col;
  clcnn_status status =
      clcnn_workspace_get(ctx, CLCNN_WS_COLUMNS, chunk * per_image * sizeof(float), &col);
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += chunk) {
    size_t images = g->n - n0 < chunk ? g->n - n0 : chunk;
    for (size_t gi = 0; status == CLCNN_OK && gi < g->groups; gi++) {
      status = clcnn_conv_im2col(ctx, a, gi, n0, images, CLCNN_COLUMNS_PER_IMAGE, col);
      if (status == CLCNN_OK) status = group_gemm(ctx, a, gi, col, 0, per_image, n0, images);
    }
  }
  return status == CLCNN_OK ? clcnn_conv_add_bias(ctx, a) : status;
}

clcnn_status clcnn_conv_gemm_1x1(clcnn_context *ctx, const clcnn_conv_args *a) {
  const clcnn_conv_geometry *g = &a->g;
  if (!clcnn_conv_is_plain_1x1(g))
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "clcnn_conv2d_forward: CLCNN_CONV_GEMM_1X1 needs a 1x1 filter, stride 1 "
                      "and no padding; got filter %zux%zu, stride %zux%zu, padding %zu,%zu,%zu,%zu",
                      g->r, g->s, g->sh, g->sw, g->pt, g->pb, g->pl, g->pr);
  clcnn_status status = CLCNN_OK;
  size_t hw = g->h * g->w;
  for (size_t gi = 0; status == CLCNN_OK && gi < g->groups; gi++)
    status = group_gemm(ctx, a, gi, a->x->buf, a->x->offset + gi * g->cg * hw, g->c * hw, 0, g->n);
  return status == CLCNN_OK ? clcnn_conv_add_bias(ctx, a) : status;
}

/* AUTO. On CPUs the direct kernel wins every shape measured (clcnn bench, PoCL 3.1 on 2
   AVX-512 cores): 74-300 GFLOP/s on LeNet and ResNet layers, against 1.8-22 for im2col +
   CLBlast GEMM and 24-30 for the 1x1 GEMM path (CLBlast's untuned defaults on PoCL). On GPUs
   CLBlast's tuned GEMM is the better bet for 1x1 and long reductions (untested here: no GPU
   was available), and the direct kernel takes the rest. */
clcnn_conv_algo clcnn_conv_auto_pick(const clcnn_context *ctx, const clcnn_conv_geometry *g) {
  if (ctx->caps.type & CL_DEVICE_TYPE_CPU) return CLCNN_CONV_DIRECT;
  if (clcnn_conv_is_plain_1x1(g)) return CLCNN_CONV_GEMM_1X1;
  if (g->cg * g->r * g->s >= 256 && clcnn_conv_im2col_chunk(ctx, g) > 0)
    return CLCNN_CONV_IM2COL_GEMM;
  return CLCNN_CONV_DIRECT;
}

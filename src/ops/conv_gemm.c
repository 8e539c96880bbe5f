/* The CLBlast paths: im2col into a workspace then GEMM, and 1x1 convolution as a GEMM
   straight on the input; a residual sum is the GEMM's beta, bias and activation are applied by
   a kernel afterwards. */
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

clcnn_status clcnn_conv_epilogue(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                 clcnn_epilogue epi, clcnn_tensor *y) {
  if (!epi.bias && epi.act == CLCNN_EPI_NONE) return CLCNN_OK;
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get_alone(ctx, "conv2d_layout.cl", "epilogue", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {3, {g->p * g->q, g->k, g->n}, {0}};
  return CLCNN_LAUNCH(ctx, kernel, "epilogue", &dims, CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset),
                      CLCNN_MEM(epi.bias ? epi.bias->buf : y->buf),
                      CLCNN_ULONG(epi.bias ? epi.bias->offset : 0), CLCNN_INT(CLCNN_EPI_FLAGS(epi)),
                      CLCNN_INT(g->k), CLCNN_INT(g->p * g->q), CLCNN_INT(g->n));
}

/* Product of group gi's filters with `images` column (or input) matrices, one per image. */
static clcnn_status group_gemm(clcnn_context *ctx, const clcnn_conv_geometry *g,
                               const clcnn_tensor *w, int residual, clcnn_tensor *y, size_t gi,
                               cl_mem b, size_t b_offset, size_t b_stride, size_t n0,
                               size_t images) {
  size_t crs = g->cg * g->r * g->s, pq = g->p * g->q;
  clcnn_gemm_desc desc = {.m = g->kg,
                          .n = pq,
                          .k = crs,
                          .alpha = 1.0f,
                          .beta = residual ? 1.0f : 0.0f,
                          .a = w->buf,
                          .a_offset = w->offset + gi * g->kg * crs,
                          .lda = crs,
                          .b = b,
                          .b_offset = b_offset,
                          .ldb = pq,
                          .c = y->buf,
                          .c_offset = y->offset + (n0 * g->k + gi * g->kg) * pq,
                          .ldc = pq};
  if (images == 1) return clcnn_gemm(ctx, &desc);
  return clcnn_gemm_strided_batched(ctx, &desc, 0, b_stride, g->k * pq, images);
}

clcnn_status clcnn_conv_im2col(clcnn_context *ctx, const clcnn_conv_geometry *g,
                               const clcnn_tensor *x, size_t gi, size_t n0, size_t images,
                               clcnn_columns_layout layout, cl_mem col) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get_alone(ctx, "conv2d_layout.cl", "im2col", &kernel);
  if (status != CLCNN_OK) return status;
  size_t pq = g->p * g->q;
  size_t image_stride = layout == CLCNN_COLUMNS_PER_IMAGE ? g->cg * g->r * g->s * pq : pq;
  size_t row_stride = layout == CLCNN_COLUMNS_PER_IMAGE ? pq : images * pq;
  clcnn_launch_dims dims = {3, {pq, g->cg * g->r * g->s, images}, {0}};
  return CLCNN_LAUNCH(ctx, kernel, "im2col", &dims, CLCNN_MEM(x->buf),
                      CLCNN_ULONG(x->offset + n0 * g->c * g->h * g->w), CLCNN_MEM(col),
                      CLCNN_ULONG(image_stride), CLCNN_ULONG(row_stride), CLCNN_INT(g->c),
                      CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->r), CLCNN_INT(g->s),
                      CLCNN_INT(g->p), CLCNN_INT(g->q), CLCNN_INT(g->cg), CLCNN_INT(gi),
                      CLCNN_INT(g->sh), CLCNN_INT(g->sw), CLCNN_INT(g->dh), CLCNN_INT(g->dw),
                      CLCNN_INT(g->pt), CLCNN_INT(g->pl));
}

clcnn_status clcnn_gemm_conv_check(clcnn_context *ctx, const char *fn, const clcnn_conv_geometry *g,
                                   clcnn_conv_algo algo) {
  if (algo == CLCNN_CONV_GEMM_1X1 && !clcnn_conv_is_plain_1x1(g))
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "%s: CLCNN_CONV_GEMM_1X1 needs a 1x1 filter, stride 1 and no padding; got "
                      "filter %zux%zu, stride %zux%zu, padding %zu,%zu,%zu,%zu",
                      fn, g->r, g->s, g->sh, g->sw, g->pt, g->pb, g->pl, g->pr);
  if (algo == CLCNN_CONV_IM2COL_GEMM && clcnn_conv_im2col_chunk(ctx, g) == 0)
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "%s: CLCNN_CONV_IM2COL_GEMM needs %zu bytes of columns per image, over "
                      "CL_DEVICE_MAX_MEM_ALLOC_SIZE %llu; use CLCNN_CONV_DIRECT",
                      fn, g->cg * g->r * g->s * g->p * g->q * sizeof(float),
                      (unsigned long long)ctx->caps.max_alloc_bytes);
  return CLCNN_OK;
}

clcnn_status clcnn_conv_im2col_gemm(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                    const clcnn_tensor *x, const clcnn_tensor *w,
                                    clcnn_epilogue epi, clcnn_tensor *y) {
  size_t chunk = clcnn_conv_im2col_chunk(ctx, g);
  size_t per_image = g->cg * g->r * g->s * g->p * g->q;
  cl_mem col;
  clcnn_status status =
      clcnn_workspace_get(ctx, CLCNN_WS_COLUMNS, chunk * per_image * sizeof(float), &col);
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += chunk) {
    size_t images = g->n - n0 < chunk ? g->n - n0 : chunk;
    for (size_t gi = 0; status == CLCNN_OK && gi < g->groups; gi++) {
      status = clcnn_conv_im2col(ctx, g, x, gi, n0, images, CLCNN_COLUMNS_PER_IMAGE, col);
      if (status == CLCNN_OK)
        status = group_gemm(ctx, g, w, epi.residual, y, gi, col, 0, per_image, n0, images);
    }
  }
  return status == CLCNN_OK ? clcnn_conv_epilogue(ctx, g, epi, y) : status;
}

clcnn_status clcnn_conv_gemm_1x1(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                 const clcnn_tensor *x, const clcnn_tensor *w, clcnn_epilogue epi,
                                 clcnn_tensor *y) {
  clcnn_status status = CLCNN_OK;
  size_t hw = g->h * g->w;
  for (size_t gi = 0; status == CLCNN_OK && gi < g->groups; gi++)
    status = group_gemm(ctx, g, w, epi.residual, y, gi, x->buf, x->offset + gi * g->cg * hw,
                        g->c * hw, 0, g->n);
  return status == CLCNN_OK ? clcnn_conv_epilogue(ctx, g, epi, y) : status;
}

/* AUTO, measured with clcnn bench on PoCL 3.1 (2 AVX-512 cores), in one process against
   oneDNN. Winograd F(4x4, 3x3) needs 32 or more channels in and out (on 6 -> 16 it ran at
   0.4x the direct kernel: the reduction is too short for its transforms to pay), and 64 or
   more 4x4 output tiles in the batch: its transformed filters, 36 x C x K floats (4x the
   plain ones), are read once per call and pay only over enough tiles. When filters are
   transformed at every call (training): 512 channels at 7x7 with 32 tiles ran at 0.8x direct,
   256 at 14x14 with 64 tiles at 1.25x. When they are transformed once (constant weights),
   a layer timed alone, its filters staying in cache, won from 16 tiles on (1.3x at 256
   channels, 14x14, batch 1), but inside a network, where each layer's filters come from
   memory, the same layer took 1.15-1.25 ms against the direct kernel's 0.7 (9.4 MB of
   transformed filters), and ResNet-18 ran at 70-76 images/s with the 64-tile rule against
   60-65 with the 16-tile one at batch 1 (91-93 against 85-88 at batch 8). The direct
   kernel wins every other measured shape on CPUs (74-340 GFLOP/s against 1.8-33 for the CLBlast
   paths with CLBlast's untuned defaults on PoCL). On GPUs CLBlast's tuned GEMM is the better
   bet for 1x1 and long reductions (untested here: no GPU was available).
   Constant weights pay from 32 tiles with 64 or more channels: timed alone, 128 channels at
   28x28, batch 1 (49 tiles) 0.57 against 0.76 ms, 64 at 28x28 0.21 against 0.27, 128 at 14x14
   batch 2 0.39 against 0.45; in ResNet-18 at batch 1 2-3% faster over three paired runs. 32
   channels still lose (0.15 against 0.12). Larger filters (up to 37.7 MB transformed, 512 x
   512) were first kept off this rule for the 16-tile loss above, but from 32 tiles on they
   win in networks too: alternated runs, ResNet-18 batch 8 106-107 -> 99-101 ms (512 channels
   at 7x7), batch 2 27.6-35.4 -> 25.2-25.3 ms (256 at 14x14), VGG-11 batch 1 63.9-65.6 ->
   51.2-51.8 ms (512 at 28x28); the 512-channel 7x7 layer alone at batch 8 5.7 against 8.4.
   Filters that change at every call pay the same from 32 tiles on a CPU, where the product
   transforms them itself below 64 tiles (clcnn_winograd_taps_pay): at batch 8, 512 channels
   at 7x7 (32 tiles) 6.3-7.0 ms against direct 9.3-9.9 and 9.4-10.5 with the filters
   transformed apart (37.7 MB stored and read back per call). From 64 tiles apart is better
   (128 channels at 28x28, 392 tiles: 4.5-4.9 ms against 5.9-6.4 in the product; 256 at
   14x14, 128 tiles: even). */
#define WINOGRAD_MIN_CHANNELS 32
#define WINOGRAD_MIN_TILES 64
#define WINOGRAD_FEW_TILES_MIN_CHANNELS 64
#define WINOGRAD_FEW_TILES_MIN 32

/* A constant-weight plan keeps its transformed filters (36 x C x K floats, 4x the plain ones)
   for its life: beyond this share of the device's memory per layer the direct kernel's
   packed filters are the better use of it (ResNet-18's 512-channel layers: 37.7 MB). */
#define WINOGRAD_KEPT_MEMORY_SHARE 32

static size_t winograd_tiles(const clcnn_conv_geometry *g) {
  return g->n * ((g->p + 3) / 4) * ((g->q + 3) / 4);
}

int clcnn_winograd_taps_pay(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                            int constant_weights) {
  return !constant_weights && (ctx->caps.type & CL_DEVICE_TYPE_CPU) &&
         winograd_tiles(g) < WINOGRAD_MIN_TILES;
}

int clcnn_conv_winograd_pays(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                             int constant_weights) {
  size_t tiles = winograd_tiles(g);
  if (!clcnn_winograd_applies(g) || g->c < WINOGRAD_MIN_CHANNELS || g->k < WINOGRAD_MIN_CHANNELS)
    return 0;
  if (constant_weights && 36.0 * (double)g->c * (double)g->k * sizeof(float) >
                              (double)ctx->caps.global_mem_bytes / WINOGRAD_KEPT_MEMORY_SHARE)
    return 0;
  if (tiles >= WINOGRAD_MIN_TILES) return 1;
  return (constant_weights || clcnn_winograd_taps_pay(ctx, g, 0)) &&
         g->c >= WINOGRAD_FEW_TILES_MIN_CHANNELS && g->k >= WINOGRAD_FEW_TILES_MIN_CHANNELS &&
         tiles >= WINOGRAD_FEW_TILES_MIN;
}

clcnn_conv_algo clcnn_conv_auto_pick(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                                     int constant_weights) {
  /* the work-group family covers every descriptor; its tuner weighs the others */
  if (clcnn_workgroup_family(ctx) && clcnn_wg_applies(g)) return CLCNN_CONV_DIRECT;
  if (clcnn_conv_winograd_pays(ctx, g, constant_weights)) return CLCNN_CONV_WINOGRAD;
  if (ctx->caps.type & CL_DEVICE_TYPE_CPU) return CLCNN_CONV_DIRECT;
  if (clcnn_conv_is_plain_1x1(g)) return CLCNN_CONV_GEMM_1X1;
  if (g->cg * g->r * g->s >= 256 && clcnn_conv_im2col_chunk(ctx, g) > 0)
    return CLCNN_CONV_IM2COL_GEMM;
  return CLCNN_CONV_DIRECT;
}

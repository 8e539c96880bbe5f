/* The Winograd path, F(4x4, 3x3): 3x3 filters, stride 1, dilation 1, one group. Filters are
   transformed once per plan when they are constant; per chunk of images the input patches
   are transformed, multiplied with the filters position by position (36 products of
   K x C by C x tiles), and transformed back with the bias added. */
#include <stdio.h>

#include "device/context.h"
#include "memory/workspace.h"
#include "ops/conv_paths.h"
#include "program/launch.h"
#include "program/program.h"
#include "program/sized.h"

/* Tiles per step of the product kernel (its kernel source assumes 8 in the transforms), and
   steps per work-item. */
#define TILES_PER_ITEM 8
#define TILE_BLOCKS 4
/* Channels per work-item of the input transform. */
#define INPUT_CHANNELS 8
/* On a CPU the images of one chunk are kept to this share of the device's cache (as it
   reports it) where the transformed filters fit that share too, so that the transformed input
   and the products pass through the cache rather than memory: ResNet's 64-channel 3x3 layer
   at 56x56, batch 8 (1.8 MB of both per image, 590 KB of filters), 8.1-10.7 -> 6.3-7.9 ms
   forward and 8.0-11.1 -> 6.3-7.9 the input gradient in five alternated runs, chunks of 2
   images against 8 (32 MiB reported, an eighth). */
#define WINOGRAD_CACHE_SHARE 8
/* Channels per slice of filters the taps product transforms into private memory. */
#define TAP_CHANNELS 64

int clcnn_winograd_applies(const clcnn_conv_geometry *g) {
  return g->r == 3 && g->s == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 &&
         g->groups == 1;
}

static size_t round_up(size_t v, size_t m) {
  return (v + m - 1) / m * m;
}

/* wc->chunk, on a CPU lowered to the images whose transformed input and products fit
   WINOGRAD_CACHE_SHARE of the cache when the packed filters fit it too (they are read again
   per chunk), in chunks as even as the batch allows. */
static size_t cache_chunk(const clcnn_context *ctx, const clcnn_winograd_conv *wc,
                          size_t image_bytes) {
  size_t share = (size_t)(ctx->caps.global_cache_bytes / WINOGRAD_CACHE_SHARE), n = wc->g.n;
  if (!(ctx->caps.type & CL_DEVICE_TYPE_CPU) || wc->chunk <= 1 ||
      wc->packed_floats * sizeof(float) > share)
    return wc->chunk;
  size_t fit = share / image_bytes > 0 ? share / image_bytes : 1;
  size_t chunks = (n + fit - 1) / fit, even = (n + chunks - 1) / chunks;
  return even < wc->chunk ? even : wc->chunk;
}

clcnn_status clcnn_winograd_setup(clcnn_context *ctx, const char *fn, const clcnn_conv_geometry *g,
                                  int taps, clcnn_winograd_conv *wc) {
  if (!clcnn_winograd_applies(g))
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "%s: CLCNN_CONV_WINOGRAD needs a 3x3 filter, stride 1, dilation 1 and one "
                      "group; got filter %zux%zu, stride %zux%zu, dilation %zux%zu, groups %zu",
                      fn, g->r, g->s, g->sh, g->sw, g->dh, g->dw, g->groups);
  *wc = (clcnn_winograd_conv){.g = *g, .vec = clcnn_conv_vector_width(ctx, g->k)};
  wc->kv = g->k > (size_t)wc->vec ? 2 : 1;
  wc->kpad = round_up(g->k, (size_t)(wc->kv * wc->vec));
  wc->tp = (g->p + 3) / 4;
  wc->tq = (g->q + 3) / 4;
  wc->taps = taps;
  wc->packed_floats = (taps ? 9 : 36) * g->c * wc->kpad;
  /* per image: the transformed input (36 x C) and the products (36 x kpad) per tile */
  size_t per_tile = 36 * (g->c > wc->kpad ? g->c : wc->kpad);
  size_t per_image = per_tile * wc->tp * wc->tq + 36 * TILES_PER_ITEM;
  wc->chunk = clcnn_workspace_items(ctx, per_image * sizeof(float), g->n);
  wc->chunk = cache_chunk(ctx, wc, per_image * sizeof(float));
  if (wc->chunk == 0)
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "%s: CLCNN_CONV_WINOGRAD needs %zu bytes of transformed input per image, "
                      "over CL_DEVICE_MAX_MEM_ALLOC_SIZE %llu",
                      fn, per_image * sizeof(float), (unsigned long long)ctx->caps.max_alloc_bytes);
  /* every size and channel count a kernel argument: one program for all layers of the same
     vector widths (ResNet-18's two channel counts, VGG-11's five; measured at batch 8 and
     1, 64 to 256 channels: as fast as with them compiled in) */
  char options[384];
  snprintf(options, sizeof options, "-DVEC=%d -DKV=%d -DTT=%d -DTB=%d -DCB=%d -DTAPS=%d -DCU=%d",
           wc->vec, wc->kv, TILES_PER_ITEM, TILE_BLOCKS, INPUT_CHANNELS, taps, TAP_CHANNELS);
  const clcnn_kernel_size sizes[] = {
      {"C", "chans", g->c},      {"K", "filters", g->k},   {"KPAD", "kpad", wc->kpad},
      {"PT", "pad_t", g->pt},    {"PL", "pad_l", g->pl},   {"H", "in_h", g->h},
      {"W", "in_w", g->w},       {"P", "out_h", g->p},     {"Q", "out_w", g->q},
      {"TP", "tiles_p", wc->tp}, {"TQ", "tiles_q", wc->tq}};
  clcnn_status status =
      clcnn_size_options(ctx, 0, sizes, sizeof sizes / sizeof *sizes, options, sizeof options);
  if (status == CLCNN_OK)
    status = clcnn_kernel_get(ctx, "conv2d_winograd.cl", options, "winograd_input", &wc->input);
  if (status == CLCNN_OK)
    status = clcnn_kernel_get(ctx, "conv2d_winograd.cl", options,
                              taps ? "winograd_gemm_taps" : "winograd_gemm", &wc->gemm);
  if (status == CLCNN_OK)
    status = clcnn_kernel_get(ctx, "conv2d_winograd.cl", options, "winograd_output", &wc->output);
  return status;
}

clcnn_status clcnn_winograd_pack(clcnn_context *ctx, const clcnn_winograd_conv *wc,
                                 clcnn_buffer_view w, int flipped, cl_mem packed) {
  if (wc->taps)
    return clcnn_conv_block_pack(ctx, &wc->g, wc->kpad / (size_t)(wc->kv * wc->vec),
                                 wc->kv * wc->vec, flipped, w, (clcnn_buffer_view){packed, 0});
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get_alone(ctx, "conv2d_layout.cl", "winograd_filter", &kernel);
  if (status != CLCNN_OK) return status;
  /* small explicit work-groups for kernels with large private arrays: PoCL keeps a copy
   per work-item of its own choice of group, which for some sizes overran a worker's
   stack (a crash at 320 and 512 channels) */
  clcnn_launch_dims dims = {2, {(wc->kpad + 15) / 16, wc->g.c}, {1, 1}};
  return CLCNN_LAUNCH(ctx, kernel, "winograd_filter", &dims, CLCNN_MEM(w.buf),
                      CLCNN_ULONG(w.offset), CLCNN_MEM(packed), CLCNN_INT(wc->g.k),
                      CLCNN_INT(wc->g.c), CLCNN_INT(wc->kpad), CLCNN_INT(flipped));
}

size_t clcnn_winograd_tpad(size_t tiles) {
  return round_up(tiles, TILES_PER_ITEM);
}

clcnn_status clcnn_winograd_input(clcnn_context *ctx, const clcnn_winograd_conv *wc,
                                  const clcnn_tensor *x, size_t n0, size_t images, cl_mem v) {
  const clcnn_conv_geometry *g = &wc->g;
  size_t tiles = images * wc->tp * wc->tq, tpad = clcnn_winograd_tpad(tiles);
  clcnn_launch_dims in_dims = {
      2, {tpad / TILES_PER_ITEM, (g->c + INPUT_CHANNELS - 1) / INPUT_CHANNELS}, {1, 1}};
  return CLCNN_LAUNCH(ctx, wc->input, "winograd_input", &in_dims, CLCNN_MEM(x->buf),
                      CLCNN_ULONG(x->offset + n0 * g->c * g->h * g->w), CLCNN_MEM(v),
                      CLCNN_INT(tiles), CLCNN_INT(tpad), CLCNN_INT(g->c), CLCNN_INT(g->pt),
                      CLCNN_INT(g->pl), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(wc->tp),
                      CLCNN_INT(wc->tq));
}

/* Transform, products and inverse transform for `images` images from n0. */
static clcnn_status run_chunk(clcnn_context *ctx, const clcnn_winograd_conv *wc,
                              const clcnn_tensor *x, cl_mem packed, clcnn_epilogue epi,
                              clcnn_tensor *y, size_t n0, size_t images, cl_mem v, cl_mem m) {
  const clcnn_conv_geometry *g = &wc->g;
  size_t tiles = images * wc->tp * wc->tq, tpad = clcnn_winograd_tpad(tiles);
  clcnn_status status = clcnn_winograd_input(ctx, wc, x, n0, images, v);
  /* the taps product runs the positions of one filter block one after another, so that
     they find its taps in the cache */
  size_t tile_items = (tpad / TILES_PER_ITEM + TILE_BLOCKS - 1) / TILE_BLOCKS,
         blocks = wc->kpad / (size_t)(wc->kv * wc->vec);
  clcnn_launch_dims gemm_dims = {3, {tile_items, blocks, 36}, {1, 1, 1}};
  if (wc->taps) gemm_dims = (clcnn_launch_dims){3, {36, blocks, tile_items}, {1, 1, 1}};
  if (status == CLCNN_OK)
    status = CLCNN_LAUNCH(ctx, wc->gemm, wc->taps ? "winograd_gemm_taps" : "winograd_gemm",
                          &gemm_dims, CLCNN_MEM(packed), CLCNN_MEM(v), CLCNN_MEM(m),
                          CLCNN_INT(tpad), CLCNN_INT(g->c), CLCNN_INT(wc->kpad));
  clcnn_launch_dims out_dims = {2, {tiles, wc->kpad / (size_t)wc->vec}, {8, 1}};
  if (status == CLCNN_OK)
    status =
        CLCNN_LAUNCH(ctx, wc->output, "winograd_output", &out_dims, CLCNN_MEM(m),
                     CLCNN_MEM(epi.bias ? epi.bias->buf : m),
                     CLCNN_ULONG(epi.bias ? epi.bias->offset : 0), CLCNN_INT(CLCNN_EPI_FLAGS(epi)),
                     CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset + n0 * g->k * g->p * g->q),
                     CLCNN_INT(tiles), CLCNN_INT(tpad), CLCNN_INT(g->k), CLCNN_INT(wc->kpad),
                     CLCNN_INT(g->p), CLCNN_INT(g->q), CLCNN_INT(wc->tp), CLCNN_INT(wc->tq));
  return status;
}

clcnn_status clcnn_winograd_run(clcnn_context *ctx, const clcnn_winograd_conv *wc,
                                const clcnn_tensor *x, cl_mem packed, clcnn_epilogue epi,
                                clcnn_tensor *y) {
  const clcnn_conv_geometry *g = &wc->g;
  size_t tpad = clcnn_winograd_tpad(wc->chunk * wc->tp * wc->tq);
  cl_mem v, m;
  clcnn_status status =
      clcnn_workspace_get(ctx, CLCNN_WS_COLUMNS, 36 * g->c * tpad * sizeof(float), &v);
  if (status == CLCNN_OK)
    status =
        clcnn_workspace_get(ctx, CLCNN_WS_GRADIENT_ROWS, 36 * wc->kpad * tpad * sizeof(float), &m);
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += wc->chunk) {
    size_t images = g->n - n0 < wc->chunk ? g->n - n0 : wc->chunk;
    status = run_chunk(ctx, wc, x, packed, epi, y, n0, images, v, m);
  }
  return status;
}

/* The direct path: a vectorized register-tiled kernel on zero-padded input, or a generic
   bounds-checked kernel for shapes the fast one does not cover. */
#include <stdio.h>

#include "device/context.h"
#include "memory/workspace.h"
#include "ops/conv_paths.h"
#include "program/launch.h"
#include "program/program.h"

/* Unrolled work per channel step and input row width the fast kernel accepts; past these the
   unrolled code grows beyond what compilers keep in registers and the generic kernel runs. */
#define MAX_UNROLLED_TAPS 64
#define MAX_INPUT_ROW 64

typedef struct direct_plan {
  int vec, kv, th, tw; /* kv vectors of vec channels times a th x tw tile per work-item */
  size_t kb, tiles_p, tiles_q;
  size_t xh, xw; /* rows and row pitch of the input the kernel reads */
  int needs_pad; /* 0: read x itself (no padding, tiles stay inside it) */
} direct_plan;

/* Vector width along output channels: the device's preference, no wider than KG needs. */
static int pick_vector_width(const clcnn_context *ctx, size_t kg) {
  int widest = (ctx->caps.type & CL_DEVICE_TYPE_CPU) ? 16 : 4;
  int vec = 4;
  while (vec < widest && (size_t)vec < kg) vec *= 2;
  return vec;
}

/* Estimated cost of a work split: vector FMAs (padding lanes and tile overhang included)
   plus half a unit per load, for the whole problem; when it yields too few work-items to
   keep every compute unit busy, the idle share is added. */
static double split_cost(const clcnn_context *ctx, const clcnn_conv_geometry *g, int vec, int kv,
                         int th, int tw) {
  double blocks = (double)((g->kg + (size_t)(vec * kv) - 1) / (size_t)(vec * kv));
  double tiles = (double)((g->p + th - 1) / th) * (double)((g->q + tw - 1) / tw);
  double in_tw = (double)((tw - 1) * g->sw + (g->s - 1) * g->dw + 1);
  double per_step = (double)(kv * th * tw) * (double)g->s + 0.5 * (kv * (double)g->s + th * in_tw);
  double items = (double)g->n * (double)g->groups * blocks * tiles;
  double cost = items * (double)g->cg * (double)g->r * per_step;
  double wanted = 8.0 * (ctx->caps.compute_units ? ctx->caps.compute_units : 1);
  return items < wanted ? cost * wanted / items : cost;
}

/* The cheapest split whose accumulators plus one filter row of weight vectors fit the
   register budget (measured on AVX-512: past 22 of its 32 vector registers the 7x7 first
   layer fell from 246 to 114-144 GFLOP/s). */
static void pick_split(const clcnn_context *ctx, const clcnn_conv_geometry *g, int vec, int budget,
                       direct_plan *pl) {
  double best = 0;
  for (int kv = 1; kv <= 4; kv *= 2)
    for (int th = 1; th <= 4; th++)
      for (int tw = 1; kv * th * tw + kv * (int)g->s <= budget && kv * th * tw <= 16; tw++) {
        double cost = split_cost(ctx, g, vec, kv, th, tw);
        if (best == 0 || cost < best) best = cost, pl->kv = kv, pl->th = th, pl->tw = tw;
      }
}

static direct_plan plan_direct(const clcnn_context *ctx, const clcnn_conv_geometry *g) {
  direct_plan pl;
  pl.vec = pick_vector_width(ctx, g->kg);
  pick_split(ctx, g, pl.vec, pl.vec == 16 ? 22 : 16, &pl);
  pl.kb = (g->kg + (size_t)(pl.vec * pl.kv) - 1) / (size_t)(pl.vec * pl.kv);
  pl.tiles_p = (g->p + pl.th - 1) / pl.th;
  pl.tiles_q = (g->q + pl.tw - 1) / pl.tw;
  size_t rows = (pl.tiles_p * pl.th - 1) * g->sh + (g->r - 1) * g->dh + 1;
  size_t cols = (pl.tiles_q * pl.tw - 1) * g->sw + (g->s - 1) * g->dw + 1;
  pl.needs_pad = g->pt || g->pl || rows > g->h || cols > g->w;
  pl.xh = pl.needs_pad ? rows : g->h;
  pl.xw = pl.needs_pad ? cols : g->w;
  return pl;
}

static int fast_kernel_fits(const clcnn_conv_geometry *g, const direct_plan *pl) {
  size_t input_row = (size_t)(pl->tw - 1) * g->sw + (g->s - 1) * g->dw + 1;
  return g->r * g->s <= MAX_UNROLLED_TAPS && input_row <= MAX_INPUT_ROW;
}

static clcnn_status run_generic(clcnn_context *ctx, const clcnn_conv_args *a) {
  const clcnn_conv_geometry *g = &a->g;
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_generic.cl", "", "conv2d_generic", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong x_off = a->x->offset, w_off = a->w->offset, y_off = a->y->offset;
  cl_ulong b_off = a->bias ? a->bias->offset : 0;
  cl_mem b = a->bias ? a->bias->buf : a->y->buf; /* unread when has_bias is 0 */
  cl_int has_bias = a->bias != NULL;
  cl_int v[] = {(cl_int)g->n,  (cl_int)g->c,      (cl_int)g->h,  (cl_int)g->w,
                (cl_int)g->k,  (cl_int)g->r,      (cl_int)g->s,  (cl_int)g->p,
                (cl_int)g->q,  (cl_int)g->groups, (cl_int)g->sh, (cl_int)g->sw,
                (cl_int)g->dh, (cl_int)g->dw,     (cl_int)g->pt, (cl_int)g->pl};
  clcnn_arg args[9 + 16] = {CLCNN_ARG(a->x->buf), CLCNN_ARG(x_off),     CLCNN_ARG(a->w->buf),
                            CLCNN_ARG(w_off),     CLCNN_ARG(b),         CLCNN_ARG(b_off),
                            CLCNN_ARG(has_bias),  CLCNN_ARG(a->y->buf), CLCNN_ARG(y_off)};
  for (int i = 0; i < 16; i++) args[9 + i] = (clcnn_arg){sizeof(cl_int), &v[i]};
  clcnn_launch_dims dims = {3, {g->q, g->p, g->n * g->k}, {0}};
  return clcnn_launch(ctx, kernel, "conv2d_generic", args, 25, &dims);
}

static clcnn_status block_weights(clcnn_context *ctx, const clcnn_conv_args *a,
                                  const direct_plan *pl, cl_mem *wr) {
  const clcnn_conv_geometry *g = &a->g;
  size_t count = g->groups * pl->kb * g->cg * g->r * g->s * (size_t)(pl->vec * pl->kv);
  clcnn_status status =
      clcnn_workspace_get(ctx, CLCNN_WS_BLOCKED_WEIGHTS, count * sizeof(float), wr);
  cl_kernel kernel;
  if (status == CLCNN_OK)
    status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "block_weights", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong w_off = a->w->offset;
  cl_int G = (cl_int)g->groups, KG = (cl_int)g->kg, KB = (cl_int)pl->kb, CG = (cl_int)g->cg,
         RS = (cl_int)(g->r * g->s), VEC = pl->vec * pl->kv;
  clcnn_arg args[] = {CLCNN_ARG(a->w->buf), CLCNN_ARG(w_off), CLCNN_ARG(*wr),
                      CLCNN_ARG(G),         CLCNN_ARG(KG),    CLCNN_ARG(KB),
                      CLCNN_ARG(CG),        CLCNN_ARG(RS),    CLCNN_ARG(VEC)};
  clcnn_launch_dims dims = {1, {count}, {64}};
  return clcnn_launch(ctx, kernel, "block_weights", args, 9, &dims);
}

clcnn_status clcnn_conv_pad_input(clcnn_context *ctx, const clcnn_tensor *x,
                                  const clcnn_conv_geometry *g, size_t n0, size_t images, size_t xh,
                                  size_t xw, cl_mem xp) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "pad_input", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong x_off = x->offset + n0 * g->c * g->h * g->w;
  cl_int H = (cl_int)g->h, W = (cl_int)g->w, XH = (cl_int)xh, XW = (cl_int)xw, pt = (cl_int)g->pt,
         pleft = (cl_int)g->pl;
  clcnn_arg args[] = {CLCNN_ARG(x->buf), CLCNN_ARG(x_off), CLCNN_ARG(xp),
                      CLCNN_ARG(H),      CLCNN_ARG(W),     CLCNN_ARG(XH),
                      CLCNN_ARG(XW),     CLCNN_ARG(pt),    CLCNN_ARG(pleft)};
  clcnn_launch_dims dims = {3, {xw, xh, images * g->c}, {0}};
  return clcnn_launch(ctx, kernel, "pad_input", args, 9, &dims);
}

static clcnn_status direct_kernel(clcnn_context *ctx, const clcnn_conv_args *a,
                                  const direct_plan *pl, cl_kernel *kernel) {
  const clcnn_conv_geometry *g = &a->g;
  char options[512];
  snprintf(options, sizeof options,
           "-DVEC=%d -DKV=%d -DTH=%d -DTW=%d -DR=%zu -DS=%zu -DSH=%zu -DSW=%zu -DDH=%zu -DDW=%zu "
           "-DCG=%zu -DKG=%zu -DG=%zu -DKB=%zu -DP=%zu -DQ=%zu -DXH=%zu -DXW=%zu -DTILES_P=%zu "
           "-DTILES_Q=%zu -DHAS_BIAS=%d",
           pl->vec, pl->kv, pl->th, pl->tw, g->r, g->s, g->sh, g->sw, g->dh, g->dw, g->cg, g->kg,
           g->groups, pl->kb, g->p, g->q, pl->xh, pl->xw, pl->tiles_p, pl->tiles_q,
           a->bias != NULL);
  return clcnn_kernel_get(ctx, "conv2d_direct.cl", options, "conv2d_direct", kernel);
}

clcnn_status clcnn_conv_direct(clcnn_context *ctx, const clcnn_conv_args *a) {
  const clcnn_conv_geometry *g = &a->g;
  direct_plan pl = plan_direct(ctx, g);
  clcnn_log(ctx->log_level, CLCNN_LOG_DEBUG,
            "conv2d direct: %d x float%d channels, %dx%d tile, %zu blocks, %zux%zu tiles, input "
            "%zux%zu%s",
            pl.kv, pl.vec, pl.th, pl.tw, pl.kb, pl.tiles_p, pl.tiles_q, pl.xh, pl.xw,
            pl.needs_pad ? " (padded copy)" : "");
  size_t image_bytes = g->c * pl.xh * pl.xw * sizeof(float);
  size_t chunk = pl.needs_pad ? clcnn_workspace_items(ctx, image_bytes, g->n) : g->n;
  if (!fast_kernel_fits(g, &pl) || chunk == 0) return run_generic(ctx, a);
  cl_kernel kernel;
  cl_mem wr, xp = a->x->buf;
  clcnn_status status = direct_kernel(ctx, a, &pl, &kernel);
  if (status == CLCNN_OK) status = block_weights(ctx, a, &pl, &wr);
  if (status == CLCNN_OK && pl.needs_pad)
    status = clcnn_workspace_get(ctx, CLCNN_WS_PADDED_INPUT, chunk * image_bytes, &xp);
  cl_mem b = a->bias ? a->bias->buf : wr; /* unread without HAS_BIAS */
  cl_ulong b_off = a->bias ? a->bias->offset : 0;
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += chunk) {
    size_t images = g->n - n0 < chunk ? g->n - n0 : chunk;
    cl_ulong xp_off = pl.needs_pad ? 0 : a->x->offset + n0 * g->c * g->h * g->w;
    cl_ulong y_off = a->y->offset + n0 * g->k * g->p * g->q;
    if (pl.needs_pad) status = clcnn_conv_pad_input(ctx, a->x, g, n0, images, pl.xh, pl.xw, xp);
    clcnn_arg args[] = {CLCNN_ARG(xp),    CLCNN_ARG(xp_off),    CLCNN_ARG(wr),   CLCNN_ARG(b),
                        CLCNN_ARG(b_off), CLCNN_ARG(a->y->buf), CLCNN_ARG(y_off)};
    clcnn_launch_dims dims = {3, {pl.tiles_p * pl.tiles_q, images, g->groups * pl.kb}, {1, 1, 1}};
    if (status == CLCNN_OK) status = clcnn_launch(ctx, kernel, "conv2d_direct", args, 7, &dims);
  }
  return status;
}

/* Convolution gradients. Input gradient: a transposed convolution, through the forward direct
   path on flipped, transposed filters when the stride is 1 (or the filter covers its input),
   one such stride-1 convolution per output phase for larger strides, else a gather kernel. Weight
   and bias gradients: per-image vectorized partials summed over the images, or one CLBlast GEMM per
   group over the images side by side. */
#include <stdio.h>
#include <string.h>

#include "device/context.h"
#include "gemm/gemm.h"
#include "memory/workspace.h"
#include "ops/conv_paths.h"
#include "program/launch.h"
#include "program/program.h"
#include "program/sized.h"

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

/* Floor and ceiling of a / b for b > 0 and any sign of a. */
static long floor_div(long a, long b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static long ceil_div(long a, long b) {
  return -floor_div(-a, b);
}

/* Sets up phase (a, b) of a strided problem; 0 when the phase is empty, -1 when the direct
   kernel cannot run it (the caller falls back to the gather kernel). */
static int setup_phase(clcnn_context *ctx, const clcnn_conv_geometry *g, int a, int b,
                       clcnn_backward_data_conv *bd, clcnn_status *status) {
  long sh = (long)g->sh, sw = (long)g->sw, pt = (long)g->pt, pl = (long)g->pl;
  long ja = (long)g->r > a ? ceil_div((long)g->r - a, sh) : 0;
  long jb = (long)g->s > b ? ceil_div((long)g->s - b, sw) : 0;
  long m0 = ceil_div(pt - a, sh), m1 = floor_div((long)g->h - 1 + pt - a, sh);
  long n0 = ceil_div(pl - b, sw), n1 = floor_div((long)g->w - 1 + pl - b, sw);
  if (m1 < m0 || n1 < n0) return 0; /* no dx element in this phase */
  if (ja == 0 || jb == 0) {         /* elements no tap reaches */
    bd->zero_first = 1;
    return 0;
  }
  long top = ja - 1 - m0, left = jb - 1 - n0; /* padding of dy in the stride-1 problem */
  if (top < 0 || left < 0) return -1;
  clcnn_conv_geometry t = {.n = g->n,
                           .c = g->k,
                           .h = g->p,
                           .w = g->q,
                           .k = g->c,
                           .r = (size_t)ja,
                           .s = (size_t)jb,
                           .p = (size_t)(m1 - m0 + 1),
                           .q = (size_t)(n1 - n0 + 1),
                           .groups = g->groups,
                           .cg = g->kg,
                           .kg = g->cg,
                           .sh = 1,
                           .sw = 1,
                           .dh = 1,
                           .dw = 1,
                           .pt = (size_t)top,
                           .pl = (size_t)left};
  clcnn_data_phase *ph = &bd->phase[bd->phase_count];
  *ph = (clcnn_data_phase){.a = a, .b = b, .ja = (int)ja, .jb = (int)jb};
  ph->dx_offset = (size_t)((m0 * sh + a - pt) * (long)g->w + n0 * sw + b - pl);
  *status = clcnn_direct_setup_strided(ctx, &t, g->h * g->w, g->sh * g->w, g->sw, &ph->dc);
  if (*status != CLCNN_OK || !ph->dc.fast) return -1;
  ph->packed_offset = bd->phase_count ? bd->phase[bd->phase_count - 1].packed_offset +
                                            bd->phase[bd->phase_count - 1].dc.packed_floats
                                      : 0;
  size_t flipped = g->c * g->kg * (size_t)(ja * jb);
  if (flipped > bd->flipped_floats) bd->flipped_floats = flipped;
  bd->phase_count++;
  return 1;
}

/* Dilation 1 and a stride of at most 16 phases: one direct convolution per phase. 0 when
   some phase cannot run on the direct kernel (the gather kernel takes the problem). */
static int setup_phases(clcnn_context *ctx, const clcnn_conv_geometry *g,
                        clcnn_backward_data_conv *bd, clcnn_status *status) {
  if (g->dh != 1 || g->dw != 1 || g->sh * g->sw > CLCNN_MAX_DATA_PHASES) return 0;
  for (int a = 0; a < (int)g->sh; a++)
    for (int b = 0; b < (int)g->sw; b++)
      if (setup_phase(ctx, g, a, b, bd, status) < 0) return 0;
  bd->mode = CLCNN_DATA_PHASES;
  *status = clcnn_kernel_get_alone(ctx, "conv2d_layout.cl", "flip_phase_weights", &bd->kernel);
  return 1;
}

/* A depthwise layer (one channel per group, one filter each) at column stride 2, row stride
   1 or 2, dilation 1: its own gather kernel, vectors of dx columns per phase read straight
   from dy and interleaved on the store. Its phases as stride-1 problems went to the
   column-vector kernel on padded copies of dy with strided scalar stores (MobileNetV2's 96
   channels at 112x112, batch 8: 26 ms, 0.11x oneDNN). */
#define DEPTHWISE_DATA_MAX_TAPS 64

static int depthwise_data(const clcnn_conv_geometry *g) {
  return g->cg == 1 && g->kg == 1 && g->sw == 2 && g->sh <= 2 && g->dh == 1 && g->dw == 1 &&
         g->r * g->s <= DEPTHWISE_DATA_MAX_TAPS;
}

static clcnn_status setup_depthwise_data(clcnn_context *ctx, clcnn_backward_data_conv *bd) {
  const clcnn_conv_geometry *g = &bd->g;
  char options[128]; /* vectors of 16 dy columns, of 8 for narrower planes */
  snprintf(options, sizeof options,
           "-DDEPTHWISE_DATA -DR=%zu -DS=%zu -DSH=%zu -DPT=%zu -DPL=%zu -DVW=%d", g->r, g->s, g->sh,
           g->pt, g->pl, g->q >= 16 ? 16 : 8);
  bd->mode = CLCNN_DATA_DEPTHWISE;
  return clcnn_kernel_get(ctx, "conv2d_backward.cl", options, "conv2d_depthwise_backward_data",
                          &bd->kernel);
}

clcnn_status clcnn_backward_data_setup(clcnn_context *ctx, const char *fn,
                                       const clcnn_conv_geometry *g, clcnn_backward_data_conv *bd) {
  *bd = (clcnn_backward_data_conv){.g = *g, .mode = CLCNN_DATA_GATHER};
  clcnn_status status = CLCNN_OK;
  if (depthwise_data(g)) return setup_depthwise_data(ctx, bd);
  if (!covers_input(g) && !transposes_to_forward(g)) {
    if (setup_phases(ctx, g, bd, &status) || status != CLCNN_OK) return status;
    *bd = (clcnn_backward_data_conv){.g = *g, .mode = CLCNN_DATA_GATHER};
    return clcnn_kernel_get(ctx, "conv2d_backward.cl", "", "conv2d_backward_data", &bd->kernel);
  }
  clcnn_conv_geometry f = covers_input(g) ? as_one_by_one(g) : *g;
  bd->mode = CLCNN_DATA_FLIPPED;
  bd->g = f;
  bd->flipped_floats = f.k * f.cg * f.r * f.s;
  status = transposed_geometry(ctx, fn, &f, &bd->tg);
  bd->winograd = status == CLCNN_OK && clcnn_conv_winograd_pays(ctx, &bd->tg, 0);
  if (status == CLCNN_OK)
    status = bd->winograd ? clcnn_winograd_setup(ctx, fn, &bd->tg,
                                                 clcnn_winograd_taps_pay(ctx, &bd->tg, 0), &bd->wc)
                          : clcnn_direct_setup(ctx, &bd->tg, &bd->dc);
  /* the flip alone only where the filters are not transformed or blocked on the way */
  if (status == CLCNN_OK && !bd->winograd && !bd->dc.fast)
    status = clcnn_kernel_get_alone(ctx, "conv2d_layout.cl", "flip_weights", &bd->kernel);
  return status;
}

size_t clcnn_backward_data_packed_floats(const clcnn_backward_data_conv *bd) {
  if (bd->mode == CLCNN_DATA_PHASES) {
    const clcnn_data_phase *last = &bd->phase[bd->phase_count - 1];
    return bd->phase_count ? last->packed_offset + last->dc.packed_floats : 0;
  }
  if (bd->mode == CLCNN_DATA_GATHER || bd->mode == CLCNN_DATA_DEPTHWISE) return 0;
  if (bd->winograd) return bd->wc.packed_floats;
  return bd->dc.fast ? bd->dc.packed_floats : bd->flipped_floats;
}

size_t clcnn_backward_data_scratch_floats(const clcnn_backward_data_conv *bd) {
  return bd->mode == CLCNN_DATA_PHASES ? bd->flipped_floats : 0;
}

static clcnn_status pack_phase(clcnn_context *ctx, const clcnn_backward_data_conv *bd,
                               const clcnn_data_phase *ph, clcnn_buffer_view w, cl_mem scratch,
                               cl_mem packed) {
  const clcnn_conv_geometry *g = &bd->g;
  clcnn_launch_dims dims = {1, {g->c * g->kg * (size_t)(ph->ja * ph->jb)}, {64}};
  clcnn_status status = CLCNN_LAUNCH(
      ctx, bd->kernel, "flip_phase_weights", &dims, CLCNN_MEM(w.buf), CLCNN_ULONG(w.offset),
      CLCNN_MEM(scratch), CLCNN_INT(g->groups), CLCNN_INT(g->kg), CLCNN_INT(g->cg), CLCNN_INT(g->r),
      CLCNN_INT(g->s), CLCNN_INT(ph->a), CLCNN_INT(ph->b), CLCNN_INT(g->sh), CLCNN_INT(g->sw),
      CLCNN_INT(ph->ja), CLCNN_INT(ph->jb));
  if (status != CLCNN_OK) return status;
  return clcnn_direct_pack(ctx, &ph->dc, (clcnn_buffer_view){scratch, 0}, 0,
                           (clcnn_buffer_view){packed, ph->packed_offset});
}

clcnn_status clcnn_backward_data_pack(clcnn_context *ctx, const clcnn_backward_data_conv *bd,
                                      clcnn_buffer_view w, cl_mem scratch, cl_mem packed) {
  const clcnn_conv_geometry *g = &bd->g;
  clcnn_status status = CLCNN_OK;
  if (bd->mode == CLCNN_DATA_PHASES) {
    for (size_t i = 0; status == CLCNN_OK && i < bd->phase_count; i++)
      status = pack_phase(ctx, bd, &bd->phase[i], w, scratch, packed);
    return status;
  }
  if (bd->winograd) return clcnn_winograd_pack(ctx, &bd->wc, w, 1, packed); /* flips itself */
  if (bd->dc.fast) /* flipped and blocked in one pass */
    return clcnn_direct_pack(ctx, &bd->dc, w, 1, (clcnn_buffer_view){packed, 0});
  clcnn_launch_dims dims = {2, {g->groups * g->cg, g->kg}, {0}};
  return CLCNN_LAUNCH(ctx, bd->kernel, "flip_weights", &dims, CLCNN_MEM(w.buf),
                      CLCNN_ULONG(w.offset), CLCNN_MEM(packed), CLCNN_INT(g->groups),
                      CLCNN_INT(g->kg), CLCNN_INT(g->cg), CLCNN_INT(g->r), CLCNN_INT(g->s));
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

static clcnn_status depthwise_data_run(clcnn_context *ctx, const clcnn_backward_data_conv *bd,
                                       const clcnn_tensor *dy, clcnn_buffer_view w,
                                       clcnn_tensor *dx) {
  const clcnn_conv_geometry *g = &bd->g;
  size_t block = g->q >= 16 ? 32 : 16; /* dx columns per work-item: two phases of VW */
  clcnn_launch_dims dims = {3, {(g->w + block - 1) / block, g->h, g->n * g->c}, {0}};
  return CLCNN_LAUNCH(ctx, bd->kernel, "conv2d_depthwise_backward_data", &dims, CLCNN_MEM(dy->buf),
                      CLCNN_ULONG(dy->offset), CLCNN_MEM(w.buf), CLCNN_ULONG(w.offset),
                      CLCNN_MEM(dx->buf), CLCNN_ULONG(dx->offset), CLCNN_INT(g->n * g->c),
                      CLCNN_INT(g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p),
                      CLCNN_INT(g->q));
}

/* Each phase writes its own elements of dx (every stride-th row and column). */
static clcnn_status phases_data(clcnn_context *ctx, const clcnn_backward_data_conv *bd,
                                const clcnn_tensor *dy, clcnn_buffer_view w, clcnn_tensor *dx) {
  clcnn_status status = bd->zero_first ? clcnn_tensor_fill_locked(dx, 0.0f) : CLCNN_OK;
  for (size_t i = 0; status == CLCNN_OK && i < bd->phase_count; i++) {
    const clcnn_data_phase *ph = &bd->phase[i];
    struct clcnn_tensor dx_view = *dx;
    dx_view.offset = dx->offset + ph->dx_offset;
    status =
        clcnn_direct_run(ctx, &ph->dc, dy, (clcnn_buffer_view){w.buf, w.offset + ph->packed_offset},
                         CLCNN_NO_EPILOGUE, &dx_view);
  }
  return status;
}

clcnn_status clcnn_backward_data_run(clcnn_context *ctx, const clcnn_backward_data_conv *bd,
                                     const clcnn_tensor *dy, clcnn_buffer_view w,
                                     clcnn_tensor *dx) {
  if (bd->mode == CLCNN_DATA_GATHER) return gather_data(ctx, bd, dy, w, dx);
  if (bd->mode == CLCNN_DATA_PHASES) return phases_data(ctx, bd, dy, w, dx);
  if (bd->mode == CLCNN_DATA_DEPTHWISE) return depthwise_data_run(ctx, bd, dy, w, dx);
  /* the transposed problem sees dy and dx with its own (possibly 1x1-folded) shapes */
  struct clcnn_tensor dy_view = *dy, dx_view = *dx;
  const clcnn_conv_geometry *t = &bd->tg;
  size_t dy_shape[4] = {t->n, t->c, t->h, t->w}, dx_shape[4] = {t->n, t->k, t->p, t->q};
  memcpy(dy_view.shape, dy_shape, sizeof dy_shape);
  memcpy(dx_view.shape, dx_shape, sizeof dx_shape);
  if (bd->winograd)
    return clcnn_winograd_run(ctx, &bd->wc, &dy_view, w.buf, CLCNN_NO_EPILOGUE, &dx_view);
  return clcnn_direct_run(ctx, &bd->dc, &dy_view, w, CLCNN_NO_EPILOGUE, &dx_view);
}

/* ---- weight and bias gradients ----------------------------------------------------------- */

/* Register budget of the tiled weight-gradient kernel: accumulators (the loaded dy vectors
   and broadcasts take the rest of AVX-512's 32 registers). Narrower vectors take 25: LeNet's
   first layer (8 lanes, a 5x5 filter in one work-item) went from 1.41 to 1.26 ms, while
   16-lane ResNet layers lost up to 25% at 25. */
#define WEIGHT_ACCUMULATORS 20
#define WEIGHT_ACCUMULATORS_NARROW 25
/* dy bytes of one reduction unit (whole output rows), and what the work-items of one split
   may read before the reduction is split further (about half of a 1 MiB L2). */
#define WEIGHT_UNIT_BYTES ((size_t)32 << 10)
#define WEIGHT_STREAM_BYTES ((size_t)512 << 10)
/* Room for a weight kernel's build options. */
#define WEIGHT_OPTIONS 512

/* Cost per useful multiply-add of a tile: padding lanes, plus half a unit per load. */
static double tile_cost(const clcnn_conv_geometry *g, int vec, int kv, int ct, int rt) {
  size_t block = (size_t)(vec * kv), kgp = (g->kg + block - 1) / block * block;
  double fmas = (double)(kv * ct * rt) * (double)g->s, loads = kv + (double)(ct * rt) * g->s;
  return (double)kgp / (double)g->kg * (1.0 + 0.5 * loads / fmas);
}

/* The cheapest tile within the register budget: ct divides CG and rt divides R, so that no
   work-item reads past its channels or rows. 0 when even one row of taps does not fit. */
static int pick_weight_tile(const clcnn_context *ctx, clcnn_backward_weights_conv *bw) {
  const clcnn_conv_geometry *g = &bw->g;
  bw->vec = clcnn_conv_vector_width(ctx, g->kg);
  double best = 0;
  for (int kv = 1; kv <= ((size_t)bw->vec < g->kg ? 2 : 1); kv++)
    for (int ct = 1; ct <= 16 && (size_t)ct <= g->cg; ct++)
      for (int rt = 1; (size_t)rt <= g->r; rt++) {
        if (g->cg % (size_t)ct || g->r % (size_t)rt ||
            (size_t)(kv * ct * rt) * g->s >
                (bw->vec < 16 ? WEIGHT_ACCUMULATORS_NARROW : WEIGHT_ACCUMULATORS))
          continue;
        double cost = tile_cost(g, bw->vec, kv, ct, rt);
        if (best == 0 || cost < best) best = cost, bw->kv = kv, bw->ct = ct, bw->rt = rt;
      }
  return best > 0;
}

/* Without padding the kernels read x itself; else a zero-padded copy just large enough. */
static void pad_geometry(clcnn_backward_weights_conv *bw) {
  const clcnn_conv_geometry *g = &bw->g;
  bw->needs_pad = g->pt || g->pb || g->pl || g->pr;
  bw->xh = bw->needs_pad ? (g->p - 1) * g->sh + (g->r - 1) * g->dh + 1 : g->h;
  bw->xw = bw->needs_pad ? (g->q - 1) * g->sw + (g->s - 1) * g->dw + 1 : g->w;
}

/* The reduction runs over units of (image, PR output rows), each small enough to stay in
   cache while the work-items of its split read it; it is split (NS partial sums) so that
   there are work-items for every compute unit several times over, and so that what the
   work-items of one split read stays near the cache size: one work-item's rows of dy
   (row_bytes per output row), and the input rows of all the group's channels, which
   consecutive work-items (the channel blocks of one filter block) read again each; counting
   only the first had the input re-read from memory for every filter block (batch 8: ResNet's
   64->256 1x1 layer 7.7 -> 5.2-5.8 ms, 256->64 4.8-5.0 -> 3.3, 128->128 3x3 at 28x28 7.0-7.2
   -> 5.6-6.0 kernel time). */
static void plan_splits(const clcnn_context *ctx, clcnn_backward_weights_conv *bw, size_t items,
                        size_t row_bytes) {
  const clcnn_conv_geometry *g = &bw->g;
  bw->pr = WEIGHT_UNIT_BYTES / row_bytes ? WEIGHT_UNIT_BYTES / row_bytes : 1;
  if (bw->pr > g->p) bw->pr = g->p;
  bw->pb = (g->p + bw->pr - 1) / bw->pr;
  size_t sweep_row = row_bytes + g->cg * g->sh * bw->xw * sizeof(float);
  size_t units = bw->chunk * bw->pb, swept = bw->chunk * g->p * sweep_row;
  size_t wanted = 8 * (ctx->caps.compute_units ? ctx->caps.compute_units : 1);
  size_t for_units = items >= wanted ? 1 : (wanted + items - 1) / items;
  size_t for_cache = (swept + WEIGHT_STREAM_BYTES - 1) / WEIGHT_STREAM_BYTES;
  /* each split adds a partial weight gradient to write and sum: at most one per copy of the
     data it saves re-reading (ResNet's 512-channel 7x7 layer: 2.4M weights, 2 MB of x and dy) */
  size_t data = bw->chunk * (g->c * bw->xh * bw->xw + g->k * g->p * g->q) * sizeof(float);
  size_t weights = g->k * g->cg * g->r * g->s * sizeof(float);
  size_t for_partials = data / weights > 1 ? data / weights : 1;
  if (for_cache > for_partials) for_cache = for_partials;
  bw->ns = for_units > for_cache ? for_units : for_cache;
  if (bw->ns > units) bw->ns = units;
}

static clcnn_status build_weights_kernel(clcnn_context *ctx, clcnn_backward_weights_conv *bw,
                                         char *options, const char *name);

static clcnn_status setup_tiles(clcnn_context *ctx, clcnn_backward_weights_conv *bw) {
  const clcnn_conv_geometry *g = &bw->g;
  size_t block = (size_t)(bw->vec * bw->kv);
  bw->kb = (g->kg + block - 1) / block;
  bw->kgp = bw->kb * block;
  bw->items = g->groups * bw->kb * (g->cg / (size_t)bw->ct) * (g->r / (size_t)bw->rt);
  pad_geometry(bw);
  size_t per_image = bw->needs_pad ? g->c * bw->xh * bw->xw : 0;
  size_t dy_image = g->groups * g->p * g->q * bw->kgp;
  bw->chunk = clcnn_workspace_items(
      ctx, (per_image > dy_image ? per_image : dy_image) * sizeof(float), g->n);
  if (bw->chunk == 0) return CLCNN_OK;
  plan_splits(ctx, bw, bw->items, g->q * block * sizeof(float));
  bw->tiled = 1;
  char options[WEIGHT_OPTIONS];
  snprintf(options, sizeof options,
           "-DWEIGHT_TILES -DVEC=%d -DKV=%d -DCT=%d -DRT=%d -DR=%zu -DS=%zu -DSH=%zu -DSW=%zu "
           "-DDH=%zu -DDW=%zu -DCG=%zu -DKG=%zu -DG=%zu -DKB=%zu -DKGP=%zu%s",
           bw->vec, bw->kv, bw->ct, bw->rt, g->r, g->s, g->sh, g->sw, g->dh, g->dw, g->cg, g->kg,
           g->groups, bw->kb, bw->kgp, bw->swapped ? " -DSWAPPED" : "");
  return build_weights_kernel(ctx, bw, options, "conv2d_weight_tiles");
}

/* Claims the sizes (compiled in or arguments) and builds the weight kernel `name`. */
static clcnn_status build_weights_kernel(clcnn_context *ctx, clcnn_backward_weights_conv *bw,
                                         char *options, const char *name) {
  const clcnn_conv_geometry *g = &bw->g;
  char family[544];
  snprintf(family, sizeof family, "conv2d_weights.cl %s", options);
  const clcnn_kernel_size sizes[] = {{"P", "out_h", g->p},        {"Q", "out_w", g->q},
                                     {"XH", "in_h", bw->xh},      {"XW", "in_w", bw->xw},
                                     {"NS", "splits", bw->ns},    {"PR", "unit_rows", bw->pr},
                                     {"PB", "row_blocks", bw->pb}};
  clcnn_status status = clcnn_sizes_claim_options(ctx, family, sizes, sizeof sizes / sizeof *sizes,
                                                  options, WEIGHT_OPTIONS, &bw->specialized);
  if (status != CLCNN_OK) return status;
  return clcnn_kernel_get(ctx, "conv2d_weights.cl", options, name, &bw->kernel);
}

/* Column stride 1, rows of 8 columns or more, and few filters per group (vectors along
   filters would be mostly padding) or a 1x1 filter with more filters than channels: the
   column-vector kernel, KT filters x CT channels x S taps in registers.
   It reads dy as it is (no channels-last copy) and wastes no lanes on missing filters.
   Measured on LeNet's first layer (6 filters, 5x5, 28x28, batch 256): 1.27 -> 0.87 ms
   (3 filters per work-item), about 0.1 s of a 2.0 s training epoch. 1x1, batch 8, 56x56:
   64->256 12.9-13.3 -> 7.5-7.8 ms (0.38x -> 0.62x oneDNN); 256->64 lost (5.2-5.8 -> 6.8),
   96->576 at 14x14 the same (0.31). */
#define ROWS_MAX_FILTERS 8
#define ROWS_ACCUMULATORS 24

/* Also at column stride 2 with few input channels per group (a network's first layer, whose
   large dy the tile kernel would copy channels-last): the input is padded into rows of even
   then odd columns, so that each tap still reads contiguous vectors. */
#define ROWS_PHASED_MAX_CHANNELS 4

static int rows_apply(const clcnn_conv_geometry *g) {
  int pointwise = g->r == 1 && g->s == 1 && g->kg > g->cg;
  int phased = g->sw == 2 && g->cg <= ROWS_PHASED_MAX_CHANNELS;
  return ((g->sw == 1 && (g->kg <= ROWS_MAX_FILTERS || pointwise)) || phased) && g->q >= 8 &&
         g->s <= ROWS_ACCUMULATORS;
}

/* A 1x1 filter at stride 1 without padding pairs pixel i of x's planes with pixel i of dy's:
   the planes are runs of pixels whatever their rows. The column-vector kernel takes such a
   layer when at most an eighth of its lanes fall past the plane's end (batch 8, against the
   swapped tiles: 64->256 at 56x56 8.4-10.6 -> 7.7 ms, 96->576 at 14x14 1.8-2.1 -> 1.3;
   320->1280 at 7x7, 64 lanes for 49 pixels, lost: 2.2-2.6 -> 3.0-3.2). */
static int pointwise_flat(const clcnn_conv_geometry *g) {
  size_t pq = g->p * g->q, lanes = (pq + 15) / 16 * 16;
  return g->r == 1 && g->s == 1 && g->sh == 1 && g->sw == 1 && !g->pt && !g->pb && !g->pl &&
         !g->pr && pq >= 16 && 7 * lanes <= 8 * pq;
}

/* Such a layer as the column-vector kernel reads it best: rows of a multiple of 16 pixels
   where the plane divides so (whole vectors, no lanes masked off at row ends; 56x56 as 28
   rows of 112), else one row of the whole plane. */
#define FLAT_ROW_MAX 512
static clcnn_conv_geometry flat_rows(const clcnn_conv_geometry *g) {
  clcnn_conv_geometry t = *g;
  size_t pq = g->p * g->q, width = pq;
  for (size_t w = FLAT_ROW_MAX; w >= 16; w -= 16)
    if (pq % w == 0) {
      width = w;
      break;
    }
  t.p = t.h = pq / width;
  t.q = t.w = width;
  return t;
}

static clcnn_status setup_rows(clcnn_context *ctx, clcnn_backward_weights_conv *bw) {
  const clcnn_conv_geometry *g = &bw->g;
  double best = 0;
  for (int ct = 1; ct * (int)g->s <= ROWS_ACCUMULATORS && (size_t)ct <= g->cg; ct++)
    for (int kt = 1; kt * ct * (int)g->s <= ROWS_ACCUMULATORS && (size_t)kt <= g->kg; kt++) {
      if (g->cg % (size_t)ct) continue;
      /* FMAs (filters past KG included) plus half a unit per load, per channel block */
      double blocks = (double)((g->kg + (size_t)kt - 1) / (size_t)kt) * (double)(g->cg / ct);
      double fmas = (double)(kt * ct) * (double)g->s, loads = kt + (double)ct * (double)g->s;
      double cost = blocks * (fmas + 0.5 * loads);
      if (best == 0 || cost < best) best = cost, bw->kt = kt, bw->ct = ct;
    }
  bw->vec = g->q >= 16 ? 16 : 8;
  bw->kb = (g->kg + (size_t)bw->kt - 1) / (size_t)bw->kt;
  bw->items = g->groups * bw->kb * (g->cg / (size_t)bw->ct) * g->r;
  pad_geometry(bw);
  if (g->sw == 2) { /* each phase: the row's outputs plus the taps' reach past them */
    bw->phases = 2;
    bw->needs_pad = 1;
    bw->xh = (g->p - 1) * g->sh + (g->r - 1) * g->dh + 1;
    bw->xw = 2 * (g->q + (g->s - 1) * g->dw / 2);
  }
  bw->chunk = bw->needs_pad
                  ? clcnn_workspace_items(ctx, g->c * bw->xh * bw->xw * sizeof(float), g->n)
                  : g->n;
  if (bw->chunk == 0) return CLCNN_OK;
  plan_splits(ctx, bw, bw->items, g->q * (size_t)bw->kt * sizeof(float));
  bw->rows = 1;
  char options[WEIGHT_OPTIONS];
  snprintf(options, sizeof options,
           "-DWEIGHT_ROWS -DVW=%d -DKT=%d -DCT=%d -DR=%zu -DS=%zu -DSH=%zu -DDH=%zu -DDW=%zu "
           "-DCG=%zu -DKG=%zu -DG=%zu -DKTB=%zu%s",
           bw->vec, bw->kt, bw->ct, g->r, g->s, g->sh, g->dh, g->dw, g->cg, g->kg, g->groups,
           bw->kb, bw->phases ? " -DSW=2" : "");
  return build_weights_kernel(ctx, bw, options, "conv2d_weight_rows");
}

/* A pointwise layer (1x1, stride 1, no padding, one group) is symmetric in its input and
   output: dw[k][c] = sum over images and pixels of dy[k][i] x[c][i] is the transpose of the
   weight gradient of the layer from C to K channels, run with dy as its input and x as its
   output gradient. The tile kernel copies its output gradient channels-last; swapped, that
   is x, four times smaller than dy for ResNet's 64->256 layer. swap_pointwise(swap_pointwise(g))
   is g. */
static int pointwise_swaps(const clcnn_conv_geometry *g) {
  return g->r == 1 && g->s == 1 && g->sh == 1 && g->sw == 1 && g->groups == 1 && !g->pt && !g->pb &&
         !g->pl && !g->pr && g->k > g->c;
}

static clcnn_conv_geometry swap_pointwise(const clcnn_conv_geometry *g) {
  clcnn_conv_geometry t = *g;
  t.c = t.cg = g->k;
  t.k = t.kg = g->c;
  return t;
}

/* The Winograd path's product kernel: channels per work-item (C must be a multiple). */
#define WINOGRAD_DW_CHANNELS 8

/* 3x3 stride-1 layers of 128 or more channels and 64 or more filters, over at least 64
   tiles in all: below that the transforms (36 x C and 36 x K values per tile) or the
   products' sums (36 x C x K, written and read again) cost about what the products save.
   Measured at batch 8 (A/B, the direct kernels against this path, ms): 128 channels at
   28x28 11.2 -> 7.4-10.8, 256 at 14x14 9.8-10.1 -> 7.6-7.9, 512 at 14x14 37-39 -> 26-30,
   128 -> 256 at 56x56 88-92 -> 41-48; not taken: 64 channels at 56x56 11.2-12.3 ->
   12.0-14.0 and 64 -> 128 at 112x112 90-112 -> 78-137, 512 at 7x7 (32 tiles) 13.0-14.1 ->
   16.0-16.6. */
#define WINOGRAD_DW_MIN_TILES 64

static int winograd_weights_apply(const clcnn_conv_geometry *g) {
  size_t tiles = g->n * ((g->p + 3) / 4) * ((g->q + 3) / 4);
  return clcnn_winograd_applies(g) && g->c % WINOGRAD_DW_CHANNELS == 0 && g->c >= 128 &&
         g->k >= 64 && tiles >= WINOGRAD_DW_MIN_TILES;
}

static clcnn_status setup_winograd_weights(clcnn_context *ctx, const char *fn,
                                           clcnn_backward_weights_conv *bw) {
  const clcnn_conv_geometry *g = &bw->g;
  clcnn_winograd_conv *wc = &bw->wc;
  clcnn_status status = clcnn_winograd_setup(ctx, fn, g, 0, wc);
  if (status != CLCNN_OK) return status;
  /* per image: its tiles' transformed input (36 x C) and gradients (36 x kpad) */
  size_t per_image = 36 * (g->c + wc->kpad) * wc->tp * wc->tq + 36 * (g->c + wc->kpad) * 8;
  wc->chunk = clcnn_workspace_items(ctx, per_image * sizeof(float), g->n);
  if (wc->chunk == 0) return CLCNN_UNSUPPORTED;
  char options[64];
  snprintf(options, sizeof options, "-DVEC=%d -DKV=%d -DTT=%d", wc->vec, wc->kv,
           WINOGRAD_DW_CHANNELS);
  const char *file = "conv2d_winograd_weights.cl";
  status = clcnn_kernel_get(ctx, file, options, "winograd_dy", &bw->dy_kernel);
  if (status == CLCNN_OK)
    status = clcnn_kernel_get(ctx, file, options, "winograd_dw_gemm", &bw->gemm_kernel);
  if (status == CLCNN_OK)
    status = clcnn_kernel_get(ctx, file, options, "winograd_dw_output", &bw->out_kernel);
  bw->winograd = status == CLCNN_OK;
  return status;
}

clcnn_status clcnn_backward_weights_setup(clcnn_context *ctx, const char *fn,
                                          const clcnn_conv_geometry *g,
                                          clcnn_backward_weights_conv *bw) {
  if (winograd_weights_apply(g)) {
    *bw = (clcnn_backward_weights_conv){.g = *g};
    clcnn_status status = setup_winograd_weights(ctx, fn, bw);
    if (status != CLCNN_UNSUPPORTED) return status;
  }
  if (pointwise_flat(g)) {
    *bw = (clcnn_backward_weights_conv){.g = flat_rows(g)};
    clcnn_status status = setup_rows(ctx, bw);
    if (status != CLCNN_OK || bw->rows) return status;
  }
  *bw = (clcnn_backward_weights_conv){.g = *g};
  if (pointwise_swaps(g)) {
    *bw = (clcnn_backward_weights_conv){.g = swap_pointwise(g), .swapped = 1};
    if (pick_weight_tile(ctx, bw)) {
      clcnn_status status = setup_tiles(ctx, bw);
      if (status != CLCNN_OK || bw->tiled) return status;
    }
    *bw = (clcnn_backward_weights_conv){.g = *g};
  }
  if (rows_apply(g)) {
    clcnn_status status = setup_rows(ctx, bw);
    if (status != CLCNN_OK || bw->rows) return status;
  }
  if (pick_weight_tile(ctx, bw)) {
    clcnn_status status = setup_tiles(ctx, bw);
    if (status != CLCNN_OK || bw->tiled) return status;
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
  clcnn_status status =
      clcnn_kernel_get_alone(ctx, "conv2d_layout.cl", "transpose_images", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {3, {g->p * g->q, images, g->k}, {0}};
  return CLCNN_LAUNCH(ctx, kernel, "transpose_images", &dims, CLCNN_MEM(dy->buf),
                      CLCNN_ULONG(dy->offset + n0 * g->k * g->p * g->q), CLCNN_MEM(dyt),
                      CLCNN_INT(g->k), CLCNN_INT(g->p * g->q), CLCNN_INT(images));
}

static clcnn_status bias_chunk(clcnn_context *ctx, const clcnn_conv_geometry *g, cl_mem dyt,
                               size_t images, clcnn_tensor *dbias, int accumulate) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get_alone(ctx, "conv2d_layout.cl", "sum_rows", &kernel);
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

clcnn_status clcnn_conv_sum_partials(clcnn_context *ctx, cl_mem part, size_t arrays, size_t count,
                                     clcnn_tensor *out, int accumulate) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_weights.cl", "", "sum_partials", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {1, {(count + 7) / 8}, {64}};
  return CLCNN_LAUNCH(ctx, kernel, "sum_partials", &dims, CLCNN_MEM(part), CLCNN_MEM(out->buf),
                      CLCNN_ULONG(out->offset), CLCNN_ULONG(count), CLCNN_INT(arrays),
                      CLCNN_INT(accumulate));
}

static clcnn_status reduce_chunk(clcnn_context *ctx, const clcnn_conv_geometry *g, cl_mem part,
                                 clcnn_tensor *dw, size_t arrays, int accumulate) {
  return clcnn_conv_sum_partials(ctx, part, arrays, g->k * g->cg * g->r * g->s, dw, accumulate);
}

/* The bias gradient of images n0 .. n0+images, added to dbias after the first chunk. With
   few filters the images are split over several work-items per filter (LeNet's first layer
   has 6 filters, each a sum of 200K values), whose partial sums are added up after. */
#define BIAS_MIN_ITEMS 32

clcnn_status clcnn_conv_bias_gradient(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                      const clcnn_tensor *dy, size_t n0, size_t images,
                                      clcnn_tensor *dbias) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_weights.cl", "", "bias_gradient", &kernel);
  if (status != CLCNN_OK) return status;
  size_t splits = g->k >= BIAS_MIN_ITEMS ? 1 : (BIAS_MIN_ITEMS + g->k - 1) / g->k;
  if (splits > images) splits = images;
  cl_mem out = dbias->buf, part = NULL;
  size_t out_off = dbias->offset;
  if (splits > 1) {
    status = clcnn_workspace_get(ctx, CLCNN_WS_BIAS_PARTIALS, splits * g->k * sizeof(float), &part);
    out = part, out_off = 0;
  }
  clcnn_launch_dims dims = {2, {g->k, splits}, {0}};
  if (status == CLCNN_OK)
    status = CLCNN_LAUNCH(ctx, kernel, "bias_gradient", &dims, CLCNN_MEM(dy->buf),
                          CLCNN_ULONG(dy->offset + n0 * g->k * g->p * g->q), CLCNN_MEM(out),
                          CLCNN_ULONG(out_off), CLCNN_INT(g->k), CLCNN_INT(g->p * g->q),
                          CLCNN_INT(images), CLCNN_INT(splits == 1 && n0 > 0), CLCNN_INT(splits));
  if (status != CLCNN_OK || splits == 1) return status;
  return clcnn_conv_sum_partials(ctx, part, splits, g->k, dbias, n0 > 0);
}

static clcnn_status channels_last(clcnn_context *ctx, const clcnn_backward_weights_conv *bw,
                                  const clcnn_tensor *dy, size_t n0, size_t images, cl_mem dyt) {
  const clcnn_conv_geometry *g = &bw->g;
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get_alone(ctx, "conv2d_layout.cl", "channels_last", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {
      3, {(g->p * g->q + 15) / 16, (bw->kgp + 15) / 16, g->groups * images}, {1, 1, 1}};
  return CLCNN_LAUNCH(ctx, kernel, "channels_last", &dims, CLCNN_MEM(dy->buf),
                      CLCNN_ULONG(dy->offset + n0 * g->k * g->p * g->q), CLCNN_MEM(dyt),
                      CLCNN_INT(g->groups), CLCNN_INT(g->kg), CLCNN_INT(bw->kgp),
                      CLCNN_INT(g->p * g->q), CLCNN_INT(images));
}

/* Per chunk of images: padded input, dy channels-last (for the tile kernel), the partial
   sums per image split, then their sum into dw (added to the earlier chunks'). */
static clcnn_status weights_tiled(clcnn_context *ctx, const clcnn_backward_weights_conv *bw,
                                  const clcnn_tensor *x, const clcnn_tensor *dy, clcnn_tensor *dw,
                                  clcnn_tensor *dbias) {
  const clcnn_conv_geometry *g = &bw->g;
  size_t partials = g->k * g->cg * g->r * g->s;
  cl_mem xp = x->buf, dyt = NULL;
  clcnn_status status = CLCNN_OK;
  if (bw->needs_pad)
    status = clcnn_workspace_get(ctx, CLCNN_WS_PADDED_INPUT,
                                 bw->chunk * g->c * bw->xh * bw->xw * sizeof(float), &xp);
  if (status == CLCNN_OK && !bw->rows)
    status =
        clcnn_workspace_get(ctx, CLCNN_WS_GRADIENT_ROWS,
                            bw->chunk * g->groups * g->p * g->q * bw->kgp * sizeof(float), &dyt);
  /* one split over all the images in one chunk: the kernel writes dw itself */
  int direct = bw->ns == 1 && bw->chunk >= g->n;
  cl_mem part = dw->buf;
  size_t part_off = direct ? dw->offset : 0;
  if (status == CLCNN_OK && !direct)
    status = clcnn_workspace_get(ctx, CLCNN_WS_PARTIALS, bw->ns * partials * sizeof(float), &part);
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += bw->chunk) {
    size_t images = g->n - n0 < bw->chunk ? g->n - n0 : bw->chunk;
    if (bw->needs_pad)
      status = clcnn_conv_pad_input(ctx, x, g, n0, images, bw->xh, bw->xw, bw->phases, xp);
    size_t xp_off = bw->needs_pad ? 0 : x->offset + n0 * g->c * g->h * g->w;
    if (status == CLCNN_OK && !bw->rows) status = channels_last(ctx, bw, dy, n0, images, dyt);
    clcnn_launch_dims dims = {2, {bw->items, bw->ns}, {1, 1}};
    if (status == CLCNN_OK && bw->rows)
      status = CLCNN_LAUNCH(ctx, bw->kernel, "conv2d_weight_rows", &dims, CLCNN_MEM(xp),
                            CLCNN_ULONG(xp_off), CLCNN_MEM(dy->buf),
                            CLCNN_ULONG(dy->offset + n0 * g->k * g->p * g->q), CLCNN_MEM(part),
                            CLCNN_ULONG(part_off), CLCNN_INT(images), CLCNN_INT(g->p),
                            CLCNN_INT(g->q), CLCNN_INT(bw->xh), CLCNN_INT(bw->xw),
                            CLCNN_INT(bw->ns), CLCNN_INT(bw->pr), CLCNN_INT(bw->pb));
    else if (status == CLCNN_OK)
      status =
          CLCNN_LAUNCH(ctx, bw->kernel, "conv2d_weight_tiles", &dims, CLCNN_MEM(xp),
                       CLCNN_ULONG(xp_off), CLCNN_MEM(dyt), CLCNN_MEM(part), CLCNN_ULONG(part_off),
                       CLCNN_INT(images), CLCNN_INT(g->p), CLCNN_INT(g->q), CLCNN_INT(bw->xh),
                       CLCNN_INT(bw->xw), CLCNN_INT(bw->ns), CLCNN_INT(bw->pr), CLCNN_INT(bw->pb));
    if (status == CLCNN_OK && !direct) status = reduce_chunk(ctx, g, part, dw, bw->ns, n0 > 0);
    if (status == CLCNN_OK && dbias)
      status = clcnn_conv_bias_gradient(ctx, g, dy, n0, images, dbias);
  }
  return status;
}

/* Per chunk of images: the input and gradient transforms, their products added up per
   position over the tiles (and the chunks); then the output transform into dw. */
static clcnn_status weights_winograd(clcnn_context *ctx, const clcnn_backward_weights_conv *bw,
                                     const clcnn_tensor *x, const clcnn_tensor *dy,
                                     clcnn_tensor *dw, clcnn_tensor *dbias) {
  const clcnn_conv_geometry *g = &bw->g;
  const clcnn_winograd_conv *wc = &bw->wc;
  size_t most = clcnn_winograd_tpad(wc->chunk * wc->tp * wc->tq);
  size_t blocks = wc->kpad / (size_t)(wc->kv * wc->vec);
  cl_mem v, e, m;
  clcnn_status status =
      clcnn_workspace_get(ctx, CLCNN_WS_COLUMNS, 36 * g->c * most * sizeof(float), &v);
  if (status == CLCNN_OK)
    status =
        clcnn_workspace_get(ctx, CLCNN_WS_GRADIENT_ROWS, 36 * wc->kpad * most * sizeof(float), &e);
  if (status == CLCNN_OK)
    status = clcnn_workspace_get(ctx, CLCNN_WS_PARTIALS, 36 * g->c * wc->kpad * sizeof(float), &m);
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += wc->chunk) {
    size_t images = g->n - n0 < wc->chunk ? g->n - n0 : wc->chunk;
    size_t tiles = images * wc->tp * wc->tq, tpad = clcnn_winograd_tpad(tiles);
    status = clcnn_winograd_input(ctx, wc, x, n0, images, v);
    clcnn_launch_dims dy_dims = {2, {tpad, wc->kpad / (size_t)wc->vec}, {1, 1}};
    if (status == CLCNN_OK)
      status = CLCNN_LAUNCH(ctx, bw->dy_kernel, "winograd_dy", &dy_dims, CLCNN_MEM(dy->buf),
                            CLCNN_ULONG(dy->offset + n0 * g->k * g->p * g->q), CLCNN_MEM(e),
                            CLCNN_INT(tiles), CLCNN_INT(tpad), CLCNN_INT(g->k), CLCNN_INT(wc->kpad),
                            CLCNN_INT(g->p), CLCNN_INT(g->q), CLCNN_INT(wc->tp), CLCNN_INT(wc->tq));
    clcnn_launch_dims gemm_dims = {3, {g->c / WINOGRAD_DW_CHANNELS, blocks, 36}, {1, 1, 1}};
    if (status == CLCNN_OK)
      status = CLCNN_LAUNCH(ctx, bw->gemm_kernel, "winograd_dw_gemm", &gemm_dims, CLCNN_MEM(v),
                            CLCNN_MEM(e), CLCNN_MEM(m), CLCNN_INT(tpad), CLCNN_INT(g->c),
                            CLCNN_INT(wc->kpad), CLCNN_INT(n0 > 0));
    if (status == CLCNN_OK && dbias)
      status = clcnn_conv_bias_gradient(ctx, g, dy, n0, images, dbias);
  }
  clcnn_launch_dims out_dims = {2, {g->c, (g->k + wc->vec - 1) / wc->vec}, {1, 1}};
  if (status == CLCNN_OK)
    status = CLCNN_LAUNCH(ctx, bw->out_kernel, "winograd_dw_output", &out_dims, CLCNN_MEM(m),
                          CLCNN_MEM(dw->buf), CLCNN_ULONG(dw->offset), CLCNN_INT(g->c),
                          CLCNN_INT(g->k), CLCNN_INT(wc->kpad));
  return status;
}

clcnn_status clcnn_backward_weights_run(clcnn_context *ctx, const clcnn_backward_weights_conv *bw,
                                        const clcnn_tensor *x, const clcnn_tensor *dy,
                                        clcnn_tensor *dw, clcnn_tensor *dbias) {
  if (bw->winograd) return weights_winograd(ctx, bw, x, dy, dw, dbias);
  if (bw->swapped) {
    clcnn_status status = weights_tiled(ctx, bw, dy, x, dw, NULL);
    if (status != CLCNN_OK || !dbias) return status;
    const clcnn_conv_geometry g = swap_pointwise(&bw->g);
    return clcnn_conv_bias_gradient(ctx, &g, dy, 0, g.n, dbias);
  }
  return bw->tiled || bw->rows ? weights_tiled(ctx, bw, x, dy, dw, dbias)
                               : weights_gemm(ctx, bw, x, dy, dw, dbias);
}

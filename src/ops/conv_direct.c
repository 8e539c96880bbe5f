/* The direct path: a vectorized register-tiled kernel on zero-padded input, or a generic
   bounds-checked kernel for shapes the fast one does not cover. */
#include <stdio.h>

#include "device/context.h"
#include "memory/workspace.h"
#include "ops/conv_paths.h"
#include "program/launch.h"
#include "program/program.h"
#include "program/sized.h"

/* Unrolled work per channel step and input row width the fast kernel accepts; past these the
   unrolled code grows beyond what compilers keep in registers and the generic kernel runs. */
#define MAX_UNROLLED_TAPS 64
#define MAX_INPUT_ROW 64

/* Vector width along output channels: the device's preference, no wider than KG needs. */
int clcnn_conv_vector_width(const clcnn_context *ctx, size_t kg) {
  int widest = (ctx->caps.type & CL_DEVICE_TYPE_CPU) ? 16 : 4;
  int vec = 4;
  while (vec < widest && (size_t)vec < kg) vec *= 2;
  return vec;
}

/* Estimated cost of a work split: vector FMAs (padding lanes and tile overhang included)
   plus half a unit per load, for the whole problem, plus the transposing store of each
   work-item's outputs (one unit per output, STORE_RUN_COST per run of a row it starts: its
   channels' rows of the tile are separate runs); when it yields too few work-items to keep
   every compute unit busy, the idle share is added. The store term matters for short
   reductions: MobileNetV2's 1x1 layers at 14x14 went from tiles of 2x2 (64 channels) to 1x7
   (32 channels), 96->576 0.15 -> 0.12-0.13 ms, 384->64 0.08-0.09 -> 0.07, and the network at
   batch 1 about 3% faster. */
#define STORE_RUN_COST 4.0

static double split_cost(const clcnn_context *ctx, const clcnn_conv_geometry *g, int vec, int kv,
                         int th, int tw) {
  double blocks = (double)((g->kg + (size_t)(vec * kv) - 1) / (size_t)(vec * kv));
  double tiles = (double)((g->p + th - 1) / th) * (double)((g->q + tw - 1) / tw);
  double in_tw = (double)((tw - 1) * g->sw + (g->s - 1) * g->dw + 1);
  double per_step = (double)(kv * th * tw) * (double)g->s + 0.5 * (kv * (double)g->s + th * in_tw);
  double stores = (double)(kv * vec * th) * ((double)tw + STORE_RUN_COST);
  double items = (double)g->n * (double)g->groups * blocks * tiles;
  double cost = items * ((double)g->cg * (double)g->r * per_step + stores);
  double wanted = 8.0 * (ctx->caps.compute_units ? ctx->caps.compute_units : 1);
  return items < wanted ? cost * wanted / items : cost;
}

/* The cheapest split (of powers of two when the sizes are not compiled in) whose accumulators plus
   one filter row of weight vectors fit the register budget (measured on AVX-512: past 22 of its 32
   vector registers the 7x7 first layer fell from 246 to 114-144 GFLOP/s). */
static void pick_split(const clcnn_context *ctx, const clcnn_conv_geometry *g, int budget,
                       clcnn_direct_conv *dc) {
  double best = 0;
  for (int kv = 1; kv <= 4; kv *= 2)
    for (int th = 1; th <= 4; th++)
      for (int tw = 1; kv * th * tw + kv * (int)g->s <= budget && kv * th * tw <= 16; tw++) {
        /* sizes shared with other problems: tiles from a fixed set, so that few programs serve
           every size */
        if (!dc->specialized && (th == 3 || (tw & (tw - 1)))) continue;
        double cost = split_cost(ctx, g, dc->vec, kv, th, tw);
        if (best == 0 || cost < best) best = cost, dc->kv = kv, dc->th = th, dc->tw = tw;
      }
}

/* Few output channels per group (vectors along channels would be mostly padding) and
   columns enough for a vector: the kernel with vectors along output columns. Measured on
   LeNet. */
#define WIDE_MAX_CHANNELS 8
#define WIDE_MAX_ACCUMULATORS 16

/* 1x1 layers at stride 1 with few input channels: the column-vector kernel, 16 output
   channels per work-item. Their per-output cost is mostly the channel-vector kernel's
   transposing store. Measured: 16->96 at 112x112 0.41 -> 0.25 ms (batch 8: 3.8 -> 1.8),
   16->64 at 55x55 0.20 -> 0.14, 24->144 at 56x56 0.20 -> 0.18; from 64 input channels the
   channel vectors win (64->256 at 56x56, batch 8: 5.6 against 7.0 ms), and rows of 27 lose
   more to the padded copy than they gain (0.09 against 0.13). */
#define POINTWISE_WIDE_MAX_INPUTS 32
#define POINTWISE_WIDE_CHANNELS 16

/* 1x1 layers at stride 1 without padding and with a plain output: each plane is read and
   written as rows of FLAT_COLUMNS (one vector) whatever the image width (a ragged last row
   is read from inside the plane, see conv2d_direct_wide.cl), and a work-item computes up to
   FLAT_ACCUMULATORS vectors, FLAT_MAX_ROWS rows of contiguous columns for a block of
   channels: per input channel a few vector loads and one broadcast per channel feed every
   accumulator, and the blocks of one tile run one after another so that its input stays in
   cache. No padded copy of the input. Measured at 56x56: 64->256 batch 8 5.6 -> 2.6-2.9 ms,
   batch 1 0.64 -> 0.39; 256->64 0.53 -> 0.44 (batch 1); 24->144 0.18 -> 0.13; at 28x28
   128->512 0.47 -> 0.40. Smaller planes lose (14x14, 96->576: 0.18 -> 0.26; 7x7, 960->160:
   0.16 -> 0.21; batch 8, 256->1024 at 14x14: 3.4 -> 5.4): many channel blocks read each
   tile's input again from beyond the first-level cache, and the tiles of a ragged plane
   waste more. */
#define FLAT_COLUMNS 16
#define FLAT_ACCUMULATORS 24
#define FLAT_MAX_ROWS 4
#define FLAT_MIN_PLANE (28 * 28)
/* From this plane size up the rows of 16 also serve where the channel-vector kernel's tiles
   would not divide the plane and need a padded copy of the input: SqueezeNet's 1x1 layers at
   27x27 and 13x13 (the 512->1000 classifier alone 0.91-0.94 -> 0.78-0.82 ms; the network at
   batch 1 5.3-5.4 -> 4.7-4.8 ms, six alternating runs). MobileNetV2's 14x14 and 7x7 planes
   divide into tiles of 7 and stay with them. */
#define FLAT_MIN_PADDED 100

static int flattens(const clcnn_conv_geometry *g, size_t out_plane, size_t out_row, size_t out_col,
                    size_t min_plane) {
  return g->r == 1 && g->s == 1 && g->sh == 1 && g->sw == 1 && !g->pt && !g->pb && !g->pl &&
         !g->pr && g->kg > WIDE_MAX_CHANNELS && out_col == 1 && out_row == g->q &&
         out_plane == g->p * g->q && g->h * g->w >= min_plane;
}

static int pointwise_wide(const clcnn_conv_geometry *g) {
  return g->r == 1 && g->s == 1 && g->sh == 1 && g->sw == 1 && g->cg <= POINTWISE_WIDE_MAX_INPUTS &&
         g->kg > WIDE_MAX_CHANNELS && (g->q % 8 == 0 || g->q >= 48);
}

/* The flattened split: channels per block and rows per work-item with the fewest vector
   FMAs (padding channels and rows included) plus half a unit per load. */
static void pick_flat(const clcnn_conv_geometry *g, clcnn_direct_conv *dc) {
  double best = 0;
  dc->wide = dc->flat = 1;
  dc->vec = dc->tw = FLAT_COLUMNS;
  dc->kv = 1;
  for (int th = 1; th <= FLAT_MAX_ROWS; th++)
    for (int kc = 2; kc * th <= FLAT_ACCUMULATORS; kc++) {
      double blocks = (double)((g->kg + (size_t)kc - 1) / (size_t)kc);
      double tiles = (double)((g->p + (size_t)th - 1) / (size_t)th);
      double cost = blocks * tiles * (kc * th + 0.5 * (kc + th));
      if (best == 0 || cost < best) best = cost, dc->block = kc, dc->th = th;
    }
}

/* First layers (up to 4 input channels, many output channels, rows of 16 or more): the
   column-vector kernel with 8 channels times 1 row of 16 columns per work-item. Their few
   channel steps leave the channel-vector kernel little to amortize its transposing store
   over. Measured: ResNet's 7x7 s2 3->64 at 224x224, batch 8, 10.8-11.8 -> 6.8-6.9 ms (16
   channels x 1 row the same; 4 or 12 channels, or 3 or 4 rows: 7.9-19 ms), batch 1 1.64 -> 1.00;
   VGG's 3x3 3->64 1.24 -> 0.88; 3x3 s2 first layers unchanged (0.25, 0.42). Later, on a
   slower host, 1 row rather than 2: the 7x7 stem's 2 rows x 8 channels of accumulators plus
   the 8 weights they share spilled to the stack, the stem at batch 8 0.45 -> 0.58-0.82x
   oneDNN, batch 1 2.1-2.2 -> 1.4 ms; the 3x3 first layers within this host's noise. */
#define FIRST_LAYER_MAX_INPUTS 4
#define FIRST_LAYER_CHANNELS 8
#define FIRST_LAYER_ROWS 1

static int first_layer(const clcnn_conv_geometry *g) {
  return g->cg <= FIRST_LAYER_MAX_INPUTS && g->kg > WIDE_MAX_CHANNELS && g->sw <= 2 && g->q >= 16;
}

static int wide_applies(const clcnn_conv_geometry *g) {
  return (g->sw <= 2 && g->kg <= WIDE_MAX_CHANNELS && g->q >= 8) || pointwise_wide(g) ||
         first_layer(g);
}

static void pick_wide(const clcnn_conv_geometry *g, clcnn_direct_conv *dc) {
  dc->wide = 1;
  /* 16 columns once a row needs two vectors of 8: the same lanes computed, half the
     instructions (LeNet's second layer input gradient, 14 wide: 1.60 -> 1.12 ms) */
  dc->vec = dc->tw = g->q > 8 ? 16 : 8;
  dc->kv = 1;
  dc->block = (int)g->kg;
  if (pointwise_wide(g)) { /* rows of 8 when they waste fewer columns */
    if ((g->q + 7) / 8 * 8 < (g->q + 15) / 16 * 16) dc->vec = dc->tw = 8;
    dc->block = POINTWISE_WIDE_CHANNELS;
  }
  if (first_layer(g) && !pointwise_wide(g)) {
    dc->block = FIRST_LAYER_CHANNELS;
    dc->th = g->p >= FIRST_LAYER_ROWS ? FIRST_LAYER_ROWS : 1;
    return;
  }
  dc->th = 1;
  while (dc->th < 4 && (size_t)dc->th < g->p && dc->block * (dc->th + 1) <= WIDE_MAX_ACCUMULATORS)
    dc->th++;
}

/* Output columns per work-item of the depthwise kernel. */
static int depthwise_columns(const clcnn_conv_geometry *g) {
  return g->q >= 16 ? 16 : 8;
}

/* One channel per group, column stride 1 or 2 and a plain output: the depthwise kernel on
   the unpadded input, which saves the padded copy the other kernels read. Its column tiles
   that reach past the input borders read across them and zero the outside lanes, so they
   cost about what interior ones do; it beats the column-vector kernel on the padded copy on
   every MobileNetV2 depthwise layer (batch 8: 32 channels 112x112 1.1 against 2.5 ms, 144
   56x56 1.55 against 1.8, 960 7x7 0.31 against 0.84). Its weights need no blocking: block
   1 is C x R x S. */
static int depthwise_applies(const clcnn_direct_conv *dc) {
  const clcnn_conv_geometry *g = &dc->g;
  return g->cg == 1 && g->kg == 1 && g->sw <= 2 && g->r * g->s <= MAX_UNROLLED_TAPS &&
         dc->out_col == 1 && dc->out_row == g->q && dc->out_plane == g->p * g->q;
}

/* Output rows per work-item of the depthwise kernel. It loads each input row's taps once for
   every output row of the tile that reads it, so taller tiles load less per output: at stride
   1 up to DEPTHWISE_MAX_ROWS, the cheapest by tap-row loads plus multiply-adds, rows past the
   plane included (56x56 planes in rows of 8, 14x14 and 7x7 in rows of 7). Measured (batch 1,
   MobileNetV2's layers): 144 channels 56x56 0.19-0.20 -> 0.17-0.18 ms, 576 at 14x14 0.10-0.11 ->
   0.09-0.10, 32 at 112x112 0.15-0.19 -> 0.13-0.17; at stride 2 (2 * TH + 1 input rows) 8 rows
   gained nothing, so 4 stay. */
#define DEPTHWISE_MAX_ROWS 8

static int depthwise_rows(const clcnn_conv_geometry *g) {
  if (g->sh != 1) return g->p >= 4 ? 4 : g->p >= 2 ? 2 : 1;
  int best = 1;
  double best_cost = 0;
  for (int th = 1; th <= DEPTHWISE_MAX_ROWS && (size_t)th <= g->p; th++) {
    double tiles = (double)((g->p + (size_t)th - 1) / (size_t)th);
    double rows_read = (double)th + (double)((g->r - 1) * g->dh);
    double cost = tiles * (double)g->s * (rows_read + (double)(th * g->r));
    if (best_cost == 0 || cost <= best_cost) best = th, best_cost = cost;
  }
  return best;
}

static void plan_depthwise(const clcnn_conv_geometry *g, clcnn_direct_conv *dc) {
  dc->depthwise = dc->fast = 1;
  dc->vec = dc->tw = depthwise_columns(g);
  dc->kv = dc->block = 1;
  dc->th = depthwise_rows(g);
  dc->kb = 1;
  dc->tiles_p = (g->p + dc->th - 1) / dc->th;
  dc->tiles_q = (g->q + dc->tw - 1) / dc->tw;
  dc->xh = g->h;
  dc->xw = g->w;
  dc->chunk = g->n;
  dc->packed_floats = g->groups * g->r * g->s;
}

/* Whether the tiled kernel should run image by image (every weight block over one image's
   tiles, the image's input staying in cache) rather than weight block by block (each block's
   weights staying in cache over every image): the order that reads less from memory, counting
   the input read again per block in the one, the weights read again per image in the other.
   Measured: SqueezeNet's last layer (512->1000 1x1 at 13x13, batch 8, 32 blocks of 2 MiB of
   weights in all) 8.0-9.1 -> 6.0-6.2 ms; ResNet's 512->512 at 7x7 keeps blocks first. */
static int images_outer(const clcnn_conv_geometry *g, const clcnn_direct_conv *dc) {
  double images = (double)dc->chunk, blocks = (double)(g->groups * dc->kb);
  double weights = (double)dc->packed_floats, image = (double)(g->c * dc->xh * dc->xw);
  return images > 1 && weights * (images - 1) < image * images * (blocks - 1);
}

/* The column phases of the wide kernel's padded input rows (see pad_input): 2 at column
   stride 2, where VW outputs then read VW contiguous inputs per tap instead of every other
   one of 2 * VW and a shuffle (ResNet's 7x7 stride-2 stem at batch 8: see the commit). */
static int column_phases(const clcnn_direct_conv *dc) {
  return dc->wide && !dc->flat && dc->g.sw == 2 ? 2 : 1;
}

static void plan_tiles(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                       clcnn_direct_conv *dc) {
  if (depthwise_applies(dc)) {
    plan_depthwise(g, dc);
    return;
  }
  if (dc->flat) {
    pick_flat(g, dc);
  } else if (wide_applies(g)) {
    pick_wide(g, dc);
  } else {
    dc->vec = clcnn_conv_vector_width(ctx, g->kg);
    pick_split(ctx, g, dc->vec == 16 ? 22 : 16, dc);
    dc->block = dc->vec * dc->kv;
  }
  dc->kb = (g->kg + (size_t)dc->block - 1) / (size_t)dc->block;
  dc->tiles_p = (g->p + dc->th - 1) / dc->th;
  dc->tiles_q = (g->q + dc->tw - 1) / dc->tw;
  size_t rows = (dc->tiles_p * dc->th - 1) * g->sh + (g->r - 1) * g->dh + 1;
  size_t cols = (dc->tiles_q * dc->tw - 1) * g->sw + (g->s - 1) * g->dw + 1;
  /* the wide kernel at column stride 2 reads rows split into even and odd columns, two
     halves of equal width */
  if (column_phases(dc) == 2) cols += cols % 2;
  dc->needs_pad =
      !dc->flat && (g->pt || g->pl || rows > g->h || cols > g->w || (dc->wide && g->sw == 2));
  dc->xh = dc->needs_pad ? rows : g->h;
  dc->xw = dc->needs_pad ? cols : g->w;
  size_t image_bytes = g->c * dc->xh * dc->xw * sizeof(float);
  dc->chunk = dc->needs_pad ? clcnn_workspace_items(ctx, image_bytes, g->n) : g->n;
  size_t input_row = (size_t)(dc->tw - 1) * g->sw + (g->s - 1) * g->dw + 1;
  dc->fast = g->r * g->s <= MAX_UNROLLED_TAPS && input_row <= MAX_INPUT_ROW && dc->chunk > 0;
  dc->packed_floats = dc->fast ? g->groups * dc->kb * g->cg * g->r * g->s * (size_t)dc->block : 0;
  dc->images_outer = !dc->wide && images_outer(g, dc);
}

static clcnn_status build_depthwise(clcnn_context *ctx, clcnn_direct_conv *dc) {
  const clcnn_conv_geometry *g = &dc->g;
  char options[512];
  snprintf(options, sizeof options,
           "-DVEC=%d -DTH=%d -DR=%zu -DS=%zu -DSH=%zu -DSW=%zu -DDH=%zu -DDW=%zu -DC=%zu", dc->vec,
           dc->th, g->r, g->s, g->sh, g->sw, g->dh, g->dw, g->c);
  const clcnn_kernel_size sizes[] = {{"H", "in_h", g->h},
                                     {"W", "in_w", g->w},
                                     {"P", "out_h", g->p},
                                     {"Q", "out_w", g->q},
                                     {"PT", "pad_t", g->pt},
                                     {"PL", "pad_l", g->pl},
                                     {"TILES_P", "tiles_p", dc->tiles_p},
                                     {"TILES_Q", "tiles_q", dc->tiles_q}};
  clcnn_status status = clcnn_size_options(ctx, dc->specialized, sizes,
                                           sizeof sizes / sizeof *sizes, options, sizeof options);
  if (status != CLCNN_OK) return status;
  return clcnn_kernel_get(ctx, "conv2d_depthwise.cl", options, "conv2d_depthwise", &dc->kernel);
}

/* The channel- and column-vector kernels: filter and channel shapes, then the sizes. */
static clcnn_status build_fast(clcnn_context *ctx, clcnn_direct_conv *dc) {
  const clcnn_conv_geometry *g = &dc->g;
  if (dc->depthwise) return build_depthwise(ctx, dc);
  char options[512];
  if (dc->wide)
    snprintf(options, sizeof options,
             "-DVW=%d -DKC=%d -DTH=%d -DR=%zu -DS=%zu -DSH=%zu -DSW=%zu -DDH=%zu -DDW=%zu "
             "-DCG=%zu -DKG=%zu -DG=%zu -DKCB=%zu -DOUT_COL=%zu -DFLAT=%d",
             dc->vec, dc->block, dc->th, g->r, g->s, g->sh, g->sw, g->dh, g->dw, g->cg, g->kg,
             g->groups, dc->kb, dc->out_col, dc->flat);
  else
    snprintf(options, sizeof options,
             "-DVEC=%d -DKV=%d -DTH=%d -DTW=%d -DR=%zu -DS=%zu -DSH=%zu -DSW=%zu -DDH=%zu "
             "-DDW=%zu -DCG=%zu -DKG=%zu -DG=%zu -DKB=%zu -DOUT_COL=%zu -DIMAGES_OUTER=%d",
             dc->vec, dc->kv, dc->th, dc->tw, g->r, g->s, g->sh, g->sw, g->dh, g->dw, g->cg, g->kg,
             g->groups, dc->kb, dc->out_col, dc->images_outer);
  const clcnn_kernel_size sizes[] = {{"P", "out_h", g->p},
                                     {"Q", "out_w", g->q},
                                     {"XH", "in_h", dc->xh},
                                     {"XW", "in_w", dc->xw},
                                     {"TILES_P", "tiles_p", dc->tiles_p},
                                     {"TILES_Q", "tiles_q", dc->tiles_q},
                                     {"OUT_PLANE", "out_plane", dc->out_plane},
                                     {"OUT_ROW", "out_row", dc->out_row}};
  clcnn_status status = clcnn_size_options(ctx, dc->specialized, sizes,
                                           sizeof sizes / sizeof *sizes, options, sizeof options);
  if (status != CLCNN_OK) return status;
  if (dc->wide)
    return clcnn_kernel_get(ctx, "conv2d_direct_wide.cl", options, "conv2d_direct_wide",
                            &dc->kernel);
  return clcnn_kernel_get(ctx, "conv2d_direct.cl", options, "conv2d_direct", &dc->kernel);
}

/* Whether this problem's sizes get a program of their own among those of its layer shape. */
static int claim_sizes(clcnn_context *ctx, const clcnn_direct_conv *dc) {
  const clcnn_conv_geometry *g = &dc->g;
  char family[256], sizes[192];
  snprintf(family, sizeof family,
           "conv2d_direct r%zu s%zu st%zux%zu d%zux%zu c%zu k%zu g%zu col%zu", g->r, g->s, g->sh,
           g->sw, g->dh, g->dw, g->cg, g->kg, g->groups, dc->out_col);
  snprintf(sizes, sizeof sizes, "h%zu w%zu pad%zu,%zu,%zu,%zu plane%zu row%zu", g->h, g->w, g->pt,
           g->pb, g->pl, g->pr, dc->out_plane, dc->out_row);
  return clcnn_sizes_claim(ctx, family, sizes);
}

clcnn_status clcnn_direct_setup(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                clcnn_direct_conv *dc) {
  return clcnn_direct_setup_strided(ctx, g, g->p * g->q, g->q, 1, dc);
}

clcnn_status clcnn_direct_setup_strided(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                        size_t out_plane, size_t out_row, size_t out_col,
                                        clcnn_direct_conv *dc) {
  *dc =
      (clcnn_direct_conv){.g = *g, .out_plane = out_plane, .out_row = out_row, .out_col = out_col};
  int flat = flattens(g, out_plane, out_row, out_col, FLAT_MIN_PLANE);
  if (!flat && flattens(g, out_plane, out_row, out_col, FLAT_MIN_PADDED)) {
    clcnn_direct_conv tiled = *dc; /* the best tiles, as if the sizes were compiled in */
    tiled.specialized = 1;
    plan_tiles(ctx, g, &tiled);
    flat = tiled.needs_pad;
  }
  if (flat) { /* each plane as rows of FLAT_COLUMNS */
    dc->flat = 1;
    dc->g.h = dc->g.p = (g->h * g->w + FLAT_COLUMNS - 1) / FLAT_COLUMNS;
    dc->g.w = dc->g.q = dc->out_row = FLAT_COLUMNS;
    g = &dc->g;
  }
  dc->specialized = claim_sizes(ctx, dc);
  plan_tiles(ctx, g, dc);
  if (dc->fast) return build_fast(ctx, dc);
  return clcnn_kernel_get(ctx, "conv2d_generic.cl", "", "conv2d_generic", &dc->kernel);
}

void clcnn_direct_describe(const clcnn_direct_conv *dc, char *out, size_t cap) {
  if (!dc->fast)
    snprintf(out, cap, "kernel=generic");
  else if (dc->depthwise)
    snprintf(out, cap, "kernel=depthwise columns=%d rows=%d%s", dc->vec, dc->th,
             dc->specialized ? "" : " sizes=shared");
  else if (dc->wide)
    snprintf(out, cap, "kernel=%s columns=%d channels=%d rows=%d input=%zux%zu%s%s",
             dc->flat ? "flat" : "wide", dc->vec, dc->block, dc->th, dc->xh, dc->xw,
             dc->needs_pad ? "(padded)" : "", dc->specialized ? "" : " sizes=shared");
  else
    snprintf(out, cap, "kernel=tiled vec=%d kv=%d tile=%dx%d input=%zux%zu%s%s%s", dc->vec, dc->kv,
             dc->th, dc->tw, dc->xh, dc->xw, dc->needs_pad ? "(padded)" : "",
             dc->images_outer ? " order=images" : "", dc->specialized ? "" : " sizes=shared");
}

clcnn_status clcnn_direct_pack(clcnn_context *ctx, const clcnn_direct_conv *dc, clcnn_buffer_view w,
                               int flipped, clcnn_buffer_view packed) {
  return clcnn_conv_block_pack(ctx, &dc->g, dc->kb, dc->block, flipped, w, packed);
}

clcnn_status clcnn_conv_block_pack(clcnn_context *ctx, const clcnn_conv_geometry *g, size_t kb,
                                   int block, int flipped, clcnn_buffer_view w,
                                   clcnn_buffer_view packed) {
  const char *name = flipped ? "block_flipped_weights" : "block_weights";
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get_alone(ctx, "conv2d_layout.cl", name, &kernel);
  if (status != CLCNN_OK) return status;
  /* one dimension and a fixed work-group size: the driver compiles the kernel once for every
     filter shape (PoCL specializes each work-group size it is given) */
  size_t items = flipped ? g->cg : (g->cg * g->r * g->s + 3) / 4;
  clcnn_launch_dims dims = {1, {items * kb * g->groups}, {64}};
  return CLCNN_LAUNCH(ctx, kernel, name, &dims, CLCNN_MEM(w.buf), CLCNN_ULONG(w.offset),
                      CLCNN_MEM(packed.buf), CLCNN_ULONG(packed.offset), CLCNN_INT(g->groups),
                      CLCNN_INT(g->kg), CLCNN_INT(kb), CLCNN_INT(g->cg), CLCNN_INT(g->r * g->s),
                      CLCNN_INT(block));
}

clcnn_status clcnn_conv_pad_input(clcnn_context *ctx, const clcnn_tensor *x,
                                  const clcnn_conv_geometry *g, size_t n0, size_t images, size_t xh,
                                  size_t xw, int phases, cl_mem xp) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get_alone(ctx, "conv2d_layout.cl", "pad_input", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {2, {xh, images * g->c}, {8, 1}};
  return CLCNN_LAUNCH(ctx, kernel, "pad_input", &dims, CLCNN_MEM(x->buf),
                      CLCNN_ULONG(x->offset + n0 * g->c * g->h * g->w), CLCNN_MEM(xp),
                      CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(xh), CLCNN_INT(xw),
                      CLCNN_INT(g->pt), CLCNN_INT(g->pl), CLCNN_INT(images * g->c),
                      CLCNN_INT(phases > 1 ? phases : 1));
}

static clcnn_status run_generic(clcnn_context *ctx, const clcnn_direct_conv *dc,
                                const clcnn_tensor *x, clcnn_buffer_view w, clcnn_epilogue epi,
                                clcnn_tensor *y) {
  const clcnn_conv_geometry *g = &dc->g;
  clcnn_launch_dims dims = {3, {g->q, g->p, g->n * g->k}, {0}};
  return CLCNN_LAUNCH(
      ctx, dc->kernel, "conv2d_generic", &dims, CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset),
      CLCNN_MEM(w.buf), CLCNN_ULONG(w.offset), CLCNN_MEM(epi.bias ? epi.bias->buf : y->buf),
      CLCNN_ULONG(epi.bias ? epi.bias->offset : 0), CLCNN_INT(CLCNN_EPI_FLAGS(epi)),
      CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset), CLCNN_INT(g->n), CLCNN_INT(g->c), CLCNN_INT(g->h),
      CLCNN_INT(g->w), CLCNN_INT(g->k), CLCNN_INT(g->r), CLCNN_INT(g->s), CLCNN_INT(g->p),
      CLCNN_INT(g->q), CLCNN_INT(g->groups), CLCNN_INT(g->sh), CLCNN_INT(g->sw), CLCNN_INT(g->dh),
      CLCNN_INT(g->dw), CLCNN_INT(g->pt), CLCNN_INT(g->pl));
}

static clcnn_status run_depthwise(clcnn_context *ctx, const clcnn_direct_conv *dc,
                                  const clcnn_tensor *x, clcnn_buffer_view w, clcnn_epilogue epi,
                                  clcnn_tensor *y) {
  const clcnn_conv_geometry *g = &dc->g;
  clcnn_launch_dims dims = {2, {dc->tiles_p * dc->tiles_q, g->n * g->c}, {1, 1}};
  return CLCNN_LAUNCH(ctx, dc->kernel, "conv2d_depthwise", &dims, CLCNN_MEM(x->buf),
                      CLCNN_ULONG(x->offset), CLCNN_MEM(w.buf), CLCNN_ULONG(w.offset),
                      CLCNN_MEM(epi.bias ? epi.bias->buf : w.buf),
                      CLCNN_ULONG(epi.bias ? epi.bias->offset : 0), CLCNN_INT(CLCNN_EPI_FLAGS(epi)),
                      CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset), CLCNN_INT(g->h), CLCNN_INT(g->w),
                      CLCNN_INT(g->p), CLCNN_INT(g->q), CLCNN_INT(g->pt), CLCNN_INT(g->pl),
                      CLCNN_INT(dc->tiles_p), CLCNN_INT(dc->tiles_q));
}

clcnn_status clcnn_direct_run(clcnn_context *ctx, const clcnn_direct_conv *dc,
                              const clcnn_tensor *x, clcnn_buffer_view w, clcnn_epilogue epi,
                              clcnn_tensor *y) {
  if (!dc->fast) return run_generic(ctx, dc, x, w, epi, y);
  if (dc->depthwise) return run_depthwise(ctx, dc, x, w, epi, y);
  const clcnn_conv_geometry *g = &dc->g;
  cl_mem xp = x->buf;
  clcnn_status status = CLCNN_OK;
  if (dc->needs_pad)
    status = clcnn_workspace_get(ctx, CLCNN_WS_PADDED_INPUT,
                                 dc->chunk * g->c * dc->xh * dc->xw * sizeof(float), &xp);
  /* the column-vector kernel streams large outputs past the caches; at batch 8 (26 MB
     outputs, against oneDNN in one process) ResNet's stem 0.58-0.82x -> 0.73-0.87x, its
     1x1 64->256 at 56x56 0.71-0.74x -> 0.88-0.94x */
  int stream = dc->wide && !epi.residual &&
               g->n * g->k * dc->out_plane * sizeof(float) >= ctx->stream_min_bytes;
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += dc->chunk) {
    size_t images = g->n - n0 < dc->chunk ? g->n - n0 : dc->chunk;
    if (dc->needs_pad)
      status = clcnn_conv_pad_input(ctx, x, g, n0, images, dc->xh, dc->xw, column_phases(dc), xp);
    /* tiles first (a block's weights stay in cache), or weight blocks first (flat: a tile's
       input does) */
    size_t tiles = dc->tiles_p * dc->tiles_q, blocks = g->groups * dc->kb;
    clcnn_launch_dims by_tile = {3, {tiles, images, blocks}, {1, 1, 1}};
    clcnn_launch_dims by_block = {3, {blocks, tiles, images}, {1, 1, 1}};
    clcnn_launch_dims by_image = {3, {tiles, blocks, images}, {1, 1, 1}};
    if (status == CLCNN_OK)
      status = CLCNN_LAUNCH(
          ctx, dc->kernel, dc->wide ? "conv2d_direct_wide" : "conv2d_direct",
          dc->flat           ? &by_block
          : dc->images_outer ? &by_image
                             : &by_tile,
          CLCNN_MEM(xp), CLCNN_ULONG(dc->needs_pad ? 0 : x->offset + n0 * g->c * g->h * g->w),
          CLCNN_MEM(w.buf), CLCNN_ULONG(w.offset), CLCNN_MEM(epi.bias ? epi.bias->buf : w.buf),
          CLCNN_ULONG(epi.bias ? epi.bias->offset : 0),
          CLCNN_INT(CLCNN_EPI_FLAGS(epi) | (stream ? CLCNN_EPI_STREAM : 0)), CLCNN_MEM(y->buf),
          CLCNN_ULONG(y->offset + n0 * g->k * dc->out_plane), CLCNN_INT(g->p), CLCNN_INT(g->q),
          CLCNN_INT(dc->xh), CLCNN_INT(dc->xw), CLCNN_INT(dc->tiles_p), CLCNN_INT(dc->tiles_q),
          CLCNN_INT(dc->out_plane), CLCNN_INT(dc->out_row));
  }
  return status;
}

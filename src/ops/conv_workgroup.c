/* The work-group kernel family (kernels/conv2d_igemm.cl): each convolution pass as an
   implicit GEMM in local-memory tiles, for devices that run work-groups of many work-items
   (GPUs). Parameters come from a fixed table, chosen by a cost estimate or a tuning record. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "device/context.h"
#include "memory/workspace.h"
#include "ops/conv_paths.h"
#include "program/launch.h"
#include "program/program.h"
#include "program/sized.h"

/* The parameter sets the family is built with: output tile TM x TN, reduction slab TK,
   work-group WM x WN, column vectors of VEC. Every work-group has 64 to 256 work-items. */
static const clcnn_wg_params TABLE[] = {
    {64, 64, 16, 16, 16, 4},  {128, 64, 16, 16, 16, 4}, {64, 128, 16, 16, 16, 8},
    {128, 128, 8, 16, 16, 8}, {32, 64, 16, 8, 16, 4},   {64, 32, 16, 16, 8, 4},
    {32, 32, 16, 8, 8, 4},    {16, 64, 16, 4, 16, 4},   {64, 16, 16, 16, 4, 4},
    {32, 32, 16, 16, 16, 2},  {16, 32, 16, 8, 8, 2},    {16, 16, 16, 16, 16, 1},
    {1, 256, 16, 1, 64, 4}, /* one output channel per group: depthwise layers */
};
#define TABLE_SIZE (sizeof TABLE / sizeof TABLE[0])

size_t clcnn_wg_param_count(void) {
  return TABLE_SIZE;
}

const clcnn_wg_params *clcnn_wg_param_at(size_t i) {
  return i < TABLE_SIZE ? &TABLE[i] : NULL;
}

int clcnn_wg_params_fit(const clcnn_context *ctx, const clcnn_wg_params *p) {
  int vec_ok = p->vec == 1 || p->vec == 2 || p->vec == 4 || p->vec == 8 || p->vec == 16;
  if (!vec_ok || p->tm < 1 || p->tn < 1 || p->tk < 1 || p->wm < 1 || p->wn < 1) return 0;
  if (p->tm > 256 || p->tn > 256 || p->tk > 64 || p->tm % p->wm || p->tn % p->wn) return 0;
  if ((p->tn / p->wn) % p->vec || (p->tm / p->wm) * (p->tn / p->wn) > 64) return 0;
  size_t items = (size_t)p->wm * (size_t)p->wn;
  size_t local = (size_t)(p->tm + p->tn) * (size_t)p->tk * sizeof(float);
  return items <= ctx->caps.max_work_group_size && local <= ctx->caps.local_mem_bytes;
}

int clcnn_wg_applies(const clcnn_conv_geometry *g) {
  double x = (double)g->n * g->c * g->h * g->w, y = (double)g->n * g->k * g->p * g->q;
  double w = (double)g->k * g->cg * g->r * g->s;
  return x < INT_MAX && y < INT_MAX && w < INT_MAX;
}

/* The GEMM's sizes for a pass: rows of C, columns of C, reduction length. */
static void gemm_sizes(const clcnn_conv_geometry *g, clcnn_conv_pass pass, size_t *rows,
                       size_t *cols, size_t *kred) {
  size_t rs = g->r * g->s;
  if (pass == CLCNN_PASS_FORWARD)
    *rows = g->kg, *cols = g->n * g->p * g->q, *kred = g->cg * rs;
  else if (pass == CLCNN_PASS_DATA)
    *rows = g->cg, *cols = g->n * g->h * g->w, *kred = g->kg * rs;
  else
    *rows = g->kg, *cols = g->cg * rs, *kred = g->n * g->p * g->q;
}

static size_t ceil_div(size_t a, size_t b) {
  return (a + b - 1) / b;
}

/* Reduction splits of the weight gradient: enough work-groups for two per compute unit,
   each split at least four slabs long, the partial sums within the workspace bound. */
static size_t pick_splits(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                          const clcnn_wg_params *p, size_t rows, size_t cols, size_t kred) {
  size_t groups = ceil_div(rows, (size_t)p->tm) * ceil_div(cols, (size_t)p->tn) * g->groups;
  size_t wanted = 2 * (ctx->caps.compute_units ? ctx->caps.compute_units : 1);
  size_t splits = groups >= wanted ? 1 : ceil_div(wanted, groups);
  size_t longest = kred / (4 * (size_t)p->tk);
  if (splits > longest) splits = longest ? longest : 1;
  if (splits > 64) splits = 64;
  size_t bytes = g->k * g->cg * g->r * g->s * sizeof(float);
  while (splits > 1 && splits * bytes > ctx->workspace_limit) splits--;
  return splits;
}

/* Estimated time of a parameter set: multiply-adds including the tiles' overhang, divided by
   the share of a work-item's local reads that feed them, times the waves of work-groups over
   the compute units (two resident per unit). */
static double estimate(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                       const clcnn_wg_params *p, size_t rows, size_t cols, size_t kred,
                       size_t splits) {
  double rm = p->tm / p->wm, rn = p->tn / p->wn;
  double groups = (double)ceil_div(rows, (size_t)p->tm) * (double)ceil_div(cols, (size_t)p->tn) *
                  (double)g->groups * (double)splits;
  double units = 2.0 * (ctx->caps.compute_units ? ctx->caps.compute_units : 1);
  double waves = groups / units < 1.0 ? 1.0 : (double)(size_t)((groups + units - 1) / units);
  double per_group = (double)p->tm * p->tn * (double)ceil_div(kred, (size_t)p->tk * splits) *
                     p->tk * (1.0 + (rm + rn / p->vec) / (rm * rn));
  return waves * per_group;
}

void clcnn_wg_heuristic(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                        clcnn_conv_pass pass, clcnn_wg_params *out) {
  size_t rows, cols, kred;
  gemm_sizes(g, pass, &rows, &cols, &kred);
  double best = 0;
  *out = TABLE[TABLE_SIZE - 1];
  for (size_t i = 0; i < TABLE_SIZE; i++) {
    if (!clcnn_wg_params_fit(ctx, &TABLE[i])) continue;
    size_t splits =
        pass == CLCNN_PASS_WEIGHTS ? pick_splits(ctx, g, &TABLE[i], rows, cols, kred) : 1;
    double cost = estimate(ctx, g, &TABLE[i], rows, cols, kred, splits);
    if (best == 0 || cost < best) best = cost, *out = TABLE[i];
  }
}

/* The parameters of programs shared by every input size of a layer shape (sizes not compiled
   in): one set per row count, so that they share one program. */
static clcnn_wg_params shared_params(const clcnn_context *ctx, size_t rows) {
  const clcnn_wg_params *depthwise = &TABLE[TABLE_SIZE - 1];
  if (rows == 1 && clcnn_wg_params_fit(ctx, depthwise)) return *depthwise;
  for (size_t i = 0; i < TABLE_SIZE; i++)
    if (clcnn_wg_params_fit(ctx, &TABLE[i])) return TABLE[i];
  return TABLE[0];
}

clcnn_status clcnn_wg_setup(clcnn_context *ctx, const clcnn_conv_geometry *g, clcnn_conv_pass pass,
                            const clcnn_wg_params *params, int packed, clcnn_wg_conv *wc) {
  *wc = (clcnn_wg_conv){.g = *g, .pass = pass, .packed = packed && pass != CLCNN_PASS_WEIGHTS};
  gemm_sizes(g, pass, &wc->rows, &wc->cols, &wc->kred);
  char family[320], options[640], sizes_key[96];
  snprintf(family, sizeof family,
           "conv2d_igemm.cl -DPASS=%d -DC=%zu -DK=%zu -DR=%zu -DS=%zu -DG=%zu -DSH=%zu -DSW=%zu "
           "-DDH=%zu -DDW=%zu -DPT=%zu -DPL=%zu%s",
           (int)pass, g->c, g->k, g->r, g->s, g->groups, g->sh, g->sw, g->dh, g->dw, g->pt, g->pl,
           wc->packed ? " -DPACKED_A" : "");
  snprintf(sizes_key, sizeof sizes_key, "%zu %zu %zu %zu", g->h, g->w, g->p, g->q);
  wc->specialized = clcnn_sizes_claim(ctx, family, sizes_key);
  if (params)
    wc->p = *params;
  else if (wc->specialized)
    clcnn_wg_heuristic(ctx, g, pass, &wc->p);
  else
    wc->p = shared_params(ctx, wc->rows);
  if (!clcnn_wg_params_fit(ctx, &wc->p))
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "work-group convolution: tile %dx%dx%d, group %dx%d, vec %d do not fit the "
                      "device (%zu work-items, %llu bytes of local memory at most)",
                      wc->p.tm, wc->p.tn, wc->p.tk, wc->p.wm, wc->p.wn, wc->p.vec,
                      ctx->caps.max_work_group_size, (unsigned long long)ctx->caps.local_mem_bytes);
  wc->splits =
      pass == CLCNN_PASS_WEIGHTS ? pick_splits(ctx, g, &wc->p, wc->rows, wc->cols, wc->kred) : 1;
  snprintf(options, sizeof options, "%s -DTM=%d -DTN=%d -DTK=%d -DWM=%d -DWN=%d -DVEC=%d",
           family + strlen("conv2d_igemm.cl "), wc->p.tm, wc->p.tn, wc->p.tk, wc->p.wm, wc->p.wn,
           wc->p.vec);
  const clcnn_kernel_size sizes[] = {
      {"H", "sz.s0", g->h}, {"W", "sz.s1", g->w}, {"P", "sz.s2", g->p}, {"Q", "sz.s3", g->q}};
  clcnn_status status = clcnn_size_options(ctx, wc->specialized, sizes, 4, options, sizeof options);
  if (status == CLCNN_OK)
    status = clcnn_kernel_get(ctx, "conv2d_igemm.cl", options, "conv2d_igemm", &wc->kernel);
  if (status == CLCNN_OK && wc->packed)
    status = clcnn_kernel_get(ctx, "conv2d_igemm.cl", options, "conv2d_igemm_pack", &wc->pack);
  return status;
}

clcnn_status clcnn_wg_pack(clcnn_context *ctx, const clcnn_wg_conv *wc, clcnn_buffer_view w,
                           cl_mem packed) {
  clcnn_launch_dims dims = {3, {wc->rows, wc->kred, wc->g.groups}, {0}};
  return CLCNN_LAUNCH(ctx, wc->pack, "conv2d_igemm_pack", &dims, CLCNN_MEM(w.buf),
                      CLCNN_ULONG(w.offset), CLCNN_MEM(packed));
}

static clcnn_status launch(clcnn_context *ctx, const clcnn_wg_conv *wc, clcnn_buffer_view a,
                           clcnn_buffer_view b, clcnn_buffer_view bias, int epi,
                           clcnn_buffer_view out) {
  const clcnn_wg_params *p = &wc->p;
  clcnn_launch_dims dims = {3,
                            {ceil_div(wc->cols, (size_t)p->tn) * (size_t)p->wn,
                             ceil_div(wc->rows, (size_t)p->tm) * (size_t)p->wm,
                             wc->g.groups * wc->splits},
                            {(size_t)p->wn, (size_t)p->wm, 1}};
  return CLCNN_LAUNCH(
      ctx, wc->kernel, "conv2d_igemm", &dims, CLCNN_MEM(a.buf), CLCNN_ULONG(a.offset),
      CLCNN_MEM(b.buf), CLCNN_ULONG(b.offset), CLCNN_MEM(bias.buf), CLCNN_ULONG(bias.offset),
      CLCNN_INT(epi), CLCNN_MEM(out.buf), CLCNN_ULONG(out.offset), CLCNN_INT(wc->cols),
      CLCNN_INT(wc->kred), CLCNN_INT(wc->splits), CLCNN_INT4(wc->g.h, wc->g.w, wc->g.p, wc->g.q));
}

static clcnn_buffer_view view_of(const clcnn_tensor *t) {
  return (clcnn_buffer_view){t->buf, t->offset};
}

clcnn_status clcnn_wg_forward(clcnn_context *ctx, const clcnn_wg_conv *wc, const clcnn_tensor *x,
                              clcnn_buffer_view w, clcnn_epilogue epi, clcnn_tensor *y) {
  clcnn_buffer_view bias = epi.bias ? view_of(epi.bias) : w;
  return launch(ctx, wc, w, view_of(x), bias, CLCNN_EPI_FLAGS(epi), view_of(y));
}

clcnn_status clcnn_wg_backward_data(clcnn_context *ctx, const clcnn_wg_conv *wc,
                                    const clcnn_tensor *dy, clcnn_buffer_view w, clcnn_tensor *dx) {
  return launch(ctx, wc, w, view_of(dy), w, 0, view_of(dx));
}

clcnn_status clcnn_wg_backward_weights(clcnn_context *ctx, const clcnn_wg_conv *wc,
                                       const clcnn_tensor *x, const clcnn_tensor *dy,
                                       clcnn_tensor *dw, clcnn_tensor *dbias) {
  const clcnn_conv_geometry *g = &wc->g;
  size_t count = g->k * g->cg * g->r * g->s;
  clcnn_buffer_view out = view_of(dw);
  clcnn_status status = CLCNN_OK;
  if (wc->splits > 1) {
    status =
        clcnn_workspace_get(ctx, CLCNN_WS_PARTIALS, wc->splits * count * sizeof(float), &out.buf);
    out.offset = 0;
  }
  if (status == CLCNN_OK) status = launch(ctx, wc, view_of(dy), view_of(x), view_of(dy), 0, out);
  if (status == CLCNN_OK && wc->splits > 1)
    status = clcnn_conv_sum_partials(ctx, out.buf, wc->splits, count, dw, 0);
  if (status == CLCNN_OK && dbias) status = clcnn_conv_bias_gradient(ctx, g, dy, 0, g->n, dbias);
  return status;
}

void clcnn_wg_describe(const clcnn_wg_conv *wc, char *out, size_t cap) {
  const clcnn_wg_params *p = &wc->p;
  int n = snprintf(out, cap, "family=workgroup tile=%dx%dx%d group=%dx%d vec=%d", p->tm, p->tn,
                   p->tk, p->wm, p->wn, p->vec);
  if (n > 0 && (size_t)n < cap)
    snprintf(out + n, cap - (size_t)n, "%s%s", wc->packed ? " packed" : "",
             wc->specialized ? "" : " sizes=shared");
  size_t used = strlen(out);
  if (wc->splits > 1 && used < cap) snprintf(out + used, cap - used, " splits=%zu", wc->splits);
}

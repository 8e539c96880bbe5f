/* Max pooling's indexed passes: the forward that also records where each window's maximum
   is (its position h * W + w in the plane, as a float), and the backward that reads dy and
   those positions instead of x and y. The row kernel (forward) built with INDEXED for
   windows of up to MAX_UNROLLED_TAPS taps; backward the gathering kernel where a vector
   load of output columns serves a vector of input columns, else the bands kernel built with
   INDEXED; one output or one input element per work-item otherwise and in the work-group
   family. */
#include <clcnn/clcnn.h>
#include <stdio.h>

#include "memory/tensor.h"
#include "memory/workspace.h"
#include "ops/pool_plan_internal.h"
#include "program/launch.h"

/* The indexed passes' kernels: the row kernel forward and the bands backward where the plan
   takes them (the vector family), else one output or one input element per work-item. */
static clcnn_status indexed_forward_kernel(clcnn_pool2d_plan *plan) {
  if (plan->rows && !plan->workgroup)
    return clcnn_pool_rows_kernel(plan, 0, 1, &plan->indexed_forward);
  return clcnn_kernel_get_alone(plan->ctx, "pool2d.cl", "pool2d_indexed", &plan->indexed_forward);
}

/* The bands kernel serves every window of up to MAX_UNROLLED_TAPS taps once it reads the
   positions (gaps between windows are bands rows that nothing adds to). */
static int indexed_bands(const clcnn_pool2d_plan *plan) {
  return !plan->workgroup && plan->g.kh * plan->g.kw <= MAX_UNROLLED_TAPS;
}

static size_t dx_bytes(const clcnn_pool2d_plan *plan) {
  return plan->g.n * plan->g.c * plan->g.h * plan->g.w * sizeof(float);
}

/* Input columns per vector of the gathering backward (pool2d_gather.cl): 16 or 8, as long as
   the output columns their windows come from fit one load of 16; 0 when not even 8 do, or
   when dx is smaller than the context's stream_min_bytes: the bands kernel, whose column tiles
   store each input row in pieces and add to what the previous one stored, does fewer instructions
   while dx stays in the caches and loses once it does not. Measured against oneDNN's
   backward from its workspace in one process (3x3 s2 p1 max on 64x112x112 planes): batch 8
   (26 MB) bands 0.45-0.53x, gathering 0.70-0.82x (with or without streaming stores alike);
   batch 1 bands 0.55x, gathering 0.45-0.51x. */
static int gather_lanes(const clcnn_pool2d_plan *plan) {
  const clcnn_pool_geometry *g = &plan->g;
  /* tiles of LANES columns start at a multiple of SW */
  if (plan->workgroup || 16 % g->sw || dx_bytes(plan) < plan->ctx->stream_min_bytes) return 0;
  size_t cand_cols = (g->kw + g->sw - 1) / g->sw;
  for (size_t lanes = 16; lanes >= 8; lanes /= 2)
    if ((lanes - 1 + g->sw - 1) / g->sw + cand_cols <= 16) return (int)lanes;
  return 0;
}

/* Input rows per work-item of the gathering backward: 16, fewer while that leaves fewer than
   16 work-items per compute unit. */
static int gather_rows(const clcnn_pool2d_plan *plan) {
  const clcnn_pool_geometry *g = &plan->g;
  size_t units = plan->ctx->caps.compute_units ? plan->ctx->caps.compute_units : 1;
  size_t rows = 16;
  while (rows > 1 && (g->h + rows - 1) / rows * g->n * g->c < 16 * units) rows /= 2;
  return (int)rows;
}

static clcnn_status indexed_backward_kernel(clcnn_pool2d_plan *plan) {
  if (gather_lanes(plan)) {
    char options[128];
    snprintf(options, sizeof options,
             "-DKH=%zu -DKW=%zu -DSH=%zu -DSW=%zu -DLANES=%d -DPL_PHASE=%zu", plan->g.kh,
             plan->g.kw, plan->g.sh, plan->g.sw, gather_lanes(plan), plan->g.pl % plan->g.sw);
    return clcnn_kernel_get(plan->ctx, "pool2d_gather.cl", options, "pool2d_backward_gather",
                            &plan->indexed_backward);
  }
  if (indexed_bands(plan)) return clcnn_pool_rows_kernel(plan, 1, 1, &plan->indexed_backward);
  return clcnn_kernel_get_alone(plan->ctx, "pool2d.cl", "pool2d_backward_indexed",
                                &plan->indexed_backward);
}

/* Positions are stored as floats: exact up to 2^24. */
#define MAX_INDEXED_PLANE 16777216u

static clcnn_status check_indexed(const clcnn_pool2d_plan *plan, const char *fn) {
  const clcnn_pool_geometry *g = &plan->g;
  if (plan->desc.mode != CLCNN_POOL_MAX)
    return clcnn_fail(plan->ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: positions of maxima belong to max pooling; this plan averages", fn);
  if (g->h * g->w > MAX_INDEXED_PLANE)
    return clcnn_fail(plan->ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: an input plane of %zux%zu = %zu elements has positions beyond the "
                      "%u that a float holds exactly",
                      fn, g->h, g->w, g->h * g->w, MAX_INDEXED_PLANE);
  return CLCNN_OK;
}

static clcnn_status launch_forward(clcnn_pool2d_plan *plan, const clcnn_tensor *x, clcnn_tensor *y,
                                   clcnn_tensor *indices);
static clcnn_status launch_backward(clcnn_pool2d_plan *plan, const clcnn_tensor *indices,
                                    const clcnn_tensor *dy, clcnn_tensor *dx);

clcnn_status clcnn_pool_forward_indexed(clcnn_pool2d_plan *plan, const char *fn,
                                        const clcnn_tensor *x, clcnn_tensor *y,
                                        clcnn_tensor *indices) {
  clcnn_context *ctx = plan->ctx;
  clcnn_status status = check_indexed(plan, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, plan->x_shape);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, plan->y_shape);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "indices", indices, plan->y_shape);
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, y, "y", x, "x");
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, indices, "indices", x, "x");
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, indices, "indices", y, "y");
  if (status == CLCNN_OK && !plan->indexed_forward)
    status = clcnn_pool_plan_keep(plan, indexed_forward_kernel);
  return status == CLCNN_OK ? launch_forward(plan, x, y, indices) : status;
}

static clcnn_status launch_forward(clcnn_pool2d_plan *plan, const clcnn_tensor *x, clcnn_tensor *y,
                                   clcnn_tensor *indices) {
  clcnn_context *ctx = plan->ctx;
  const clcnn_pool_geometry *g = &plan->g;
  if (plan->rows && !plan->workgroup) {
    clcnn_launch_dims dims = {2, {g->p, g->n * g->c}, {8, 1}};
    return CLCNN_LAUNCH(ctx, plan->indexed_forward, "pool2d_rows", &dims, CLCNN_MEM(x->buf),
                        CLCNN_ULONG(x->offset), CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset),
                        CLCNN_INT(g->n * g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p),
                        CLCNN_INT(g->q), CLCNN_INT(g->sh), CLCNN_INT(g->pt), CLCNN_INT(g->pl),
                        CLCNN_INT(g->pb), CLCNN_INT(g->pr), CLCNN_MEM(indices->buf),
                        CLCNN_ULONG(indices->offset));
  }
  clcnn_launch_dims dims = {3, {g->q, g->p, g->n * g->c}, {0}};
  return CLCNN_LAUNCH(ctx, plan->indexed_forward, "pool2d_indexed", &dims, CLCNN_MEM(x->buf),
                      CLCNN_ULONG(x->offset), CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset),
                      CLCNN_MEM(indices->buf), CLCNN_ULONG(indices->offset), CLCNN_INT(g->n * g->c),
                      CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p), CLCNN_INT(g->q),
                      CLCNN_INT(g->kh), CLCNN_INT(g->kw), CLCNN_INT(g->sh), CLCNN_INT(g->sw),
                      CLCNN_INT(g->pt), CLCNN_INT(g->pl));
}

clcnn_status clcnn_pool_backward_indexed(clcnn_pool2d_plan *plan, const char *fn,
                                         const clcnn_tensor *indices, const clcnn_tensor *dy,
                                         clcnn_tensor *dx) {
  clcnn_context *ctx = plan->ctx;
  clcnn_status status = check_indexed(plan, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "indices", indices, plan->y_shape);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dy", dy, plan->y_shape);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dx", dx, plan->x_shape);
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, dx, "dx", indices, "indices");
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, dx, "dx", dy, "dy");
  if (status == CLCNN_OK && !plan->indexed_backward)
    status = clcnn_pool_plan_keep(plan, indexed_backward_kernel);
  return status == CLCNN_OK ? launch_backward(plan, indices, dy, dx) : status;
}

static clcnn_status launch_backward(clcnn_pool2d_plan *plan, const clcnn_tensor *indices,
                                    const clcnn_tensor *dy, clcnn_tensor *dx) {
  clcnn_context *ctx = plan->ctx;
  const clcnn_pool_geometry *g = &plan->g;
  if (gather_lanes(plan)) {
    size_t rows = (size_t)gather_rows(plan);
    /* always 1 while the kernel runs only past the caches, but an argument: built with a
       constant 1 the kernel took 3.8 ms instead of 2.6 (3x3 s2 p1, 8x64x112x112) */
    int stream = dx_bytes(plan) >= ctx->stream_min_bytes;
    clcnn_launch_dims dims = {2, {(g->h + rows - 1) / rows, g->n * g->c}, {1, 1}};
    return CLCNN_LAUNCH(ctx, plan->indexed_backward, "pool2d_backward_gather", &dims,
                        CLCNN_MEM(indices->buf), CLCNN_ULONG(indices->offset), CLCNN_MEM(dy->buf),
                        CLCNN_ULONG(dy->offset), CLCNN_MEM(dx->buf), CLCNN_ULONG(dx->offset),
                        CLCNN_INT(g->n * g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p),
                        CLCNN_INT(g->q), CLCNN_INT(g->pt), CLCNN_INT(g->pl), CLCNN_INT(rows),
                        CLCNN_INT(stream));
  }
  if (indexed_bands(plan)) {
    size_t bands = (g->h + g->pt + g->sh - 1) / g->sh;
    clcnn_launch_dims dims = {2, {(bands + BAND_GROUP - 1) / BAND_GROUP, g->n * g->c}, {1, 1}};
    return CLCNN_LAUNCH(ctx, plan->indexed_backward, "pool2d_backward_bands", &dims,
                        CLCNN_MEM(indices->buf), CLCNN_ULONG(indices->offset), CLCNN_MEM(dy->buf),
                        CLCNN_ULONG(dy->offset), CLCNN_MEM(dx->buf), CLCNN_ULONG(dx->offset),
                        CLCNN_INT(g->n * g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p),
                        CLCNN_INT(g->q), CLCNN_INT(g->pt), CLCNN_INT(g->pl), CLCNN_INT(g->pb),
                        CLCNN_INT(g->pr), CLCNN_INT(bands));
  }
  clcnn_launch_dims dims = {
      3, {g->w, g->h, g->n * g->c}, {plan->workgroup ? 32 : 0, plan->workgroup ? 8 : 0, 1}};
  return CLCNN_LAUNCH(ctx, plan->indexed_backward, "pool2d_backward_indexed", &dims,
                      CLCNN_MEM(indices->buf), CLCNN_ULONG(indices->offset), CLCNN_MEM(dy->buf),
                      CLCNN_ULONG(dy->offset), CLCNN_MEM(dx->buf), CLCNN_ULONG(dx->offset),
                      CLCNN_INT(g->n * g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p),
                      CLCNN_INT(g->q), CLCNN_INT(g->kh), CLCNN_INT(g->kw), CLCNN_INT(g->sh),
                      CLCNN_INT(g->sw), CLCNN_INT(g->pt), CLCNN_INT(g->pl));
}

int clcnn_pool_backward_gathers(const clcnn_pool2d_plan *plan) {
  return plan->desc.mode == CLCNN_POOL_MAX && plan->rows && gather_lanes(plan) &&
         plan->g.h * plan->g.w <= MAX_INDEXED_PLANE;
}

/* A tensor of the y's shape over a workspace buffer, for the kernels only. */
static clcnn_tensor workspace_tensor(const clcnn_pool2d_plan *plan, cl_mem buf) {
  clcnn_tensor t = {plan->ctx, buf, 0, {0}, 0, 1, buf, 0};
  for (int i = 0; i < 4; i++) t.shape[i] = plan->y_shape[i];
  t.count = t.shape[0] * t.shape[1] * t.shape[2] * t.shape[3];
  return t;
}

clcnn_status clcnn_pool_backward_from_positions(clcnn_pool2d_plan *plan, const clcnn_tensor *x,
                                                const clcnn_tensor *dy, clcnn_tensor *dx) {
  clcnn_context *ctx = plan->ctx;
  clcnn_status status = CLCNN_OK;
  if (!plan->indexed_forward) status = clcnn_pool_plan_keep(plan, indexed_forward_kernel);
  if (status == CLCNN_OK && !plan->indexed_backward)
    status = clcnn_pool_plan_keep(plan, indexed_backward_kernel);
  size_t bytes = dy->count * sizeof(float);
  cl_mem positions = NULL, maxima = NULL;
  if (status == CLCNN_OK)
    status = clcnn_workspace_get(ctx, CLCNN_WS_POOL_POSITIONS, bytes, &positions);
  if (status == CLCNN_OK) status = clcnn_workspace_get(ctx, CLCNN_WS_POOL_MAXIMA, bytes, &maxima);
  if (status != CLCNN_OK) return status;
  clcnn_tensor pos = workspace_tensor(plan, positions), ymax = workspace_tensor(plan, maxima);
  status = launch_forward(plan, x, &ymax, &pos);
  return status == CLCNN_OK ? launch_backward(plan, &pos, dy, dx) : status;
}

clcnn_status clcnn_pool2d_plan_forward_indices(clcnn_pool2d_plan *plan, const clcnn_tensor *x,
                                               clcnn_tensor *y, clcnn_tensor *indices) {
  const char *fn = "clcnn_pool2d_plan_forward_indices";
  clcnn_status status = clcnn_pool_plan_check(plan, fn);
  return status == CLCNN_OK
             ? CLCNN_LOCKED(plan->ctx, clcnn_pool_forward_indexed(plan, fn, x, y, indices))
             : status;
}

clcnn_status clcnn_pool2d_plan_backward_indices(clcnn_pool2d_plan *plan,
                                                const clcnn_tensor *indices, const clcnn_tensor *dy,
                                                clcnn_tensor *dx) {
  const char *fn = "clcnn_pool2d_plan_backward_indices";
  clcnn_status status = clcnn_pool_plan_check(plan, fn);
  return status == CLCNN_OK
             ? CLCNN_LOCKED(plan->ctx, clcnn_pool_backward_indexed(plan, fn, indices, dy, dx))
             : status;
}

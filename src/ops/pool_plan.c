/* Pooling plans and the one-shot pooling functions. Forward: vector row segments with the
   window compiled in when it is small, one output per work-item otherwise. Backward: whole
   vector rows when windows tile the input, a scatter from each output when windows do not
   overlap, bands of input rows summed in registers when they do (up to 64 taps), then one
   work-item per (n, c) plane when there are planes enough to fill the device, else a gather
   per input element. The work-group family (GPUs) computes blocks of outputs from an input
   patch in local memory and gathers the backward per input element in work-groups of 256.
   Max pooling's indexed passes are in pool_indexed.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "device/context.h"
#include "memory/tensor.h"
#include "ops/plan_cache.h"
#include "ops/pool_plan.h"
#include "ops/pool_plan_internal.h"
#include "ops/shape.h"
#include "ops/tune_records.h"
#include "program/launch.h"
#include "program/program.h"

static const char *const backward_names[] = {"tiles", "scatter", "bands", "planes", "gather"};

/* 1 when the windows tile the input exactly, so that scattering writes every element. */
static int windows_cover_input(const clcnn_pool_geometry *g) {
  return g->sh == g->kh && g->sw == g->kw && g->pt == 0 && g->pl == 0 && g->p * g->kh == g->h &&
         g->q * g->kw == g->w;
}

static backward_kind pick_backward(const clcnn_context *ctx, const clcnn_pool_geometry *g) {
  if (g->sh == g->kh && g->sw == g->kw && !g->pt && !g->pb && !g->pl && !g->pr &&
      g->kh * g->kw <= MAX_UNROLLED_TAPS && g->q >= TILE_VECTOR_MIN)
    return BACKWARD_TILES;
  if (g->sh >= g->kh && g->sw >= g->kw && g->kh * g->kw <= MAX_UNROLLED_TAPS)
    return BACKWARD_SCATTER;
  if (g->kh * g->kw <= MAX_UNROLLED_TAPS) return BACKWARD_BANDS;
  size_t units = ctx->caps.compute_units ? ctx->caps.compute_units : 1;
  return g->n * g->c >= 4 * units ? BACKWARD_PLANES : BACKWARD_GATHER;
}

/* The row kernels' programs, the window and mode compiled in: the forward rows, or
   (backward) the bands, each a program of its own so that inference builds no backward. */
clcnn_status clcnn_pool_rows_kernel(clcnn_pool2d_plan *plan, int backward, int indexed,
                                    cl_kernel *out) {
  const clcnn_pool_geometry *g = &plan->g;
  char options[256];
  snprintf(options, sizeof options,
           "-D%s -DKH=%zu -DKW=%zu -DSW=%zu -DMODE=%d -DINCLUDE_PAD=%d -DVQ=%d%s",
           backward ? "BANDS_BACKWARD" : "ROWS_KERNEL", g->kh, g->kw, g->sw, plan->desc.mode,
           plan->desc.count_include_pad != 0,
           !backward && g->q >= 2 * ROW_VECTOR ? 2 * ROW_VECTOR : ROW_VECTOR,
           indexed ? " -DINDEXED" : "");
  if (backward) {
    size_t used = strlen(options);
    snprintf(options + used, sizeof options - used, " -DSH=%zu -DBAND_GROUP=%d", g->sh, BAND_GROUP);
  }
  return clcnn_kernel_get(plan->ctx, "pool2d.cl", options,
                          backward ? "pool2d_backward_bands" : "pool2d_rows", out);
}

/* Work-groups for the patch kernel: 32 x 8 outputs, fewer columns on narrow planes, fewer rows
   until the patch fits a quarter of the local memory (64 work-items at least). 0 when even
   that does not fit. */
static int pick_patch(const clcnn_context *ctx, const clcnn_pool_geometry *g, int *tq, int *tp) {
  *tq = g->q > 16 ? 32 : 16;
  *tp = 256 / *tq;
  for (;;) {
    size_t rows = (size_t)(*tp - 1) * g->sh + g->kh, cols = (size_t)(*tq - 1) * g->sw + g->kw;
    if (rows * cols * sizeof(float) <= ctx->caps.local_mem_bytes / 4) return 1;
    if (*tq * *tp <= 64) return 0;
    if (*tp > 2)
      *tp /= 2;
    else
      *tq /= 2;
  }
}

static clcnn_status forward_kernel(clcnn_pool2d_plan *plan) {
  if (plan->workgroup) {
    const clcnn_pool_geometry *g = &plan->g;
    char options[256];
    snprintf(options, sizeof options,
             "-DWORKGROUP_POOL -DTQ=%d -DTP=%d -DKH=%zu -DKW=%zu -DSH=%zu -DSW=%zu -DMODE=%d "
             "-DINCLUDE_PAD=%d",
             plan->tq, plan->tp, g->kh, g->kw, g->sh, g->sw, plan->desc.mode,
             plan->desc.count_include_pad != 0);
    return clcnn_kernel_get(plan->ctx, "pool2d.cl", options, "pool2d_patch", &plan->forward_kernel);
  }
  if (plan->global)
    return clcnn_kernel_get_alone(plan->ctx, "pool2d.cl", "pool2d_global", &plan->forward_kernel);
  if (!plan->rows)
    return clcnn_kernel_get_alone(plan->ctx, "pool2d.cl", "pool2d", &plan->forward_kernel);
  return clcnn_pool_rows_kernel(plan, 0, 0, &plan->forward_kernel);
}

static clcnn_status backward_kernel(clcnn_pool2d_plan *plan) {
  if (plan->backward == BACKWARD_BANDS)
    return clcnn_pool_rows_kernel(plan, 1, 0, &plan->backward_kernel);
  if (plan->backward == BACKWARD_PLANES)
    return clcnn_kernel_get_alone(plan->ctx, "pool2d.cl", "pool2d_backward_plane",
                                  &plan->backward_kernel);
  if (plan->backward == BACKWARD_GATHER)
    return clcnn_kernel_get_alone(plan->ctx, "pool2d.cl", "pool2d_backward",
                                  &plan->backward_kernel);
  char options[160];
  if (plan->backward == BACKWARD_TILES) {
    snprintf(options, sizeof options, "-DTILES_BACKWARD -DKH=%zu -DKW=%zu -DMODE=%d -DVQ=%d",
             plan->g.kh, plan->g.kw, plan->desc.mode, plan->g.q >= ROW_VECTOR ? ROW_VECTOR : 4);
    return clcnn_kernel_get(plan->ctx, "pool2d.cl", options, "pool2d_backward_tiles",
                            &plan->backward_kernel);
  }
  snprintf(options, sizeof options, "-DSCATTER_KERNEL -DKH=%zu -DKW=%zu -DMODE=%d -DINCLUDE_PAD=%d",
           plan->g.kh, plan->g.kw, plan->desc.mode, plan->desc.count_include_pad != 0);
  return clcnn_kernel_get(plan->ctx, "pool2d.cl", options, "pool2d_backward_scatter",
                          &plan->backward_kernel);
}

/* Obtains a kernel with the plan as its keeper, so that it outlives the program cache's copy. */
clcnn_status clcnn_pool_plan_keep(clcnn_pool2d_plan *plan,
                                  clcnn_status (*obtain)(clcnn_pool2d_plan *)) {
  clcnn_kernel_set *previous = clcnn_kernel_keep_into(plan->ctx, &plan->kept);
  clcnn_status status = obtain(plan);
  clcnn_kernel_keep_into(plan->ctx, previous);
  return status;
}

/* force: -1 the record or the heuristics decide the family; 0 vector, 1 work-group (the
   tuner). */
static clcnn_status plan_make(clcnn_context *ctx, const char *fn, const clcnn_pool2d_desc *d,
                              const size_t x_shape[4], clcnn_pad_rule rule, int force,
                              clcnn_pool2d_plan **out) {
  clcnn_pool_geometry g;
  clcnn_status status = clcnn_pool_geometry_make_rule(ctx, fn, d, x_shape, rule, &g);
  if (status == CLCNN_OK) status = clcnn_check_index_range(ctx, fn, "x", x_shape);
  if (status != CLCNN_OK) return status;
  clcnn_pool2d_plan *plan = calloc(1, sizeof *plan);
  if (!plan) return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "%s: host allocation failed", fn);
  *plan = (clcnn_pool2d_plan){.ctx = ctx, .desc = *d, .g = g};
  memcpy(plan->x_shape, x_shape, sizeof plan->x_shape);
  size_t y_shape[4] = {g.n, g.c, g.p, g.q};
  memcpy(plan->y_shape, y_shape, sizeof y_shape);
  plan->rows = g.kh * g.kw <= MAX_UNROLLED_TAPS;
  /* a reduction per plane: SqueezeNet's 13x13 global average took 0.15-0.19 ms in the
     generic kernel (one scalar loop per output) */
  plan->global = g.kh == g.h && g.kw == g.w && !g.pt && !g.pb && !g.pl && !g.pr;
  plan->backward = pick_backward(ctx, &g);
  plan->source = "heuristic";
  plan->workgroup = clcnn_workgroup_family(ctx) && ctx->caps.max_work_group_size >= 256;
  char problem[160];
  clcnn_pool2d_problem_format(d, x_shape, problem, sizeof problem);
  clcnn_tune_choice c;
  if (force >= 0)
    plan->workgroup = force && ctx->caps.max_work_group_size >= 256, plan->source = "tuner";
  else if (clcnn_tune_record_find(ctx, "pool2d", problem, &c))
    plan->workgroup = c.workgroup && ctx->caps.max_work_group_size >= 256, plan->source = "record";
  if (plan->workgroup && !pick_patch(ctx, &g, &plan->tq, &plan->tp)) plan->workgroup = 0;
  if (plan->workgroup) plan->backward = BACKWARD_GATHER;
  if ((status = clcnn_pool_plan_keep(plan, forward_kernel)) != CLCNN_OK) {
    clcnn_pool2d_plan_destroy(plan);
    return status;
  }
  if (plan->workgroup)
    snprintf(plan->describe, sizeof plan->describe,
             "%s family=workgroup forward=patch group=%dx%d backward=gather group=32x8 choice=%s",
             problem, plan->tq, plan->tp, plan->source);
  else
    snprintf(plan->describe, sizeof plan->describe,
             "%s family=vector forward=%s backward=%s choice=%s", problem,
             plan->global ? "global"
             : plan->rows ? "rows"
                          : "generic",
             backward_names[plan->backward], plan->source);
  clcnn_log(ctx->errors.log_level, CLCNN_LOG_DEBUG, "pool2d plan: %s", plan->describe);
  *out = plan;
  return CLCNN_OK;
}

static clcnn_status forward(clcnn_pool2d_plan *plan, const char *fn, const clcnn_tensor *x,
                            clcnn_tensor *y) {
  clcnn_context *ctx = plan->ctx;
  const clcnn_pool_geometry *g = &plan->g;
  clcnn_status status;
  if ((status = clcnn_check_tensor(ctx, fn, "x", x, plan->x_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "y", y, plan->y_shape)) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, y, "y", x, "x")) != CLCNN_OK)
    return status;
  if (plan->workgroup) {
    clcnn_launch_dims dims = {
        3, {g->q, g->p, g->n * g->c}, {(size_t)plan->tq, (size_t)plan->tp, 1}};
    return CLCNN_LAUNCH(ctx, plan->forward_kernel, "pool2d_patch", &dims, CLCNN_MEM(x->buf),
                        CLCNN_ULONG(x->offset), CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset),
                        CLCNN_INT(g->n * g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p),
                        CLCNN_INT(g->q), CLCNN_INT(g->pt), CLCNN_INT(g->pl), CLCNN_INT(g->pb),
                        CLCNN_INT(g->pr));
  }
  if (plan->global) {
    clcnn_launch_dims dims = {1, {g->n * g->c}, {0}};
    return CLCNN_LAUNCH(ctx, plan->forward_kernel, "pool2d_global", &dims, CLCNN_MEM(x->buf),
                        CLCNN_ULONG(x->offset), CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset),
                        CLCNN_INT(g->n * g->c), CLCNN_INT(g->h * g->w), CLCNN_INT(plan->desc.mode));
  }
  if (plan->rows) {
    /* an explicit work-group: with PoCL's own choice one of two threads sometimes sat idle
       (3x3 s2 max pooling alternated between 26 and 14 GB/s; with 8 x 1 it held 27) */
    clcnn_launch_dims dims = {2, {g->p, g->n * g->c}, {8, 1}};
    return CLCNN_LAUNCH(ctx, plan->forward_kernel, "pool2d_rows", &dims, CLCNN_MEM(x->buf),
                        CLCNN_ULONG(x->offset), CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset),
                        CLCNN_INT(g->n * g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p),
                        CLCNN_INT(g->q), CLCNN_INT(g->sh), CLCNN_INT(g->pt), CLCNN_INT(g->pl),
                        CLCNN_INT(g->pb), CLCNN_INT(g->pr));
  }
  clcnn_launch_dims dims = {3, {g->q, g->p, g->n * g->c}, {0}};
  return CLCNN_LAUNCH(
      ctx, plan->forward_kernel, "pool2d", &dims, CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset),
      CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset), CLCNN_INT(g->n * g->c), CLCNN_INT(g->h),
      CLCNN_INT(g->w), CLCNN_INT(g->p), CLCNN_INT(g->q), CLCNN_INT(g->kh), CLCNN_INT(g->kw),
      CLCNN_INT(g->sh), CLCNN_INT(g->sw), CLCNN_INT(g->pt), CLCNN_INT(g->pl), CLCNN_INT(g->pb),
      CLCNN_INT(g->pr), CLCNN_INT(plan->desc.mode), CLCNN_INT(plan->desc.count_include_pad != 0));
}

static clcnn_status check_backward_tensors(const clcnn_pool2d_plan *plan, const char *fn,
                                           const clcnn_tensor *x, const clcnn_tensor *y,
                                           const clcnn_tensor *dy, const clcnn_tensor *dx) {
  clcnn_context *ctx = plan->ctx;
  clcnn_status status;
  if ((status = clcnn_check_tensor(ctx, fn, "x", x, plan->x_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "y", y, plan->y_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "dy", dy, plan->y_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "dx", dx, plan->x_shape)) != CLCNN_OK)
    return status;
  const clcnn_tensor *inputs[] = {x, y, dy};
  const char *names[] = {"x", "y", "dy"};
  for (int i = 0; i < 3; i++)
    if ((status = clcnn_check_distinct(ctx, fn, dx, "dx", inputs[i], names[i])) != CLCNN_OK)
      return status;
  return CLCNN_OK;
}

static clcnn_status backward(clcnn_pool2d_plan *plan, const char *fn, const clcnn_tensor *x,
                             const clcnn_tensor *y, const clcnn_tensor *dy, clcnn_tensor *dx) {
  clcnn_context *ctx = plan->ctx;
  const clcnn_pool_geometry *g = &plan->g;
  clcnn_status status = check_backward_tensors(plan, fn, x, y, dy, dx);
  if (status == CLCNN_OK && plan->backward == BACKWARD_BANDS && clcnn_pool_backward_gathers(plan))
    return clcnn_pool_backward_from_positions(plan, x, dy, dx);
  if (status == CLCNN_OK && !plan->backward_kernel)
    status = clcnn_pool_plan_keep(plan, backward_kernel);
  if (status != CLCNN_OK) return status;
  if (plan->backward == BACKWARD_TILES) {
    clcnn_launch_dims dims = {2, {g->p, g->n * g->c}, {8, 1}};
    return CLCNN_LAUNCH(ctx, plan->backward_kernel, "pool2d_backward_tiles", &dims,
                        CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset), CLCNN_MEM(dy->buf),
                        CLCNN_ULONG(dy->offset), CLCNN_MEM(dx->buf), CLCNN_ULONG(dx->offset),
                        CLCNN_INT(g->n * g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p),
                        CLCNN_INT(g->q));
  }
  if (plan->backward == BACKWARD_SCATTER) {
    if (!windows_cover_input(g) && (status = clcnn_tensor_fill_locked(dx, 0.0f)) != CLCNN_OK)
      return status;
    clcnn_launch_dims dims = {3, {g->q, g->p, g->n * g->c}, {16, 4, 1}};
    return CLCNN_LAUNCH(ctx, plan->backward_kernel, "pool2d_backward_scatter", &dims,
                        CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset), CLCNN_MEM(dy->buf),
                        CLCNN_ULONG(dy->offset), CLCNN_MEM(dx->buf), CLCNN_ULONG(dx->offset),
                        CLCNN_INT(g->n * g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p),
                        CLCNN_INT(g->q), CLCNN_INT(g->sh), CLCNN_INT(g->sw), CLCNN_INT(g->pt),
                        CLCNN_INT(g->pl), CLCNN_INT(g->pb), CLCNN_INT(g->pr));
  }
  if (plan->backward == BACKWARD_BANDS) {
    size_t bands = (g->h + g->pt + g->sh - 1) / g->sh;
    clcnn_launch_dims dims = {2, {(bands + BAND_GROUP - 1) / BAND_GROUP, g->n * g->c}, {1, 1}};
    return CLCNN_LAUNCH(ctx, plan->backward_kernel, "pool2d_backward_bands", &dims,
                        CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset), CLCNN_MEM(dy->buf),
                        CLCNN_ULONG(dy->offset), CLCNN_MEM(dx->buf), CLCNN_ULONG(dx->offset),
                        CLCNN_INT(g->n * g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p),
                        CLCNN_INT(g->q), CLCNN_INT(g->pt), CLCNN_INT(g->pl), CLCNN_INT(g->pb),
                        CLCNN_INT(g->pr), CLCNN_INT(bands));
  }
  clcnn_launch_dims planes = {1, {g->n * g->c}, {1}};
  /* the work-group family names its groups (coalesced along rows); else the driver's */
  clcnn_launch_dims elements = {
      3, {g->w, g->h, g->n * g->c}, {plan->workgroup ? 32 : 0, plan->workgroup ? 8 : 0, 1}};
  int per_plane = plan->backward == BACKWARD_PLANES;
  return CLCNN_LAUNCH(
      ctx, plan->backward_kernel, per_plane ? "pool2d_backward_plane" : "pool2d_backward",
      per_plane ? &planes : &elements, CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset),
      CLCNN_MEM(dy->buf), CLCNN_ULONG(dy->offset), CLCNN_MEM(dx->buf), CLCNN_ULONG(dx->offset),
      CLCNN_INT(g->n * g->c), CLCNN_INT(g->h), CLCNN_INT(g->w), CLCNN_INT(g->p), CLCNN_INT(g->q),
      CLCNN_INT(g->kh), CLCNN_INT(g->kw), CLCNN_INT(g->sh), CLCNN_INT(g->sw), CLCNN_INT(g->pt),
      CLCNN_INT(g->pl), CLCNN_INT(g->pb), CLCNN_INT(g->pr), CLCNN_INT(plan->desc.mode),
      CLCNN_INT(plan->desc.count_include_pad != 0));
}

/* ---- the public plan API ------------------------------------------------------------------ */

clcnn_status clcnn_pool_plan_check(const clcnn_pool2d_plan *plan, const char *fn) {
  if (!plan) return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: plan is NULL", fn);
  return clcnn_context_check(plan->ctx, fn);
}

clcnn_status clcnn_pool2d_plan_create_rule(clcnn_context *ctx, const char *fn,
                                           const clcnn_pool2d_desc *d, const size_t x_shape[4],
                                           clcnn_pad_rule rule, clcnn_pool2d_plan **out) {
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  if (!out) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: out is NULL", fn);
  *out = NULL;
  return CLCNN_LOCKED(ctx, plan_make(ctx, fn, d, x_shape, rule, -1, out));
}

clcnn_status clcnn_pool2d_plan_create(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                      const size_t x_shape[4], clcnn_pool2d_plan **out) {
  return clcnn_pool2d_plan_create_rule(ctx, "clcnn_pool2d_plan_create", d, x_shape,
                                       CLCNN_PADS_HALF_WINDOW, out);
}

clcnn_status clcnn_pool2d_plan_forward(clcnn_pool2d_plan *plan, const clcnn_tensor *x,
                                       clcnn_tensor *y) {
  const char *fn = "clcnn_pool2d_plan_forward";
  clcnn_status status = clcnn_pool_plan_check(plan, fn);
  return status == CLCNN_OK ? CLCNN_LOCKED(plan->ctx, forward(plan, fn, x, y)) : status;
}

clcnn_status clcnn_pool2d_plan_backward(clcnn_pool2d_plan *plan, const clcnn_tensor *x,
                                        const clcnn_tensor *y, const clcnn_tensor *dy,
                                        clcnn_tensor *dx) {
  const char *fn = "clcnn_pool2d_plan_backward";
  clcnn_status status = clcnn_pool_plan_check(plan, fn);
  return status == CLCNN_OK ? CLCNN_LOCKED(plan->ctx, backward(plan, fn, x, y, dy, dx)) : status;
}

const char *clcnn_pool2d_plan_describe(const clcnn_pool2d_plan *plan) {
  return plan ? plan->describe : "";
}

void clcnn_pool2d_plan_destroy(clcnn_pool2d_plan *plan) {
  if (!plan) return;
  clcnn_kernel_set_release(&plan->kept);
  free(plan);
}

static void destroy_cached(void *plan) {
  clcnn_pool2d_plan_destroy(plan);
}

/* ---- the one-shot functions ---------------------------------------------------------------- */

static clcnn_status cached_plan(clcnn_context *ctx, const char *fn, const clcnn_pool2d_desc *d,
                                const size_t x_shape[4], clcnn_pool2d_plan **out, int *owned) {
  *owned = 0;
  if (!d) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: descriptor d is NULL", fn);
  clcnn_plan_key key = {{2, (size_t)(unsigned)d->mode, d->kernel_h, d->kernel_w, d->stride_h,
                         d->stride_w, d->pad_top, d->pad_bottom, d->pad_left, d->pad_right,
                         (size_t)(d->ceil_mode != 0), (size_t)(d->count_include_pad != 0),
                         x_shape[0], x_shape[1], x_shape[2], x_shape[3]}};
  if ((*out = clcnn_plan_cache_find(ctx, &key)) != NULL) return CLCNN_OK;
  clcnn_status status = plan_make(ctx, fn, d, x_shape, CLCNN_PADS_HALF_WINDOW, -1, out);
  if (status != CLCNN_OK) return status;
  *owned = !clcnn_plan_cache_insert(ctx, &key, *out, destroy_cached);
  return CLCNN_OK;
}

/* What a one-shot call runs on its plan: the tensors as the pass reads and writes them. */
typedef enum call_kind {
  CALL_FORWARD,
  CALL_BACKWARD,
  CALL_FORWARD_INDEXED,
  CALL_BACKWARD_INDEXED
} call_kind;

typedef struct pool_call {
  call_kind kind;
  const clcnn_tensor *x, *y, *dy, *indices; /* read */
  clcnn_tensor *out, *out_indices;          /* y or dx; the positions written */
} pool_call;

static clcnn_status run_call(clcnn_pool2d_plan *plan, const char *fn, const pool_call *c) {
  switch (c->kind) {
  case CALL_FORWARD:
    return forward(plan, fn, c->x, c->out);
  case CALL_BACKWARD:
    return backward(plan, fn, c->x, c->y, c->dy, c->out);
  case CALL_FORWARD_INDEXED:
    return clcnn_pool_forward_indexed(plan, fn, c->x, c->out, c->out_indices);
  default:
    return clcnn_pool_backward_indexed(plan, fn, c->indices, c->dy, c->out);
  }
}

/* A one-shot call on the cached plan for the shape of `shaped` (x, or dx). */
static clcnn_status one_shot(clcnn_context *ctx, const char *fn, const clcnn_pool2d_desc *d,
                             const char *shaped_name, const clcnn_tensor *shaped,
                             const pool_call *c) {
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, shaped_name, shaped, NULL);
  if (status != CLCNN_OK) return status;
  clcnn_pool2d_plan *plan = NULL;
  int owned = 0;
  clcnn_context_lock(ctx);
  status = cached_plan(ctx, fn, d, shaped->shape, &plan, &owned);
  if (status == CLCNN_OK) status = run_call(plan, fn, c);
  if (owned) clcnn_pool2d_plan_destroy(plan);
  clcnn_context_unlock(ctx);
  return status;
}

clcnn_status clcnn_pool2d_forward(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                  const clcnn_tensor *x, clcnn_tensor *y) {
  const pool_call c = {CALL_FORWARD, .x = x, .out = y};
  return one_shot(ctx, "clcnn_pool2d_forward", d, "x", x, &c);
}

clcnn_status clcnn_pool2d_backward(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                   const clcnn_tensor *x, const clcnn_tensor *y,
                                   const clcnn_tensor *dy, clcnn_tensor *dx) {
  const pool_call c = {CALL_BACKWARD, .x = x, .y = y, .dy = dy, .out = dx};
  return one_shot(ctx, "clcnn_pool2d_backward", d, "x", x, &c);
}

clcnn_status clcnn_pool2d_forward_indices(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                          const clcnn_tensor *x, clcnn_tensor *y,
                                          clcnn_tensor *indices) {
  const pool_call c = {CALL_FORWARD_INDEXED, .x = x, .out = y, .out_indices = indices};
  return one_shot(ctx, "clcnn_pool2d_forward_indices", d, "x", x, &c);
}

clcnn_status clcnn_pool2d_backward_indices(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                           const clcnn_tensor *indices, const clcnn_tensor *dy,
                                           clcnn_tensor *dx) {
  const pool_call c = {CALL_BACKWARD_INDEXED, .indices = indices, .dy = dy, .out = dx};
  return one_shot(ctx, "clcnn_pool2d_backward_indices", d, "dx", dx, &c);
}

/* ---- tuning: the two families timed on forward plus backward ----------------------------- */

/* Median milliseconds of forward + backward for one family (5 runs after a first). */
static clcnn_status time_family(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                const size_t x_shape[4], int family, clcnn_tensor *const t[4],
                                double *ms) {
  const char *fn = "clcnn_pool2d_tune";
  clcnn_pool2d_plan *plan = NULL;
  clcnn_status status = plan_make(ctx, fn, d, x_shape, CLCNN_PADS_HALF_WINDOW, family, &plan);
  double times[6];
  for (int run = 0; status == CLCNN_OK && run < 6; run++) {
    double t0 = clcnn_now_seconds();
    status = forward(plan, fn, t[0], t[1]);
    if (status == CLCNN_OK) status = backward(plan, fn, t[0], t[1], t[2], t[3]);
    cl_int err = status == CLCNN_OK ? clFinish(ctx->queue) : CL_SUCCESS;
    if (err != CL_SUCCESS) status = clcnn_fail_wait(ctx, err, "clFinish");
    times[run] = (clcnn_now_seconds() - t0) * 1e3;
  }
  clcnn_pool2d_plan_destroy(plan);
  if (status != CLCNN_OK) return status;
  *ms = clcnn_median(times + 1, 5); /* the first run apart */
  return CLCNN_OK;
}

static clcnn_status tune_locked(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                const size_t x_shape[4], clcnn_tune_report *report) {
  const char *fn = "clcnn_pool2d_tune";
  clcnn_pool_geometry g;
  clcnn_status status = clcnn_pool_geometry_make(ctx, fn, d, x_shape, &g);
  if (status != CLCNN_OK) return status;
  clcnn_tensor *t[4] = {NULL, NULL, NULL, NULL};
  const size_t *shapes[4] = {x_shape, (size_t[4]){g.n, g.c, g.p, g.q},
                             (size_t[4]){g.n, g.c, g.p, g.q}, x_shape};
  for (int i = 0; i < 4 && status == CLCNN_OK; i++) {
    status =
        clcnn_tensor_create(ctx, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], &t[i]);
    if (status == CLCNN_OK) status = clcnn_tensor_fill_locked(t[i], 0.25f * (float)(i + 1));
  }
  int heuristic = clcnn_workgroup_family(ctx);
  double ms[2] = {0, 0};
  if (status == CLCNN_OK) status = time_family(ctx, d, x_shape, heuristic, t, &ms[heuristic]);
  if (status == CLCNN_OK &&
      time_family(ctx, d, x_shape, !heuristic, t, &ms[!heuristic]) != CLCNN_OK)
    ms[!heuristic] = 0;
  for (int i = 0; i < 4; i++) clcnn_tensor_destroy(t[i]);
  if (status != CLCNN_OK) return status;
  int best = ms[!heuristic] > 0 && ms[!heuristic] < 0.97 * ms[heuristic] ? !heuristic : heuristic;
  clcnn_tune_choice c = {.algo = CLCNN_CONV_DIRECT, .workgroup = best};
  int tq = 32, tp = 8;
  if (best) pick_patch(ctx, &g, &tq, &tp);
  c.p = (clcnn_wg_params){tp, tq, 1, tp, tq, 1};
  char problem[160];
  clcnn_pool2d_problem_format(d, x_shape, problem, sizeof problem);
  clcnn_tune_record_store(ctx, "pool2d", problem, &c, ms[best], ms[heuristic]);
  if (report) {
    clcnn_tune_choice_format(&c, report->choice, sizeof report->choice);
    report->default_ms = ms[heuristic];
    report->best_ms = ms[best];
    report->candidates = ms[!heuristic] > 0 ? 2 : 1;
  }
  return CLCNN_OK;
}

clcnn_status clcnn_pool2d_tune(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                               const size_t x_shape[4], clcnn_tune_report *report) {
  const char *fn = "clcnn_pool2d_tune";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  if (!d || !x_shape)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: d or x_shape is NULL", fn);
  return CLCNN_LOCKED(ctx, tune_locked(ctx, d, x_shape, report));
}

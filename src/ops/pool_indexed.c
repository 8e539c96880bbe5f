/* Max pooling's indexed passes: the forward that also records where each window's maximum
   is (its position h * W + w in the plane, as a float), and the backward that reads dy and
   those positions instead of x and y. The row kernel (forward) and the bands kernel
   (backward) built with INDEXED for windows of up to MAX_UNROLLED_TAPS taps, one output or
   one input element per work-item otherwise and in the work-group family. */
#include <clcnn/clcnn.h>

#include "memory/tensor.h"
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

static clcnn_status indexed_backward_kernel(clcnn_pool2d_plan *plan) {
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

clcnn_status clcnn_pool_forward_indexed(clcnn_pool2d_plan *plan, const char *fn,
                                        const clcnn_tensor *x, clcnn_tensor *y,
                                        clcnn_tensor *indices) {
  clcnn_context *ctx = plan->ctx;
  const clcnn_pool_geometry *g = &plan->g;
  clcnn_status status = check_indexed(plan, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, plan->x_shape);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, plan->y_shape);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "indices", indices, plan->y_shape);
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, y, "y", x, "x");
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, indices, "indices", x, "x");
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, indices, "indices", y, "y");
  if (status == CLCNN_OK && !plan->indexed_forward)
    status = clcnn_pool_plan_keep(plan, indexed_forward_kernel);
  if (status != CLCNN_OK) return status;
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
  const clcnn_pool_geometry *g = &plan->g;
  clcnn_status status = check_indexed(plan, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "indices", indices, plan->y_shape);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dy", dy, plan->y_shape);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dx", dx, plan->x_shape);
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, dx, "dx", indices, "indices");
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, dx, "dx", dy, "dy");
  if (status == CLCNN_OK && !plan->indexed_backward)
    status = clcnn_pool_plan_keep(plan, indexed_backward_kernel);
  if (status != CLCNN_OK) return status;
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

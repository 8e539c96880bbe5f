/* clcnn_pool2d_forward: validate, then one kernel: vector row segments with the window
   compiled in when it is small, one output per work-item otherwise. */
#include <stdio.h>

#include "device/context.h"
#include "memory/tensor.h"
#include "ops/shape.h"
#include "program/launch.h"
#include "program/program.h"

/* Windows up to this many taps get the unrolled row kernel. */
#define MAX_UNROLLED_TAPS 64
/* Outputs per work-item in the row kernel (one float8). */
#define ROW_VECTOR 8

static clcnn_status run_rows(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                             const clcnn_pool_geometry *g, const clcnn_tensor *x, clcnn_tensor *y) {
  char options[256];
  snprintf(options, sizeof options,
           "-DROWS_KERNEL -DKH=%zu -DKW=%zu -DSW=%zu -DMODE=%d -DINCLUDE_PAD=%d -DVQ=%d", g->kh,
           g->kw, g->sw, d->mode, d->count_include_pad != 0, ROW_VECTOR);
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "pool2d.cl", options, "pool2d_rows", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong x_off = x->offset, y_off = y->offset;
  cl_int v[] = {(cl_int)(g->n * g->c), (cl_int)g->h,  (cl_int)g->w,  (cl_int)g->p,  (cl_int)g->q,
                (cl_int)g->sh,         (cl_int)g->pt, (cl_int)g->pl, (cl_int)g->pb, (cl_int)g->pr};
  clcnn_arg args[4 + 10] = {CLCNN_ARG(x->buf), CLCNN_ARG(x_off), CLCNN_ARG(y->buf),
                            CLCNN_ARG(y_off)};
  for (int i = 0; i < 10; i++) args[4 + i] = (clcnn_arg){sizeof(cl_int), &v[i]};
  /* an explicit work-group: with PoCL's own choice one of two threads sometimes sat idle
     (3x3 s2 max pooling alternated between 26 and 14 GB/s; with 8 x 1 it held 27) */
  clcnn_launch_dims dims = {2, {g->p, g->n * g->c}, {8, 1}};
  return clcnn_launch(ctx, kernel, "pool2d_rows", args, 14, &dims);
}

static clcnn_status run_generic(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                const clcnn_pool_geometry *g, const clcnn_tensor *x,
                                clcnn_tensor *y) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "pool2d.cl", "", "pool2d", &kernel);
  if (status != CLCNN_OK) return status;
  cl_ulong x_off = x->offset, y_off = y->offset;
  cl_int v[] = {(cl_int)(g->n * g->c), (cl_int)g->h,  (cl_int)g->w,
                (cl_int)g->p,          (cl_int)g->q,  (cl_int)g->kh,
                (cl_int)g->kw,         (cl_int)g->sh, (cl_int)g->sw,
                (cl_int)g->pt,         (cl_int)g->pl, (cl_int)g->pb,
                (cl_int)g->pr,         d->mode,       d->count_include_pad != 0};
  clcnn_arg args[4 + 15] = {CLCNN_ARG(x->buf), CLCNN_ARG(x_off), CLCNN_ARG(y->buf),
                            CLCNN_ARG(y_off)};
  for (int i = 0; i < 15; i++) args[4 + i] = (clcnn_arg){sizeof(cl_int), &v[i]};
  clcnn_launch_dims dims = {3, {g->q, g->p, g->n * g->c}, {0}};
  return clcnn_launch(ctx, kernel, "pool2d", args, 19, &dims);
}

clcnn_status clcnn_pool2d_forward(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                  const clcnn_tensor *x, clcnn_tensor *y) {
  const char *fn = "clcnn_pool2d_forward";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  if ((status = clcnn_check_tensor(ctx, fn, "x", x, NULL)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "y", y, NULL)) != CLCNN_OK)
    return status;
  clcnn_pool_geometry g = {0};
  if ((status = clcnn_pool_geometry_make(ctx, fn, d, x->shape, &g)) != CLCNN_OK) return status;
  size_t y_shape[4] = {g.n, g.c, g.p, g.q};
  if ((status = clcnn_check_index_range(ctx, fn, "x", x->shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "y", y, y_shape)) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, y, "y", x, "x")) != CLCNN_OK)
    return status;
  if (g.kh * g.kw <= MAX_UNROLLED_TAPS) return run_rows(ctx, d, &g, x, y);
  return run_generic(ctx, d, &g, x, y);
}

/* clcnn_pool2d_backward: validate, then scatter from each output when windows do not overlap,
   else gather per input element. */
#include <stdio.h>

#include "device/context.h"
#include "memory/tensor.h"
#include "ops/shape.h"
#include "program/launch.h"
#include "program/program.h"

static clcnn_status validate(clcnn_context *ctx, const char *fn, const clcnn_pool2d_desc *d,
                             const clcnn_tensor *x, const clcnn_tensor *y, const clcnn_tensor *dy,
                             const clcnn_tensor *dx, clcnn_pool_geometry *g) {
  clcnn_status status = clcnn_check_tensor(ctx, fn, "x", x, NULL);
  if (status == CLCNN_OK) status = clcnn_pool_geometry_make(ctx, fn, d, x->shape, g);
  if (status != CLCNN_OK) return status;
  size_t y_shape[4] = {g->n, g->c, g->p, g->q};
  if ((status = clcnn_check_index_range(ctx, fn, "x", x->shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "y", y, y_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "dy", dy, y_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "dx", dx, x->shape)) != CLCNN_OK)
    return status;
  const clcnn_tensor *inputs[] = {x, y, dy};
  const char *names[] = {"x", "y", "dy"};
  for (int i = 0; i < 3; i++)
    if ((status = clcnn_check_distinct(ctx, fn, dx, "dx", inputs[i], names[i])) != CLCNN_OK)
      return status;
  return CLCNN_OK;
}

/* Windows that do not overlap and have at most this many taps get the scatter kernel. */
#define MAX_SCATTER_TAPS 64

static int windows_disjoint(const clcnn_pool_geometry *g) {
  return g->sh >= g->kh && g->sw >= g->kw && g->kh * g->kw <= MAX_SCATTER_TAPS;
}

/* 1 when the windows tile the input exactly, so that scattering writes every element. */
static int windows_cover_input(const clcnn_pool_geometry *g) {
  return g->sh == g->kh && g->sw == g->kw && g->pt == 0 && g->pl == 0 && g->p * g->kh == g->h &&
         g->q * g->kw == g->w;
}

static clcnn_status scatter(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                            const clcnn_pool_geometry *g, const clcnn_tensor *x,
                            const clcnn_tensor *dy, clcnn_tensor *dx) {
  char options[160];
  snprintf(options, sizeof options, "-DSCATTER_KERNEL -DKH=%zu -DKW=%zu -DMODE=%d -DINCLUDE_PAD=%d",
           g->kh, g->kw, d->mode, d->count_include_pad != 0);
  cl_kernel kernel;
  clcnn_status status =
      clcnn_kernel_get(ctx, "pool2d.cl", options, "pool2d_backward_scatter", &kernel);
  if (status == CLCNN_OK && !windows_cover_input(g)) status = clcnn_tensor_fill(dx, 0.0f);
  if (status != CLCNN_OK) return status;
  cl_ulong x_off = x->offset, dy_off = dy->offset, dx_off = dx->offset;
  cl_int v[] = {(cl_int)(g->n * g->c), (cl_int)g->h,  (cl_int)g->w,  (cl_int)g->p,
                (cl_int)g->q,          (cl_int)g->sh, (cl_int)g->sw, (cl_int)g->pt,
                (cl_int)g->pl,         (cl_int)g->pb, (cl_int)g->pr};
  clcnn_arg args[6 + 11] = {CLCNN_ARG(x->buf), CLCNN_ARG(x_off),   CLCNN_ARG(dy->buf),
                            CLCNN_ARG(dy_off), CLCNN_ARG(dx->buf), CLCNN_ARG(dx_off)};
  for (int i = 0; i < 11; i++) args[6 + i] = (clcnn_arg){sizeof(cl_int), &v[i]};
  clcnn_launch_dims dims = {3, {g->q, g->p, g->n * g->c}, {0}};
  return clcnn_launch(ctx, kernel, "pool2d_backward_scatter", args, 17, &dims);
}

clcnn_status clcnn_pool2d_backward(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                   const clcnn_tensor *x, const clcnn_tensor *y,
                                   const clcnn_tensor *dy, clcnn_tensor *dx) {
  const char *fn = "clcnn_pool2d_backward";
  clcnn_status status = clcnn_context_check(ctx, fn);
  clcnn_pool_geometry g = {0};
  if (status == CLCNN_OK) status = validate(ctx, fn, d, x, y, dy, dx, &g);
  if (status != CLCNN_OK) return status;
  if (windows_disjoint(&g)) return scatter(ctx, d, &g, x, dy, dx);
  cl_kernel kernel;
  if ((status = clcnn_kernel_get(ctx, "pool2d.cl", "", "pool2d_backward", &kernel)) != CLCNN_OK)
    return status;
  cl_ulong x_off = x->offset, dy_off = dy->offset, dx_off = dx->offset;
  cl_int v[] = {
      (cl_int)(g.n * g.c), (cl_int)g.h,  (cl_int)g.w,  (cl_int)g.p,  (cl_int)g.q,
      (cl_int)g.kh,        (cl_int)g.kw, (cl_int)g.sh, (cl_int)g.sw, (cl_int)g.pt,
      (cl_int)g.pl,        (cl_int)g.pb, (cl_int)g.pr, d->mode,      d->count_include_pad != 0};
  clcnn_arg args[6 + 15] = {CLCNN_ARG(x->buf), CLCNN_ARG(x_off),   CLCNN_ARG(dy->buf),
                            CLCNN_ARG(dy_off), CLCNN_ARG(dx->buf), CLCNN_ARG(dx_off)};
  for (int i = 0; i < 15; i++) args[6 + i] = (clcnn_arg){sizeof(cl_int), &v[i]};
  clcnn_launch_dims dims = {3, {g.w, g.h, g.n * g.c}, {0}};
  return clcnn_launch(ctx, kernel, "pool2d_backward", args, 21, &dims);
}

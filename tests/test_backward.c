/* Backward passes against the reference (integer inputs exactly, random ones within a
   tolerance), finite-difference checks, and the bad-input rules. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_buffer.h"
#include "reference.h"
#include "support.h"

static void conv_backward_case(clcnn_context *ctx, const ref_conv *p, int integer, unsigned seed) {
  char name[160];
  ref_conv_name(p, name, sizeof name);
  size_t P = ref_conv_out_h(p), Q = ref_conv_out_w(p), cg = p->c / p->groups;
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ws[4] = {p->k, cg, p->r, p->s};
  size_t ys[4] = {p->n, p->k, P, Q}, bs[4] = {1, p->k, 1, 1};
  size_t xc = p->n * p->c * p->h * p->w, wc = p->k * cg * p->r * p->s, yc = p->n * p->k * P * Q;
  float *x = support_values(xc, &seed, integer), *w = support_values(wc, &seed, integer);
  float *dy = support_values(yc, &seed, integer);
  float *dx_ref = malloc(xc * sizeof(float)), *dw_ref = malloc(wc * sizeof(float));
  float *db_ref = malloc(p->k * sizeof(float)), *got = malloc((xc > wc ? xc : wc) * sizeof(float));
  ref_conv2d_backward_data(p, dy, w, dx_ref);
  ref_conv2d_backward_weights(p, x, dy, dw_ref, db_ref);
  guarded_tensor tx = guarded_create(ctx, xs, x), tw = guarded_create(ctx, ws, w);
  guarded_tensor tdy = guarded_create(ctx, ys, dy), tdx = guarded_create(ctx, xs, NULL);
  guarded_tensor tdw = guarded_create(ctx, ws, NULL), tdb = guarded_create(ctx, bs, NULL);
  clcnn_conv2d_desc d = ref_conv_desc(p, CLCNN_CONV_AUTO);
  ck_assert_msg(clcnn_conv2d_backward_data(ctx, &d, tdy.t, tw.t, tdx.t) == CLCNN_OK, "%s: %s", name,
                clcnn_last_error(ctx));
  ck_assert_msg(clcnn_conv2d_backward_weights(ctx, &d, tx.t, tdy.t, tdw.t, tdb.t) == CLCNN_OK,
                "%s: %s", name, clcnn_last_error(ctx));
  /* a 3x3 stride-1 input gradient may run on Winograd, whose transforms round: its bound */
  int winograd = p->r == 3 && p->s == 3 && p->sh == 1 && p->sw == 1 && p->dh == 1 && p->dw == 1 &&
                 p->groups == 1;
  double tol_x = winograd  ? (integer ? 4e-4 : 1e-4) * sqrt(9.0 * (double)p->k)
                 : integer ? 0
                           : 4e-7 * (double)(p->k / p->groups * p->r * p->s + 1);
  /* 3x3 stride-1 weight gradients of 128 or more channels (a multiple of 8), 64 or more
     filters, over 64 or more 4x4 tiles run on Winograd (conv2d_backward.c), whose transforms round
     too: the bound above with the n * P * Q products of each tap summed in place of the 9 * K of
     each input element */
  size_t tiles = p->n * ((P + 3) / 4) * ((Q + 3) / 4);
  int winograd_w = winograd && p->c >= 128 && p->c % 8 == 0 && p->k >= 64 && tiles >= 64;
  double tol_w = winograd_w ? (integer ? 4e-4 : 1e-4) * sqrt(9.0 * (double)(p->n * P * Q))
                 : integer  ? 0
                            : 4e-7 * (double)(p->n * P * Q + 1);
  guarded_read(ctx, &tdx, got, name);
  support_expect_close(got, dx_ref, xc, tol_x, "dx", name);
  guarded_read(ctx, &tdw, got, name);
  support_expect_close(got, dw_ref, wc, tol_w, "dw", name);
  guarded_read(ctx, &tdb, got, name);
  support_expect_close(got, db_ref, p->k, tol_w, "dbias", name);
  guarded_tensor *all[] = {&tx, &tw, &tdy, &tdx, &tdw, &tdb};
  for (int i = 0; i < 6; i++) guarded_destroy(all[i]);
  free(x), free(w), free(dy), free(dx_ref), free(dw_ref), free(db_ref), free(got);
}

/* Each case with integer data (seeds from seed) and random data (from seed + 100). */
static void backward_cases(const ref_conv *cases, size_t count, unsigned seed) {
  clcnn_context *ctx = support_context();
  for (size_t i = 0; i < count; i++) {
    conv_backward_case(ctx, &cases[i], 1, seed + (unsigned)i);
    conv_backward_case(ctx, &cases[i], 0, seed + 100u + (unsigned)i);
  }
  clcnn_context_destroy(ctx);
}

START_TEST(conv_backward_sweep) {
  clcnn_context *ctx = support_context();
  conv_backward_case(ctx, &ref_conv_sweep[_i], 1, 3000u + (unsigned)_i);
  conv_backward_case(ctx, &ref_conv_sweep[_i], 0, 4000u + (unsigned)_i);
  clcnn_context_destroy(ctx);
}
END_TEST

/* A workspace limit of a few KiB makes the weight-gradient paths (the tile kernel, also on
   a pointwise layer's swapped problem, and the GEMM) work in chunks of images and
   accumulate; the results must not change. */
START_TEST(chunked_backward_matches_reference) {
  setenv("CLCNN_WORKSPACE_BYTES", "5000", 1);
  clcnn_context *ctx = support_context();
  const ref_conv cases[] = {{5, 3, 9, 11, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                            {6, 16, 5, 5, 3, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1},
                            {4, 4, 8, 8, 6, 3, 3, 2, 2, 1, 0, 0, 1, 1, 1, 2},
                            {5, 3, 16, 16, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
                            {8, 128, 12, 11, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    conv_backward_case(ctx, &cases[i], 1, 700u + (unsigned)i);
  clcnn_context_destroy(ctx);
}
END_TEST

/* The weight gradient's column-vector readings, integer and random data:
   - pointwise layers at stride 1 without padding, read as runs of pixels: rows of a
     multiple of 16 (24x24 as two rows of 288, with more or fewer filters than channels),
     one row with a ragged end (10x10); a plane that would waste too many lanes so (3x3)
     takes the other paths;
   - column stride 2 with few input channels (a network's first layer), read from a copy
     whose rows hold their even columns, then their odd ones: 7x7 filters with padding, a
     3x5 filter at row stride 1 and uneven padding, dilation 2 (every tap in one phase), two
     groups. */
START_TEST(column_vector_weight_gradients_match_reference) {
  const ref_conv cases[] = {{2, 24, 24, 24, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
                            {2, 8, 24, 24, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
                            {3, 5, 10, 10, 7, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
                            {2, 6, 3, 3, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
                            {2, 3, 20, 22, 10, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},
                            {1, 3, 12, 40, 6, 3, 5, 1, 2, 1, 2, 1, 2, 1, 1, 1},
                            {1, 2, 21, 25, 9, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 1},
                            {2, 4, 15, 33, 6, 3, 4, 2, 2, 0, 1, 2, 0, 1, 1, 2}};
  backward_cases(cases, sizeof cases / sizeof *cases, 800u);
}
END_TEST

/* Fails unless the weight gradient of p's plan runs `kernel` (its description's words), so
   that a test meant for one path does not pass on another after the heuristics change. */
static void expect_weights_kernel(clcnn_context *ctx, const ref_conv *p, const char *kernel) {
  char name[160];
  ref_conv_name(p, name, sizeof name);
  size_t P = ref_conv_out_h(p), Q = ref_conv_out_w(p);
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ws[4] = {p->k, p->c / p->groups, p->r, p->s};
  size_t ys[4] = {p->n, p->k, P, Q};
  clcnn_conv2d_desc d = ref_conv_desc(p, CLCNN_CONV_AUTO);
  clcnn_conv2d_plan *plan = NULL;
  expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &plan), ctx);
  guarded_tensor tx = guarded_create(ctx, xs, NULL), tdy = guarded_create(ctx, ys, NULL);
  guarded_tensor tdw = guarded_create(ctx, ws, NULL);
  expect_ok(clcnn_conv2d_plan_backward_weights(plan, tx.t, tdy.t, tdw.t, NULL), ctx);
  const char *text = clcnn_conv2d_plan_describe(plan);
  ck_assert_msg(text && strstr(text, kernel), "%s: the weight gradient runs '%s', not %s", name,
                text ? text : "(null)", kernel);
  clcnn_conv2d_plan_destroy(plan);
  guarded_destroy(&tx), guarded_destroy(&tdy), guarded_destroy(&tdw);
}

/* The Winograd weight gradient (3x3, stride 1, 128 or more channels, 64 or more filters and
   tiles), integer and random data: same padding on planes that end inside a 4x4 tile
   (18x18), no padding with 72 filters (lanes past the last filter) on a 33x13 plane, uneven
   padding with 136 channels (not a multiple of 16). A batch too small for 64 tiles takes the
   direct kernels (the sweep's exact integer checks). */
START_TEST(winograd_weight_gradients_match_reference) {
  const ref_conv cases[] = {{3, 128, 18, 18, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                            {4, 128, 33, 13, 72, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1},
                            {4, 136, 16, 16, 64, 3, 3, 1, 1, 2, 1, 0, 2, 1, 1, 1}};
  backward_cases(cases, sizeof cases / sizeof *cases, 600u);
  clcnn_context *ctx = support_context();
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    expect_weights_kernel(ctx, &cases[i], "weights family=vector kernel=winograd");
  clcnn_context_destroy(ctx);
}
END_TEST

/* L = sum(conv(x, w) * G): dL/dx and dL/dw by central differences of the reference forward
   pass, against the device's backward passes. */
START_TEST(conv_gradients_match_finite_differences) {
  clcnn_context *ctx = support_context();
  const ref_conv p = {1, 2, 5, 6, 2, 3, 2, 2, 1, 1, 0, 1, 1, 1, 1, 1};
  size_t P = ref_conv_out_h(&p), Q = ref_conv_out_w(&p);
  size_t xc = 60, wc = 24, yc = 2 * P * Q;
  unsigned seed = 99;
  float *x = support_values(xc, &seed, 0), *w = support_values(wc, &seed, 0),
        *G = support_values(yc, &seed, 0);
  float *y = malloc(yc * sizeof(float)), *dx = malloc(xc * sizeof(float)),
        *dw = malloc(wc * sizeof(float));
  guarded_tensor tx = guarded_create(ctx, (size_t[]){1, 2, 5, 6}, x);
  guarded_tensor tw = guarded_create(ctx, (size_t[]){2, 2, 3, 2}, w);
  guarded_tensor tg = guarded_create(ctx, (size_t[]){1, 2, P, Q}, G);
  guarded_tensor tdx = guarded_create(ctx, (size_t[]){1, 2, 5, 6}, NULL);
  guarded_tensor tdw = guarded_create(ctx, (size_t[]){2, 2, 3, 2}, NULL);
  clcnn_conv2d_desc d = ref_conv_desc(&p, CLCNN_CONV_AUTO);
  expect_ok(clcnn_conv2d_backward_data(ctx, &d, tg.t, tw.t, tdx.t), ctx);
  expect_ok(clcnn_conv2d_backward_weights(ctx, &d, tx.t, tg.t, tdw.t, NULL), ctx);
  guarded_read(ctx, &tdx, dx, "dx");
  guarded_read(ctx, &tdw, dw, "dw");
  const float eps = 1e-2f;
  for (int which = 0; which < 2; which++) {
    float *v = which ? w : x, *grad = which ? dw : dx;
    for (size_t i = 0; i < (which ? wc : xc); i++) {
      double loss[2];
      float keep = v[i];
      for (int side = 0; side < 2; side++) {
        v[i] = keep + (side ? eps : -eps);
        ref_conv2d(&p, x, w, NULL, y);
        loss[side] = 0;
        for (size_t j = 0; j < yc; j++) loss[side] += (double)y[j] * G[j];
      }
      v[i] = keep;
      double numeric = (loss[1] - loss[0]) / (2 * eps);
      ck_assert_msg(fabs(numeric - grad[i]) < 2e-3, "%s[%zu]: backward %.6g, numeric %.6g",
                    which ? "dw" : "dx", i, grad[i], numeric);
    }
  }
  guarded_tensor *all[] = {&tx, &tw, &tg, &tdx, &tdw};
  for (int i = 0; i < 5; i++) guarded_destroy(all[i]);
  free(x), free(w), free(G), free(y), free(dx), free(dw);
  clcnn_context_destroy(ctx);
}
END_TEST

/* The indexed passes of max pooling: y and the positions against the reference, then dx
   from the positions alone (x and y are not given) against want. */
static void pool_indexed_case(clcnn_context *ctx, const ref_pool *p, const float *x,
                              const float *dy, const float *want, const char *name) {
  size_t P = ref_pool_out(p->h, p->kh, p->sh, p->pt, p->pb, p->ceil_mode);
  size_t Q = ref_pool_out(p->w, p->kw, p->sw, p->pl, p->pr, p->ceil_mode);
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ys[4] = {p->n, p->c, P, Q};
  size_t xc = p->n * p->c * p->h * p->w, yc = p->n * p->c * P * Q;
  float *y_want = malloc(yc * sizeof(float)), *pos_want = malloc(yc * sizeof(float));
  float *y_got = malloc(yc * sizeof(float)), *pos_got = malloc(yc * sizeof(float));
  float *dx_got = malloc(xc * sizeof(float));
  ref_pool2d(p, x, y_want);
  ref_pool2d_positions(p, x, pos_want);
  clcnn_pool2d_desc d = ref_pool_desc(p);
  guarded_tensor tx = guarded_create(ctx, xs, x), ty = guarded_create(ctx, ys, NULL);
  guarded_tensor tpos = guarded_create(ctx, ys, NULL), tdy = guarded_create(ctx, ys, dy);
  guarded_tensor tdx = guarded_create(ctx, xs, NULL);
  expect_ok(clcnn_pool2d_forward_indices(ctx, &d, tx.t, ty.t, tpos.t), ctx);
  expect_ok(clcnn_pool2d_backward_indices(ctx, &d, tpos.t, tdy.t, tdx.t), ctx);
  guarded_read(ctx, &ty, y_got, "indexed pool y");
  guarded_read(ctx, &tpos, pos_got, "pool positions");
  guarded_read(ctx, &tdx, dx_got, "indexed pool dx");
  for (size_t i = 0; i < yc; i++)
    ck_assert_msg((isnan(y_got[i]) && isnan(y_want[i])) || y_got[i] == y_want[i],
                  "%s indexed y[%zu] = %.9g, reference %.9g", name, i, y_got[i], y_want[i]);
  support_expect_close(pos_got, pos_want, yc, 0, "positions", name);
  support_expect_close(dx_got, want, xc, 1e-6, "indexed dx", name);
  guarded_tensor *all[] = {&tx, &ty, &tpos, &tdy, &tdx};
  for (int i = 0; i < 5; i++) guarded_destroy(all[i]);
  free(y_want), free(pos_want), free(y_got), free(pos_got), free(dx_got);
}

/* Runs the case in ctx and in `gathering`, a context whose max-pooling backward (indexed, and
   plain over overlapping windows) gathers at any size ($CLCNN_STREAM_BYTES=0; the default
   takes the bands kernel below 16 MiB). */
static void pool_backward_case(clcnn_context *ctx, clcnn_context *gathering, const ref_pool *p,
                               const float *x, unsigned seed) {
  size_t P = ref_pool_out(p->h, p->kh, p->sh, p->pt, p->pb, p->ceil_mode);
  size_t Q = ref_pool_out(p->w, p->kw, p->sw, p->pl, p->pr, p->ceil_mode);
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ys[4] = {p->n, p->c, P, Q};
  size_t xc = p->n * p->c * p->h * p->w, yc = p->n * p->c * P * Q;
  float *dy = support_values(yc, &seed, 1), *want = malloc(xc * sizeof(float)),
        *got = malloc(xc * sizeof(float));
  ref_pool2d_backward(p, x, dy, want);
  clcnn_pool2d_desc d = ref_pool_desc(p);
  char name[128];
  snprintf(name, sizeof name, "h%zuw%zu k%zux%zu s%zux%zu p%zu%zu%zu%zu %s ceil%d incl%d", p->h,
           p->w, p->kh, p->kw, p->sh, p->sw, p->pt, p->pb, p->pl, p->pr, p->max ? "max" : "avg",
           p->ceil_mode, p->count_include_pad);
  clcnn_context *both[] = {ctx, gathering};
  for (int c = 0; c < 2; c++) {
    guarded_tensor tx = guarded_create(both[c], xs, x), ty = guarded_create(both[c], ys, NULL);
    guarded_tensor tdy = guarded_create(both[c], ys, dy), tdx = guarded_create(both[c], xs, NULL);
    expect_ok(clcnn_pool2d_forward(both[c], &d, tx.t, ty.t), both[c]);
    expect_ok(clcnn_pool2d_backward(both[c], &d, tx.t, ty.t, tdy.t, tdx.t), both[c]);
    guarded_read(both[c], &tdx, got, "pool dx");
    support_expect_close(got, want, xc, p->max ? 0 : 1e-5, c ? "dx (gathering)" : "dx", name);
    if (p->max) pool_indexed_case(both[c], p, x, dy, want, name);
    guarded_tensor *all[] = {&tx, &ty, &tdy, &tdx};
    for (int i = 0; i < 4; i++) guarded_destroy(all[i]);
  }
  free(dy), free(want), free(got);
}

/* Overlapping windows, padding, ceil mode, ties (values 0..2 repeat, so the first maximum
   must win), NaN and -inf; with 4 planes (overlapping windows take the per-element gather kernel)
   and with 20 (one work-item per plane). */
START_TEST(pool_backward_sweep) {
  clcnn_context *ctx = support_context();
  setenv("CLCNN_STREAM_BYTES", "0", 1);
  clcnn_context *gathering = support_context();
  unsetenv("CLCNN_STREAM_BYTES");
  /* up to 64 taps: the band kernel for overlapping windows (and for every window in the
     indexed passes), the scatter kernel for windows with gaps between them (the last);
     past 64 taps the per-plane and gather kernels */
  const size_t windows[][4] = {{2, 2, 2, 2}, {3, 3, 2, 2}, {3, 3, 1, 1},  {2, 3, 1, 2},
                               {5, 4, 3, 2}, {9, 9, 2, 1}, {5, 15, 1, 2}, {2, 3, 3, 4}};
  /* n, c, w: 11 columns are all edge tiles for the overlapping kernel; 37 have inner ones */
  const size_t batches[][3] = {{2, 2, 11}, {4, 5, 11}, {1, 3, 37}};
  unsigned seed = 5;
  int cases = 0;
  for (size_t bi = 0; bi < 3; bi++)
    for (size_t wi = 0; wi < sizeof windows / sizeof *windows; wi++)
      for (int variant = 0; variant < 8; variant++) {
        ref_pool p = {batches[bi][0],
                      batches[bi][1],
                      9,
                      batches[bi][2],
                      windows[wi][0],
                      windows[wi][1],
                      windows[wi][2],
                      windows[wi][3],
                      0,
                      0,
                      0,
                      0,
                      variant % 2,
                      (variant / 2) % 2,
                      variant / 4};
        p.pt = p.kh / 2, p.pl = p.kw / 2, p.pb = variant % 3 ? p.kh / 2 : 0, p.pr = 0;
        size_t count = p.n * p.c * p.h * p.w;
        float *x = malloc(count * sizeof *x);
        for (size_t i = 0; i < count; i++) x[i] = (float)(support_random(&seed) % 3); /* ties */
        if (variant == 5) x[7] = NAN, x[30] = NAN;
        if (variant == 7) /* windows of -inf: the first in-plane tap is their maximum */
          for (size_t i = 0; i < 3 * p.w; i++) x[i] = -INFINITY;
        pool_backward_case(ctx, gathering, &p, x, seed);
        free(x);
        cases++;
      }
  ck_assert_int_eq(cases, 192);
  /* windows as large as their stride, no padding: the tiling kernel (rows of 4 or 8 outputs
     and an overlapping last tile; rows and columns past the last window zeroed) or, for
     rows of fewer than 4 outputs, the scatter kernel. h x w, window kh x kw (= stride). */
  const size_t tiles[][4] = {{8, 8, 2, 2},   {9, 9, 3, 3},   {12, 12, 4, 2},
                             {17, 19, 2, 2}, {13, 29, 3, 3}, {6, 40, 2, 5}};
  for (size_t t = 0; t < sizeof tiles / sizeof *tiles; t++)
    for (int variant = 0; variant < 4; variant++) {
      ref_pool p = {3,           2,           tiles[t][0], tiles[t][1], tiles[t][2],
                    tiles[t][3], tiles[t][2], tiles[t][3], 0,           0,
                    0,           0,           variant % 2, 0,           1};
      size_t count = p.n * p.c * p.h * p.w;
      float *x = malloc(count * sizeof *x);
      for (size_t i = 0; i < count; i++) x[i] = (float)((i * 7919u) % 3); /* ties */
      if (variant >= 2) /* NaN: alone in a window, twice in one, and as a window's first */
        x[5] = NAN, x[p.w + 4] = NAN, x[2 * p.w] = NAN, x[3 * p.w + 1] = NAN;
      pool_backward_case(ctx, gathering, &p, x, seed + (unsigned)t);
      free(x);
    }
  clcnn_context_destroy(gathering);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(backward_rejects_bad_inputs) {
  clcnn_context *ctx = support_context();
  clcnn_tensor *x, *w, *dy, *dx, *dw, *db5, *dy_wrong;
  expect_ok(clcnn_tensor_create(ctx, 2, 4, 6, 6, &x), ctx);
  expect_ok(clcnn_tensor_create(ctx, 6, 4, 3, 3, &w), ctx);
  expect_ok(clcnn_tensor_create(ctx, 2, 6, 4, 4, &dy), ctx);
  expect_ok(clcnn_tensor_create(ctx, 2, 4, 6, 6, &dx), ctx);
  expect_ok(clcnn_tensor_create(ctx, 6, 4, 3, 3, &dw), ctx);
  expect_ok(clcnn_tensor_create(ctx, 1, 5, 1, 1, &db5), ctx);
  expect_ok(clcnn_tensor_create(ctx, 2, 6, 4, 5, &dy_wrong), ctx);
  const clcnn_conv2d_desc d = {1, 1, 0, 0, 0, 0, 1, 1, 1, 0};
  expect_error(clcnn_conv2d_backward_data(ctx, &d, dy_wrong, w, dx), CLCNN_INVALID_ARGUMENT, ctx,
               "dy is 2x6x4x5, expected 2x6x4x4");
  expect_error(clcnn_conv2d_backward_weights(ctx, &d, x, dy_wrong, dw, NULL),
               CLCNN_INVALID_ARGUMENT, ctx, "dy is 2x6x4x5");
  expect_error(clcnn_conv2d_backward_weights(ctx, &d, x, dy, dw, db5), CLCNN_INVALID_ARGUMENT, ctx,
               "dbias has 5 elements, expected K = 6");
  expect_error(clcnn_conv2d_backward_weights(ctx, &d, x, dy, x, NULL), CLCNN_INVALID_ARGUMENT, ctx,
               "dy is 2x6x4x4, expected 2x2x1x1");
  expect_error(clcnn_conv2d_backward_data(ctx, &d, dy, w, NULL), CLCNN_INVALID_ARGUMENT, ctx,
               "dx is NULL");
  expect_error(clcnn_conv2d_backward_data(ctx, NULL, dy, w, dx), CLCNN_INVALID_ARGUMENT, ctx,
               "d is NULL");
  clcnn_conv2d_desc bad = d;
  bad.stride_w = 0;
  expect_error(clcnn_conv2d_backward_data(ctx, &bad, dy, w, dx), CLCNN_INVALID_ARGUMENT, ctx,
               "stride 1x0");
  clcnn_tensor *alias; /* dy inside dx's buffer */
  expect_ok(clcnn_tensor_wrap(ctx, clcnn_tensor_buffer(dx), 10, 2, 6, 4, 4, &alias), ctx);
  expect_error(clcnn_conv2d_backward_data(ctx, &d, alias, w, dx), CLCNN_INVALID_ARGUMENT, ctx,
               "dx overlaps dy");
  clcnn_tensor_destroy(alias);
  clcnn_pool2d_desc pd = {CLCNN_POOL_MAX, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1};
  clcnn_tensor *py, *pdy;
  expect_ok(clcnn_tensor_create(ctx, 2, 4, 3, 3, &py), ctx);
  expect_ok(clcnn_tensor_create(ctx, 2, 4, 3, 3, &pdy), ctx);
  expect_error(clcnn_pool2d_backward(ctx, &pd, x, py, pdy, dy), CLCNN_INVALID_ARGUMENT, ctx,
               "dx is 2x6x4x4, expected 2x4x6x6");
  expect_error(clcnn_pool2d_backward(ctx, &pd, x, py, dy, dx), CLCNN_INVALID_ARGUMENT, ctx,
               "dy is 2x6x4x4, expected 2x4x3x3");
  expect_error(clcnn_pool2d_backward(ctx, &pd, x, py, pdy, x), CLCNN_INVALID_ARGUMENT, ctx,
               "dx overlaps x");
  clcnn_tensor *all[] = {x, w, dy, dx, dw, db5, dy_wrong, py, pdy};
  for (int i = 0; i < 9; i++) clcnn_tensor_destroy(all[i]);
  clcnn_context_destroy(ctx);
}
END_TEST

static Suite *backward_suite(void) {
  Suite *s = suite_create("backward");
  TCase *tc = support_tcase("conv");
  tcase_add_loop_test(tc, conv_backward_sweep, 0, (int)ref_conv_sweep_count);
  tcase_add_test(tc, conv_gradients_match_finite_differences);
  tcase_add_test(tc, chunked_backward_matches_reference);
  tcase_add_test(tc, column_vector_weight_gradients_match_reference);
  tcase_add_test(tc, winograd_weight_gradients_match_reference);
  suite_add_tcase(s, tc);
  tc = support_tcase("pool");
  tcase_add_test(tc, pool_backward_sweep);
  suite_add_tcase(s, tc);
  tc = support_tcase("validation");
  tcase_add_test(tc, backward_rejects_bad_inputs);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return support_run(backward_suite());
}

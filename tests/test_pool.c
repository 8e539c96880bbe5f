/* Pooling forward: the tutorial's numbers, a sweep against the reference (floor and ceil
   mode, padding, stride, both divisors), NaN propagation and every bad-input rule (of the
   indexed passes too; their results are checked with the backward sweep). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_buffer.h"
#include "reference.h"
#include "support.h"

/* Pools x on the device and compares with the reference (exactly for max, 1 ulp-ish for avg). */
static void check_pool(clcnn_context *ctx, const ref_pool *p, const float *x) {
  size_t P = ref_pool_out(p->h, p->kh, p->sh, p->pt, p->pb, p->ceil_mode);
  size_t Q = ref_pool_out(p->w, p->kw, p->sw, p->pl, p->pr, p->ceil_mode);
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ys[4] = {p->n, p->c, P, Q}, shape[4];
  clcnn_pool2d_desc d = ref_pool_desc(p);
  expect_ok(clcnn_pool2d_output_shape(&d, xs, shape), NULL);
  ck_assert_msg(shape[2] == P && shape[3] == Q, "shape %zux%zu, reference %zux%zu", shape[2],
                shape[3], P, Q);
  size_t y_count = p->n * p->c * P * Q;
  float *expected = malloc(y_count * sizeof(float)), *got = malloc(y_count * sizeof(float));
  ref_pool2d(p, x, expected);
  guarded_tensor tx = guarded_create(ctx, xs, x), ty = guarded_create(ctx, ys, NULL);
  expect_ok(clcnn_pool2d_forward(ctx, &d, tx.t, ty.t), ctx);
  guarded_read(ctx, &ty, got, "pool y");
  for (size_t i = 0; i < y_count; i++) {
    int same = (isnan(got[i]) && isnan(expected[i])) || got[i] == expected[i] ||
               fabsf(got[i] - expected[i]) <= (p->max ? 0.0f : 1e-6f * (1.0f + fabsf(expected[i])));
    ck_assert_msg(same,
                  "n%zuc%zuh%zuw%zu k%zux%zu s%zux%zu p%zu%zu%zu%zu %s ceil %d incl %d: y[%zu] = "
                  "%.9g, reference %.9g",
                  p->n, p->c, p->h, p->w, p->kh, p->kw, p->sh, p->sw, p->pt, p->pb, p->pl, p->pr,
                  p->max ? "max" : "avg", p->ceil_mode, p->count_include_pad, i, got[i],
                  expected[i]);
  }
  guarded_destroy(&tx);
  guarded_destroy(&ty);
  free(expected);
  free(got);
}

START_TEST(tutorial_pooling) {
  clcnn_context *ctx = support_context();
  const float x[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  for (int max = 0; max <= 1; max++) {
    ref_pool p = {1, 1, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, max, 0, 1};
    check_pool(ctx, &p, x);
  }
  /* the reference's own numbers for this case were checked by hand in test_conv */
  float x16[32];
  for (int i = 0; i < 16; i++) x16[i] = (float)i, x16[16 + i] = (float)i + 1.0f;
  ref_pool cases[] = {
      {1, 1, 4, 4, 3, 3, 3, 3, 0, 0, 0, 0, 1, 0, 1}, /* default stride = window: [[10]] */
      {1, 1, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 1}, /* padding 1, stride 2: [[5,7],[13,15]] */
      {1, 1, 4, 4, 2, 3, 2, 3, 0, 0, 1, 1, 1, 0, 1}, /* 2x3 window, padding (0,1), stride (2,3) */
      {1, 2, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 1}, /* two channels */
      {1, 2, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) check_pool(ctx, &cases[i], x16);
  /* and the values themselves, as the tutorial prints them */
  clcnn_tensor *tx, *ty;
  expect_ok(clcnn_tensor_create(ctx, 1, 1, 4, 4, &tx), ctx);
  expect_ok(clcnn_tensor_create(ctx, 1, 1, 2, 2, &ty), ctx);
  expect_ok(clcnn_tensor_write(tx, x16, 16), ctx);
  clcnn_pool2d_desc d = {CLCNN_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1};
  expect_ok(clcnn_pool2d_forward(ctx, &d, tx, ty), ctx);
  float y[4];
  expect_ok(clcnn_tensor_read(ty, y, 4), ctx);
  ck_assert(y[0] == 5 && y[1] == 7 && y[2] == 13 && y[3] == 15);
  clcnn_tensor_destroy(tx), clcnn_tensor_destroy(ty);
  clcnn_context_destroy(ctx);
}
END_TEST

/* One plane size per loop index (each a test of its own: a cold build of every window's
   programs takes minutes under the sanitizers); 30 windows x strides x 4 variants each, fewer
   where a window does not fit the padded plane. */
static const struct {
  size_t h, w;
  int cases; /* the windows that fit, times strides and variants */
} sweep_planes[] = {{7, 9, 120},   {8, 8, 120},  {5, 13, 120}, {1, 6, 88},
                    {12, 11, 120}, {6, 40, 120}, {3, 37, 112}};

START_TEST(sweep_matches_reference) {
  clcnn_context *ctx = support_context();
  const size_t windows[][2] = {{2, 2}, {3, 3}, {3, 2}, {1, 1}, {5, 4}, {9, 9}};
  const size_t strides[][2] = {{1, 1}, {2, 2}, {3, 1}, {2, 3}, {4, 4}};
  unsigned seed = 77 + (unsigned)_i;
  int cases = 0;
  for (size_t wi = 0; wi < 6; wi++)
    for (size_t si = 0; si < 5; si++)
      for (int variant = 0; variant < 4; variant++) {
        ref_pool p = {2,
                      3,
                      sweep_planes[_i].h,
                      sweep_planes[_i].w,
                      windows[wi][0],
                      windows[wi][1],
                      strides[si][0],
                      strides[si][1],
                      0,
                      0,
                      0,
                      0,
                      variant % 2,
                      variant / 2,
                      variant == 2};
        /* padding: symmetric max, asymmetric on odd cases, all within half the window */
        p.pt = p.kh / 2, p.pl = p.kw / 2;
        p.pb = (si % 2) ? 0 : p.kh / 2, p.pr = (wi % 2) ? p.kw / 2 : 0;
        if (p.h + p.pt + p.pb < p.kh || p.w + p.pl + p.pr < p.kw) continue;
        size_t count = p.n * p.c * p.h * p.w;
        float *x = malloc(count * sizeof *x);
        for (size_t i = 0; i < count; i++)
          x[i] = (float)(support_random(&seed) % 2001) / 100.0f - 10.0f;
        check_pool(ctx, &p, x);
        free(x);
        cases++;
      }
  ck_assert_int_eq(cases, sweep_planes[_i].cases);
  clcnn_context_destroy(ctx);
}
END_TEST

/* Windows covering whole planes (the global-pooling kernel): plane sizes below, at and past
   its vector width with a tail, max and average; NaN in a vector lane and in the tail of
   some planes, -inf in others. */
START_TEST(global_pooling_matches_reference) {
  clcnn_context *ctx = support_context();
  const size_t dims[][2] = {{1, 1}, {2, 4}, {3, 5}, {7, 7}, {13, 13}};
  unsigned seed = 5;
  for (size_t di = 0; di < 5; di++)
    for (int variant = 0; variant < 4; variant++) {
      size_t h = dims[di][0], w = dims[di][1];
      ref_pool p = {2, 5, h, w, h, w, 1, 1, 0, 0, 0, 0, variant % 2, 0, variant / 2};
      size_t plane = h * w, count = p.n * p.c * plane;
      float *x = malloc(count * sizeof *x);
      for (size_t i = 0; i < count; i++)
        x[i] = (float)(support_random(&seed) % 2001) / 100.0f - 10.0f;
      x[plane + plane / 2] = NAN; /* plane 1: inside the vector part when it is long enough */
      x[3 * plane - 1] = NAN;     /* plane 2: the last element (the tail) */
      x[4 * plane] = -INFINITY;   /* plane 4: the first */
      check_pool(ctx, &p, x);
      free(x);
    }
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(max_propagates_nan_and_ignores_padding) {
  clcnn_context *ctx = support_context();
  float x[16];
  for (int i = 0; i < 16; i++) x[i] = -100.0f - (float)i; /* all negative: padding zeros lose */
  x[0] = NAN;                                             /* only the first window holds it */
  ref_pool p = {1, 1, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 1};
  check_pool(ctx, &p, x);
  float y[4];
  ref_pool2d(&p, x, y);
  ck_assert(isnan(y[0]));
  ck_assert_float_eq(y[1], -101.0f); /* rows -1..1, cols 1..3: padding zeros never win */
  ck_assert_float_eq(y[3], -105.0f); /* rows 1..3, cols 1..3 */
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(bad_inputs_are_rejected_with_numbers) {
  clcnn_context *ctx = support_context();
  clcnn_tensor *x, *y, *y_wrong;
  expect_ok(clcnn_tensor_create(ctx, 1, 2, 6, 6, &x), ctx);
  expect_ok(clcnn_tensor_create(ctx, 1, 2, 3, 3, &y), ctx);
  expect_ok(clcnn_tensor_create(ctx, 1, 2, 3, 4, &y_wrong), ctx);
  expect_ok(clcnn_tensor_fill(y, -7.0f), ctx);
  const clcnn_pool2d_desc good = {CLCNN_POOL_MAX, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1};
  clcnn_pool2d_desc d = good;
  d.kernel_h = 0;
  expect_error(clcnn_pool2d_forward(ctx, &d, x, y), CLCNN_INVALID_ARGUMENT, ctx, "window 0x2");
  d = good, d.stride_w = 0;
  expect_error(clcnn_pool2d_forward(ctx, &d, x, y), CLCNN_INVALID_ARGUMENT, ctx, "stride 2x0");
  d = good, d.pad_left = 2;
  expect_error(clcnn_pool2d_forward(ctx, &d, x, y), CLCNN_INVALID_ARGUMENT, ctx,
               "pad_left 2 is more than half the window (kernel_w 2 allows at most 1)");
  d = good, d.mode = 7;
  expect_error(clcnn_pool2d_forward(ctx, &d, x, y), CLCNN_INVALID_ARGUMENT, ctx, "unknown mode 7");
  d = good, d.kernel_h = d.kernel_w = 8;
  expect_error(clcnn_pool2d_forward(ctx, &d, x, y), CLCNN_INVALID_ARGUMENT, ctx,
               "padded input 6x6 is smaller than the window 8x8");
  expect_error(clcnn_pool2d_forward(ctx, &good, x, y_wrong), CLCNN_INVALID_ARGUMENT, ctx,
               "y is 1x2x3x4, expected 1x2x3x3");
  expect_error(clcnn_pool2d_forward(ctx, &good, x, x), CLCNN_INVALID_ARGUMENT, ctx,
               "y is 1x2x6x6, expected 1x2x3x3");
  expect_error(clcnn_pool2d_forward(ctx, NULL, x, y), CLCNN_INVALID_ARGUMENT, ctx, "d is NULL");
  expect_error(clcnn_pool2d_forward(ctx, &good, NULL, y), CLCNN_INVALID_ARGUMENT, ctx, "x is NULL");
  clcnn_tensor *alias;
  expect_ok(clcnn_tensor_wrap(ctx, clcnn_tensor_buffer(x), 4, 1, 2, 3, 3, &alias), ctx);
  expect_error(clcnn_pool2d_forward(ctx, &good, x, alias), CLCNN_INVALID_ARGUMENT, ctx,
               "y overlaps x");
  clcnn_tensor_destroy(alias);
  float out[18];
  expect_ok(clcnn_tensor_read(y, out, 18), ctx);
  for (int i = 0; i < 18; i++) ck_assert_float_eq(out[i], -7.0f);
  size_t ys[4];
  expect_error(clcnn_pool2d_output_shape(&good, (size_t[]){1, 0, 4, 4}, ys), CLCNN_INVALID_ARGUMENT,
               NULL, "zero dimension");
  clcnn_tensor_destroy(x), clcnn_tensor_destroy(y), clcnn_tensor_destroy(y_wrong);
  clcnn_context_destroy(ctx);
}
END_TEST

/* The indexed passes: average pooling, planes past float's exact integers, wrong shapes and
   overlapping outputs are refused with the numbers, and nothing is written. */
START_TEST(indexed_passes_reject_bad_inputs) {
  clcnn_context *ctx = support_context();
  clcnn_tensor *x, *y, *pos, *dx, *y_wrong;
  expect_ok(clcnn_tensor_create(ctx, 1, 2, 6, 6, &x), ctx);
  expect_ok(clcnn_tensor_create(ctx, 1, 2, 3, 3, &y), ctx);
  expect_ok(clcnn_tensor_create(ctx, 1, 2, 3, 3, &pos), ctx);
  expect_ok(clcnn_tensor_create(ctx, 1, 2, 6, 6, &dx), ctx);
  expect_ok(clcnn_tensor_create(ctx, 1, 2, 3, 4, &y_wrong), ctx);
  expect_ok(clcnn_tensor_fill(y, -7.0f), ctx);
  expect_ok(clcnn_tensor_fill(pos, -7.0f), ctx);
  expect_ok(clcnn_tensor_fill(dx, -7.0f), ctx);
  const clcnn_pool2d_desc good = {CLCNN_POOL_MAX, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1};
  clcnn_pool2d_desc avg = good;
  avg.mode = CLCNN_POOL_AVG;
  expect_error(clcnn_pool2d_forward_indices(ctx, &avg, x, y, pos), CLCNN_INVALID_ARGUMENT, ctx,
               "positions of maxima belong to max pooling");
  expect_error(clcnn_pool2d_backward_indices(ctx, &avg, pos, y, dx), CLCNN_INVALID_ARGUMENT, ctx,
               "positions of maxima belong to max pooling");
  expect_error(clcnn_pool2d_forward_indices(ctx, &good, x, y, y_wrong), CLCNN_INVALID_ARGUMENT, ctx,
               "indices is 1x2x3x4, expected 1x2x3x3");
  expect_error(clcnn_pool2d_forward_indices(ctx, &good, x, y, y), CLCNN_INVALID_ARGUMENT, ctx,
               "indices overlaps y");
  expect_error(clcnn_pool2d_forward_indices(ctx, &good, x, y, NULL), CLCNN_INVALID_ARGUMENT, ctx,
               "indices is NULL");
  expect_error(clcnn_pool2d_backward_indices(ctx, &good, pos, y_wrong, dx), CLCNN_INVALID_ARGUMENT,
               ctx, "dy is 1x2x3x4, expected 1x2x3x3");
  expect_error(clcnn_pool2d_backward_indices(ctx, &good, pos, y, NULL), CLCNN_INVALID_ARGUMENT, ctx,
               "dx is NULL");
  clcnn_tensor *alias;
  expect_ok(clcnn_tensor_wrap(ctx, clcnn_tensor_buffer(dx), 0, 1, 2, 3, 3, &alias), ctx);
  expect_error(clcnn_pool2d_backward_indices(ctx, &good, alias, y, dx), CLCNN_INVALID_ARGUMENT, ctx,
               "dx overlaps indices");
  clcnn_tensor_destroy(alias);
  float out[72];
  expect_ok(clcnn_tensor_read(y, out, 18), ctx);
  for (int i = 0; i < 18; i++) ck_assert_float_eq(out[i], -7.0f);
  expect_ok(clcnn_tensor_read(pos, out, 18), ctx);
  for (int i = 0; i < 18; i++) ck_assert_float_eq(out[i], -7.0f);
  expect_ok(clcnn_tensor_read(dx, out, 72), ctx);
  for (int i = 0; i < 72; i++) ck_assert_float_eq(out[i], -7.0f);
  /* positions that name nothing in their windows (NaN, infinities, negative, past the plane,
     a real element outside the window, a fraction) send nothing anywhere: dx is all zero */
  const float junk[18] = {NAN, INFINITY, -INFINITY, -1.0f, -7.0f, 1e30f, 36.0f, 35.0f, 0.5f,
                          NAN, 1e9f,     -1e9f,     2.0f,  26.0f, 7.5f,  3e38f, -0.0f, 14.0f};
  expect_ok(clcnn_tensor_write(pos, junk, 18), ctx);
  expect_ok(clcnn_tensor_fill(y, 1.0f), ctx); /* as dy */
  expect_ok(clcnn_pool2d_backward_indices(ctx, &good, pos, y, dx), ctx);
  expect_ok(clcnn_tensor_read(dx, out, 72), ctx);
  for (int i = 0; i < 72; i++)
    ck_assert_msg(out[i] == 0.0f, "dx[%d] = %g from junk positions", i, out[i]);
  /* 4097 x 4097 positions reach past 2^24: refused before any tensor is looked at */
  clcnn_pool2d_plan *plan;
  expect_ok(clcnn_pool2d_plan_create(ctx, &good, (size_t[]){1, 1, 4097, 4097}, &plan), ctx);
  expect_error(clcnn_pool2d_plan_forward_indices(plan, x, y, pos), CLCNN_INVALID_ARGUMENT, ctx,
               "an input plane of 4097x4097 = 16785409 elements has positions beyond the 16777216");
  expect_error(clcnn_pool2d_plan_backward_indices(plan, pos, y, dx), CLCNN_INVALID_ARGUMENT, ctx,
               "16785409 elements");
  clcnn_pool2d_plan_destroy(plan);
  expect_error(clcnn_pool2d_plan_forward_indices(NULL, x, y, pos), CLCNN_INVALID_ARGUMENT, NULL,
               "plan is NULL");
  clcnn_tensor *all[] = {x, y, pos, dx, y_wrong};
  for (int i = 0; i < 5; i++) clcnn_tensor_destroy(all[i]);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(ceil_mode_shapes_follow_pytorch) {
  size_t y[4];
  /* 5 wide, window 2, stride 2: floor 2, ceil 3 (last window starts inside) */
  clcnn_pool2d_desc d = {CLCNN_POOL_MAX, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1};
  expect_ok(clcnn_pool2d_output_shape(&d, (size_t[]){1, 1, 5, 5}, y), NULL);
  ck_assert_uint_eq(y[3], 3);
  d.ceil_mode = 0;
  expect_ok(clcnn_pool2d_output_shape(&d, (size_t[]){1, 1, 5, 5}, y), NULL);
  ck_assert_uint_eq(y[3], 2);
  /* 6 wide, window 3, stride 2, padding 1: ceil gives 4, the last window starts at 5 */
  clcnn_pool2d_desc e = {CLCNN_POOL_AVG, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1};
  expect_ok(clcnn_pool2d_output_shape(&e, (size_t[]){1, 1, 6, 6}, y), NULL);
  ck_assert_uint_eq(y[3], 4);
  /* 3 wide: ceil((3+2-3)/2)+1 = 3 would start the last window in the right padding: 2 */
  expect_ok(clcnn_pool2d_output_shape(&e, (size_t[]){1, 1, 3, 3}, y), NULL);
  ck_assert_uint_eq(y[3], 2);
}
END_TEST

/* Overlapping 3x3 s2 p1 windows on 6x6 planes, each recorded position an element just past
   its window that a neighbouring window covers (right of it; below it in the last column;
   left of it in the corner): nothing anywhere, with either backward kernel (the bands one,
   and the gathering one that $CLCNN_STREAM_BYTES=0 selects at any size). */
START_TEST(positions_past_their_windows_send_nothing) {
  for (int gathering = 0; gathering < 2; gathering++) {
    if (gathering) setenv("CLCNN_STREAM_BYTES", "0", 1);
    clcnn_context *ctx = support_context();
    unsetenv("CLCNN_STREAM_BYTES");
    const clcnn_pool2d_desc overlap = {CLCNN_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1};
    float past[18], out[72];
    for (int plane = 0; plane < 2; plane++)
      for (int p = 0; p < 3; p++)
        for (int q = 0; q < 3; q++)
          past[plane * 9 + p * 3 + q] = (float)(q < 2   ? 2 * p * 6 + 2 * q + 2
                                                : p < 2 ? (2 * p + 2) * 6 + 2 * q
                                                        : 4 * 6 + 2);
    clcnn_tensor *pos, *dy, *dx;
    expect_ok(clcnn_tensor_create(ctx, 1, 2, 3, 3, &pos), ctx);
    expect_ok(clcnn_tensor_create(ctx, 1, 2, 3, 3, &dy), ctx);
    expect_ok(clcnn_tensor_create(ctx, 1, 2, 6, 6, &dx), ctx);
    expect_ok(clcnn_tensor_write(pos, past, 18), ctx);
    expect_ok(clcnn_tensor_fill(dy, 1.0f), ctx);
    expect_ok(clcnn_tensor_fill(dx, -7.0f), ctx);
    expect_ok(clcnn_pool2d_backward_indices(ctx, &overlap, pos, dy, dx), ctx);
    expect_ok(clcnn_tensor_read(dx, out, 72), ctx);
    for (int i = 0; i < 72; i++)
      ck_assert_msg(out[i] == 0.0f, "gathering %d: dx[%d] = %g from positions past their windows",
                    gathering, i, out[i]);
    clcnn_tensor_destroy(pos), clcnn_tensor_destroy(dy), clcnn_tensor_destroy(dx);
    clcnn_context_destroy(ctx);
  }
}
END_TEST

/* A gradient of 16 MiB and more (1x64x256x256), which the indexed backward stores past the
   caches where it can: dx from the positions the indexed forward recorded against the
   reference, in tensors of their own (aligned rows: streamed). */
START_TEST(large_indexed_gradient_stored_past_the_caches) {
  clcnn_context *ctx = support_context();
  const ref_pool p = {1, 64, 256, 256, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 0};
  size_t P = ref_pool_out(p.h, p.kh, p.sh, p.pt, p.pb, 0),
         Q = ref_pool_out(p.w, p.kw, p.sw, p.pl, p.pr, 0);
  size_t xn = p.n * p.c * p.h * p.w, yn = p.n * p.c * P * Q;
  ck_assert_uint_ge(xn * sizeof(float), (size_t)16 << 20);
  unsigned seed = 41;
  float *x = support_values(xn, &seed, 1), *dy = support_values(yn, &seed, 0);
  float *want = malloc(xn * sizeof(float)), *got = malloc(xn * sizeof(float));
  ref_pool2d_backward(&p, x, dy, want);
  clcnn_tensor *tx, *ty, *tpos, *tdy, *tdx;
  expect_ok(clcnn_tensor_create(ctx, p.n, p.c, p.h, p.w, &tx), ctx);
  expect_ok(clcnn_tensor_create(ctx, p.n, p.c, P, Q, &ty), ctx);
  expect_ok(clcnn_tensor_create(ctx, p.n, p.c, P, Q, &tpos), ctx);
  expect_ok(clcnn_tensor_create(ctx, p.n, p.c, P, Q, &tdy), ctx);
  expect_ok(clcnn_tensor_create(ctx, p.n, p.c, p.h, p.w, &tdx), ctx);
  expect_ok(clcnn_tensor_write(tx, x, xn), ctx);
  expect_ok(clcnn_tensor_write(tdy, dy, yn), ctx);
  clcnn_pool2d_desc d = ref_pool_desc(&p);
  expect_ok(clcnn_pool2d_forward_indices(ctx, &d, tx, ty, tpos), ctx);
  expect_ok(clcnn_pool2d_backward_indices(ctx, &d, tpos, tdy, tdx), ctx);
  expect_ok(clcnn_tensor_read(tdx, got, xn), ctx);
  support_expect_close(got, want, xn, 1e-6, "indexed dx", "1x64x256x256 3x3 s2 p1");
  clcnn_tensor *all[] = {tx, ty, tpos, tdy, tdx};
  for (int i = 0; i < 5; i++) clcnn_tensor_destroy(all[i]);
  free(x), free(dy), free(want), free(got);
  clcnn_context_destroy(ctx);
}
END_TEST

static Suite *pool_suite(void) {
  Suite *s = suite_create("pool2d");
  TCase *tc = support_tcase("pool");
  tcase_add_test(tc, tutorial_pooling);
  tcase_add_loop_test(tc, sweep_matches_reference, 0,
                      (int)(sizeof sweep_planes / sizeof *sweep_planes));
  tcase_add_test(tc, global_pooling_matches_reference);
  tcase_add_test(tc, max_propagates_nan_and_ignores_padding);
  tcase_add_test(tc, bad_inputs_are_rejected_with_numbers);
  tcase_add_test(tc, ceil_mode_shapes_follow_pytorch);
  tcase_add_test(tc, indexed_passes_reject_bad_inputs);
  tcase_add_test(tc, positions_past_their_windows_send_nothing);
  suite_add_tcase(s, tc);
  tc = support_tcase("large");
  tcase_add_test(tc, large_indexed_gradient_stored_past_the_caches);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return support_run(pool_suite());
}

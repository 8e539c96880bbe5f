/* Plans: lifecycle and bad calls, results bit-identical to the one-shot calls for every
   algorithm and pass, constant weights packed once, descriptions that parse back into the
   same problem, the bound of the plan cache behind the one-shot calls, plans that outlive
   the eviction of their programs, and a bounded number of programs under shape churn. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "support.h"

/* Field by field: the structs' padding bytes hold whatever the stack held. */
static int same_conv_desc(const clcnn_conv2d_desc *a, const clcnn_conv2d_desc *b) {
  return a->stride_h == b->stride_h && a->stride_w == b->stride_w && a->pad_top == b->pad_top &&
         a->pad_bottom == b->pad_bottom && a->pad_left == b->pad_left &&
         a->pad_right == b->pad_right && a->dilation_h == b->dilation_h &&
         a->dilation_w == b->dilation_w && a->groups == b->groups && a->algo == b->algo;
}

static int same_pool_desc(const clcnn_pool2d_desc *a, const clcnn_pool2d_desc *b) {
  return a->mode == b->mode && a->kernel_h == b->kernel_h && a->kernel_w == b->kernel_w &&
         a->stride_h == b->stride_h && a->stride_w == b->stride_w && a->pad_top == b->pad_top &&
         a->pad_bottom == b->pad_bottom && a->pad_left == b->pad_left &&
         a->pad_right == b->pad_right && a->ceil_mode == b->ceil_mode &&
         a->count_include_pad == b->count_include_pad;
}

static size_t count_of(const size_t s[4]) {
  return s[0] * s[1] * s[2] * s[3];
}

static clcnn_tensor *tensor_with(clcnn_context *ctx, const size_t s[4], const float *data) {
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_create(ctx, s[0], s[1], s[2], s[3], &t), ctx);
  if (data)
    expect_ok(clcnn_tensor_write(t, data, count_of(s)), ctx);
  else
    expect_ok(clcnn_tensor_fill(t, NAN), ctx);
  return t;
}

static float *read_all(clcnn_context *ctx, const clcnn_tensor *t) {
  size_t s[4];
  clcnn_tensor_shape(t, s);
  float *v = malloc(count_of(s) * sizeof *v);
  expect_ok(clcnn_tensor_read(t, v, count_of(s)), ctx);
  return v;
}

/* Fails unless a and b hold the same bits (NaN included). */
static void expect_same(clcnn_context *ctx, const clcnn_tensor *a, const clcnn_tensor *b,
                        const char *what) {
  size_t s[4];
  clcnn_tensor_shape(a, s);
  float *va = read_all(ctx, a), *vb = read_all(ctx, b);
  for (size_t i = 0; i < count_of(s); i++)
    ck_assert_msg(memcmp(&va[i], &vb[i], sizeof(float)) == 0, "%s: [%zu] %.9g vs %.9g", what, i,
                  va[i], vb[i]);
  free(va), free(vb);
}

START_TEST(plan_lifecycle_and_bad_calls) {
  clcnn_context *ctx = support_context(), *other = support_context();
  const clcnn_conv2d_desc d = {1, 1, 1, 1, 1, 1, 1, 1, 1, CLCNN_CONV_AUTO};
  size_t xs[4] = {2, 3, 8, 9}, ws[4] = {5, 3, 3, 3}, ys[4] = {2, 5, 8, 9};
  clcnn_conv2d_plan *plan = (clcnn_conv2d_plan *)&plan;
  clcnn_conv2d_desc bad = d;
  bad.stride_h = 0;
  expect_error(clcnn_conv2d_plan_create(ctx, &bad, xs, ws, 0, &plan), CLCNN_INVALID_ARGUMENT, ctx,
               "clcnn_conv2d_plan_create: stride 0x1 must be >= 1");
  ck_assert_ptr_null(plan);
  expect_error(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 8, &plan), CLCNN_INVALID_ARGUMENT, ctx,
               "unknown plan flags 0x8");
  expect_error(clcnn_conv2d_plan_create(NULL, &d, xs, ws, 0, &plan), CLCNN_INVALID_ARGUMENT, NULL,
               "ctx is NULL");
  expect_error(clcnn_conv2d_plan_create(ctx, NULL, xs, ws, 0, &plan), CLCNN_INVALID_ARGUMENT, ctx,
               "descriptor d is NULL");
  expect_error(clcnn_conv2d_plan_create(ctx, &d, NULL, ws, 0, &plan), CLCNN_INVALID_ARGUMENT, ctx,
               "x shape is NULL");
  expect_error(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, NULL), CLCNN_INVALID_ARGUMENT, ctx,
               "out is NULL");
  size_t ws_bad[4] = {5, 2, 3, 3};
  expect_error(clcnn_conv2d_plan_create(ctx, &d, xs, ws_bad, 0, &plan), CLCNN_INVALID_ARGUMENT, ctx,
               "w has 2 input channels, expected C/groups = 3/1 = 3");
  clcnn_conv2d_desc one = d;
  one.algo = CLCNN_CONV_GEMM_1X1;
  expect_error(clcnn_conv2d_plan_create(ctx, &one, xs, ws, 0, &plan), CLCNN_UNSUPPORTED, ctx,
               "CLCNN_CONV_GEMM_1X1 needs a 1x1 filter");
  clcnn_conv2d_desc wino = d;
  wino.algo = CLCNN_CONV_WINOGRAD, wino.stride_w = 2;
  expect_error(clcnn_conv2d_plan_create(ctx, &wino, xs, ws, 0, &plan), CLCNN_UNSUPPORTED, ctx,
               "stride 1x2");
  ck_assert_ptr_null(plan);

  expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &plan), ctx);
  ck_assert_int_ne(clcnn_conv2d_plan_algo(plan), CLCNN_CONV_AUTO);
  unsigned seed = 3;
  float *xv = support_values(count_of(xs), &seed, 1), *wv = support_values(count_of(ws), &seed, 1);
  clcnn_tensor *x = tensor_with(ctx, xs, xv), *w = tensor_with(ctx, ws, wv);
  clcnn_tensor *y = tensor_with(ctx, ys, NULL), *y2 = tensor_with(ctx, ys, NULL);
  size_t xs_wrong[4] = {2, 3, 8, 8};
  clcnn_tensor *x_wrong = tensor_with(ctx, xs_wrong, NULL), *x_other = tensor_with(other, xs, xv);
  expect_error(clcnn_conv2d_plan_forward(plan, x_wrong, w, NULL, y), CLCNN_INVALID_ARGUMENT, ctx,
               "clcnn_conv2d_plan_forward: x is 2x3x8x8, expected 2x3x8x9");
  expect_error(clcnn_conv2d_plan_forward(plan, x, w, NULL, x), CLCNN_INVALID_ARGUMENT, ctx,
               "y is 2x3x8x9, expected 2x5x8x9");
  expect_error(clcnn_conv2d_plan_forward(plan, x_other, w, NULL, y), CLCNN_INVALID_ARGUMENT, ctx,
               "x belongs to another context");
  expect_error(clcnn_conv2d_plan_forward(plan, x, w, x_wrong, y), CLCNN_INVALID_ARGUMENT, ctx,
               "bias has 384 elements, expected K = 5");
  expect_error(clcnn_conv2d_plan_backward_data(plan, x, w, y), CLCNN_INVALID_ARGUMENT, ctx,
               "clcnn_conv2d_plan_backward_data: dy is 2x3x8x9, expected 2x5x8x9");
  expect_error(clcnn_conv2d_plan_backward_weights(plan, x, y, x, NULL), CLCNN_INVALID_ARGUMENT, ctx,
               "dw is 2x3x8x9, expected 5x3x3x3");
  expect_error(clcnn_conv2d_plan_forward(NULL, x, w, NULL, y), CLCNN_INVALID_ARGUMENT, NULL,
               "clcnn_conv2d_plan_forward: plan is NULL");
  expect_error(clcnn_conv2d_plan_backward_data(NULL, y, w, x), CLCNN_INVALID_ARGUMENT, NULL,
               "plan is NULL");
  expect_error(clcnn_conv2d_plan_backward_weights(NULL, x, y, w, NULL), CLCNN_INVALID_ARGUMENT,
               NULL, "plan is NULL");
  /* the failures left the plan usable, and it computes what the one-shot call computes */
  expect_ok(clcnn_conv2d_plan_forward(plan, x, w, NULL, y), ctx);
  expect_ok(clcnn_conv2d_forward(ctx, &d, x, w, NULL, y2), ctx);
  expect_same(ctx, y, y2, "plan after failures");
  ck_assert_int_eq(clcnn_conv2d_plan_algo(NULL), -1);
  ck_assert_str_eq(clcnn_conv2d_plan_describe(NULL), "");
  clcnn_conv2d_plan_destroy(plan);
  clcnn_conv2d_plan_destroy(NULL);
  clcnn_pool2d_plan_destroy(NULL);
  clcnn_tensor *all[] = {x, w, y, y2, x_wrong, x_other};
  for (int i = 0; i < 6; i++) clcnn_tensor_destroy(all[i]);
  free(xv), free(wv);
  clcnn_context_destroy(other);
  clcnn_context_destroy(ctx);
}
END_TEST

/* Every sweep shape, every algorithm that accepts it: a plan (with and without constant
   weights) gives the bits of the one-shot call with the algorithm the plan runs, forward
   with bias; and both backward passes of a plan give the one-shot calls' bits. */
START_TEST(plans_match_one_shot_calls) {
  clcnn_context *ctx = support_context();
  const ref_conv *p = &ref_conv_sweep[_i];
  char name[160];
  ref_conv_name(p, name, sizeof name);
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ws[4] = {p->k, p->c / p->groups, p->r, p->s};
  size_t ys[4] = {p->n, p->k, ref_conv_out_h(p), ref_conv_out_w(p)}, bs[4] = {1, p->k, 1, 1};
  unsigned seed = 77u + (unsigned)_i;
  float *xv = support_values(count_of(xs), &seed, 0), *wv = support_values(count_of(ws), &seed, 0);
  float *bv = support_values(p->k, &seed, 0), *dyv = support_values(count_of(ys), &seed, 0);
  clcnn_tensor *x = tensor_with(ctx, xs, xv), *w = tensor_with(ctx, ws, wv);
  clcnn_tensor *b = tensor_with(ctx, bs, bv), *dy = tensor_with(ctx, ys, dyv);
  clcnn_tensor *y1 = tensor_with(ctx, ys, NULL), *y2 = tensor_with(ctx, ys, NULL);
  for (int algo = CLCNN_CONV_AUTO; algo <= CLCNN_CONV_WINOGRAD; algo++)
    for (unsigned flags = 0; flags <= CLCNN_PLAN_CONSTANT_WEIGHTS; flags++) {
      clcnn_conv2d_desc d = ref_conv_desc(p, algo);
      clcnn_conv2d_plan *plan;
      clcnn_status status = clcnn_conv2d_plan_create(ctx, &d, xs, ws, flags, &plan);
      /* the same algorithm: AUTO may choose differently for constant weights */
      clcnn_conv2d_desc same = d;
      if (status == CLCNN_OK) same.algo = clcnn_conv2d_plan_algo(plan);
      clcnn_status one_shot = clcnn_conv2d_forward(ctx, &same, x, w, b, y2);
      ck_assert_msg(status == one_shot, "%s algo %d: plan %s, one-shot %s", name, algo,
                    clcnn_status_string(status), clcnn_status_string(one_shot));
      if (status != CLCNN_OK) continue;
      for (int run = 0; run < 2; run++) { /* the second run reuses packed weights */
        expect_ok(clcnn_conv2d_plan_forward(plan, x, w, b, y1), ctx);
        expect_same(ctx, y1, y2, name);
      }
      clcnn_conv2d_plan_destroy(plan);
    }
  clcnn_conv2d_plan *plan;
  clcnn_conv2d_desc d = ref_conv_desc(p, CLCNN_CONV_AUTO);
  expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &plan), ctx);
  clcnn_tensor *dx1 = tensor_with(ctx, xs, NULL), *dx2 = tensor_with(ctx, xs, NULL);
  clcnn_tensor *dw1 = tensor_with(ctx, ws, NULL), *dw2 = tensor_with(ctx, ws, NULL);
  clcnn_tensor *db1 = tensor_with(ctx, bs, NULL), *db2 = tensor_with(ctx, bs, NULL);
  expect_ok(clcnn_conv2d_plan_backward_data(plan, dy, w, dx1), ctx);
  expect_ok(clcnn_conv2d_backward_data(ctx, &d, dy, w, dx2), ctx);
  expect_same(ctx, dx1, dx2, "backward data");
  expect_ok(clcnn_conv2d_plan_backward_weights(plan, x, dy, dw1, db1), ctx);
  expect_ok(clcnn_conv2d_backward_weights(ctx, &d, x, dy, dw2, db2), ctx);
  expect_same(ctx, dw1, dw2, "backward weights");
  expect_same(ctx, db1, db2, "bias gradient");
  clcnn_conv2d_plan_destroy(plan);
  clcnn_tensor *all[] = {x, w, b, dy, y1, y2, dx1, dx2, dw1, dw2, db1, db2};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) clcnn_tensor_destroy(all[i]);
  free(xv), free(wv), free(bv), free(dyv);
  clcnn_context_destroy(ctx);
}
END_TEST

/* With CLCNN_PLAN_CONSTANT_WEIGHTS the transformed weights are made at the first call and
   kept: later contents of w are not read again (the caller promised there would be none).
   Without the flag every call reads w afresh. */
START_TEST(constant_weights_are_transformed_once) {
  clcnn_context *ctx = support_context();
  const int algos[] = {CLCNN_CONV_DIRECT, CLCNN_CONV_WINOGRAD};
  size_t xs[4] = {2, 8, 9, 10}, ws[4] = {20, 8, 3, 3}, ys[4] = {2, 20, 9, 10};
  unsigned seed = 11;
  float *xv = support_values(count_of(xs), &seed, 1), *wv = support_values(count_of(ws), &seed, 1);
  float *wv2 = support_values(count_of(ws), &seed, 1);
  for (int a = 0; a < 2; a++) {
    clcnn_conv2d_desc d = {1, 1, 1, 1, 1, 1, 1, 1, 1, algos[a]};
    clcnn_tensor *x = tensor_with(ctx, xs, xv), *w = tensor_with(ctx, ws, wv);
    clcnn_tensor *y_const = tensor_with(ctx, ys, NULL), *y_fresh = tensor_with(ctx, ys, NULL);
    clcnn_tensor *y_old = tensor_with(ctx, ys, NULL), *y_new = tensor_with(ctx, ys, NULL);
    clcnn_conv2d_plan *kept, *fresh;
    expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, CLCNN_PLAN_CONSTANT_WEIGHTS, &kept), ctx);
    expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &fresh), ctx);
    ck_assert_ptr_nonnull(strstr(clcnn_conv2d_plan_describe(kept), "constant-weights"));
    expect_ok(clcnn_conv2d_forward(ctx, &d, x, w, NULL, y_old), ctx);
    expect_ok(clcnn_conv2d_plan_forward(kept, x, w, NULL, y_const), ctx);
    expect_same(ctx, y_const, y_old, "first call");
    expect_ok(clcnn_tensor_write(w, wv2, count_of(ws)), ctx);
    expect_ok(clcnn_conv2d_forward(ctx, &d, x, w, NULL, y_new), ctx);
    expect_ok(clcnn_conv2d_plan_forward(kept, x, w, NULL, y_const), ctx);
    expect_ok(clcnn_conv2d_plan_forward(fresh, x, w, NULL, y_fresh), ctx);
    expect_same(ctx, y_const, y_old, "constant plan after w changed");
    expect_same(ctx, y_fresh, y_new, "plan without the flag after w changed");
    float *old = read_all(ctx, y_old), *new_ = read_all(ctx, y_new);
    ck_assert_msg(memcmp(old, new_, count_of(ys) * sizeof(float)) != 0, "new weights changed y");
    free(old), free(new_);
    clcnn_conv2d_plan_destroy(kept);
    clcnn_conv2d_plan_destroy(fresh);
    clcnn_tensor *all[] = {x, w, y_const, y_fresh, y_old, y_new};
    for (int i = 0; i < 6; i++) clcnn_tensor_destroy(all[i]);
  }
  free(xv), free(wv), free(wv2);
  clcnn_context_destroy(ctx);
}
END_TEST

/* Winograd with filters that change per call transforms them inside its product (on a CPU:
   `filters=taps`), a slice of channels at a time, from the blocked taps; a constant-weights
   plan keeps them transformed. Both give the same bits, within Winograd's bound of the
   reference: 70 channels (a second, partial slice of 64), 72 filters (three blocks of 32, the
   third partial) and 36 tiles (two groups of 32, the second partial), with bias. The input
   gradient (72 -> 70 channels, the filters turned and transposed into their blocks) takes
   the same product. */
START_TEST(winograd_filters_transformed_in_the_product_match_kept_ones) {
  clcnn_context *ctx = support_context();
  const ref_conv p = {3, 70, 11, 13, 72, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  size_t xs[4] = {3, 70, 11, 13}, ws[4] = {72, 70, 3, 3}, ys[4] = {3, 72, 11, 13};
  size_t bs[4] = {1, 72, 1, 1};
  unsigned seed = 19;
  float *xv = support_values(count_of(xs), &seed, 0), *wv = support_values(count_of(ws), &seed, 0);
  float *bv = support_values(72, &seed, 0), *want = malloc(count_of(ys) * sizeof *want);
  float *dyv = support_values(count_of(ys), &seed, 0),
        *dx_want = malloc(count_of(xs) * sizeof *dx_want);
  ref_conv2d(&p, xv, wv, bv, want);
  ref_conv2d_backward_data(&p, dyv, wv, dx_want);
  clcnn_conv2d_desc d = ref_conv_desc(&p, CLCNN_CONV_WINOGRAD);
  clcnn_tensor *x = tensor_with(ctx, xs, xv), *w = tensor_with(ctx, ws, wv);
  clcnn_tensor *b = tensor_with(ctx, bs, bv), *y_taps = tensor_with(ctx, ys, NULL);
  clcnn_tensor *y_kept = tensor_with(ctx, ys, NULL);
  clcnn_conv2d_plan *fresh, *kept;
  expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &fresh), ctx);
  expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, CLCNN_PLAN_CONSTANT_WEIGHTS, &kept), ctx);
  ck_assert_msg(strstr(clcnn_conv2d_plan_describe(fresh), "filters=taps"), "%s",
                clcnn_conv2d_plan_describe(fresh));
  ck_assert_msg(!strstr(clcnn_conv2d_plan_describe(kept), "filters=taps"), "%s",
                clcnn_conv2d_plan_describe(kept));
  expect_ok(clcnn_conv2d_plan_forward(fresh, x, w, b, y_taps), ctx);
  expect_ok(clcnn_conv2d_plan_forward(kept, x, w, b, y_kept), ctx);
  expect_same(ctx, y_taps, y_kept, "filters transformed in the product and kept");
  float *got = read_all(ctx, y_taps);
  double tol = 1e-4 * sqrt(9.0 * 70);
  for (size_t i = 0; i < count_of(ys); i++)
    ck_assert_msg(fabs((double)got[i] - want[i]) <= tol, "y[%zu] = %.9g, reference %.9g", i, got[i],
                  want[i]);
  clcnn_tensor *dy = tensor_with(ctx, ys, dyv), *dx = tensor_with(ctx, xs, NULL);
  expect_ok(clcnn_conv2d_plan_backward_data(fresh, dy, w, dx), ctx);
  float *dx_got = read_all(ctx, dx);
  double dx_tol = 1e-4 * sqrt(9.0 * 72);
  for (size_t i = 0; i < count_of(xs); i++)
    ck_assert_msg(fabs((double)dx_got[i] - dx_want[i]) <= dx_tol, "dx[%zu] = %.9g, reference %.9g",
                  i, dx_got[i], dx_want[i]);
  clcnn_conv2d_plan_destroy(fresh);
  clcnn_conv2d_plan_destroy(kept);
  clcnn_tensor *all[] = {x, w, b, y_taps, y_kept, dy, dx};
  for (int i = 0; i < 7; i++) clcnn_tensor_destroy(all[i]);
  free(xv), free(wv), free(bv), free(want), free(got), free(dyv), free(dx_want), free(dx_got);
  clcnn_context_destroy(ctx);
}
END_TEST

/* A plan's description names its problem in the shape grammar, which parses back into the
   same descriptor and shapes; a plan made from the parsed line describes itself the same. */
START_TEST(descriptions_reproduce_plans) {
  clcnn_context *ctx = support_context();
  const clcnn_conv2d_desc descs[] = {{1, 1, 1, 1, 1, 1, 1, 1, 1, CLCNN_CONV_AUTO},
                                     {2, 1, 12, 0, 3, 11, 1, 2, 2, CLCNN_CONV_DIRECT},
                                     {1, 1, 1, 1, 1, 1, 1, 1, 1, CLCNN_CONV_WINOGRAD},
                                     {1, 1, 0, 0, 0, 0, 1, 1, 1, CLCNN_CONV_GEMM_1X1}};
  const size_t shapes[][2][4] = {{{2, 3, 8, 9}, {5, 3, 3, 3}},
                                 {{1, 4, 7, 6}, {6, 2, 3, 2}},
                                 {{1, 16, 6, 6}, {16, 16, 3, 3}},
                                 {{2, 8, 5, 5}, {4, 8, 1, 1}}};
  for (int i = 0; i < 4; i++) {
    clcnn_conv2d_plan *plan, *again;
    expect_ok(clcnn_conv2d_plan_create(ctx, &descs[i], shapes[i][0], shapes[i][1], 0, &plan), ctx);
    const char *line = clcnn_conv2d_plan_describe(plan);
    clcnn_conv2d_desc d;
    size_t xs[4], ws[4];
    expect_ok(clcnn_conv2d_problem_parse(line, &d, xs, ws), NULL);
    ck_assert_msg(memcmp(xs, shapes[i][0], sizeof xs) == 0 &&
                      memcmp(ws, shapes[i][1], sizeof ws) == 0,
                  "%s: shapes differ", line);
    clcnn_conv2d_desc want = descs[i];
    want.algo = clcnn_conv2d_plan_algo(plan);
    ck_assert_msg(same_conv_desc(&d, &want), "%s: descriptor differs", line);
    expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &again), ctx);
    ck_assert_str_eq(clcnn_conv2d_plan_describe(again), line);
    clcnn_conv2d_plan_destroy(again);
    clcnn_conv2d_plan_destroy(plan);
  }
  clcnn_conv2d_desc d;
  size_t xs[4], ws[4];
  expect_error(clcnn_conv2d_problem_parse("n1c2h3w4_k5r3s3_q7", &d, xs, ws), CLCNN_INVALID_ARGUMENT,
               NULL, "cannot read 'n1c2h3w4_k5r3s3_q7'");
  expect_error(clcnn_conv2d_problem_parse("n1c2h3w4_k5r3s3 algo=fast", &d, xs, ws),
               CLCNN_INVALID_ARGUMENT, NULL, "unknown algorithm 'fast'");
  const clcnn_pool2d_desc pd = {CLCNN_POOL_AVG, 3, 2, 2, 1, 1, 1, 0, 1, 1, 0};
  size_t ps[4] = {2, 3, 9, 8}, ps2[4];
  clcnn_pool2d_plan *pool;
  expect_ok(clcnn_pool2d_plan_create(ctx, &pd, ps, &pool), ctx);
  clcnn_pool2d_desc pd2;
  expect_ok(clcnn_pool2d_problem_parse(clcnn_pool2d_plan_describe(pool), &pd2, ps2), NULL);
  ck_assert(same_pool_desc(&pd, &pd2) && memcmp(ps, ps2, sizeof ps) == 0);
  clcnn_pool2d_plan_destroy(pool);
  clcnn_context_destroy(ctx);
}
END_TEST

/* The one-shot calls keep at most CLCNN_PLAN_CACHE_SIZE plans, evicting the least recently
   used; results do not depend on whether a plan came from the cache. */
START_TEST(plan_cache_is_bounded) {
  setenv("CLCNN_PLAN_CACHE_SIZE", _i == 0 ? "3" : "0", 1);
  clcnn_context *ctx = support_context();
  unsetenv("CLCNN_PLAN_CACHE_SIZE"); /* read at creation; unforked runs share the environment */
  const clcnn_conv2d_desc d = {1, 1, 1, 1, 1, 1, 1, 1, 1, CLCNN_CONV_AUTO};
  size_t ws[4] = {4, 2, 3, 3};
  unsigned seed = 5;
  float *wv = support_values(count_of(ws), &seed, 1);
  clcnn_tensor *w = tensor_with(ctx, ws, wv);
  for (int round = 0; round < 2; round++)
    for (size_t width = 5; width < 10; width++) {
      size_t xs[4] = {1, 2, 6, width}, ys[4] = {1, 4, 6, width};
      float *xv = support_values(count_of(xs), &seed, 1);
      clcnn_tensor *x = tensor_with(ctx, xs, xv), *y1 = tensor_with(ctx, ys, NULL);
      clcnn_tensor *y2 = tensor_with(ctx, ys, NULL);
      expect_ok(clcnn_conv2d_forward(ctx, &d, x, w, NULL, y1), ctx);
      clcnn_conv2d_plan *plan;
      expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &plan), ctx);
      expect_ok(clcnn_conv2d_plan_forward(plan, x, w, NULL, y2), ctx);
      expect_same(ctx, y1, y2, "one-shot against plan");
      clcnn_conv2d_plan_destroy(plan);
      clcnn_tensor_destroy(x), clcnn_tensor_destroy(y1), clcnn_tensor_destroy(y2);
      free(xv);
    }
  /* the last width again: a hit when cached */
  size_t xs[4] = {1, 2, 6, 9}, ys[4] = {1, 4, 6, 9};
  clcnn_tensor *x = tensor_with(ctx, xs, NULL), *y = tensor_with(ctx, ys, NULL);
  expect_ok(clcnn_tensor_fill(x, 1.0f), ctx);
  expect_ok(clcnn_conv2d_forward(ctx, &d, x, w, NULL, y), ctx);
  clcnn_plan_cache_stats st;
  expect_ok(clcnn_context_plan_cache_stats(ctx, &st), ctx);
  if (_i == 0) {
    ck_assert_uint_eq(st.capacity, 3);
    ck_assert_uint_eq(st.plans, 3);
    ck_assert_uint_eq(st.misses, 10);
    ck_assert_uint_eq(st.evictions, 7);
    ck_assert_uint_eq(st.hits, 1);
  } else {
    ck_assert_uint_eq(st.capacity, 0);
    ck_assert_uint_eq(st.plans, 0);
  }
  expect_error(clcnn_context_plan_cache_stats(ctx, NULL), CLCNN_INVALID_ARGUMENT, ctx,
               "out is NULL");
  clcnn_tensor_destroy(x), clcnn_tensor_destroy(y), clcnn_tensor_destroy(w);
  free(wv);
  clcnn_context_destroy(ctx);
}
END_TEST

/* Fails unless t holds exactly want (integer data: every path's sums are exact). */
static void expect_values(clcnn_context *ctx, const clcnn_tensor *t, const float *want,
                          const char *what) {
  size_t s[4];
  clcnn_tensor_shape(t, s);
  float *got = read_all(ctx, t);
  for (size_t i = 0; i < count_of(s); i++)
    ck_assert_msg(got[i] == want[i], "%s: [%zu] %g, want %g", what, i, got[i], want[i]);
  free(got);
}

/* The context keeps at most CLCNN_PROGRAM_CACHE_SIZE programs in memory; plans keep the
   kernels they chose, so a churn of shapes that evicts their programs leaves them working. */
START_TEST(plans_survive_program_eviction) {
  setenv("CLCNN_PROGRAM_CACHE_SIZE", "8", 1);
  setenv("CLCNN_PLAN_CACHE_SIZE", "0", 1);
  setenv("CLCNN_SPECIALIZED_SIZES", "64", 1); /* every churned width builds its own program */
  clcnn_context *ctx = support_context_with(NULL, "off");
  unsetenv("CLCNN_PROGRAM_CACHE_SIZE"); /* read at creation; unforked runs share the environment */
  unsetenv("CLCNN_PLAN_CACHE_SIZE");
  unsetenv("CLCNN_SPECIALIZED_SIZES");
  const ref_conv cp = {2, 3, 7, 9, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1};
  const ref_pool pp = {2, 3, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 0};
  size_t xs[4] = {cp.n, cp.c, cp.h, cp.w}, ws[4] = {cp.k, cp.c, cp.r, cp.s},
         bs[4] = {1, cp.k, 1, 1};
  size_t ys[4] = {cp.n, cp.k, ref_conv_out_h(&cp), ref_conv_out_w(&cp)};
  size_t ps[4] = {pp.n, pp.c, ref_pool_out(pp.h, pp.kh, pp.sh, pp.pt, pp.pb, 0),
                  ref_pool_out(pp.w, pp.kw, pp.sw, pp.pl, pp.pr, 0)};
  unsigned seed = 31;
  float *xv = support_values(count_of(xs), &seed, 1), *wv = support_values(count_of(ws), &seed, 1);
  float *bv = support_values(cp.k, &seed, 1), *dyv = support_values(count_of(ys), &seed, 1);
  float *pdyv = support_values(count_of(ps), &seed, 1);
  float *y_ref = malloc(count_of(ys) * sizeof *y_ref),
        *dx_ref = malloc(count_of(xs) * sizeof *dx_ref);
  float *dw_ref = malloc(count_of(ws) * sizeof *dw_ref), *db_ref = malloc(cp.k * sizeof *db_ref);
  float *py_ref = malloc(count_of(ps) * sizeof *py_ref),
        *pdx_ref = malloc(count_of(xs) * sizeof *pdx_ref);
  ref_conv2d(&cp, xv, wv, bv, y_ref);
  ref_conv2d_backward_data(&cp, dyv, wv, dx_ref);
  ref_conv2d_backward_weights(&cp, xv, dyv, dw_ref, db_ref);
  ref_pool2d(&pp, xv, py_ref);
  ref_pool2d_backward(&pp, xv, pdyv, pdx_ref);
  clcnn_tensor *x = tensor_with(ctx, xs, xv), *w = tensor_with(ctx, ws, wv),
               *b = tensor_with(ctx, bs, bv);
  clcnn_tensor *dy = tensor_with(ctx, ys, dyv), *pdy = tensor_with(ctx, ps, pdyv);
  clcnn_tensor *y = tensor_with(ctx, ys, NULL), *dx = tensor_with(ctx, xs, NULL);
  clcnn_tensor *dw = tensor_with(ctx, ws, NULL), *db = tensor_with(ctx, bs, NULL);
  clcnn_tensor *py = tensor_with(ctx, ps, NULL), *pdx = tensor_with(ctx, xs, NULL);
  clcnn_conv2d_desc cd = ref_conv_desc(&cp, CLCNN_CONV_AUTO);
  clcnn_pool2d_desc pd = ref_pool_desc(&pp);
  clcnn_conv2d_plan *conv;
  clcnn_pool2d_plan *pool;
  expect_ok(clcnn_conv2d_plan_create(ctx, &cd, xs, ws, 0, &conv), ctx);
  expect_ok(clcnn_pool2d_plan_create(ctx, &pd, xs, &pool), ctx);
  const clcnn_conv2d_desc churn = {1, 1, 1, 1, 1, 1, 1, 1, 1, CLCNN_CONV_AUTO};
  for (int round = 0; round < 2; round++) {
    if (round == 1) /* a new width per call: new programs, the plans' ones evicted */
      for (size_t width = 10; width < 22; width++) {
        size_t cs[4] = {1, cp.c, 5, width}, os[4] = {1, cp.k, 5, width};
        clcnn_tensor *cx = tensor_with(ctx, cs, NULL), *cy = tensor_with(ctx, os, NULL);
        expect_ok(clcnn_tensor_fill(cx, 1.0f), ctx);
        expect_ok(clcnn_conv2d_forward(ctx, &churn, cx, w, NULL, cy), ctx);
        clcnn_tensor_destroy(cx), clcnn_tensor_destroy(cy);
      }
    expect_ok(clcnn_conv2d_plan_forward(conv, x, w, b, y), ctx);
    expect_values(ctx, y, y_ref, "forward");
    expect_ok(clcnn_conv2d_plan_backward_data(conv, dy, w, dx), ctx);
    expect_values(ctx, dx, dx_ref, "backward data");
    expect_ok(clcnn_conv2d_plan_backward_weights(conv, x, dy, dw, db), ctx);
    expect_values(ctx, dw, dw_ref, "backward weights");
    expect_values(ctx, db, db_ref, "bias gradient");
    expect_ok(clcnn_pool2d_plan_forward(pool, x, py), ctx);
    expect_values(ctx, py, py_ref, "pool forward");
    expect_ok(clcnn_pool2d_plan_backward(pool, x, py, pdy, pdx), ctx);
    expect_values(ctx, pdx, pdx_ref, "pool backward");
  }
  /* the first width of the churn was evicted: running it again builds it again */
  clcnn_program_stats before, after;
  expect_ok(clcnn_context_program_stats(ctx, &before), ctx);
  size_t cs[4] = {1, cp.c, 5, 10}, os[4] = {1, cp.k, 5, 10};
  clcnn_tensor *cx = tensor_with(ctx, cs, NULL), *cy = tensor_with(ctx, os, NULL);
  expect_ok(clcnn_tensor_fill(cx, 1.0f), ctx);
  expect_ok(clcnn_conv2d_forward(ctx, &churn, cx, w, NULL, cy), ctx);
  expect_ok(clcnn_context_program_stats(ctx, &after), ctx);
  ck_assert_uint_gt(after.built_from_source, before.built_from_source);
  clcnn_conv2d_plan_destroy(conv);
  clcnn_pool2d_plan_destroy(pool);
  clcnn_tensor *all[] = {x, w, b, dy, pdy, y, dx, dw, db, py, pdx, cx, cy};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) clcnn_tensor_destroy(all[i]);
  free(xv), free(wv), free(bv), free(dyv), free(pdyv);
  free(y_ref), free(dx_ref), free(dw_ref), free(db_ref), free(py_ref), free(pdx_ref);
  clcnn_context_destroy(ctx);
}
END_TEST

/* One churn problem: pass 0 forward (AUTO), 1 forward (Winograd), 2 backward data, 3 backward
   weights with the bias gradient after the weights. Returns the result, malloc'd. */
enum { CHURN_PASSES = 4 };

static float *churn_pass(clcnn_context *ctx, const ref_conv *p, int pass, const float *xv,
                         const float *wv, const float *dyv) {
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ws[4] = {p->k, p->c, p->r, p->s};
  size_t ys[4] = {p->n, p->k, ref_conv_out_h(p), ref_conv_out_w(p)}, bs[4] = {1, p->k, 1, 1};
  clcnn_conv2d_desc d = ref_conv_desc(p, pass == 1 ? CLCNN_CONV_WINOGRAD : CLCNN_CONV_AUTO);
  clcnn_tensor *x = tensor_with(ctx, xs, xv), *w = tensor_with(ctx, ws, wv);
  clcnn_tensor *dy = tensor_with(ctx, ys, dyv), *db = tensor_with(ctx, bs, NULL);
  clcnn_tensor *out = tensor_with(ctx, pass < 2 ? ys : pass == 2 ? xs : ws, NULL);
  if (pass < 2) expect_ok(clcnn_conv2d_forward(ctx, &d, x, w, NULL, out), ctx);
  if (pass == 2) expect_ok(clcnn_conv2d_backward_data(ctx, &d, dy, w, out), ctx);
  if (pass == 3) expect_ok(clcnn_conv2d_backward_weights(ctx, &d, x, dy, out, db), ctx);
  size_t count = pass < 2 ? count_of(ys) : pass == 2 ? count_of(xs) : count_of(ws);
  float *v = malloc((count + p->k) * sizeof *v);
  expect_ok(clcnn_tensor_read(out, v, count), ctx);
  if (pass == 3) expect_ok(clcnn_tensor_read(db, v + count, p->k), ctx);
  clcnn_tensor *all[] = {x, w, dy, db, out};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) clcnn_tensor_destroy(all[i]);
  return v;
}

static size_t programs_created(clcnn_context *ctx) {
  clcnn_program_stats s;
  expect_ok(clcnn_context_program_stats(ctx, &s), ctx);
  return s.built_from_source + s.loaded_from_disk;
}

/* One layer fed 60 input widths, every pass: each result right; programs created bounded
   (the first CLCNN_SPECIALIZED_SIZES sizes of a kernel family get programs of their own, the
   rest share one per tile shape: without that, 60 per pass); and a context where every size
   shares (CLCNN_SPECIALIZED_SIZES=0) gives the same bits as the specialized programs. */
START_TEST(shape_churn_builds_few_programs) {
  setenv("CLCNN_SPECIALIZED_SIZES", "0", 1);
  clcnn_context *shared = support_context_with(NULL, "off");
  unsetenv("CLCNN_SPECIALIZED_SIZES");
  clcnn_context *ctx = support_context_with(NULL, "off");
  size_t before = programs_created(ctx);
  unsigned seed = 77;
  for (size_t width = 8; width < 68; width++) {
    const ref_conv p = {2, 4, 5, width, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    size_t xs = p.n * p.c * p.h * p.w, ws = p.k * p.c * 9, ys = p.n * p.k * p.h * p.w;
    float *xv = support_values(xs, &seed, 1), *wv = support_values(ws, &seed, 1);
    float *dyv = support_values(ys, &seed, 1);
    float *want[CHURN_PASSES] = {malloc(ys * sizeof(float)), NULL, malloc(xs * sizeof(float)),
                                 malloc((ws + p.k) * sizeof(float))};
    ref_conv2d(&p, xv, wv, NULL, want[0]);
    want[1] = want[0];
    ref_conv2d_backward_data(&p, dyv, wv, want[2]);
    ref_conv2d_backward_weights(&p, xv, dyv, want[3], want[3] + ws);
    size_t counts[CHURN_PASSES] = {ys, ys, xs, ws + p.k};
    for (int pass = 0; pass < CHURN_PASSES; pass++) {
      float *got = churn_pass(ctx, &p, pass, xv, wv, dyv);
      for (size_t i = 0; i < counts[pass]; i++)
        ck_assert_msg(fabsf(got[i] - want[pass][i]) <= 1e-4f * (1.0f + fabsf(want[pass][i])),
                      "width %zu pass %d [%zu]: %g, want %g", width, pass, i, got[i],
                      want[pass][i]);
      if (width % 7 == 1) { /* 8 (specialized), then 15, 22, ... (shared in both) */
        float *other = churn_pass(shared, &p, pass, xv, wv, dyv);
        ck_assert_msg(memcmp(got, other, counts[pass] * sizeof *got) == 0,
                      "width %zu pass %d: shared program's bits differ", width, pass);
        free(other);
      }
      free(got);
    }
    free(xv), free(wv), free(dyv), free(want[0]), free(want[2]), free(want[3]);
  }
  size_t created = programs_created(ctx) - before;
  /* the specialized and shared programs of each pass's kernels, plus one program per layout
     kernel (padding, blocking, flipping, transposing, summing: each a program of its own) */
  ck_assert_msg(created <= 36, "60 widths created %zu programs", created);
  clcnn_context_destroy(ctx);
  clcnn_context_destroy(shared);
}
END_TEST

/* Pooling plans: the one-shot bits forward and backward, the backward kernel each window
   shape gets, and shape checks. */
static double ref_act(double v, int act) {
  switch (act) {
  case CLCNN_ACT_RELU:
    return v < 0 ? 0 : v;
  case CLCNN_ACT_SIGMOID:
    return 1 / (1 + exp(-v));
  case CLCNN_ACT_TANH:
    return tanh(v);
  default:
    return v < 0 ? 0 : v > 6 ? 6 : v;
  }
}

/* Every forward path with each fused activation against the reference convolution followed
   by the activation, a NaN input included (it must come out NaN, not be clamped away). */
START_TEST(fused_activations_match_reference) {
  static const struct {
    ref_conv p;
    int algo;
  } cases[] = {
      {{2, 16, 9, 9, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, CLCNN_CONV_DIRECT}, /* tiled */
      {{2, 3, 10, 11, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, CLCNN_CONV_DIRECT}, /* wide */
      {{1, 2, 12, 12, 3, 9, 9, 1, 1, 0, 0, 0, 0, 1, 1, 1}, CLCNN_CONV_DIRECT}, /* generic */
      {{2, 32, 8, 8, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, CLCNN_CONV_WINOGRAD},
      {{2, 8, 7, 7, 6, 3, 3, 2, 2, 1, 0, 1, 0, 1, 1, 1}, CLCNN_CONV_IM2COL_GEMM},
      {{2, 8, 5, 6, 12, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, CLCNN_CONV_GEMM_1X1},
  };
  const ref_conv *p = &cases[_i].p;
  clcnn_context *ctx = support_context();
  clcnn_conv2d_desc d = ref_conv_desc(p, cases[_i].algo);
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ws[4] = {p->k, p->c / p->groups, p->r, p->s};
  size_t ys[4] = {p->n, p->k, ref_conv_out_h(p), ref_conv_out_w(p)}, bs[4] = {1, p->k, 1, 1};
  unsigned seed = 17 + (unsigned)_i;
  float *xv = support_values(count_of(xs), &seed, 1), *wv = support_values(count_of(ws), &seed, 1);
  float *bv = support_values(p->k, &seed, 0), *want = malloc(count_of(ys) * sizeof *want);
  /* Winograd's transforms mix a tile's inputs, so a NaN spreads over its whole tile there */
  int with_nan = cases[_i].algo != CLCNN_CONV_WINOGRAD;
  /* and rounds more: the bound of the Winograd tests, 4e-4 sqrt(9 C) for integer data */
  double tol = with_nan ? 1e-4 : 4e-4 * sqrt(9.0 * (double)p->c);
  if (with_nan) xv[count_of(xs) / 2 + 1] = NAN;
  ref_conv2d(p, xv, wv, bv, want);
  clcnn_tensor *x = tensor_with(ctx, xs, xv), *w = tensor_with(ctx, ws, wv);
  clcnn_tensor *b = tensor_with(ctx, bs, bv), *y = tensor_with(ctx, ys, NULL);
  clcnn_conv2d_plan *plan;
  expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, CLCNN_PLAN_CONSTANT_WEIGHTS, &plan), ctx);
  expect_error(clcnn_conv2d_plan_set_activation(plan, 4), CLCNN_INVALID_ARGUMENT, ctx,
               "unknown activation 4");
  for (int act = CLCNN_ACT_RELU; act <= CLCNN_ACT_RELU6; act++) {
    expect_ok(clcnn_conv2d_plan_set_activation(plan, act), ctx);
    char word[32];
    snprintf(word, sizeof word, " act=%s", clcnn_activation_name(act));
    ck_assert_ptr_nonnull(strstr(clcnn_conv2d_plan_describe(plan), word));
    expect_ok(clcnn_conv2d_plan_forward(plan, x, w, b, y), ctx);
    float *got = read_all(ctx, y);
    size_t nans = 0;
    for (size_t i = 0; i < count_of(ys); i++) {
      double v = ref_act(want[i], act);
      if (isnan(v)) {
        ck_assert_msg(isnan(got[i]), "act %d [%zu] = %g, expected NaN", act, i, got[i]);
        nans++;
        continue;
      }
      ck_assert_msg(fabs(got[i] - v) <= tol * (1 + fabs(v)),
                    "%s act %d [%zu] = %.7g, expected %.7g", clcnn_conv2d_plan_describe(plan), act,
                    i, got[i], v);
    }
    ck_assert(!with_nan || nans > 0);
    free(got);
  }
  expect_ok(clcnn_conv2d_plan_set_activation(plan, -1), ctx); /* back to the plain convolution */
  ck_assert_ptr_null(strstr(clcnn_conv2d_plan_describe(plan), " act="));
  expect_ok(clcnn_conv2d_plan_forward(plan, x, w, b, y), ctx);
  float *got = read_all(ctx, y);
  for (size_t i = 0; i < count_of(ys); i++)
    if (!isnan(want[i])) ck_assert(fabs(got[i] - want[i]) <= tol * (1 + fabs(want[i])));
  free(got);
  clcnn_conv2d_plan_destroy(plan);
  clcnn_tensor *all[] = {x, w, b, y};
  for (int i = 0; i < 4; i++) clcnn_tensor_destroy(all[i]);
  free(xv), free(wv), free(bv), free(want);
  clcnn_context_destroy(ctx);
}
END_TEST

/* A residual summed as the convolution stores, y = act(conv + bias + y), on every forward kernel
   (both families): against the reference, and bit for bit against the plain forward pass
   followed by clcnn_add and the activation except on the GEMM paths (which sum in the GEMM). A
   NaN in the residual must come out NaN. */
START_TEST(fused_residuals_match_separate_sums) {
  static const struct {
    ref_conv p;
    int algo;
    const char *kernel; /* in the description, NULL: not checked */
  } cases[] = {
      {{2, 16, 9, 9, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, CLCNN_CONV_DIRECT, "kernel=tiled"},
      {{2, 3, 10, 11, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, CLCNN_CONV_DIRECT, "kernel=wide"},
      {{1, 2, 12, 12, 3, 9, 9, 1, 1, 0, 0, 0, 0, 1, 1, 1}, CLCNN_CONV_DIRECT, "kernel=generic"},
      {{1, 16, 29, 29, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, CLCNN_CONV_DIRECT, "kernel=flat"},
      /* a plane below 28x28 whose channel-vector tiles would need a padded copy */
      {{1, 40, 27, 27, 32, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, CLCNN_CONV_DIRECT, "kernel=flat"},
      {{2, 8, 11, 11, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8}, CLCNN_CONV_DIRECT, "kernel=depthwise"},
      {{1, 32, 7, 9, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, CLCNN_CONV_WINOGRAD, NULL},
      {{2, 8, 7, 7, 6, 3, 3, 2, 2, 1, 0, 1, 0, 1, 1, 1}, CLCNN_CONV_IM2COL_GEMM, NULL},
      {{2, 8, 5, 6, 12, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, CLCNN_CONV_GEMM_1X1, NULL},
  };
  const size_t n_cases = sizeof cases / sizeof *cases;
  const size_t i = (size_t)_i % n_cases;
  int workgroup = (size_t)_i >= n_cases, gemm = cases[i].algo >= CLCNN_CONV_IM2COL_GEMM;
  if (workgroup && cases[i].algo != CLCNN_CONV_DIRECT) return; /* the family is direct only */
  const ref_conv *p = &cases[i].p;
  if (workgroup) setenv("CLCNN_KERNEL_FAMILY", "workgroup", 1);
  clcnn_context *ctx = support_context();
  unsetenv("CLCNN_KERNEL_FAMILY");
  clcnn_conv2d_desc d = ref_conv_desc(p, cases[i].algo);
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ws[4] = {p->k, p->c / p->groups, p->r, p->s};
  size_t ys[4] = {p->n, p->k, ref_conv_out_h(p), ref_conv_out_w(p)}, bs[4] = {1, p->k, 1, 1};
  unsigned seed = 41 + (unsigned)_i;
  float *xv = support_values(count_of(xs), &seed, 1), *wv = support_values(count_of(ws), &seed, 1);
  float *bv = support_values(p->k, &seed, 0), *rv = support_values(count_of(ys), &seed, 0);
  float *conv = malloc(count_of(ys) * sizeof *conv);
  rv[count_of(ys) / 2] = NAN;
  ref_conv2d(p, xv, wv, bv, conv);
  double tol = cases[i].algo == CLCNN_CONV_WINOGRAD ? 4e-4 * sqrt(9.0 * (double)p->c) : 1e-4;
  clcnn_tensor *x = tensor_with(ctx, xs, xv), *w = tensor_with(ctx, ws, wv);
  clcnn_tensor *b = tensor_with(ctx, bs, bv), *r = tensor_with(ctx, ys, rv);
  clcnn_tensor *y = tensor_with(ctx, ys, NULL), *sum = tensor_with(ctx, ys, NULL);
  clcnn_conv2d_plan *fused, *plain;
  expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, CLCNN_PLAN_CONSTANT_WEIGHTS, &fused), ctx);
  expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, CLCNN_PLAN_CONSTANT_WEIGHTS, &plain), ctx);
  expect_error(clcnn_conv2d_plan_set_residual(fused, 2), CLCNN_INVALID_ARGUMENT, ctx, "add is 2");
  expect_error(clcnn_conv2d_plan_set_residual(NULL, 1), CLCNN_INVALID_ARGUMENT, NULL,
               "clcnn_conv2d_plan_set_residual: plan is NULL");
  expect_ok(clcnn_conv2d_plan_set_residual(fused, 1), ctx);
  for (int act = -1; act <= CLCNN_ACT_RELU; act++) {
    expect_ok(clcnn_conv2d_plan_set_activation(fused, act), ctx);
    const char *line = clcnn_conv2d_plan_describe(fused);
    ck_assert_msg(strstr(line, " residual"), "%s", line);
    ck_assert_msg(!cases[i].kernel || workgroup || strstr(line, cases[i].kernel), "%s", line);
    ck_assert_msg(!workgroup || strstr(line, "family=workgroup"), "%s", line);
    expect_ok(clcnn_tensor_write(y, rv, count_of(ys)), ctx);
    expect_ok(clcnn_conv2d_plan_forward(fused, x, w, b, y), ctx);
    expect_ok(clcnn_conv2d_plan_forward(plain, x, w, b, sum), ctx);
    expect_ok(clcnn_add(ctx, sum, r, sum), ctx);
    if (act >= 0) expect_ok(clcnn_activation_forward(ctx, act, sum, sum), ctx);
    float *got = read_all(ctx, y), *separate = read_all(ctx, sum);
    for (size_t k = 0; k < count_of(ys); k++) {
      double v = (double)conv[k] + rv[k];
      double want = act < 0 ? v : ref_act(v, act);
      ck_assert_msg(isnan(want) ? isnan(got[k]) : fabs(got[k] - want) <= tol * (1 + fabs(want)),
                    "%s act %d [%zu] = %.9g, expected %.9g", line, act, k, got[k], want);
      ck_assert_msg(gemm || memcmp(&got[k], &separate[k], sizeof(float)) == 0,
                    "%s act %d [%zu] = %.9g, the separate sum %.9g", line, act, k, got[k],
                    separate[k]);
    }
    free(got), free(separate);
  }
  expect_ok(clcnn_conv2d_plan_set_residual(fused, 0), ctx); /* back to overwriting y */
  ck_assert_ptr_null(strstr(clcnn_conv2d_plan_describe(fused), " residual"));
  expect_ok(clcnn_conv2d_plan_set_activation(fused, -1), ctx);
  expect_ok(clcnn_conv2d_plan_forward(fused, x, w, b, y), ctx);
  expect_ok(clcnn_conv2d_plan_forward(plain, x, w, b, sum), ctx);
  expect_same(ctx, y, sum, "residual off");
  clcnn_conv2d_plan_destroy(fused);
  clcnn_conv2d_plan_destroy(plain);
  clcnn_tensor *all[] = {x, w, b, r, y, sum};
  for (int k = 0; k < 6; k++) clcnn_tensor_destroy(all[k]);
  free(xv), free(wv), free(bv), free(rv), free(conv);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(pool_plans_match_one_shot_calls) {
  clcnn_context *ctx = support_context();
  const struct {
    clcnn_pool2d_desc d;
    size_t x[4];
    const char *backward;
  } cases[] = {{{CLCNN_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1}, {4, 5, 11, 12}, "backward=bands"},
               {{CLCNN_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, {1, 2, 11, 12}, "backward=bands"},
               {{CLCNN_POOL_AVG, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1}, {3, 4, 8, 8}, "backward=tiles"},
               {{CLCNN_POOL_MAX, 2, 2, 3, 3, 1, 0, 1, 0, 0, 1}, {2, 3, 9, 9}, "backward=scatter"},
               {{CLCNN_POOL_AVG, 3, 2, 1, 1, 1, 0, 1, 0, 0, 0}, {5, 2, 7, 6}, "backward=bands"},
               {{CLCNN_POOL_MAX, 9, 9, 2, 1, 4, 4, 4, 4, 0, 1}, {2, 5, 12, 12}, "backward=planes"},
               {{CLCNN_POOL_AVG, 9, 9, 2, 1, 4, 4, 4, 4, 0, 1}, {1, 2, 12, 12}, "backward=gather"}};
  unsigned seed = 9;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    size_t ys[4];
    expect_ok(clcnn_pool2d_output_shape(&cases[i].d, cases[i].x, ys), NULL);
    float *xv = support_values(count_of(cases[i].x), &seed, 1);
    float *dyv = support_values(count_of(ys), &seed, 0);
    clcnn_tensor *x = tensor_with(ctx, cases[i].x, xv), *dy = tensor_with(ctx, ys, dyv);
    clcnn_tensor *y1 = tensor_with(ctx, ys, NULL), *y2 = tensor_with(ctx, ys, NULL);
    clcnn_tensor *dx1 = tensor_with(ctx, cases[i].x, NULL),
                 *dx2 = tensor_with(ctx, cases[i].x, NULL);
    clcnn_pool2d_plan *plan;
    expect_ok(clcnn_pool2d_plan_create(ctx, &cases[i].d, cases[i].x, &plan), ctx);
    const char *line = clcnn_pool2d_plan_describe(plan);
    /* the work-group family (CLCNN_KERNEL_FAMILY=workgroup) gathers whatever the windows */
    const char *want = strstr(line, "family=workgroup") ? "backward=gather" : cases[i].backward;
    ck_assert_msg(strstr(line, want) != NULL, "%s: expected %s", line, want);
    expect_ok(clcnn_pool2d_plan_forward(plan, x, y1), ctx);
    expect_ok(clcnn_pool2d_forward(ctx, &cases[i].d, x, y2), ctx);
    expect_same(ctx, y1, y2, line);
    expect_ok(clcnn_pool2d_plan_backward(plan, x, y1, dy, dx1), ctx);
    expect_ok(clcnn_pool2d_backward(ctx, &cases[i].d, x, y2, dy, dx2), ctx);
    expect_same(ctx, dx1, dx2, line);
    expect_error(clcnn_pool2d_plan_forward(plan, dx1, dx2), CLCNN_INVALID_ARGUMENT, ctx,
                 "clcnn_pool2d_plan_forward: y is");
    expect_error(clcnn_pool2d_plan_backward(plan, x, y1, x, dx1), CLCNN_INVALID_ARGUMENT, ctx,
                 "clcnn_pool2d_plan_backward: dy is");
    expect_error(clcnn_pool2d_plan_forward(NULL, x, y1), CLCNN_INVALID_ARGUMENT, NULL,
                 "plan is NULL");
    clcnn_pool2d_plan_destroy(plan);
    clcnn_tensor *all[] = {x, dy, y1, y2, dx1, dx2};
    for (int j = 0; j < 6; j++) clcnn_tensor_destroy(all[j]);
    free(xv), free(dyv);
  }
  clcnn_pool2d_plan *plan = (clcnn_pool2d_plan *)&plan;
  const clcnn_pool2d_desc bad = {CLCNN_POOL_MAX, 3, 0, 2, 2, 0, 0, 0, 0, 0, 1};
  expect_error(clcnn_pool2d_plan_create(ctx, &bad, (size_t[]){1, 1, 5, 5}, &plan),
               CLCNN_INVALID_ARGUMENT, ctx, "clcnn_pool2d_plan_create: window 3x0");
  ck_assert_ptr_null(plan);
  clcnn_context_destroy(ctx);
}
END_TEST

static Suite *plan_suite(void) {
  Suite *s = suite_create("plan");
  TCase *life = support_tcase("lifecycle");
  tcase_add_test(life, plan_lifecycle_and_bad_calls);
  tcase_add_test(life, constant_weights_are_transformed_once);
  tcase_add_test(life, winograd_filters_transformed_in_the_product_match_kept_ones);
  tcase_add_test(life, descriptions_reproduce_plans);
  tcase_add_loop_test(life, plan_cache_is_bounded, 0, 2);
  tcase_add_test(life, plans_survive_program_eviction);
  tcase_add_test(life, shape_churn_builds_few_programs);
  tcase_add_test(life, pool_plans_match_one_shot_calls);
  tcase_add_loop_test(life, fused_activations_match_reference, 0, 6);
  tcase_add_loop_test(life, fused_residuals_match_separate_sums, 0, 18);
  suite_add_tcase(s, life);
  TCase *sweep = support_tcase("sweep");
  tcase_add_loop_test(sweep, plans_match_one_shot_calls, 0, (int)ref_conv_sweep_count);
  suite_add_tcase(s, sweep);
  return s;
}

int main(void) {
  return support_run(plan_suite());
}

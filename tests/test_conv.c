/* Convolution forward: the reference itself, the tutorial's numbers, a shape sweep through
   every algorithm against the reference, and every bad-input rule. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_buffer.h"
#include "reference.h"
#include "support.h"

static const int all_algos[] = {CLCNN_CONV_DIRECT, CLCNN_CONV_IM2COL_GEMM, CLCNN_CONV_GEMM_1X1,
                                CLCNN_CONV_WINOGRAD, CLCNN_CONV_AUTO};

static int is_plain_1x1(const ref_conv *p) {
  return p->r == 1 && p->s == 1 && p->sh == 1 && p->sw == 1 && !p->pt && !p->pb && !p->pl && !p->pr;
}

static int winograd_applies(const ref_conv *p) {
  return p->r == 3 && p->s == 3 && p->sh == 1 && p->sw == 1 && p->dh == 1 && p->dw == 1 &&
         p->groups == 1;
}

/* Runs one case with one algorithm; checks the output (or UNSUPPORTED with y untouched). */
static void run_case(clcnn_context *ctx, const ref_conv *p, int algo, int integer, int with_bias,
                     unsigned seed) {
  char name[160];
  ref_conv_name(p, name, sizeof name);
  size_t P = ref_conv_out_h(p), Q = ref_conv_out_w(p);
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ws[4] = {p->k, p->c / p->groups, p->r, p->s};
  size_t bs[4] = {1, p->k, 1, 1}, ys[4] = {p->n, p->k, P, Q};
  size_t x_count = xs[0] * xs[1] * xs[2] * xs[3], w_count = ws[0] * ws[1] * ws[2] * ws[3];
  size_t y_count = ys[0] * ys[1] * ys[2] * ys[3];
  unsigned s0 = seed;
  float *x = support_values(x_count, &seed, integer), *w = support_values(w_count, &seed, integer);
  float *b = support_values(p->k, &seed, integer);
  float *expected = malloc(y_count * sizeof(float)), *got = malloc(y_count * sizeof(float));
  ref_conv2d(p, x, w, with_bias ? b : NULL, expected);
  guarded_tensor tx = guarded_create(ctx, xs, x), tw = guarded_create(ctx, ws, w);
  guarded_tensor tb = guarded_create(ctx, bs, b), ty = guarded_create(ctx, ys, NULL);
  clcnn_conv2d_desc d = ref_conv_desc(p, algo);
  clcnn_status status = clcnn_conv2d_forward(ctx, &d, tx.t, tw.t, with_bias ? tb.t : NULL, ty.t);
  guarded_read(ctx, &ty, got, name);
  int unsupported = (algo == CLCNN_CONV_GEMM_1X1 && !is_plain_1x1(p)) ||
                    (algo == CLCNN_CONV_WINOGRAD && !winograd_applies(p));
  if (unsupported) {
    expect_error(status, CLCNN_UNSUPPORTED, ctx,
                 algo == CLCNN_CONV_WINOGRAD ? "CLCNN_CONV_WINOGRAD needs a 3x3 filter"
                                             : "CLCNN_CONV_GEMM_1X1 needs a 1x1 filter");
    for (size_t i = 0; i < y_count; i++) ck_assert_msg(isnan(got[i]), "%s: y written", name);
  } else {
    ck_assert_msg(status == CLCNN_OK, "%s algo %d: %s", name, algo, clcnn_last_error(ctx));
    int ran = algo;
    if (algo == CLCNN_CONV_AUTO) { /* the tolerance is the chosen algorithm's */
      clcnn_conv2d_plan *plan;
      expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &plan), ctx);
      ran = clcnn_conv2d_plan_algo(plan);
      clcnn_conv2d_plan_destroy(plan);
    }
    /* Winograd's transforms (sixths, 24ths) round even integer data: the bound is
   1e-4 * sqrt(9C) for values in [-1, 1], four times that for integers up to 2. */
    double tol = ran == CLCNN_CONV_WINOGRAD ? (integer ? 4e-4 : 1e-4) * sqrt(9.0 * (double)p->c)
                 : integer                  ? 0.0
                                            : 4e-7 * (double)(ws[1] * ws[2] * ws[3] + 1);
    for (size_t i = 0; i < y_count; i++)
      ck_assert_msg(fabs((double)got[i] - expected[i]) <= tol,
                    "%s algo %d %s bias %d seed %u: y[%zu] = %.9g, reference %.9g (tol %g)", name,
                    algo, integer ? "integer" : "random", with_bias, s0, i, got[i], expected[i],
                    tol);
  }
  guarded_destroy(&tx);
  guarded_destroy(&tw);
  guarded_destroy(&tb);
  guarded_destroy(&ty);
  free(x), free(w), free(b), free(expected), free(got);
}

START_TEST(sweep_matches_reference) {
  clcnn_context *ctx = support_context();
  const ref_conv *p = &ref_conv_sweep[_i];
  for (size_t a = 0; a < sizeof all_algos / sizeof *all_algos; a++)
    for (int integer = 1; integer >= 0; integer--)
      run_case(ctx, p, all_algos[a], integer, (_i + integer) % 2, 1000u + (unsigned)_i);
  clcnn_context_destroy(ctx);
}
END_TEST

/* A workspace limit of a few KiB splits the padded input and the im2col columns into
   chunks of one or two images; the results must not change. */
START_TEST(chunked_workspaces_match_reference) {
  setenv("CLCNN_WORKSPACE_BYTES", "6000", 1);
  clcnn_context *ctx = support_context();
  const ref_conv cases[] = {{5, 3, 9, 11, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                            {4, 4, 6, 6, 4, 3, 3, 2, 1, 0, 1, 1, 0, 1, 1, 2},
                            {3, 2, 30, 30, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    for (int algo = CLCNN_CONV_DIRECT; algo <= CLCNN_CONV_IM2COL_GEMM; algo++)
      run_case(ctx, &cases[i], algo, 1, (int)i % 2, 500u + (unsigned)i);
  clcnn_context_destroy(ctx);
}
END_TEST

/* Winograd on a CPU splits the batch into chunks whose transformed input and products fit a
   share of the device's cache (64 channels at 56x56: 1.8 MB per image, chunks of 2 of the 4
   images under PoCL's 32 MiB); the results must not change. */
START_TEST(winograd_cache_chunks_match_reference) {
  clcnn_context *ctx = support_context();
  const ref_conv p = {4, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  run_case(ctx, &p, CLCNN_CONV_WINOGRAD, 0, 1, 900u);
  clcnn_context_destroy(ctx);
}
END_TEST

/* Outputs of 16 MiB and more, which the column-vector kernel stores past the caches where it
   can (non-temporal stores at aligned addresses): a 1x1 layer in rows of 16 and a first
   layer, against the reference in tensors of their own (aligned: streamed) and at the
   guarded tensors' odd offset (plain stores). */
START_TEST(large_outputs_stored_past_the_caches) {
  clcnn_context *ctx = support_context();
  const ref_conv cases[] = {{1, 16, 256, 256, 64, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
                            {1, 3, 512, 512, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
  const char *kernels[] = {"kernel=flat", "kernel=wide"};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const ref_conv *p = &cases[i];
    run_case(ctx, p, CLCNN_CONV_DIRECT, 0, 1, 700u + (unsigned)i);
    size_t xs[4] = {p->n, p->c, p->h, p->w}, ws[4] = {p->k, p->c, p->r, p->s};
    size_t ys[4] = {p->n, p->k, ref_conv_out_h(p), ref_conv_out_w(p)};
    size_t xn = xs[0] * xs[1] * xs[2] * xs[3], wn = ws[0] * ws[1] * ws[2] * ws[3];
    size_t yn = ys[0] * ys[1] * ys[2] * ys[3];
    ck_assert_uint_ge(yn * sizeof(float), (size_t)16 << 20);
    unsigned seed = 710u + (unsigned)i;
    float *x = support_values(xn, &seed, 0), *w = support_values(wn, &seed, 0);
    float *b = support_values(p->k, &seed, 0);
    float *want = malloc(yn * sizeof(float)), *got = malloc(yn * sizeof(float));
    ref_conv2d(p, x, w, b, want);
    clcnn_tensor *tx, *tw, *tb, *ty;
    expect_ok(clcnn_tensor_create(ctx, xs[0], xs[1], xs[2], xs[3], &tx), ctx);
    expect_ok(clcnn_tensor_create(ctx, ws[0], ws[1], ws[2], ws[3], &tw), ctx);
    expect_ok(clcnn_tensor_create(ctx, 1, p->k, 1, 1, &tb), ctx);
    expect_ok(clcnn_tensor_create(ctx, ys[0], ys[1], ys[2], ys[3], &ty), ctx);
    expect_ok(clcnn_tensor_write(tx, x, xn), ctx);
    expect_ok(clcnn_tensor_write(tw, w, wn), ctx);
    expect_ok(clcnn_tensor_write(tb, b, p->k), ctx);
    clcnn_conv2d_desc d = ref_conv_desc(p, CLCNN_CONV_DIRECT);
    clcnn_conv2d_plan *plan;
    expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &plan), ctx);
    const char *line = clcnn_conv2d_plan_describe(plan);
    ck_assert_msg(strstr(line, kernels[i]), "%s: expected %s", line, kernels[i]);
    expect_ok(clcnn_conv2d_plan_forward(plan, tx, tw, tb, ty), ctx);
    expect_ok(clcnn_tensor_read(ty, got, yn), ctx);
    double tol = 4e-7 * (double)(wn / p->k + 1);
    for (size_t e = 0; e < yn; e++)
      ck_assert_msg(fabs((double)got[e] - want[e]) <= tol, "%s: y[%zu] = %.9g, reference %.9g",
                    line, e, got[e], want[e]);
    clcnn_conv2d_plan_destroy(plan);
    clcnn_tensor_destroy(tx), clcnn_tensor_destroy(tw), clcnn_tensor_destroy(tb);
    clcnn_tensor_destroy(ty);
    free(x), free(w), free(b), free(want), free(got);
  }
  clcnn_context_destroy(ctx);
}
END_TEST

/* The reference against numbers computed by hand (the tutorial's). */
START_TEST(reference_matches_hand_computed) {
  const float x[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8}, k[4] = {0, 1, 2, 3};
  ref_conv p = {1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1, 1};
  float y[4];
  ref_conv2d(&p, x, k, NULL, y);
  const float want[4] = {19, 25, 37, 43};
  ck_assert_mem_eq(y, want, sizeof want);
  ref_pool pool = {1, 1, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1, 0, 1};
  ref_pool2d(&pool, x, y);
  const float want_max[4] = {4, 5, 7, 8};
  ck_assert_mem_eq(y, want_max, sizeof want_max);
  pool.max = 0;
  ref_pool2d(&pool, x, y);
  const float want_avg[4] = {2, 3, 5, 6};
  ck_assert_mem_eq(y, want_avg, sizeof want_avg);
}
END_TEST

/* y = conv(x, w) on the device, checked exactly against expected, for every algorithm that
   accepts the problem. */
static void expect_conv(const size_t xs[4], const float *x, const size_t ws[4], const float *w,
                        const clcnn_conv2d_desc *base, const float *expected) {
  clcnn_context *ctx = support_context();
  clcnn_tensor *tx, *tw, *ty;
  size_t ys[4];
  expect_ok(clcnn_conv2d_output_shape(base, xs, ws, ys), NULL);
  size_t y_count = ys[0] * ys[1] * ys[2] * ys[3];
  expect_ok(clcnn_tensor_create(ctx, xs[0], xs[1], xs[2], xs[3], &tx), ctx);
  expect_ok(clcnn_tensor_create(ctx, ws[0], ws[1], ws[2], ws[3], &tw), ctx);
  expect_ok(clcnn_tensor_create(ctx, ys[0], ys[1], ys[2], ys[3], &ty), ctx);
  expect_ok(clcnn_tensor_write(tx, x, xs[0] * xs[1] * xs[2] * xs[3]), ctx);
  expect_ok(clcnn_tensor_write(tw, w, ws[0] * ws[1] * ws[2] * ws[3]), ctx);
  float *got = malloc(y_count * sizeof *got);
  for (size_t a = 0; a < sizeof all_algos / sizeof *all_algos; a++) {
    clcnn_conv2d_desc d = *base;
    d.algo = all_algos[a];
    expect_ok(clcnn_tensor_fill(ty, NAN), ctx);
    clcnn_status status = clcnn_conv2d_forward(ctx, &d, tx, tw, NULL, ty);
    if (status == CLCNN_UNSUPPORTED &&
        (d.algo == CLCNN_CONV_GEMM_1X1 || d.algo == CLCNN_CONV_WINOGRAD))
      continue;
    expect_ok(status, ctx);
    expect_ok(clcnn_tensor_read(ty, got, y_count), ctx);
    for (size_t i = 0; i < y_count; i++)
      ck_assert_msg(got[i] == expected[i], "algo %d: y[%zu] = %g, expected %g", d.algo, i, got[i],
                    expected[i]);
  }
  free(got);
  clcnn_tensor_destroy(tx), clcnn_tensor_destroy(tw), clcnn_tensor_destroy(ty);
  clcnn_context_destroy(ctx);
}

static const clcnn_conv2d_desc plain = {1, 1, 0, 0, 0, 0, 1, 1, 1, 0};

START_TEST(tutorial_cross_correlation) {
  const float x[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8}, k[4] = {0, 1, 2, 3}, y[4] = {19, 25, 37, 43};
  expect_conv((size_t[]){1, 1, 3, 3}, x, (size_t[]){1, 1, 2, 2}, k, &plain, y);
}
END_TEST

START_TEST(tutorial_edge_detection) {
  float x[48], y[42];
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 8; j++) x[i * 8 + j] = (j >= 2 && j < 6) ? 0.0f : 1.0f;
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 7; j++) y[i * 7 + j] = j == 1 ? 1.0f : j == 5 ? -1.0f : 0.0f;
  const float k[2] = {1, -1};
  expect_conv((size_t[]){1, 1, 6, 8}, x, (size_t[]){1, 1, 1, 2}, k, &plain, y);
}
END_TEST

START_TEST(tutorial_multi_input_channels) {
  const float x[18] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const float k[8] = {0, 1, 2, 3, 1, 2, 3, 4}, y[4] = {56, 72, 104, 120};
  expect_conv((size_t[]){1, 2, 3, 3}, x, (size_t[]){1, 2, 2, 2}, k, &plain, y);
}
END_TEST

START_TEST(tutorial_multi_input_output_channels) {
  const float x[18] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  float k[24];
  const float k0[8] = {0, 1, 2, 3, 1, 2, 3, 4};
  for (int o = 0; o < 3; o++)
    for (int i = 0; i < 8; i++) k[o * 8 + i] = k0[i] + (float)o; /* K, K+1, K+2 */
  const float y[12] = {56, 72, 104, 120, 76, 100, 148, 172, 96, 128, 192, 224};
  expect_conv((size_t[]){1, 2, 3, 3}, x, (size_t[]){3, 2, 2, 2}, k, &plain, y);
}
END_TEST

/* 1x1 convolution is a matrix product over channels at every pixel. */
START_TEST(one_by_one_is_matrix_product_over_channels) {
  enum { C = 3, H = 3, W = 3, K = 2 };
  float x[C * H * W], k[K * C], y[K * H * W];
  for (int i = 0; i < C * H * W; i++) x[i] = (float)((i * 7) % 11) - 5.0f;
  for (int i = 0; i < K * C; i++) k[i] = (float)(i % 4) - 1.0f;
  for (int o = 0; o < K; o++)
    for (int pix = 0; pix < H * W; pix++) {
      float sum = 0;
      for (int c = 0; c < C; c++) sum += k[o * C + c] * x[c * H * W + pix];
      y[o * H * W + pix] = sum;
    }
  expect_conv((size_t[]){1, C, H, W}, x, (size_t[]){K, C, 1, 1}, k, &plain, y);
}
END_TEST

START_TEST(tutorial_output_shapes) {
  size_t y[4];
  clcnn_conv2d_desc d = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
  expect_ok(clcnn_conv2d_output_shape(&d, (size_t[]){1, 1, 8, 8}, (size_t[]){1, 1, 3, 3}, y), NULL);
  ck_assert(y[2] == 8 && y[3] == 8);
  clcnn_conv2d_desc e = {2, 2, 1, 1, 1, 1, 1, 1, 1, 0};
  expect_ok(clcnn_conv2d_output_shape(&e, (size_t[]){1, 1, 8, 8}, (size_t[]){1, 1, 3, 3}, y), NULL);
  ck_assert(y[2] == 4 && y[3] == 4);
  clcnn_conv2d_desc f = {3, 4, 0, 0, 1, 1, 1, 1, 1, 0};
  expect_ok(clcnn_conv2d_output_shape(&f, (size_t[]){1, 1, 8, 8}, (size_t[]){1, 1, 3, 5}, y), NULL);
  ck_assert_msg(y[2] == 2 && y[3] == 2, "got %zux%zu", y[2], y[3]);
  ck_assert_uint_eq(y[0], 1);
  ck_assert_uint_eq(y[1], 1);
}
END_TEST

typedef struct bad_fixture {
  clcnn_context *ctx, *other;
  clcnn_tensor *x, *w, *b, *y, *b_wrong, *y_wrong, *x_other;
  float poisoned[1];
} bad_fixture;

/* x 2x4x6x6, w 6x2x3x3 (groups 2), y 2x6x4x4. */
static bad_fixture bad_setup(void) {
  bad_fixture f;
  f.ctx = support_context();
  f.other = support_context();
  expect_ok(clcnn_tensor_create(f.ctx, 2, 4, 6, 6, &f.x), f.ctx);
  expect_ok(clcnn_tensor_create(f.ctx, 6, 2, 3, 3, &f.w), f.ctx);
  expect_ok(clcnn_tensor_create(f.ctx, 1, 6, 1, 1, &f.b), f.ctx);
  expect_ok(clcnn_tensor_create(f.ctx, 2, 6, 4, 4, &f.y), f.ctx);
  expect_ok(clcnn_tensor_create(f.ctx, 1, 5, 1, 1, &f.b_wrong), f.ctx);
  expect_ok(clcnn_tensor_create(f.ctx, 2, 6, 4, 5, &f.y_wrong), f.ctx);
  expect_ok(clcnn_tensor_create(f.other, 2, 4, 6, 6, &f.x_other), f.other);
  expect_ok(clcnn_tensor_fill(f.y, -7.0f), f.ctx);
  return f;
}

static void expect_y_untouched(bad_fixture *f) {
  float out[2 * 6 * 4 * 4];
  expect_ok(clcnn_tensor_read(f->y, out, 2 * 6 * 4 * 4), f->ctx);
  for (int i = 0; i < 2 * 6 * 4 * 4; i++) ck_assert_float_eq(out[i], -7.0f);
}

#define EXPECT_BAD(desc, x, w, b, y, fragment)                                                     \
  expect_error(clcnn_conv2d_forward(f.ctx, &(desc), x, w, b, y), CLCNN_INVALID_ARGUMENT, f.ctx,    \
               fragment)

START_TEST(bad_inputs_are_rejected_with_numbers) {
  bad_fixture f = bad_setup();
  const clcnn_conv2d_desc good = {1, 1, 0, 0, 0, 0, 1, 1, 2, CLCNN_CONV_AUTO};
  expect_ok(clcnn_conv2d_forward(f.ctx, &good, f.x, f.w, f.b, f.y), f.ctx);
  expect_ok(clcnn_tensor_fill(f.y, -7.0f), f.ctx);
  clcnn_conv2d_desc d = good;
  d.stride_h = 0;
  EXPECT_BAD(d, f.x, f.w, NULL, f.y, "stride 0x1 must be >= 1");
  d = good, d.dilation_w = 0;
  EXPECT_BAD(d, f.x, f.w, NULL, f.y, "dilation 1x0");
  d = good, d.groups = 0;
  EXPECT_BAD(d, f.x, f.w, NULL, f.y, "groups is 0");
  d = good, d.groups = 3;
  EXPECT_BAD(d, f.x, f.w, NULL, f.y, "groups 3 must divide input channels C=4 and filters K=6");
  d = good, d.groups = 1;
  EXPECT_BAD(d, f.x, f.w, NULL, f.y, "w has 2 input channels, expected C/groups = 4/1 = 4");
  d = good, d.algo = 9;
  EXPECT_BAD(d, f.x, f.w, NULL, f.y, "unknown algo 9");
  d = good, d.dilation_h = d.dilation_w = 4;
  EXPECT_BAD(d, f.x, f.w, NULL, f.y, "padded input 6x6 is smaller than dilated kernel 9x9");
  EXPECT_BAD(good, f.x, f.w, f.b_wrong, f.y, "bias has 5 elements, expected K = 6");
  EXPECT_BAD(good, f.x, f.w, NULL, f.y_wrong, "y is 2x6x4x5, expected 2x6x4x4");
  EXPECT_BAD(good, NULL, f.w, NULL, f.y, "x is NULL");
  EXPECT_BAD(good, f.x, NULL, NULL, f.y, "w is NULL");
  EXPECT_BAD(good, f.x, f.w, NULL, NULL, "y is NULL");
  EXPECT_BAD(good, f.x_other, f.w, NULL, f.y, "x belongs to another context");
  expect_error(clcnn_conv2d_forward(f.ctx, NULL, f.x, f.w, NULL, f.y), CLCNN_INVALID_ARGUMENT,
               f.ctx, "descriptor d is NULL");
  expect_error(clcnn_conv2d_forward(NULL, &good, f.x, f.w, NULL, f.y), CLCNN_INVALID_ARGUMENT, NULL,
               "ctx is NULL");
  d = good, d.pad_top = (size_t)1 << 62;
  EXPECT_BAD(d, f.x, f.w, NULL, f.y, "at most");
  d = good, d.algo = CLCNN_CONV_GEMM_1X1;
  expect_error(clcnn_conv2d_forward(f.ctx, &d, f.x, f.w, NULL, f.y), CLCNN_UNSUPPORTED, f.ctx,
               "filter 3x3");
  d = good, d.algo = CLCNN_CONV_WINOGRAD;
  expect_error(clcnn_conv2d_forward(f.ctx, &d, f.x, f.w, NULL, f.y), CLCNN_UNSUPPORTED, f.ctx,
               "WINOGRAD");
  expect_y_untouched(&f);
  clcnn_tensor *alias;
  expect_ok(clcnn_tensor_wrap(f.ctx, clcnn_tensor_buffer(f.x), 0, 2, 6, 4, 4, &alias), f.ctx);
  EXPECT_BAD(good, f.x, f.w, NULL, alias, "y overlaps x");
  clcnn_tensor_destroy(alias);
  size_t ys[4];
  expect_error(clcnn_conv2d_output_shape(&good, (size_t[]){1u << 31, 1u << 31, 1u << 31, 2},
                                         (size_t[]){6, 1, 1, 1}, ys),
               CLCNN_INVALID_ARGUMENT, NULL, "too large");
  expect_error(clcnn_conv2d_output_shape(&good, (size_t[]){0, 4, 6, 6}, (size_t[]){6, 2, 3, 3}, ys),
               CLCNN_INVALID_ARGUMENT, NULL, "zero dimension");
  clcnn_tensor *all[] = {f.x, f.w, f.b, f.y, f.b_wrong, f.y_wrong, f.x_other};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) clcnn_tensor_destroy(all[i]);
  clcnn_context_destroy(f.other);
  clcnn_context_destroy(f.ctx);
}
END_TEST

static Suite *conv_suite(void) {
  Suite *s = suite_create("conv2d");
  TCase *tc = support_tcase("tutorial");
  tcase_add_test(tc, reference_matches_hand_computed);
  tcase_add_test(tc, tutorial_cross_correlation);
  tcase_add_test(tc, tutorial_edge_detection);
  tcase_add_test(tc, tutorial_multi_input_channels);
  tcase_add_test(tc, tutorial_multi_input_output_channels);
  tcase_add_test(tc, one_by_one_is_matrix_product_over_channels);
  tcase_add_test(tc, tutorial_output_shapes);
  suite_add_tcase(s, tc);
  tc = support_tcase("sweep");
  tcase_add_loop_test(tc, sweep_matches_reference, 0, (int)ref_conv_sweep_count);
  tcase_add_test(tc, chunked_workspaces_match_reference);
  suite_add_tcase(s, tc);
  tc = support_tcase("large");
  tcase_add_test(tc, large_outputs_stored_past_the_caches);
  tcase_add_test(tc, winograd_cache_chunks_match_reference);
  suite_add_tcase(s, tc);
  tc = support_tcase("validation");
  tcase_add_test(tc, bad_inputs_are_rejected_with_numbers);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return support_run(conv_suite());
}

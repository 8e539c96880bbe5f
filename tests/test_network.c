/* The inference ops of common convnets (add, clip, ReLU6, softmax, concatenation, batch
   normalization, and the model runner's broadcasting arithmetic, other activations and batched
   matrix products)
   against plain-C loops, in place where allowed, and their bad-input rules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/network.h"
#include "support.h"

static clcnn_tensor *make(clcnn_context *ctx, const size_t s[4], const float *v) {
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_create(ctx, s[0], s[1], s[2], s[3], &t), ctx);
  if (v) expect_ok(clcnn_tensor_write(t, v, s[0] * s[1] * s[2] * s[3]), ctx);
  return t;
}

/* Reads t and compares with want (NaN must match NaN). */
static void expect_near(clcnn_context *ctx, const clcnn_tensor *t, const float *want, size_t n,
                        float tol) {
  float *got = malloc(n * sizeof *got);
  expect_ok(clcnn_tensor_read(t, got, n), ctx);
  for (size_t i = 0; i < n; i++) {
    if (isnan(want[i])) {
      ck_assert_msg(isnan(got[i]), "[%zu] = %g, expected NaN", i, got[i]);
      continue;
    }
    ck_assert_msg(got[i] == want[i] || fabsf(got[i] - want[i]) <= tol,
                  "[%zu] = %.8g, expected %.8g", i, got[i], want[i]);
  }
  free(got);
}

START_TEST(add_out_of_place_and_in_place) {
  clcnn_context *ctx = support_context();
  const size_t s[4] = {2, 3, 4, 5}, n = 120;
  unsigned seed = 11;
  float *a = support_values(n, &seed, 0), *b = support_values(n, &seed, 0), want[120];
  for (size_t i = 0; i < n; i++) want[i] = a[i] + b[i];
  clcnn_tensor *ta = make(ctx, s, a), *tb = make(ctx, s, b), *ty = make(ctx, s, NULL);
  expect_ok(clcnn_add(ctx, ta, tb, ty), ctx);
  expect_near(ctx, ty, want, n, 0);
  expect_ok(clcnn_add(ctx, ta, tb, tb), ctx); /* y is b */
  expect_near(ctx, tb, want, n, 0);
  const size_t other[4] = {2, 3, 5, 4};
  clcnn_tensor *wrong = make(ctx, other, NULL);
  expect_error(clcnn_add(ctx, ta, wrong, ty), CLCNN_INVALID_ARGUMENT, ctx,
               "b is 2x3x5x4, expected 2x3x4x5");
  expect_error(clcnn_add(ctx, ta, NULL, ty), CLCNN_INVALID_ARGUMENT, ctx, "b is NULL");
  clcnn_tensor *part;
  expect_ok(clcnn_tensor_wrap(ctx, clcnn_tensor_buffer(ta), 10, 1, 2, 4, 5, &part), ctx);
  expect_ok(clcnn_add(ctx, part, part, part), ctx); /* y is a and b */
  clcnn_tensor *ta2;
  expect_ok(clcnn_tensor_wrap(ctx, clcnn_tensor_buffer(ta), 0, 1, 2, 4, 5, &ta2), ctx);
  expect_error(clcnn_add(ctx, ta2, part, part), CLCNN_INVALID_ARGUMENT, ctx, "y overlaps a");
  clcnn_tensor_destroy(ta2);
  clcnn_tensor *all[] = {ta, tb, ty, wrong, part};
  for (int i = 0; i < 5; i++) clcnn_tensor_destroy(all[i]);
  free(a);
  free(b);
  clcnn_context_destroy(ctx);
}
END_TEST

/* The element of an operand seen as s at output index (i0, i1, i2, i3): 1-sized dims repeat. */
static float broadcast_at(const float *v, const size_t s[4], const size_t i[4]) {
  size_t at = 0;
  for (int d = 0; d < 4; d++) at = at * s[d] + (s[d] == 1 ? 0 : i[d]);
  return v[at];
}

START_TEST(binary_ops_broadcast_both_ways) {
  clcnn_context *ctx = support_context();
  /* rows of 19: a whole run of 16 and a ragged one */
  const size_t as[4] = {2, 1, 3, 1}, bs[4] = {1, 4, 1, 19}, ys[4] = {2, 4, 3, 19};
  const size_t na = 6, nb = 76, ny = 456;
  unsigned seed = 23;
  float *a = support_values(na, &seed, 0), *b = support_values(nb, &seed, 0), want[456];
  b[7] = 0.0f; /* a division by zero: infinities as IEEE gives them */
  const size_t flat_a[4] = {na, 1, 1, 1}, flat_b[4] = {nb, 1, 1, 1};
  clcnn_tensor *ta = make(ctx, flat_a, a), *tb = make(ctx, flat_b, b), *ty = make(ctx, ys, NULL);
  const float beta = -0.75f;
  for (int op = CLCNN_BINARY_ADD; op <= CLCNN_BINARY_PRELU; op++) {
    for (size_t e = 0; e < ny; e++) {
      const size_t i[4] = {e / 228, e / 57 % 4, e / 19 % 3, e % 19};
      float x = broadcast_at(a, as, i), z = beta * broadcast_at(b, bs, i);
      want[e] = op == CLCNN_BINARY_ADD   ? x + z
                : op == CLCNN_BINARY_SUB ? x - z
                : op == CLCNN_BINARY_MUL ? x * z
                : op == CLCNN_BINARY_DIV ? x / z
                : x < 0                  ? x * z
                                         : x;
    }
    expect_ok(clcnn_binary_broadcast(ctx, op, ta, as, tb, bs, beta, ty, ys), ctx);
    expect_near(ctx, ty, want, ny, 1e-6f);
  }
  /* in place over a whole first operand, then the rules */
  const float one[1] = {2.5f};
  const size_t single[4] = {1, 1, 1, 1};
  clcnn_tensor *scalar = make(ctx, single, one);
  float before[456];
  expect_ok(clcnn_tensor_read(ty, before, ny), ctx);
  for (size_t e = 0; e < ny; e++) want[e] = before[e] * 2.5f;
  expect_ok(clcnn_binary_broadcast(ctx, CLCNN_BINARY_MUL, ty, ys, scalar, single, 1.0f, ty, ys),
            ctx);
  expect_near(ctx, ty, want, ny, 0);
  const size_t wrong[4] = {1, 4, 1, 19};
  expect_error(clcnn_binary_broadcast(ctx, CLCNN_BINARY_ADD, ta, wrong, tb, bs, 1, ty, ys),
               CLCNN_INVALID_ARGUMENT, ctx, "a seen as 1x4x1x19 (76 elements) has 6");
  const size_t huge[4] = {(size_t)1 << 32, (size_t)1 << 32, 1, 1};
  expect_error(clcnn_binary_broadcast(ctx, CLCNN_BINARY_ADD, ta, as, tb, bs, 1, ty, huge),
               CLCNN_INVALID_ARGUMENT, ctx,
               "y seen as 4294967296x4294967296x1x1: more elements than size_t counts");
  const size_t mismatch[4] = {2, 3, 1, 1};
  expect_error(clcnn_binary_broadcast(ctx, CLCNN_BINARY_ADD, ta, mismatch, tb, bs, 1, ty, ys),
               CLCNN_INVALID_ARGUMENT, ctx, "dimension 1 is neither the output's nor 1");
  clcnn_tensor *part;
  expect_ok(clcnn_tensor_wrap(ctx, clcnn_tensor_buffer(ty), 0, 6, 1, 1, 1, &part), ctx);
  expect_error(clcnn_binary_broadcast(ctx, CLCNN_BINARY_ADD, part, as, tb, bs, 1, ty, ys),
               CLCNN_INVALID_ARGUMENT, ctx, "y overlaps a");
  expect_error(clcnn_binary_broadcast(ctx, (clcnn_binary_op)7, ta, as, tb, bs, 1, ty, ys),
               CLCNN_INVALID_ARGUMENT, ctx, "operation 7");
  clcnn_tensor *all[] = {ta, tb, ty, scalar, part};
  for (int k = 0; k < 5; k++) clcnn_tensor_destroy(all[k]);
  free(a);
  free(b);
  clcnn_context_destroy(ctx);
}
END_TEST

/* The activations of clcnn_unary in doubles, with the parameters p and q. */
static float ref_unary(clcnn_unary_op op, float p, float q, float v) {
  double x = v, t;
  switch (op) {
  case CLCNN_UNARY_LEAKY_RELU:
    return (float)(x < 0 ? p * x : x);
  case CLCNN_UNARY_HARD_SIGMOID:
    t = p * x + q;
    return (float)(t < 0 ? 0 : t > 1 ? 1 : t);
  case CLCNN_UNARY_HARD_SWISH:
    t = x / 6 + 0.5;
    return (float)(x * (t < 0 ? 0 : t > 1 ? 1 : t));
  case CLCNN_UNARY_ELU:
    return (float)(x < 0 ? p * (exp(x) - 1) : x);
  case CLCNN_UNARY_SELU:
    return (float)(q * (x < 0 ? p * (exp(x) - 1) : x));
  case CLCNN_UNARY_SOFTPLUS:
    return (float)log1p(exp(x));
  default:
    return (float)(x / (1 + fabs(x)));
  }
}

START_TEST(unary_ops_match_plain_c) {
  clcnn_context *ctx = support_context();
  enum { N = 37 };
  const size_t s[4] = {1, N, 1, 1};
  unsigned seed = 41;
  float *x = support_values(N, &seed, 0), want[N];
  x[0] = NAN, x[1] = 0.0f, x[2] = -3.0f, x[3] = 3.0f, x[4] = 60.0f; /* softplus past exp's range */
  for (size_t i = 5; i < N; i++) x[i] *= 8.0f;                      /* beyond the clamps */
  clcnn_tensor *tx = make(ctx, s, x), *ty = make(ctx, s, NULL);
  const float p = 0.3f, q = 0.4f;
  for (int op = CLCNN_UNARY_LEAKY_RELU; op <= CLCNN_UNARY_SOFTSIGN; op++) {
    for (size_t i = 0; i < N; i++) want[i] = ref_unary((clcnn_unary_op)op, p, q, x[i]);
    expect_ok(clcnn_unary(ctx, (clcnn_unary_op)op, p, q, tx, ty), ctx);
    expect_near(ctx, ty, want, N, 2e-6f * 60.0f);
  }
  expect_ok(clcnn_unary(ctx, CLCNN_UNARY_LEAKY_RELU, p, q, tx, tx), ctx); /* in place */
  for (size_t i = 0; i < N; i++) want[i] = ref_unary(CLCNN_UNARY_LEAKY_RELU, p, q, x[i]);
  expect_near(ctx, tx, want, N, 0);
  expect_error(clcnn_unary(ctx, (clcnn_unary_op)9, p, q, tx, ty), CLCNN_INVALID_ARGUMENT, ctx,
               "clcnn_unary: operation 9");
  const size_t t[4] = {1, N - 1, 1, 1};
  clcnn_tensor *wrong = make(ctx, t, NULL);
  expect_error(clcnn_unary(ctx, CLCNN_UNARY_ELU, p, q, tx, wrong), CLCNN_INVALID_ARGUMENT, ctx,
               "y is 1x36x1x1");
  clcnn_tensor_destroy(tx);
  clcnn_tensor_destroy(ty);
  clcnn_tensor_destroy(wrong);
  free(x);
  clcnn_context_destroy(ctx);
}
END_TEST

/* y[i][j] = alpha * op(A[i][j]) op(B[i][j]) in doubles, with the descriptor's strides. */
static void ref_products(const clcnn_matmul_desc *d, const float *a, const float *b, float *y) {
  for (size_t i = 0; i < d->batch[0]; i++)
    for (size_t j = 0; j < d->batch[1]; j++) {
      const float *am = a + i * d->a_stride[0] + j * d->a_stride[1];
      const float *bm = b + i * d->b_stride[0] + j * d->b_stride[1];
      float *ym = y + (i * d->batch[1] + j) * d->m * d->n;
      for (size_t r = 0; r < d->m; r++)
        for (size_t c = 0; c < d->n; c++) {
          double sum = 0;
          for (size_t t = 0; t < d->k; t++)
            sum += (double)(d->trans_a ? am[t * d->m + r] : am[r * d->k + t]) *
                   (d->trans_b ? bm[c * d->k + t] : bm[t * d->n + c]);
          ym[r * d->n + c] = (float)(d->alpha * sum);
        }
    }
}

START_TEST(matmul_batches_broadcasts_and_transposes) {
  clcnn_context *ctx = support_context();
  unsigned seed = 31;
  for (int t = 0; t < 4; t++) {
    /* A shared across the outer batch dimension (stride 0), B one per product */
    clcnn_matmul_desc d = {t & 1, t >> 1, 5, 7, 9, {2, 3}, {0, 45}, {3 * 63, 63}, 0.5f};
    size_t na = 3 * 45, nb = 6 * 63, ny = 6 * 35;
    float *a = support_values(na, &seed, 0), *b = support_values(nb, &seed, 0);
    float *want = malloc(ny * sizeof *want);
    ref_products(&d, a, b, want);
    const size_t sa[4] = {na, 1, 1, 1}, sb[4] = {nb, 1, 1, 1}, sy[4] = {ny, 1, 1, 1};
    clcnn_tensor *ta = make(ctx, sa, a), *tb = make(ctx, sb, b), *ty = make(ctx, sy, NULL);
    expect_ok(clcnn_matmul(ctx, &d, ta, tb, ty), ctx);
    expect_near(ctx, ty, want, ny, 1e-5f);
    if (t == 0) {
      d.b_stride[0] = 4 * 63; /* the last B would end past the tensor */
      expect_error(clcnn_matmul(ctx, &d, ta, tb, ty), CLCNN_INVALID_ARGUMENT, ctx,
                   "b holds 378 elements; its last matrix of 63 starts at 378");
      d.b_stride[0] = 3 * 63;
      d.m = 6;
      expect_error(clcnn_matmul(ctx, &d, ta, tb, ty), CLCNN_INVALID_ARGUMENT, ctx,
                   "2x3 products of 6x7 make 252 elements, y holds 210");
      d.m = 5;
      clcnn_tensor *over_b;
      expect_ok(clcnn_tensor_wrap(ctx, clcnn_tensor_buffer(tb), 0, ny, 1, 1, 1, &over_b), ctx);
      expect_error(clcnn_matmul(ctx, &d, ta, tb, over_b), CLCNN_INVALID_ARGUMENT, ctx,
                   "y overlaps b");
      clcnn_tensor_destroy(over_b);
      d.k = 0;
      expect_error(clcnn_matmul(ctx, &d, ta, tb, ty), CLCNN_INVALID_ARGUMENT, ctx,
                   "m=5 n=7 k=0 batch 2x3");
    }
    clcnn_tensor *all[] = {ta, tb, ty};
    for (int k = 0; k < 3; k++) clcnn_tensor_destroy(all[k]);
    free(a);
    free(b);
    free(want);
  }
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(clip_and_relu6_keep_nan) {
  clcnn_context *ctx = support_context();
  const size_t s[4] = {1, 8, 1, 1};
  const float x[8] = {-3, -0.5f, 0, 2, 5.5f, 6, 9, NAN};
  const float clip[8] = {-1, -0.5f, 0, 2, 3, 3, 3, NAN};
  const float relu6[8] = {0, 0, 0, 2, 5.5f, 6, 6, NAN};
  const float relu6_grad[8] = {0, 0, 0, 1, 1, 0, 0, 1};
  const float ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  clcnn_tensor *tx = make(ctx, s, x), *ty = make(ctx, s, NULL), *tg = make(ctx, s, ones);
  expect_ok(clcnn_clip(ctx, tx, -1, 3, ty), ctx);
  expect_near(ctx, ty, clip, 8, 0);
  expect_ok(clcnn_clip(ctx, tx, -INFINITY, INFINITY, ty), ctx);
  expect_near(ctx, ty, x, 8, 0);
  expect_ok(clcnn_activation_forward(ctx, CLCNN_ACT_RELU6, tx, ty), ctx);
  expect_near(ctx, ty, relu6, 8, 0);
  expect_ok(clcnn_activation_backward(ctx, CLCNN_ACT_RELU6, ty, tg, tg), ctx);
  expect_near(ctx, tg, relu6_grad, 8, 0);
  expect_ok(clcnn_clip(ctx, tx, 0, 6, tx), ctx); /* in place */
  expect_near(ctx, tx, relu6, 8, 0);
  expect_error(clcnn_clip(ctx, tx, 2, 1, ty), CLCNN_INVALID_ARGUMENT, ctx,
               "lo = 2, hi = 1 must be numbers with lo <= hi");
  expect_error(clcnn_clip(ctx, tx, NAN, 1, ty), CLCNN_INVALID_ARGUMENT, ctx, "lo = nan");
  clcnn_tensor_destroy(tx);
  clcnn_tensor_destroy(ty);
  clcnn_tensor_destroy(tg);
  clcnn_context_destroy(ctx);
}
END_TEST

static void ref_softmax(const size_t s[4], const float *x, float *y) {
  const size_t hw = s[2] * s[3];
  for (size_t n = 0; n < s[0]; n++)
    for (size_t p = 0; p < hw; p++) {
      const float *in = x + n * s[1] * hw + p;
      double m = -INFINITY, sum = 0;
      for (size_t c = 0; c < s[1]; c++) m = in[c * hw] > m ? in[c * hw] : m;
      for (size_t c = 0; c < s[1]; c++) sum += exp(in[c * hw] - m);
      for (size_t c = 0; c < s[1]; c++)
        y[n * s[1] * hw + p + c * hw] = (float)(exp(in[c * hw] - m) / sum);
    }
}

START_TEST(softmax_over_channels) {
  clcnn_context *ctx = support_context();
  const size_t s[4] = {2, 5, 3, 2}, n = 60;
  unsigned seed = 5;
  float *x = support_values(n, &seed, 0), want[60];
  for (size_t i = 0; i < n; i++) x[i] *= 30.0f; /* large logits: the max must be subtracted */
  x[7] = 1000.0f;
  ref_softmax(s, x, want);
  clcnn_tensor *tx = make(ctx, s, x), *ty = make(ctx, s, NULL);
  expect_ok(clcnn_softmax_forward(ctx, tx, ty), ctx);
  expect_near(ctx, ty, want, n, 1e-6f);
  expect_ok(clcnn_softmax_forward(ctx, tx, tx), ctx);
  expect_near(ctx, tx, want, n, 1e-6f);
  const size_t t[4] = {2, 5, 2, 3};
  clcnn_tensor *wrong = make(ctx, t, NULL);
  expect_error(clcnn_softmax_forward(ctx, tx, wrong), CLCNN_INVALID_ARGUMENT, ctx,
               "y is 2x5x2x3, expected 2x5x3x2");
  clcnn_tensor_destroy(tx);
  clcnn_tensor_destroy(ty);
  clcnn_tensor_destroy(wrong);
  free(x);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(concat_channels_of_three) {
  clcnn_context *ctx = support_context();
  const size_t c[3] = {2, 1, 3}, hw = 6, n = 2;
  unsigned seed = 9;
  clcnn_tensor *xs[3];
  float *v[3], want[2 * 6 * 6];
  size_t at = 0;
  for (int i = 0; i < 3; i++) {
    const size_t s[4] = {n, c[i], 2, 3};
    v[i] = support_values(n * c[i] * hw, &seed, 0);
    xs[i] = make(ctx, s, v[i]);
  }
  for (size_t b = 0; b < n; b++)
    for (int i = 0; i < 3; i++)
      for (size_t k = 0; k < c[i] * hw; k++) want[at++] = v[i][b * c[i] * hw + k];
  const size_t ys[4] = {n, 6, 2, 3};
  clcnn_tensor *y = make(ctx, ys, NULL);
  expect_ok(clcnn_concat_channels(ctx, (const clcnn_tensor *const *)xs, 3, y), ctx);
  expect_near(ctx, y, want, n * 6 * hw, 0);
  expect_error(clcnn_concat_channels(ctx, (const clcnn_tensor *const *)xs, 2, y),
               CLCNN_INVALID_ARGUMENT, ctx, "the inputs have 3 channels in all, y has 6");
  expect_error(clcnn_concat_channels(ctx, (const clcnn_tensor *const *)xs, 0, y),
               CLCNN_INVALID_ARGUMENT, ctx, "count is 0");
  const clcnn_tensor *self[2] = {xs[0], y};
  expect_error(clcnn_concat_channels(ctx, self, 2, y), CLCNN_INVALID_ARGUMENT, ctx,
               "y overlaps xs[1]");
  const size_t other[4] = {n, 1, 3, 2};
  clcnn_tensor *odd = make(ctx, other, NULL);
  const clcnn_tensor *bad[2] = {xs[0], odd};
  expect_error(clcnn_concat_channels(ctx, bad, 2, y), CLCNN_INVALID_ARGUMENT, ctx,
               "xs[1] is 2x1x3x2, expected 2x(any)x2x3");
  for (int i = 0; i < 3; i++) {
    clcnn_tensor_destroy(xs[i]);
    free(v[i]);
  }
  clcnn_tensor_destroy(y);
  clcnn_tensor_destroy(odd);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(batchnorm_per_channel) {
  clcnn_context *ctx = support_context();
  const size_t s[4] = {2, 3, 2, 2}, pc[4] = {1, 3, 1, 1}, n = 24;
  unsigned seed = 21;
  float *x = support_values(n, &seed, 0), want[24];
  const float scale[3] = {1.5f, -0.5f, 2}, shift[3] = {0.1f, 0.2f, -0.3f};
  const float mean[3] = {0.25f, -0.1f, 0}, var[3] = {0.5f, 2, 0.01f}, eps = 1e-5f;
  for (size_t i = 0; i < n; i++) {
    size_t ch = (i / 4) % 3;
    want[i] = (float)((x[i] - mean[ch]) / sqrt((double)var[ch] + eps) * scale[ch] + shift[ch]);
  }
  clcnn_tensor *tx = make(ctx, s, x), *ty = make(ctx, s, NULL);
  clcnn_tensor *p[4] = {make(ctx, pc, scale), make(ctx, pc, shift), make(ctx, pc, mean),
                        make(ctx, pc, var)};
  expect_ok(clcnn_batchnorm_inference(ctx, tx, p[0], p[1], p[2], p[3], eps, ty), ctx);
  expect_near(ctx, ty, want, n, 1e-5f);
  expect_ok(clcnn_batchnorm_inference(ctx, tx, p[0], p[1], p[2], p[3], eps, tx), ctx);
  expect_near(ctx, tx, want, n, 1e-5f);
  expect_error(clcnn_batchnorm_inference(ctx, tx, p[0], p[1], p[2], p[3], -1, ty),
               CLCNN_INVALID_ARGUMENT, ctx, "eps = -1");
  expect_error(clcnn_batchnorm_inference(ctx, tx, p[0], tx, p[2], p[3], eps, ty),
               CLCNN_INVALID_ARGUMENT, ctx, "shift is 2x3x2x2, expected 1x3x1x1");
  expect_error(clcnn_batchnorm_inference(ctx, tx, p[0], p[1], p[2], p[3], eps, p[3]),
               CLCNN_INVALID_ARGUMENT, ctx, "y is 1x3x1x1, expected 2x3x2x2");
  for (int i = 0; i < 4; i++) clcnn_tensor_destroy(p[i]);
  clcnn_tensor_destroy(tx);
  clcnn_tensor_destroy(ty);
  free(x);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(pad2d_places_planes_in_zeros) {
  clcnn_context *ctx = support_context();
  const size_t s[4] = {2, 3, 4, 5}, ys[4] = {2, 3, 4 + 1 + 2, 5 + 3 + 0}, n = 120;
  unsigned seed = 31;
  float *x = support_values(n, &seed, 0), want[2 * 3 * 7 * 8];
  for (size_t plane = 0; plane < 6; plane++)
    for (size_t p = 0; p < 7; p++)
      for (size_t q = 0; q < 8; q++) {
        int i = (int)p - 1, j = (int)q - 3;
        want[(plane * 7 + p) * 8 + q] = i >= 0 && i < 4 && j >= 0 ? x[(plane * 4 + i) * 5 + j] : 0;
      }
  clcnn_tensor *tx = make(ctx, s, x), *ty = make(ctx, ys, NULL);
  expect_ok(clcnn_pad2d(ctx, tx, 1, 2, 3, 0, ty), ctx);
  expect_near(ctx, ty, want, 2 * 3 * 7 * 8, 0);
  expect_error(clcnn_pad2d(ctx, tx, 1, 2, 3, 1, ty), CLCNN_INVALID_ARGUMENT, ctx,
               "y is 2x3x7x8, expected 2x3x7x9");
  expect_error(clcnn_pad2d(ctx, tx, 0, 0, 0, 0, tx), CLCNN_INVALID_ARGUMENT, ctx, "y overlaps x");
  expect_error(clcnn_pad2d(ctx, tx, (size_t)1 << 21, 0, 0, 0, ty), CLCNN_INVALID_ARGUMENT, ctx,
               "exceed");
  clcnn_tensor_destroy(tx);
  clcnn_tensor_destroy(ty);
  free(x);
  clcnn_context_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("network");
  TCase *tc = support_tcase("ops");
  tcase_add_test(tc, add_out_of_place_and_in_place);
  tcase_add_test(tc, clip_and_relu6_keep_nan);
  tcase_add_test(tc, softmax_over_channels);
  tcase_add_test(tc, concat_channels_of_three);
  tcase_add_test(tc, batchnorm_per_channel);
  tcase_add_test(tc, pad2d_places_planes_in_zeros);
  tcase_add_test(tc, binary_ops_broadcast_both_ways);
  tcase_add_test(tc, unary_ops_match_plain_c);
  tcase_add_test(tc, matmul_batches_broadcasts_and_transposes);
  suite_add_tcase(suite, tc);
  return support_run(suite);
}

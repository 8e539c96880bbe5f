/* Activations, softmax cross-entropy and SGD against hand-computed values, and their
   bad-input rules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static clcnn_tensor *tensor_of(clcnn_context *ctx, size_t n, size_t c, const float *v) {
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_create(ctx, n, c, 1, 1, &t), ctx);
  if (v) expect_ok(clcnn_tensor_write(t, v, n * c), ctx);
  return t;
}

static void expect_values(clcnn_context *ctx, const clcnn_tensor *t, const float *want, size_t n,
                          float tol) {
  float got[16];
  expect_ok(clcnn_tensor_read(t, got, n), ctx);
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(fabsf(got[i] - want[i]) <= tol, "[%zu] = %.8g, expected %.8g", i, got[i],
                  want[i]);
}

START_TEST(activations_forward_and_backward) {
  clcnn_context *ctx = support_context();
  const float x[4] = {-1.0f, 0.0f, 2.0f, 0.5f}, ones[4] = {1, 1, 1, 1};
  clcnn_tensor *tx = tensor_of(ctx, 1, 4, x), *ty = tensor_of(ctx, 1, 4, NULL);
  clcnn_tensor *tdy = tensor_of(ctx, 1, 4, ones), *tdx = tensor_of(ctx, 1, 4, NULL);
  expect_ok(clcnn_activation_forward(ctx, CLCNN_ACT_RELU, tx, ty), ctx);
  expect_values(ctx, ty, (const float[]){0, 0, 2, 0.5f}, 4, 0);
  expect_ok(clcnn_activation_backward(ctx, CLCNN_ACT_RELU, ty, tdy, tdx), ctx);
  expect_values(ctx, tdx, (const float[]){0, 0, 1, 1}, 4, 0);
  expect_ok(clcnn_activation_forward(ctx, CLCNN_ACT_SIGMOID, tx, ty), ctx);
  float s[4];
  for (int i = 0; i < 4; i++) s[i] = 1.0f / (1.0f + expf(-x[i]));
  expect_values(ctx, ty, s, 4, 1e-6f);
  expect_ok(clcnn_activation_backward(ctx, CLCNN_ACT_SIGMOID, ty, tdy, tdy), ctx); /* in place */
  for (int i = 0; i < 4; i++) s[i] = s[i] * (1 - s[i]);
  expect_values(ctx, tdy, s, 4, 1e-6f);
  expect_ok(clcnn_activation_forward(ctx, CLCNN_ACT_TANH, tx, tx), ctx); /* in place */
  float t[4];
  for (int i = 0; i < 4; i++) t[i] = tanhf(x[i]);
  expect_values(ctx, tx, t, 4, 1e-6f);
  expect_ok(clcnn_tensor_write(tdy, ones, 4), ctx);
  expect_ok(clcnn_activation_backward(ctx, CLCNN_ACT_TANH, tx, tdy, tdx), ctx);
  for (int i = 0; i < 4; i++) t[i] = 1 - t[i] * t[i];
  expect_values(ctx, tdx, t, 4, 1e-6f);
  expect_error(clcnn_activation_forward(ctx, 4, tx, ty), CLCNN_INVALID_ARGUMENT, ctx,
               "unknown activation 4");
  clcnn_tensor *wrong = tensor_of(ctx, 1, 5, NULL);
  expect_error(clcnn_activation_forward(ctx, CLCNN_ACT_RELU, tx, wrong), CLCNN_INVALID_ARGUMENT,
               ctx, "y is 1x5x1x1, expected 1x4x1x1");
  expect_error(clcnn_activation_backward(ctx, CLCNN_ACT_RELU, ty, tdy, ty), CLCNN_INVALID_ARGUMENT,
               ctx, "dx overlaps y");
  clcnn_tensor *all[] = {tx, ty, tdy, tdx, wrong};
  for (int i = 0; i < 5; i++) clcnn_tensor_destroy(all[i]);
  clcnn_context_destroy(ctx);
}
END_TEST

/* NaN goes through every activation as in PyTorch: the output is NaN, and ReLU's gradient,
   zero only where y <= 0, passes dy on where y is NaN; sigmoid's and tanh's are NaN. */
START_TEST(activations_propagate_nan) {
  clcnn_context *ctx = support_context();
  const float x[3] = {NAN, -1.0f, 2.0f}, ones[3] = {1, 1, 1};
  const int acts[] = {CLCNN_ACT_RELU, CLCNN_ACT_SIGMOID, CLCNN_ACT_TANH};
  clcnn_tensor *tx = tensor_of(ctx, 1, 3, x), *ty = tensor_of(ctx, 1, 3, NULL);
  clcnn_tensor *tdy = tensor_of(ctx, 1, 3, ones), *tdx = tensor_of(ctx, 1, 3, NULL);
  for (int a = 0; a < 3; a++) {
    float y[3], dx[3];
    expect_ok(clcnn_activation_forward(ctx, acts[a], tx, ty), ctx);
    expect_ok(clcnn_tensor_read(ty, y, 3), ctx);
    ck_assert_msg(isnan(y[0]), "activation %d: f(NaN) = %g", acts[a], y[0]);
    ck_assert_msg(!isnan(y[1]) && !isnan(y[2]), "activation %d: NaN leaked", acts[a]);
    expect_ok(clcnn_activation_backward(ctx, acts[a], ty, tdy, tdx), ctx);
    expect_ok(clcnn_tensor_read(tdx, dx, 3), ctx);
    if (acts[a] == CLCNN_ACT_RELU)
      ck_assert_msg(dx[0] == 1.0f && dx[1] == 0.0f && dx[2] == 1.0f, "relu dx %g %g %g", dx[0],
                    dx[1], dx[2]);
    else
      ck_assert_msg(isnan(dx[0]) && !isnan(dx[1]), "activation %d: dx %g %g", acts[a], dx[0],
                    dx[1]);
  }
  clcnn_tensor *all[] = {tx, ty, tdy, tdx};
  for (int i = 0; i < 4; i++) clcnn_tensor_destroy(all[i]);
  clcnn_context_destroy(ctx);
}
END_TEST

/* logits [[0, 0], [ln 3, 0]], labels [0, 1]: softmax rows [1/2, 1/2] and [3/4, 1/4], losses
   ln 2 and ln 4, mean 1.5 ln 2; gradients ([1/2, 1/2] - [1, 0]) / 2 and ([3/4, 1/4] - [0, 1]) / 2.
 */
START_TEST(softmax_cross_entropy_hand_computed) {
  clcnn_context *ctx = support_context();
  clcnn_tensor *logits = tensor_of(ctx, 2, 2, (const float[]){0, 0, logf(3.0f), 0});
  clcnn_tensor *labels = tensor_of(ctx, 2, 1, (const float[]){0, 1});
  clcnn_tensor *d = tensor_of(ctx, 2, 2, NULL);
  float loss = 0;
  expect_ok(clcnn_softmax_cross_entropy(ctx, logits, labels, &loss, d), ctx);
  ck_assert_msg(fabsf(loss - 1.5f * logf(2.0f)) < 1e-6f, "loss %.8g", loss);
  expect_values(ctx, d, (const float[]){-0.25f, 0.25f, 0.375f, -0.375f}, 4, 1e-6f);
  expect_ok(clcnn_softmax_cross_entropy(ctx, logits, labels, NULL, d), ctx);
  expect_ok(clcnn_softmax_cross_entropy(ctx, logits, labels, &loss, NULL), ctx);
  expect_ok(clcnn_tensor_fill(d, 7.0f), ctx);
  const float bad_labels[][2] = {{0, 2}, {-1, 0}, {0.5f, 1}, {NAN, 0}};
  for (int i = 0; i < 4; i++) {
    expect_ok(clcnn_tensor_write(labels, bad_labels[i], 2), ctx);
    expect_error(clcnn_softmax_cross_entropy(ctx, logits, labels, &loss, d), CLCNN_INVALID_ARGUMENT,
                 ctx, "is not a class index in 0..1");
  }
  expect_values(ctx, d, (const float[]){7, 7, 7, 7}, 4, 0); /* untouched */
  clcnn_tensor *wide = tensor_of(ctx, 3, 1, NULL);
  expect_error(clcnn_softmax_cross_entropy(ctx, logits, wide, &loss, d), CLCNN_INVALID_ARGUMENT,
               ctx, "labels is 3x1x1x1, expected 2x1x1x1");
  clcnn_tensor *all[] = {logits, labels, d, wide};
  for (int i = 0; i < 4; i++) clcnn_tensor_destroy(all[i]);
  clcnn_context_destroy(ctx);
}
END_TEST

/* w [1, 2], g [0.5, -1], v [0.1, 0.2], lr 0.1, momentum 0.9, weight decay 0.01:
   g' = [0.51, -0.98]; v = [0.6, -0.8]; w = [0.94, 2.08]. */
START_TEST(sgd_follows_pytorch_rule) {
  clcnn_context *ctx = support_context();
  clcnn_tensor *w = tensor_of(ctx, 1, 2, (const float[]){1, 2});
  clcnn_tensor *g = tensor_of(ctx, 1, 2, (const float[]){0.5f, -1});
  clcnn_tensor *v = tensor_of(ctx, 1, 2, (const float[]){0.1f, 0.2f});
  expect_ok(clcnn_sgd_step(ctx, w, g, v, 0.1f, 0.9f, 0.01f), ctx);
  expect_values(ctx, v, (const float[]){0.6f, -0.8f}, 2, 1e-6f);
  expect_values(ctx, w, (const float[]){0.94f, 2.08f}, 2, 1e-6f);
  expect_ok(clcnn_sgd_step(ctx, w, g, NULL, 0.5f, 0.0f, 0.0f), ctx); /* plain SGD */
  expect_values(ctx, w, (const float[]){0.69f, 2.58f}, 2, 1e-6f);
  expect_error(clcnn_sgd_step(ctx, w, g, NULL, 0.1f, 0.9f, 0), CLCNN_INVALID_ARGUMENT, ctx,
               "v must be NULL exactly when momentum is 0");
  expect_error(clcnn_sgd_step(ctx, w, g, v, 0.1f, 0.0f, 0), CLCNN_INVALID_ARGUMENT, ctx,
               "momentum 0, v given");
  expect_error(clcnn_sgd_step(ctx, w, g, NULL, NAN, 0, 0), CLCNN_INVALID_ARGUMENT, ctx,
               "must be finite");
  expect_error(clcnn_sgd_step(ctx, w, w, NULL, 0.1f, 0, 0), CLCNN_INVALID_ARGUMENT, ctx,
               "w overlaps g");
  clcnn_tensor *all[] = {w, g, v};
  for (int i = 0; i < 3; i++) clcnn_tensor_destroy(all[i]);
  clcnn_context_destroy(ctx);
}
END_TEST

static Suite *training_suite(void) {
  Suite *s = suite_create("training");
  TCase *tc = support_tcase("blocks");
  tcase_add_test(tc, activations_forward_and_backward);
  tcase_add_test(tc, activations_propagate_nan);
  tcase_add_test(tc, softmax_cross_entropy_hand_computed);
  tcase_add_test(tc, sgd_follows_pytorch_rule);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return support_run(training_suite());
}

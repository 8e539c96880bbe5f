/* The CLBlast boundary (src/gemm) against a naive double-precision product. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm/gemm.h"
#include "support.h"

/* Reference: C = alpha * op(A) op(B) + beta * C, row-major, as documented in gemm.h. */
static void naive_gemm(const clcnn_gemm_desc *g, const float *a, const float *b, float *c) {
  for (size_t i = 0; i < g->m; i++)
    for (size_t j = 0; j < g->n; j++) {
      double sum = 0;
      for (size_t p = 0; p < g->k; p++) {
        double av = g->trans_a ? a[p * g->lda + i] : a[i * g->lda + p];
        double bv = g->trans_b ? b[j * g->ldb + p] : b[p * g->ldb + j];
        sum += av * bv;
      }
      float *cv = &c[i * g->ldc + j];
      *cv = (float)(g->alpha * sum + (g->beta == 0.0f ? 0.0 : g->beta * (double)*cv));
    }
}

typedef struct device_matrix {
  clcnn_tensor *t;
  float *host;
  size_t count;
} device_matrix;

static device_matrix matrix_upload(clcnn_context *ctx, size_t count, unsigned seed) {
  device_matrix m = {NULL, malloc(count * sizeof(float)), count};
  for (size_t i = 0; i < count; i++) /* integers: exact in float */
    m.host[i] = (float)((int)(support_random(&seed) % 9) - 4);
  expect_ok(clcnn_tensor_create(ctx, 1, 1, 1, count, &m.t), ctx);
  expect_ok(clcnn_tensor_write(m.t, m.host, count), ctx);
  return m;
}

static void matrix_free(device_matrix *m) {
  clcnn_tensor_destroy(m->t);
  free(m->host);
}

/* One product with a canary region before and after every matrix (offsets and padding). */
static void check_product(clcnn_context *ctx, int ta, int tb, size_t m, size_t n, size_t k,
                          float alpha, float beta, size_t pad) {
  clcnn_gemm_desc g = {
      ta,   tb, m,      n, k, alpha, beta, NULL, 7, (ta ? m : k) + pad, NULL, 3, (tb ? k : n) + pad,
      NULL, 5,  n + pad};
  size_t a_rows = ta ? k : m, b_rows = tb ? n : k;
  device_matrix a = matrix_upload(ctx, g.a_offset + a_rows * g.lda + 4, 1);
  device_matrix b = matrix_upload(ctx, g.b_offset + b_rows * g.ldb + 4, 2);
  device_matrix c = matrix_upload(ctx, g.c_offset + m * g.ldc + 4, 3);
  g.a = clcnn_tensor_buffer(a.t);
  g.b = clcnn_tensor_buffer(b.t);
  g.c = clcnn_tensor_buffer(c.t);
  float *expected = malloc(c.count * sizeof(float)), *got = malloc(c.count * sizeof(float));
  memcpy(expected, c.host, c.count * sizeof(float));
  naive_gemm(&g, a.host + g.a_offset, b.host + g.b_offset, expected + g.c_offset);
  expect_ok(clcnn_gemm(ctx, &g), ctx);
  expect_ok(clcnn_tensor_read(c.t, got, c.count), ctx);
  for (size_t i = 0; i < c.count; i++)
    ck_assert_msg(got[i] == expected[i], "m%zu n%zu k%zu ta%d tb%d: C[%zu] = %g, expected %g", m, n,
                  k, ta, tb, i, got[i], expected[i]);
  free(expected);
  free(got);
  matrix_free(&a);
  matrix_free(&b);
  matrix_free(&c);
}

START_TEST(sgemm_matches_naive_product) {
  clcnn_context *ctx = support_context();
  check_product(ctx, 0, 0, 5, 7, 3, 1.0f, 0.0f, 0);
  check_product(ctx, 0, 0, 33, 17, 65, 2.0f, 1.0f, 3);
  check_product(ctx, 1, 0, 9, 20, 11, 1.0f, -1.0f, 1);
  check_product(ctx, 0, 1, 16, 5, 40, 0.5f, 0.0f, 2);
  check_product(ctx, 1, 1, 3, 31, 8, 1.0f, 2.0f, 0);
  check_product(ctx, 0, 0, 4, 6, 0, 1.0f, 3.0f, 1); /* k == 0: C = beta C, no CLBlast */
  check_product(ctx, 0, 0, 4, 6, 0, 1.0f, 0.0f, 0);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(strided_batched_matches_naive_products) {
  clcnn_context *ctx = support_context();
  const size_t batch = 3, m = 6, n = 10, k = 13;
  const size_t sa = m * k + 5, sb = k * n + 2, sc = m * n + 3;
  device_matrix a = matrix_upload(ctx, 1 + batch * sa, 4),
                b = matrix_upload(ctx, 2 + batch * sb, 5);
  device_matrix c = matrix_upload(ctx, 3 + batch * sc, 6);
  clcnn_gemm_desc g = {0,
                       0,
                       m,
                       n,
                       k,
                       1.0f,
                       0.5f,
                       clcnn_tensor_buffer(a.t),
                       1,
                       k,
                       clcnn_tensor_buffer(b.t),
                       2,
                       n,
                       clcnn_tensor_buffer(c.t),
                       3,
                       n};
  float *expected = malloc(c.count * sizeof(float)), *got = malloc(c.count * sizeof(float));
  memcpy(expected, c.host, c.count * sizeof(float));
  for (size_t i = 0; i < batch; i++)
    naive_gemm(&g, a.host + 1 + i * sa, b.host + 2 + i * sb, expected + 3 + i * sc);
  expect_ok(clcnn_gemm_strided_batched(ctx, &g, sa, sb, sc, batch), ctx);
  expect_ok(clcnn_tensor_read(c.t, got, c.count), ctx);
  for (size_t i = 0; i < c.count; i++)
    ck_assert_msg(got[i] == expected[i], "C[%zu] = %g, expected %g", i, got[i], expected[i]);
  free(expected);
  free(got);
  matrix_free(&a);
  matrix_free(&b);
  matrix_free(&c);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(bad_gemm_arguments) {
  clcnn_context *ctx = support_context();
  device_matrix a = matrix_upload(ctx, 16, 7);
  cl_mem buf = clcnn_tensor_buffer(a.t);
  clcnn_gemm_desc g = {0, 0, 4, 4, 4, 1.0f, 0.0f, buf, 0, 3, buf, 0, 4, buf, 0, 4};
  expect_error(clcnn_gemm(ctx, &g), CLCNN_INVALID_ARGUMENT, ctx, "lda=3");
  g.lda = 4;
  g.c = NULL;
  expect_error(clcnn_gemm(ctx, &g), CLCNN_INVALID_ARGUMENT, ctx, "matrix C is NULL");
  g.c = buf;
  g.m = 8; /* A would need 32 floats, the buffer has 16: CLBlast says so */
  expect_error(clcnn_gemm(ctx, &g), CLCNN_GEMM_ERROR, ctx, "CLBlastInsufficientMemory");
  g.m = 0; /* empty products never reach CLBlast */
  expect_ok(clcnn_gemm(ctx, &g), ctx);
  expect_ok(clcnn_gemm_strided_batched(ctx, &g, 0, 0, 0, 0), ctx);
  ck_assert_str_eq(clcnn_clblast_status_name(-1016), "CLBlastInvalidLeadDimA");
  matrix_free(&a);
  clcnn_context_destroy(ctx);
}
END_TEST

static Suite *gemm_suite(void) {
  Suite *s = suite_create("gemm");
  TCase *tc = support_tcase("gemm");
  tcase_add_test(tc, sgemm_matches_naive_product);
  tcase_add_test(tc, strided_batched_matches_naive_products);
  tcase_add_test(tc, bad_gemm_arguments);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return support_run(gemm_suite());
}

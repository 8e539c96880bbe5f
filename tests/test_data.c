/* The IDX reader on good and corrupted files, and a short LeNet training run that must
   learn (loss below a threshold), on the real Fashion-MNIST files. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fashion_mnist.h"
#include "idx_reader.h"
#include "lenet.h"
#include "onnx_writer.h"
#include "support.h"

static void write_bytes(const char *path, const unsigned char *data, size_t size, int gzip) {
  if (gzip) {
    gzFile f = gzopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gzwrite(f, data, (unsigned)size), (int)size);
    gzclose(f);
    return;
  }
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fwrite(data, 1, size, f);
  fclose(f);
}

/* An IDX image file: magic, 2 items of 2 x 3, then the pixels 0..11 (minus `cut` bytes). */
static size_t image_file(unsigned char *buf, uint32_t magic, uint32_t n, uint32_t h, uint32_t w,
                         size_t cut) {
  uint32_t head[4] = {magic, n, h, w};
  size_t size = 0;
  for (int i = 0; i < 4; i++)
    for (int b = 3; b >= 0; b--) buf[size++] = (unsigned char)(head[i] >> (8 * b));
  for (int i = 0; i < 12; i++) buf[size++] = (unsigned char)i;
  return size - cut;
}

START_TEST(idx_reader_accepts_good_and_rejects_corrupt_files) {
  char dir[256], path[512], err[512];
  support_make_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/file", dir);
  unsigned char buf[64];
  idx_data d;
  for (int gzip = 0; gzip <= 1; gzip++) {
    write_bytes(path, buf, image_file(buf, 0x803, 2, 2, 3, 0), gzip);
    ck_assert_msg(idx_load(path, 3, &d, err, sizeof err) == 0, "%s", err);
    ck_assert(d.dims[0] == 2 && d.dims[1] == 2 && d.dims[2] == 3 && d.bytes[11] == 11);
    idx_free(&d);
  }
  struct {
    uint32_t magic, n, h, w;
    size_t cut;
    int rank;
    const char *message;
  } bad[] = {
      {0x803, 2, 2, 3, 1, 3, "truncated: fewer than the 12 data bytes"},
      {0x803, 2, 2, 3, 20, 3, "truncated header"},
      {0x802, 2, 2, 3, 0, 3, "bad magic 0x00000802, expected 0x00000803"},
      {0x803, 2, 2, 3, 0, 1, "bad magic 0x00000803, expected 0x00000801"},
      {0x803, 0, 2, 3, 0, 3, "are empty"},
      {0x803, 0x10000, 0x10000, 0x10000, 0, 3, "over 2147483648 bytes"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    write_bytes(path, buf, image_file(buf, bad[i].magic, bad[i].n, bad[i].h, bad[i].w, bad[i].cut),
                (int)i % 2);
    ck_assert_int_eq(idx_load(path, bad[i].rank, &d, err, sizeof err), -1);
    ck_assert_msg(strstr(err, bad[i].message) && strstr(err, path), "case %zu: '%s'", i, err);
  }
  snprintf(path, sizeof path, "%s/missing", dir);
  ck_assert_int_eq(idx_load(path, 1, &d, err, sizeof err), -1);
  ck_assert_msg(strstr(err, "No such file") && strstr(err, "missing"), "%s", err);
  dataset ds;
  ck_assert_int_eq(dataset_load(dir, 1, &ds, err, sizeof err), -1);
  ck_assert_msg(strstr(err, "train-images-idx3-ubyte"), "%s", err);
  support_remove_tree(dir);
}
END_TEST

/* 120 SGD steps (5 passes over 6144 real images): the loss has to fall well below chance
   (ln 10 = 2.30). */
START_TEST(short_training_run_learns) {
  char err[512];
  dataset train;
  ck_assert_msg(dataset_load(FASHION_MNIST_DEFAULT_DIR, 1, &train, err, sizeof err) == 0,
                "Fashion-MNIST is missing (install dataset-fashion-mnist): %s", err);
  clcnn_context *ctx = support_context();
  lenet net;
  expect_ok(lenet_create(ctx, CLCNN_ACT_RELU, CLCNN_POOL_MAX, 7, &net), ctx);
  lenet_batch *b;
  expect_ok(lenet_batch_for(&net, 256, &b), ctx);
  float first = 0, last = 0;
  for (int epoch = 0; epoch < 5; epoch++)
    for (size_t step = 0; step < 24; step++) {
      expect_ok(clcnn_tensor_write(b->x, train.images + step * 256 * 784, 256 * 784), ctx);
      expect_ok(clcnn_tensor_write(b->labels, train.labels + step * 256, 256), ctx);
      expect_ok(lenet_train_step(&net, b, 0.05f, 0.9f, &last), ctx);
      if (epoch == 0 && step == 0) first = last;
    }
  ck_assert_msg(first > 2.0f && last < 1.5f, "loss went from %.3f to %.3f", first, last);
  lenet_destroy(&net);
  clcnn_context_destroy(ctx);
  dataset_free(&train);
}
END_TEST

/* A trained-then-saved LeNet (sigmoid, average pooling: the less common branches) loaded
   back through the ONNX loader gives the logits of the network it was saved from. */
START_TEST(saved_lenet_runs_as_onnx_model) {
  clcnn_context *ctx = support_context();
  lenet net;
  expect_ok(lenet_create(ctx, CLCNN_ACT_SIGMOID, CLCNN_POOL_AVG, 3, &net), ctx);
  lenet_batch *b;
  expect_ok(lenet_batch_for(&net, 5, &b), ctx);
  unsigned seed = 4;
  float *x = support_values(5 * 784, &seed, 0), want[50], got[50];
  expect_ok(clcnn_tensor_write(b->x, x, 5 * 784), ctx);
  expect_ok(lenet_forward(&net, b), ctx);
  expect_ok(clcnn_tensor_read(b->z5, want, 50), ctx);
  char dir[256], path[300];
  support_make_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/lenet.onnx", dir);
  expect_ok(lenet_save_onnx(&net, path), ctx);
  clcnn_model *m;
  expect_ok(clcnn_model_load(ctx, path, 5, &m), ctx);
  ck_assert_str_eq(clcnn_model_input_name(m, 0), "input");
  ck_assert_str_eq(clcnn_model_output_name(m, 0), "logits");
  ck_assert_int_eq(clcnn_model_output_rank(m, 0), 2);
  clcnn_tensor *y;
  expect_ok(clcnn_tensor_create(ctx, 5, 10, 1, 1, &y), ctx);
  expect_ok(clcnn_model_run(m, (const clcnn_tensor *const *)&b->x, &y), ctx);
  expect_ok(clcnn_tensor_read(y, got, 50), ctx);
  for (int i = 0; i < 50; i++)
    ck_assert_msg(fabsf(got[i] - want[i]) <= 1e-5f, "logit %d: %g, the network gave %g", i, got[i],
                  want[i]);
  clcnn_tensor_destroy(y);
  clcnn_model_destroy(m);
  lenet_destroy(&net);
  support_remove_tree(dir);
  free(x);
  clcnn_context_destroy(ctx);
}
END_TEST

static Suite *data_suite(void) {
  Suite *s = suite_create("data");
  TCase *tc = support_tcase("data");
  tcase_add_test(tc, idx_reader_accepts_good_and_rejects_corrupt_files);
  tcase_add_test(tc, short_training_run_learns);
  tcase_add_test(tc, saved_lenet_runs_as_onnx_model);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return support_run(data_suite());
}

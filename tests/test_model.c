/* ONNX models against ONNX Runtime: the committed models of tests/models (one per operator
   family and tiny versions of LeNet, ResNet-18 with and without BatchNormalization nodes,
   MobileNetV2, SqueezeNet 1.1 and VGG-11, made by scripts/make_test_models.py) are run on
   the committed inputs and compared with ONNX Runtime's outputs; residual sums are done by
   the convolutions before them exactly where that is safe; the loader's refusals are
   checked by status and message; and a bounded, seeded fuzz loop feeds it mutated models. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "support.h"

#define MODELS CLCNN_TEST_SOURCE_DIR "/models/"
#define FUZZ_MODELS 6000

static void path_of(char *out, size_t cap, const char *name, const char *suffix) {
  snprintf(out, cap, MODELS "%s%s", name, suffix);
}

static int read_npy(const char *path, npy_array *a) {
  char error[512];
  return npy_read(path, a, error, sizeof error);
}

/* Loads name.onnx for the batch of name.in0.npy (first_only: for its first image alone), runs
   it on the inputs and compares every output with name.outK.npy (its first image):
   max |y - ref| <= 1e-4 * max |ref|, and the same top-1 class. */
static void check_model(const char *name, int first_only) {
  clcnn_context *ctx = support_context();
  char path[512];
  npy_array in[4], ref;
  size_t n_in = 0;
  for (; n_in < 4; n_in++) {
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".in%zu.npy", n_in);
    path_of(path, sizeof path, name, suffix);
    if (read_npy(path, &in[n_in]) != 0) break;
  }
  ck_assert_msg(n_in > 0, "%s: no input file", name);
  path_of(path, sizeof path, name, ".onnx");
  clcnn_model *m;
  size_t batch = first_only ? 1 : in[0].shape[0];
  expect_ok(clcnn_model_load(ctx, path, batch, &m), ctx);
  ck_assert_uint_eq(clcnn_model_input_count(m), n_in);
  clcnn_tensor *x[4], *y[8];
  size_t n_out = clcnn_model_output_count(m);
  ck_assert(n_out >= 1 && n_out <= 8);
  for (size_t i = 0; i < n_in; i++) {
    size_t s[4];
    expect_ok(clcnn_model_input_shape(m, i, s), ctx);
    size_t count = npy_count(&in[i]) / in[i].shape[0] * batch; /* the images loaded */
    ck_assert_uint_eq(s[0] * s[1] * s[2] * s[3], count);
    expect_ok(clcnn_tensor_create(ctx, s[0], s[1], s[2], s[3], &x[i]), ctx);
    expect_ok(clcnn_tensor_write(x[i], in[i].data, count), ctx);
  }
  for (size_t i = 0; i < n_out; i++) {
    size_t s[4];
    expect_ok(clcnn_model_output_shape(m, i, s), ctx);
    expect_ok(clcnn_tensor_create(ctx, s[0], s[1], s[2], s[3], &y[i]), ctx);
  }
  for (int run = 0; run < 2; run++) /* twice: buffers reused across runs must not leak state */
    expect_ok(clcnn_model_run(m, (const clcnn_tensor *const *)x, y), ctx);
  for (size_t i = 0; i < n_out; i++) {
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".out%zu.npy", i);
    path_of(path, sizeof path, name, suffix);
    ck_assert_msg(read_npy(path, &ref) == 0, "%s: cannot read", path);
    size_t rows = first_only ? 1 : ref.shape[0], count = npy_count(&ref) / ref.shape[0] * rows;
    float *got = malloc(count * sizeof *got);
    expect_ok(clcnn_tensor_read(y[i], got, count), ctx);
    double scale = 0, err = 0;
    for (size_t k = 0; k < count; k++) {
      scale = fmax(scale, fabs(ref.data[k]));
      err = fmax(err, fabs((double)got[k] - ref.data[k]));
    }
    ck_assert_msg(err <= 1e-4 * scale + 1e-30, "%s output %zu: max error %g for max |ref| %g", name,
                  i, err, scale);
    if (ref.rank == 2 && ref.shape[1] > 1)
      for (size_t row = 0; row < rows; row++) {
        size_t k = ref.shape[1], best_got = 0, best_ref = 0;
        for (size_t c = 1; c < k; c++) {
          if (got[row * k + c] > got[row * k + best_got]) best_got = c;
          if (ref.data[row * k + c] > ref.data[row * k + best_ref]) best_ref = c;
        }
        ck_assert_msg(best_got == best_ref, "%s sample %zu: class %zu, ONNX Runtime %zu", name, row,
                      best_got, best_ref);
      }
    free(got);
    free(ref.data);
    clcnn_tensor_destroy(y[i]);
  }
  for (size_t i = 0; i < n_in; i++) {
    clcnn_tensor_destroy(x[i]);
    free(in[i].data);
  }
  clcnn_model_destroy(m);
  clcnn_context_destroy(ctx);
}

static const char *const good[] = {"conv_variants",
                                   "dense_variants",
                                   "pool_variants",
                                   "pool_1d",
                                   "deconv_variants",
                                   "graph_variants",
                                   "legacy_opset",
                                   "typed_data",
                                   "pad_reduce",
                                   "dynamic_view",
                                   "concat_nested",
                                   "residual_variants",
                                   "arithmetic_variants",
                                   "activation_variants",
                                   "lenet",
                                   "resnet18_tiny",
                                   "resnet18_tiny_folded",
                                   "mobilenet_v2_tiny",
                                   "squeezenet1_1_small",
                                   "mobilenet_v3_small_tiny",
                                   "vgg11_tiny"};

START_TEST(matches_onnx_runtime) {
  check_model(good[_i], 0);
}
END_TEST

/* One image at a time: batch 1 takes paths of its own (concatenations done in place). */
START_TEST(first_image_alone) {
  check_model(good[_i], 1);
}
END_TEST

/* The sums done by the convolution before them, where the residual's memory is free to take
   them: residual_variants has two of five (the graph input, a residual read later by another
   layer and one that is a graph output must stay apart), ResNet-18's blocks all eight. Their
   outputs are checked against ONNX Runtime above. */
START_TEST(residual_sums_fused_where_safe) {
  static const struct {
    const char *name;
    int fused;
  } cases[] = {{"residual_variants", 2}, {"resnet18_tiny", 8}, {"resnet18_tiny_folded", 8}};
  clcnn_context *ctx = support_context();
  char path[512];
  path_of(path, sizeof path, cases[_i].name, ".onnx");
  clcnn_model *m;
  expect_ok(clcnn_model_load(ctx, path, 2, &m), ctx);
  int fused = 0, convs = 0;
  for (size_t i = 0; clcnn_model_layer_describe(m, i); i++) {
    const char *line = clcnn_model_layer_describe(m, i);
    fused += strstr(line, "summed by the convolution before it") != NULL;
    convs += strstr(line, " residual") != NULL;
  }
  ck_assert_int_eq(fused, cases[_i].fused);
  ck_assert_int_eq(convs, cases[_i].fused);
  clcnn_model_destroy(m);
  clcnn_context_destroy(ctx);
}
END_TEST

static const struct {
  const char *name;
  clcnn_status status;
  const char *fragment;
} refusals[] = {
    {"bad_unknown_op", CLCNN_UNSUPPORTED, "node 0 'rnn' (LSTM): operator LSTM is not supported"},
    {"bad_bad_chain", CLCNN_INVALID_ARGUMENT,
     "node 1 'sum' (Add): inputs of shapes 1x3x2x2 and 1x2x4x4 do not broadcast"},
    {"bad_short_initializer", CLCNN_INVALID_ARGUMENT,
     "graph.initializer[0]: raw data of 68 bytes, the dims need 54 values"},
    {"bad_huge_dimension", CLCNN_UNSUPPORTED, "1x3x1073741824x1073741824 is too large"},
    {"bad_missing_input", CLCNN_INVALID_ARGUMENT,
     "input 'nowhere' is not a graph input, an initializer or any node's output"},
    {"bad_wrong_window", CLCNN_UNSUPPORTED, "(MaxPool): dilations 2x2"},
};

START_TEST(refuses_bad_models) {
  clcnn_context *ctx = support_context();
  char path[512];
  path_of(path, sizeof path, refusals[_i].name, ".onnx");
  clcnn_model *m = (clcnn_model *)&m;
  expect_error(clcnn_model_load(ctx, path, 1, &m), refusals[_i].status, ctx, refusals[_i].fragment);
  ck_assert_ptr_null(m);
  clcnn_context_destroy(ctx);
}
END_TEST

static unsigned char *file_bytes(const char *name, size_t *size) {
  char path[512];
  path_of(path, sizeof path, name, ".onnx");
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  *size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *data = malloc(*size);
  ck_assert_uint_eq(fread(data, 1, *size, f), *size);
  fclose(f);
  return data;
}

START_TEST(refuses_truncated_and_foreign_bytes) {
  clcnn_context *ctx = support_context();
  size_t size;
  unsigned char *data = file_bytes("lenet", &size);
  clcnn_model *m;
  for (size_t cut = 1; cut < size; cut += size / 97 + 1) {
    clcnn_status s = clcnn_model_load_memory(ctx, data, cut, 1, &m);
    ck_assert_msg(s == CLCNN_INVALID_ARGUMENT, "cut at %zu of %zu: %s", cut, size,
                  clcnn_status_string(s));
    ck_assert_ptr_null(m);
  }
  const char text[] = "<html>not a model</html>";
  expect_error(clcnn_model_load_memory(ctx, text, sizeof text, 1, &m), CLCNN_INVALID_ARGUMENT, ctx,
               "not a valid ONNX model");
  const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  expect_error(clcnn_model_load_memory(ctx, png, sizeof png, 1, &m), CLCNN_INVALID_ARGUMENT, ctx,
               "not a valid ONNX model");
  expect_error(clcnn_model_load_memory(ctx, data, size, 0, &m), CLCNN_INVALID_ARGUMENT, ctx,
               "batch 0");
  expect_error(clcnn_model_load_memory(ctx, NULL, size, 1, &m), CLCNN_INVALID_ARGUMENT, ctx,
               "data is NULL");
  expect_error(clcnn_model_load(ctx, MODELS "no-such-file.onnx", 1, &m), CLCNN_INVALID_ARGUMENT,
               ctx, "no-such-file.onnx': No such file");
  free(data);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(run_checks_its_tensors) {
  clcnn_context *ctx = support_context();
  clcnn_model *m;
  expect_ok(clcnn_model_load(ctx, MODELS "dense_variants.onnx", 3, &m), ctx);
  size_t s[4];
  expect_ok(clcnn_model_output_shape(m, 0, s), ctx);
  ck_assert(s[0] == 3 && s[1] == 7 && s[2] == 1 && s[3] == 1);
  ck_assert_int_eq(clcnn_model_output_rank(m, 0), 2);
  ck_assert_int_eq(clcnn_model_input_rank(m, 0), 4);
  expect_error(clcnn_model_input_shape(m, 1, s), CLCNN_INVALID_ARGUMENT, ctx,
               "index 1, the model has 1");
  clcnn_tensor *x, *y, *wrong;
  expect_ok(clcnn_tensor_create(ctx, 3, 4, 3, 3, &x), ctx);
  expect_ok(clcnn_tensor_create(ctx, 3, 7, 1, 1, &y), ctx);
  expect_ok(clcnn_tensor_create(ctx, 2, 4, 3, 3, &wrong), ctx);
  expect_error(clcnn_model_run(m, (const clcnn_tensor *const *)&wrong, &y), CLCNN_INVALID_ARGUMENT,
               ctx, "inputs[0] is 2x4x3x3, expected 3x4x3x3");
  expect_error(clcnn_model_run(m, (const clcnn_tensor *const *)&x, &x), CLCNN_INVALID_ARGUMENT, ctx,
               "outputs[0] is 3x4x3x3, expected 3x7x1x1");
  expect_error(clcnn_model_run(m, NULL, &y), CLCNN_INVALID_ARGUMENT, ctx, "inputs is NULL");
  /* Gemm with Sigmoid fused, MatMul with the Add folded into its bias and Tanh fused, Softmax */
  ck_assert_uint_eq(clcnn_model_layer_count(m), 3);
  ck_assert_ptr_nonnull(strstr(clcnn_model_layer_describe(m, 0), "act=sigmoid"));
  ck_assert_ptr_nonnull(strstr(clcnn_model_layer_describe(m, 1), "act=tanh"));
  for (size_t i = 0; i < clcnn_model_layer_count(m); i++)
    ck_assert_ptr_nonnull(clcnn_model_layer_describe(m, i));
  ck_assert_ptr_null(clcnn_model_layer_describe(m, 99));
  clcnn_tensor_destroy(x);
  clcnn_tensor_destroy(y);
  clcnn_tensor_destroy(wrong);
  clcnn_model_destroy(m);
  clcnn_model_destroy(NULL);
  ck_assert_uint_eq(clcnn_model_input_count(NULL), 0);
  clcnn_context_destroy(ctx);
}
END_TEST

/* A fixed, seeded number of mutated small models (bytes flipped or replaced, cut, runs
   repeated; raw and typed tensor data, broadcasting arithmetic, products and transposed
   convolutions), the same every run, so that the programs the loaded
   ones build are in the test cache by the time the leak-checking pass repeats the suite
   (PoCL's LLVM keeps memory from cold builds, which LeakSanitizer would blame on us):
   every load ends in a known status with a message, or in a model that runs. */
START_TEST(fuzz_the_loader) {
  clcnn_context *ctx = support_context();
  enum { BASES = 4 };
  static const char *const names[BASES] = {"graph_variants", "typed_data", "arithmetic_variants",
                                           "deconv_variants"};
  size_t sizes[BASES], largest = 0;
  unsigned char *bases[BASES];
  for (int i = 0; i < BASES; i++) {
    bases[i] = file_bytes(names[i], &sizes[i]);
    if (sizes[i] > largest) largest = sizes[i];
  }
  unsigned char *buf = malloc(2 * largest + 16);
  unsigned seed = 20261201;
  int loaded = 0, tries = 0;
  for (; tries < FUZZ_MODELS; tries++) {
    size_t size = sizes[tries % BASES], n = size;
    memcpy(buf, bases[tries % BASES], size);
    int edits = 1 + support_random(&seed) % 4;
    for (int e = 0; e < edits; e++) {
      size_t at = support_random(&seed) * 65536u % n + support_random(&seed) % n;
      at %= n;
      switch (support_random(&seed) % 4) {
      case 0:
        buf[at] ^= (unsigned char)(1u << (support_random(&seed) % 8));
        break;
      case 1:
        buf[at] = (unsigned char)support_random(&seed);
        break;
      case 2:
        n = at + 1;
        break;
      default: { /* repeat a run of bytes */
        size_t len = 1 + support_random(&seed) % 16;
        if (at + len <= n && n + len <= 2 * size + 16) {
          memmove(buf + at + len, buf + at, n - at);
          n += len;
        }
      }
      }
    }
    clcnn_model *m = NULL;
    clcnn_status s = clcnn_model_load_memory(ctx, buf, n, 1 + tries % 2, &m);
    ck_assert_msg(s <= CLCNN_DEVICE_LOST, "unknown status %d", (int)s);
    if (s != CLCNN_OK) {
      ck_assert_ptr_null(m);
      ck_assert_msg(clcnn_last_error(ctx)[0] != '\0', "status %s without a message",
                    clcnn_status_string(s));
      continue;
    }
    loaded++;
    clcnn_model_destroy(m);
  }
  free(buf);
  for (int i = 0; i < BASES; i++) free(bases[i]);
  fprintf(stderr, "fuzz_the_loader: %d mutated models, %d loaded\n", tries, loaded);
  clcnn_context_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("model");
  TCase *tc = support_tcase("onnx");
  tcase_add_loop_test(tc, matches_onnx_runtime, 0, (int)(sizeof good / sizeof *good));
  tcase_add_loop_test(tc, first_image_alone, 0, (int)(sizeof good / sizeof *good));
  tcase_add_loop_test(tc, refuses_bad_models, 0, (int)(sizeof refusals / sizeof *refusals));
  tcase_add_test(tc, refuses_truncated_and_foreign_bytes);
  tcase_add_test(tc, run_checks_its_tensors);
  tcase_add_loop_test(tc, residual_sums_fused_where_safe, 0, 3);
  tcase_add_test(tc, fuzz_the_loader);
  suite_add_tcase(suite, tc);
  return support_run(suite);
}

/* clcnn train: LeNet on Fashion-MNIST with minibatch SGD and momentum, on the selected device. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <clcnn/clcnn.h>

#include "commands.h"
#include "fashion_mnist.h"
#include "lenet.h"
#include "onnx_writer.h"

typedef struct train_options {
  const char *data;
  int epochs;
  size_t batch, limit;
  float lr, momentum;
  int act, pool;
  unsigned seed;
  const char *save; /* ONNX file for the trained network, or NULL */
} train_options;

static void usage(FILE *out) {
  fprintf(out,
          "usage: clcnn train [--data DIR] [--epochs N] [--batch N] [--lr F] [--momentum F]\n"
          "                   [--act relu|sigmoid] [--pool max|avg] [--seed N] [--limit N]\n"
          "                   [--save FILE.onnx]\n"
          "  Trains LeNet on Fashion-MNIST (IDX files, gzip or plain; default %s,\n"
          "  from Debian's dataset-fashion-mnist) with minibatch SGD and momentum, shuffled\n"
          "  each epoch from the seed. Defaults: 10 epochs, batch 256, lr 0.05, momentum 0.9,\n"
          "  relu, max pooling, seed 1, all 60000 training images (--limit takes fewer).\n"
          "  --save writes the trained network as an ONNX model (opset 13, input 'input'\n"
          "  N x 1 x 28 x 28, output 'logits' N x 10) that clcnn run and ONNX Runtime load.\n",
          FASHION_MNIST_DEFAULT_DIR);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int parse(int argc, char **argv, train_options *o) {
  *o = (train_options){
      FASHION_MNIST_DEFAULT_DIR, 10, 256, 0, 0.05f, 0.9f, CLCNN_ACT_RELU, CLCNN_POOL_MAX, 1, NULL};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (!v) return fprintf(stderr, "clcnn train: %s needs a value\n", a), -1;
    i++;
    if (strcmp(a, "--data") == 0)
      o->data = v;
    else if (strcmp(a, "--epochs") == 0)
      o->epochs = (int)strtol(v, &end, 10);
    else if (strcmp(a, "--batch") == 0)
      o->batch = strtoul(v, &end, 10);
    else if (strcmp(a, "--limit") == 0)
      o->limit = strtoul(v, &end, 10);
    else if (strcmp(a, "--lr") == 0)
      o->lr = strtof(v, &end);
    else if (strcmp(a, "--momentum") == 0)
      o->momentum = strtof(v, &end);
    else if (strcmp(a, "--save") == 0)
      o->save = v;
    else if (strcmp(a, "--seed") == 0)
      o->seed = (unsigned)strtoul(v, &end, 10);
    else if (strcmp(a, "--act") == 0 && (strcmp(v, "relu") == 0 || strcmp(v, "sigmoid") == 0))
      o->act = strcmp(v, "relu") == 0 ? CLCNN_ACT_RELU : CLCNN_ACT_SIGMOID;
    else if (strcmp(a, "--pool") == 0 && (strcmp(v, "max") == 0 || strcmp(v, "avg") == 0))
      o->pool = strcmp(v, "max") == 0 ? CLCNN_POOL_MAX : CLCNN_POOL_AVG;
    else
      return fprintf(stderr, "clcnn train: cannot use %s %s\n", a, v), -1;
    if (end && *end) return fprintf(stderr, "clcnn train: %s: '%s' is not a number\n", a, v), -1;
  }
  if (o->epochs < 1 || o->batch < 1 || o->batch > 65536 || !(o->lr > 0) || o->momentum < 0 ||
      o->momentum >= 1)
    return fprintf(stderr, "clcnn train: need epochs >= 1, 1 <= batch <= 65536, lr > 0, "
                           "0 <= momentum < 1\n"),
           -1;
  return 0;
}

static void shuffle(size_t *order, size_t n, unsigned *seed) {
  for (size_t i = n; i > 1; i--) {
    *seed = *seed * 1103515245u + 12345u;
    size_t j = ((size_t)(*seed >> 1) * 65537u + (*seed >> 16)) % i;
    size_t t = order[i - 1];
    order[i - 1] = order[j];
    order[j] = t;
  }
}

/* Copies images order[first..first+n) into the batch's device tensors. */
static clcnn_status load_batch(const dataset *d, const size_t *order, size_t first, size_t n,
                               float *img, float *lab, lenet_batch *b) {
  for (size_t i = 0; i < n; i++) {
    size_t k = order ? order[first + i] : first + i;
    memcpy(img + i * 784, d->images + k * 784, 784 * sizeof(float));
    lab[i] = d->labels[k];
  }
  clcnn_status s = clcnn_tensor_write(b->x, img, n * 784);
  return s == CLCNN_OK ? clcnn_tensor_write(b->labels, lab, n) : s;
}

static void progress(int epoch, int epochs, size_t done, size_t total, double seconds, double loss,
                     int final) {
  int width = 30, filled = (int)((double)width * (double)done / (double)total);
  char bar[64];
  for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  printf("\repoch %d/%d [%s] %zu/%zu  %.0f img/s  loss %.4f", epoch, epochs, bar, done, total,
         seconds > 0 ? (double)done / seconds : 0.0, loss);
  if (final) printf("  %.2f s\n", seconds);
  fflush(stdout);
}

static clcnn_status evaluate(lenet *net, const dataset *test, size_t batch, float *img, float *lab,
                             double *accuracy) {
  size_t correct = 0;
  float *logits = malloc(batch * 10 * sizeof *logits);
  clcnn_status s = logits ? CLCNN_OK : CLCNN_OUT_OF_MEMORY;
  for (size_t first = 0; s == CLCNN_OK && first < test->count; first += batch) {
    size_t n = test->count - first < batch ? test->count - first : batch;
    lenet_batch *b;
    s = lenet_batch_for(net, n, &b);
    if (s == CLCNN_OK) s = load_batch(test, NULL, first, n, img, lab, b);
    if (s == CLCNN_OK) s = lenet_forward(net, b);
    if (s == CLCNN_OK) s = clcnn_tensor_read(b->z5, logits, n * 10);
    for (size_t i = 0; s == CLCNN_OK && i < n; i++) {
      int best = 0;
      for (int k = 1; k < 10; k++)
        if (logits[i * 10 + k] > logits[i * 10 + best]) best = k;
      correct += best == (int)lab[i];
    }
  }
  free(logits);
  *accuracy = (double)correct / (double)test->count;
  return s;
}

static clcnn_status run_epochs(lenet *net, const train_options *o, const dataset *train,
                               const dataset *test, float *img, float *lab) {
  size_t count = o->limit && o->limit < train->count ? o->limit : train->count;
  size_t *order = malloc(train->count * sizeof *order);
  if (!order) return CLCNN_OUT_OF_MEMORY;
  for (size_t i = 0; i < train->count; i++) order[i] = i;
  unsigned seed = o->seed ^ 0x5eedu;
  int interactive = isatty(STDOUT_FILENO);
  clcnn_status s = CLCNN_OK;
  double total_seconds = 0, accuracy = 0;
  for (int epoch = 1; s == CLCNN_OK && epoch <= o->epochs; epoch++) {
    shuffle(order, train->count, &seed);
    double start = now_s(), loss_sum = 0;
    size_t done = 0;
    for (size_t first = 0; s == CLCNN_OK && first < count; first += o->batch) {
      size_t n = count - first < o->batch ? count - first : o->batch;
      lenet_batch *b;
      float loss = 0;
      s = lenet_batch_for(net, n, &b);
      if (s == CLCNN_OK) s = load_batch(train, order, first, n, img, lab, b);
      if (s == CLCNN_OK) s = lenet_train_step(net, b, o->lr, o->momentum, &loss);
      loss_sum += (double)loss * (double)n;
      done += n;
      if (interactive) progress(epoch, o->epochs, done, count, now_s() - start, loss_sum / done, 0);
    }
    if (s != CLCNN_OK) break;
    double seconds = now_s() - start;
    total_seconds += seconds;
    progress(epoch, o->epochs, done, count, seconds, loss_sum / (double)done, 1);
    s = evaluate(net, test, o->batch, img, lab, &accuracy);
    if (s == CLCNN_OK) printf("  test accuracy %.4f\n", accuracy);
  }
  if (s == CLCNN_OK)
    printf("trained %d epochs of %zu images in %.1f s (%.2f s per epoch), test accuracy %.4f\n",
           o->epochs, count, total_seconds, total_seconds / o->epochs, accuracy);
  free(order);
  return s;
}

int clcnn_cmd_train(int argc, char **argv) {
  if (clcnn_wants_help(argc, argv)) return usage(stdout), 0;
  train_options o;
  if (parse(argc, argv, &o) != 0) return usage(stderr), 2;
  char err[1024];
  dataset train, test;
  if (dataset_load(o.data, 1, &train, err, sizeof err) != 0) {
    fprintf(stderr, "clcnn train: %s\n", err);
    return 1;
  }
  if (dataset_load(o.data, 0, &test, err, sizeof err) != 0) {
    fprintf(stderr, "clcnn train: %s\n", err);
    dataset_free(&train);
    return 1;
  }
  clcnn_context *ctx = NULL;
  lenet net;
  float *img = malloc(o.batch * 784 * sizeof(float)), *lab = malloc(o.batch * sizeof(float));
  clcnn_status s = img && lab ? clcnn_context_create(NULL, &ctx) : CLCNN_OUT_OF_MEMORY;
  if (s == CLCNN_OK) {
    printf("LeNet on %s: %zu training and %zu test images, batch %zu, lr %g, momentum %g, %s, "
           "%s pooling\n",
           clcnn_context_device_name(ctx), train.count, test.count, o.batch, (double)o.lr,
           (double)o.momentum, o.act == CLCNN_ACT_RELU ? "relu" : "sigmoid",
           o.pool == CLCNN_POOL_MAX ? "max" : "avg");
    s = lenet_create(ctx, o.act, o.pool, o.seed, &net);
    if (s == CLCNN_OK) s = run_epochs(&net, &o, &train, &test, img, lab);
    if (s == CLCNN_OK && o.save && (s = lenet_save_onnx(&net, o.save)) == CLCNN_OK)
      printf("saved the trained network to %s\n", o.save);
    lenet_destroy(&net);
  }
  if (s != CLCNN_OK)
    fprintf(stderr, "clcnn train: %s: %s\n", clcnn_status_string(s), clcnn_last_error(ctx));
  clcnn_context_destroy(ctx);
  free(img), free(lab);
  dataset_free(&train), dataset_free(&test);
  return s == CLCNN_OK ? 0 : 1;
}

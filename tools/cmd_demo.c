/* clcnn demo: the CNN tutorial, section by section, on the selected device. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clcnn/clcnn.h>

#include "commands.h"
#include "demo_tensor.h"

static const clcnn_conv2d_desc dense = {1, 1, 0, 0, 0, 0, 1, 1, 1, CLCNN_CONV_AUTO};

static void usage(FILE *out) {
  fprintf(out,
          "usage: clcnn demo\n"
          "  Walks the CNN tutorial on the selected device (CLCNN_DEVICE): cross-correlation,\n"
          "  edge detection, padding and stride, multiple input and output channels, 1x1\n"
          "  convolution, and max/average pooling, printing every tensor.\n");
}

static int check(clcnn_status s, clcnn_context *ctx, const char *what) {
  if (s == CLCNN_OK) return 0;
  fprintf(stderr, "clcnn demo: %s: %s: %s\n", what, clcnn_status_string(s), clcnn_last_error(ctx));
  return 1;
}

static host_tensor ramp(size_t n, size_t c, size_t h, size_t w, float start) {
  host_tensor t = host_tensor_make(n, c, h, w);
  for (size_t i = 0; i < host_tensor_count(&t); i++) t.data[i] = start + (float)i;
  return t;
}

static int cross_correlation(clcnn_context *ctx) {
  printf("\n== 1. Cross-correlation ==\n");
  host_tensor x = ramp(1, 1, 3, 3, 0), k = ramp(1, 1, 2, 2, 0), y;
  int bad = check(demo_conv(ctx, &dense, &x, &k, &y), ctx, "corr2d");
  if (!bad) demo_print("X", &x), demo_print("K", &k), demo_print("corr2d(X, K)", &y);
  host_tensor_free(&x), host_tensor_free(&k), host_tensor_free(&y);
  return bad;
}

static int edge_detection(clcnn_context *ctx) {
  printf("\n== 2. Object edge detection ==\n");
  host_tensor x = host_tensor_make(1, 1, 6, 8), xt = host_tensor_make(1, 1, 8, 6);
  host_tensor k = host_tensor_make(1, 1, 1, 2), y, yt;
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 8; j++) x.data[i * 8 + j] = xt.data[j * 6 + i] = (j >= 2 && j < 6) ? 0 : 1;
  k.data[0] = 1, k.data[1] = -1;
  int bad = check(demo_conv(ctx, &dense, &x, &k, &y), ctx, "edge") ||
            check(demo_conv(ctx, &dense, &xt, &k, &yt), ctx, "edge, transposed");
  if (!bad) {
    demo_print("X", &x), demo_print("K", &k);
    printf("1 marks the edge from white to black, -1 from black to white:\n");
    demo_print("Y", &y);
    printf("the transposed image has only horizontal edges, which K cannot see:\n");
    demo_print("corr2d(X.t(), K)", &yt);
    host_tensor_free(&y), host_tensor_free(&yt);
  }
  host_tensor_free(&x), host_tensor_free(&xt), host_tensor_free(&k);
  return bad;
}

static void print_shape(const char *what, const clcnn_conv2d_desc *d, size_t kh, size_t kw) {
  size_t x[4] = {1, 1, 8, 8}, w[4] = {1, 1, kh, kw}, y[4];
  if (clcnn_conv2d_output_shape(d, x, w, y) == CLCNN_OK)
    printf("  %-46s -> %zu x %zu\n", what, y[2], y[3]);
}

static int padding_and_stride(void) {
  printf("\n== 3. Padding and stride (8 x 8 input): output (n - k + p + s) / s ==\n");
  clcnn_conv2d_desc d = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
  print_shape("kernel 3x3, padding 1", &d, 3, 3);
  d = (clcnn_conv2d_desc){1, 1, 2, 2, 1, 1, 1, 1, 1, 0};
  print_shape("kernel 5x3, padding (2, 1)", &d, 5, 3);
  d = (clcnn_conv2d_desc){2, 2, 1, 1, 1, 1, 1, 1, 1, 0};
  print_shape("kernel 3x3, padding 1, stride 2", &d, 3, 3);
  d = (clcnn_conv2d_desc){3, 4, 0, 0, 1, 1, 1, 1, 1, 0};
  print_shape("kernel 3x5, padding (0, 1), stride (3, 4)", &d, 3, 5);
  return 0;
}

static int multiple_channels(clcnn_context *ctx) {
  printf("\n== 4. Multiple input channels ==\n");
  host_tensor x = ramp(1, 2, 3, 3, 0), k = ramp(1, 2, 2, 2, 0), y, y3;
  for (int i = 9; i < 18; i++) x.data[i] = (float)(i - 8);
  for (int i = 4; i < 8; i++) k.data[i] = (float)(i - 3);
  int bad = check(demo_conv(ctx, &dense, &x, &k, &y), ctx, "multi-in");
  if (!bad) demo_print("X", &x), demo_print("K", &k), demo_print("corr2d_multi_in(X, K)", &y);
  printf("\n== 5. Multiple output channels: K, K + 1, K + 2 stacked ==\n");
  host_tensor k3 = host_tensor_make(3, 2, 2, 2);
  for (int o = 0; o < 3; o++)
    for (int i = 0; i < 8; i++) k3.data[o * 8 + i] = k.data[i] + (float)o;
  bad = bad || check(demo_conv(ctx, &dense, &x, &k3, &y3), ctx, "multi-in-out");
  if (!bad) {
    printf("K.shape = (%zu, %zu, %zu, %zu)\n", k3.shape[0], k3.shape[1], k3.shape[2], k3.shape[3]);
    demo_print("corr2d_multi_in_out(X, K)", &y3);
    host_tensor_free(&y), host_tensor_free(&y3);
  }
  host_tensor_free(&x), host_tensor_free(&k), host_tensor_free(&k3);
  return bad;
}

static int one_by_one(clcnn_context *ctx) {
  printf("\n== 6. 1 x 1 convolution: a fully connected layer over channels ==\n");
  host_tensor x = host_tensor_make(1, 3, 3, 3), k = host_tensor_make(2, 3, 1, 1), y;
  unsigned seed = 42;
  for (size_t i = 0; i < 27; i++)
    seed = seed * 1103515245u + 12345u, x.data[i] = (float)((seed >> 16) % 1000) / 500.0f - 1.0f;
  for (size_t i = 0; i < 6; i++)
    seed = seed * 1103515245u + 12345u, k.data[i] = (float)((seed >> 16) % 1000) / 500.0f - 1.0f;
  int bad = check(demo_conv(ctx, &dense, &x, &k, &y), ctx, "1x1");
  if (!bad) {
    double worst = 0; /* the same as a matrix product (2 x 3) times (3 x 9 pixels) */
    for (int o = 0; o < 2; o++)
      for (int pix = 0; pix < 9; pix++) {
        double sum = 0;
        for (int c = 0; c < 3; c++) sum += (double)k.data[o * 3 + c] * x.data[c * 9 + pix];
        worst = fmax(worst, fabs(sum - y.data[o * 9 + pix]));
      }
    demo_print("corr2d_multi_in_out_1x1(X, K)", &y);
    printf("largest difference from the matrix product over channels: %.2g\n", worst);
    host_tensor_free(&y);
  }
  host_tensor_free(&x), host_tensor_free(&k);
  return bad;
}

static int pool_and_print(clcnn_context *ctx, const char *name, const clcnn_pool2d_desc *d,
                          const host_tensor *x) {
  host_tensor y;
  if (check(demo_pool(ctx, d, x, &y), ctx, name)) return 1;
  demo_print(name, &y);
  host_tensor_free(&y);
  return 0;
}

static int pooling(clcnn_context *ctx) {
  printf("\n== 7. Pooling ==\n");
  host_tensor x = ramp(1, 1, 3, 3, 0);
  clcnn_pool2d_desc max2 = {CLCNN_POOL_MAX, 2, 2, 1, 1, 0, 0, 0, 0, 0, 1}, avg2 = max2;
  avg2.mode = CLCNN_POOL_AVG;
  demo_print("X", &x);
  int bad = pool_and_print(ctx, "pool2d(X, (2, 2), 'max')", &max2, &x) ||
            pool_and_print(ctx, "pool2d(X, (2, 2), 'avg')", &avg2, &x);
  host_tensor_free(&x);
  printf("\npadding and stride:\n");
  x = ramp(1, 1, 4, 4, 0);
  demo_print("X", &x);
  clcnn_pool2d_desc p3 = {CLCNN_POOL_MAX, 3, 3, 3, 3, 0, 0, 0, 0, 0, 1};
  clcnn_pool2d_desc p3s2 = {CLCNN_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1};
  clcnn_pool2d_desc p23 = {CLCNN_POOL_MAX, 2, 3, 2, 3, 0, 0, 1, 1, 0, 1};
  bad = bad || pool_and_print(ctx, "MaxPool2d(3)(X)", &p3, &x) ||
        pool_and_print(ctx, "MaxPool2d(3, padding=1, stride=2)(X)", &p3s2, &x) ||
        pool_and_print(ctx, "MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1))(X)", &p23, &x);
  printf("\nmultiple channels (X and X + 1), pooled per channel:\n");
  host_tensor x2 = host_tensor_make(1, 2, 4, 4);
  for (int i = 0; i < 16; i++) x2.data[i] = x.data[i], x2.data[16 + i] = x.data[i] + 1;
  demo_print("X", &x2);
  bad = bad || pool_and_print(ctx, "MaxPool2d(3, padding=1, stride=2)(X)", &p3s2, &x2);
  host_tensor_free(&x), host_tensor_free(&x2);
  return bad;
}

/* Tensors of the kernel-learning section: X, the target Y, the kernel, its gradient, and the
   prediction and its gradient. */
typedef struct learning {
  clcnn_tensor *x, *k, *dk, *yhat, *dy;
  float target[42], k_host[2];
} learning;

/* One step of gradient descent on sum((conv(X, K) - Y)^2); *loss gets the loss before it. */
static clcnn_status learning_step(clcnn_context *ctx, learning *l, float lr, float *loss) {
  float yhat[42], dy[42];
  clcnn_status s = clcnn_conv2d_forward(ctx, &dense, l->x, l->k, NULL, l->yhat);
  if (s == CLCNN_OK) s = clcnn_tensor_read(l->yhat, yhat, 42);
  if (s != CLCNN_OK) return s;
  double sum = 0;
  for (int i = 0; i < 42; i++) {
    double e = (double)yhat[i] - l->target[i];
    sum += e * e;
    dy[i] = (float)(2.0 * e);
  }
  *loss = (float)sum;
  if ((s = clcnn_tensor_write(l->dy, dy, 42)) == CLCNN_OK &&
      (s = clcnn_conv2d_backward_weights(ctx, &dense, l->x, l->dy, l->dk, NULL)) == CLCNN_OK &&
      (s = clcnn_sgd_step(ctx, l->k, l->dk, NULL, lr, 0.0f, 0.0f)) == CLCNN_OK)
    s = clcnn_tensor_read(l->k, l->k_host, 2);
  return s;
}

static void learning_free(learning *l) {
  clcnn_tensor *all[] = {l->x, l->k, l->dk, l->yhat, l->dy};
  for (int i = 0; i < 5; i++) clcnn_tensor_destroy(all[i]);
}

static clcnn_status learning_setup(clcnn_context *ctx, learning *l) {
  float x[48], k_true[2] = {1, -1};
  for (int i = 0; i < 48; i++) x[i] = (i % 8 >= 2 && i % 8 < 6) ? 0.0f : 1.0f;
  unsigned seed = 2024; /* the initial kernel: uniform in +-1/sqrt(2), as PyTorch draws it */
  for (int i = 0; i < 2; i++) {
    seed = seed * 1103515245u + 12345u;
    l->k_host[i] = ((float)((seed >> 8) & 0xFFFF) / 32768.0f - 1.0f) * 0.70710678f;
  }
  clcnn_status s;
  if ((s = clcnn_tensor_create(ctx, 1, 1, 6, 8, &l->x)) != CLCNN_OK ||
      (s = clcnn_tensor_create(ctx, 1, 1, 1, 2, &l->k)) != CLCNN_OK ||
      (s = clcnn_tensor_create(ctx, 1, 1, 1, 2, &l->dk)) != CLCNN_OK ||
      (s = clcnn_tensor_create(ctx, 1, 1, 6, 7, &l->yhat)) != CLCNN_OK ||
      (s = clcnn_tensor_create(ctx, 1, 1, 6, 7, &l->dy)) != CLCNN_OK ||
      (s = clcnn_tensor_write(l->x, x, 48)) != CLCNN_OK)
    return s;
  /* the target Y = corr2d(X, [1, -1]), computed on the device */
  if ((s = clcnn_tensor_write(l->k, k_true, 2)) != CLCNN_OK ||
      (s = clcnn_conv2d_forward(ctx, &dense, l->x, l->k, NULL, l->yhat)) != CLCNN_OK ||
      (s = clcnn_tensor_read(l->yhat, l->target, 42)) != CLCNN_OK)
    return s;
  return clcnn_tensor_write(l->k, l->k_host, 2);
}

static int learn_kernel(clcnn_context *ctx) {
  printf("\n== 8. Learning the kernel that maps X to Y = corr2d(X, [1, -1]) ==\n");
  learning l = {0};
  clcnn_status s = learning_setup(ctx, &l);
  if (s == CLCNN_OK)
    printf("random start: K = [%.4f, %.4f]; squared error, gradient descent with lr 0.01\n",
           (double)l.k_host[0], (double)l.k_host[1]);
  float loss = 0;
  for (int step = 1; s == CLCNN_OK && step <= 10; step++)
    if ((s = learning_step(ctx, &l, 0.01f, &loss)) == CLCNN_OK)
      printf("step %2d, loss %.3f\n", step, (double)loss);
  if (s == CLCNN_OK)
    printf("after 10 steps: K = [%.4f, %.4f]\n", (double)l.k_host[0], (double)l.k_host[1]);
  for (int step = 11; s == CLCNN_OK && step <= 50; step++) s = learning_step(ctx, &l, 0.01f, &loss);
  if (s == CLCNN_OK)
    printf("after 50 steps: K = [%.4f, %.4f] (loss %.5f), close to [1, -1]\n", (double)l.k_host[0],
           (double)l.k_host[1], (double)loss);
  learning_free(&l);
  return check(s, ctx, "learning the kernel");
}

int clcnn_cmd_demo(int argc, char **argv) {
  if (clcnn_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  if (argc > 1) {
    usage(stderr);
    return 2;
  }
  clcnn_context *ctx;
  if (check(clcnn_context_create(NULL, &ctx), NULL, "context")) return 1;
  printf("clcnn %s on %s\n", clcnn_version(), clcnn_context_device_name(ctx));
  int bad = cross_correlation(ctx) || edge_detection(ctx) || padding_and_stride() ||
            multiple_channels(ctx) || one_by_one(ctx) || pooling(ctx) || learn_kernel(ctx);
  clcnn_context_destroy(ctx);
  return bad ? 1 : 0;
}

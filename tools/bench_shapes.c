/* Benchmark problems: the built-in table and the shape strings given on the command line. */
#include "bench_shapes.h"

#include <stdio.h>
#include <string.h>

#define CONV(nm, tiny_, n, c, h, w, k, r, s, st, pad)                                              \
  {                                                                                                \
    nm, 0, tiny_, -1, {n, c, h, w}, {k, c, r, s}, {st, st, pad, pad, pad, pad, 1, 1, 1, 0}, {0},   \
        0, 0                                                                                       \
  }
#define POOL(nm, mode, n, c, h, w, k, st, pad)                                                     \
  { nm, 1, 0, -1, {n, c, h, w}, {0}, {0}, {mode, k, k, st, st, pad, pad, pad, pad, 0, 1}, 0, 0 }

static const bench_problem builtin[] = {
    CONV("tutorial corr2d 3x3 k2", 1, 1, 1, 3, 3, 1, 2, 2, 1, 0),
    CONV("tutorial edge 6x8 k1x2", 1, 1, 1, 6, 8, 1, 1, 2, 1, 0),
    CONV("tutorial multi-in 2ch k2", 1, 1, 2, 3, 3, 1, 2, 2, 1, 0),
    CONV("tutorial multi-in-out 2->3", 1, 1, 2, 3, 3, 3, 2, 2, 1, 0),
    CONV("lenet c1 b256 1->6 k5 p2", 0, 256, 1, 28, 28, 6, 5, 5, 1, 2),
    CONV("lenet c2 b256 6->16 k5", 0, 256, 6, 14, 14, 16, 5, 5, 1, 0),
    CONV("resnet conv1 b8 3->64 k7 s2", 0, 8, 3, 224, 224, 64, 7, 7, 2, 3),
    CONV("resnet b8 64->64 k3 56x56", 0, 8, 64, 56, 56, 64, 3, 3, 1, 1),
    CONV("resnet b8 128->128 k3 28x28", 0, 8, 128, 28, 28, 128, 3, 3, 1, 1),
    CONV("resnet b8 256->256 k3 14x14", 0, 8, 256, 14, 14, 256, 3, 3, 1, 1),
    CONV("resnet b8 512->512 k3 7x7", 0, 8, 512, 7, 7, 512, 3, 3, 1, 1),
    CONV("resnet b8 1x1 64->256 56x56", 0, 8, 64, 56, 56, 256, 1, 1, 1, 0),
    CONV("resnet b8 1x1 256->64 56x56", 0, 8, 256, 56, 56, 64, 1, 1, 1, 0),
    POOL("maxpool 3x3 s2 p1 8x64x112x112", CLCNN_POOL_MAX, 8, 64, 112, 112, 3, 2, 1),
    POOL("avgpool 2x2 s2 256x6x28x28", CLCNN_POOL_AVG, 256, 6, 28, 28, 2, 2, 0),
};

const bench_problem *bench_builtin_problems(size_t *count) {
  *count = sizeof builtin / sizeof *builtin;
  return builtin;
}

/* 1 when word stands in text as a whole word after the first (space-separated). */
static int has_word(const char *text, const char *word) {
  size_t n = strlen(word);
  for (const char *at = strchr(text, ' '); at; at = strchr(at + 1, ' '))
    if (strncmp(at + 1, word, n) == 0 && (at[1 + n] == ' ' || at[1 + n] == '\0')) return 1;
  return 0;
}

/* 1 + the activation an " act=NAME" word of a plan line names (clcnn_activation_name), 0 for
   none; -1, with the reason in why, for a name that is none of them. */
static int parse_activation(const char *text, int *act_plus1, char *why, size_t cap) {
  const char *word = strstr(text, " act=");
  *act_plus1 = 0;
  if (!word) return 0;
  word += strlen(" act=");
  int len = (int)strcspn(word, " ");
  for (int act = CLCNN_ACT_RELU; act <= CLCNN_ACT_RELU6; act++)
    if (strlen(clcnn_activation_name(act)) == (size_t)len &&
        strncmp(word, clcnn_activation_name(act), (size_t)len) == 0)
      return (*act_plus1 = act + 1), 0;
  snprintf(why, cap, "unknown activation 'act=%.*s' (relu, sigmoid, tanh or relu6)", len, word);
  return -1;
}

int bench_parse_problem(const char *text, bench_problem *out, char *why, size_t cap) {
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "%.*s", (int)strcspn(text, " "), text);
  if (text[0] == 'n') {
    if (clcnn_conv2d_problem_parse(text, &out->conv, out->x, out->w) != CLCNN_OK)
      return snprintf(why, cap, "%s", clcnn_last_error(NULL)), -1;
    out->only_algo = strstr(text, " algo=") ? out->conv.algo : -1;
    out->residual = has_word(text, "residual");
    return parse_activation(text, &out->act_plus1, why, cap);
  }
  out->is_pool = 1;
  if (clcnn_pool2d_problem_parse(text, &out->pool, out->x) != CLCNN_OK)
    return snprintf(why, cap, "%s", clcnn_last_error(NULL)), -1;
  return 0;
}

double bench_conv_flops(const bench_problem *p) {
  size_t y[4];
  if (clcnn_conv2d_output_shape(&p->conv, p->x, p->w, y) != CLCNN_OK) return 0;
  return 2.0 * (double)y[0] * y[1] * y[2] * y[3] * p->w[1] * p->w[2] * p->w[3];
}

double bench_pool_bytes(const bench_problem *p) {
  size_t y[4];
  if (clcnn_pool2d_output_shape(&p->pool, p->x, y) != CLCNN_OK) return 0;
  return 4.0 * ((double)p->x[0] * p->x[1] * p->x[2] * p->x[3] + (double)y[0] * y[1] * y[2] * y[3]);
}

double bench_pool_backward_bytes(const bench_problem *p) {
  size_t y[4];
  if (clcnn_pool2d_output_shape(&p->pool, p->x, y) != CLCNN_OK) return 0;
  double x = (double)p->x[0] * p->x[1] * p->x[2] * p->x[3];
  return 4.0 * (2.0 * x + 2.0 * (double)y[0] * y[1] * y[2] * y[3]);
}

/* Benchmark problems: the built-in table and the shape strings given on the command line. */
#include "bench_shapes.h"

#include <stdio.h>
#include <string.h>

#define CONV(nm, tiny_, n, c, h, w, k, r, s, st, pad)                                              \
  {                                                                                                \
    nm, 0, tiny_, {n, c, h, w}, {k, c, r, s}, {st, st, pad, pad, pad, pad, 1, 1, 1, 0}, {          \
      0                                                                                            \
    }                                                                                              \
  }
#define POOL(nm, mode, n, c, h, w, k, st, pad)                                                     \
  {                                                                                                \
    nm, 1, 0, {n, c, h, w}, {0}, {0}, {                                                            \
      mode, k, k, st, st, pad, pad, pad, pad, 0, 1                                                 \
    }                                                                                              \
  }

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

static int parse_conv(const char *t, bench_problem *p) {
  size_t n, c, h, w, k, r, s, sh = 1, sw = 1, pt = 0, pb = 0, pl = 0, pr = 0, dh = 1, dw = 1, g = 1;
  int used = 0;
  if (sscanf(t, "n%zuc%zuh%zuw%zu_k%zur%zus%zu%n", &n, &c, &h, &w, &k, &r, &s, &used) != 7)
    return -1;
  const char *rest = t + used;
  while (*rest) {
    int more = 0;
    char pads[5];
    if (sscanf(rest, "_st%zux%zu%n", &sh, &sw, &more) == 2 && more) {
    } else if (sscanf(rest, "_p%4[0-9]%n", pads, &more) == 1 && strlen(pads) == 4) {
      pt = (size_t)(pads[0] - '0'), pb = (size_t)(pads[1] - '0');
      pl = (size_t)(pads[2] - '0'), pr = (size_t)(pads[3] - '0');
    } else if (sscanf(rest, "_d%zux%zu%n", &dh, &dw, &more) == 2 && more) {
    } else if (sscanf(rest, "_g%zu%n", &g, &more) == 1 && more) {
    } else {
      return -1;
    }
    rest += more;
  }
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%.95s", t);
  size_t x[4] = {n, c, h, w}, wt[4] = {k, g ? c / g : 0, r, s};
  memcpy(p->x, x, sizeof x);
  memcpy(p->w, wt, sizeof wt);
  p->conv = (clcnn_conv2d_desc){sh, sw, pt, pb, pl, pr, dh, dw, g, 0};
  return 0;
}

static int parse_pool(const char *t, bench_problem *p) {
  size_t n, c, h, w, kh, kw, sh, sw;
  char mode[4], pads[5] = "0000";
  int used = 0;
  if (sscanf(t, "%3[a-z]_n%zuc%zuh%zuw%zu_k%zux%zu_st%zux%zu%n", mode, &n, &c, &h, &w, &kh, &kw,
             &sh, &sw, &used) != 9)
    return -1;
  if (t[used] && (sscanf(t + used, "_p%4[0-9]", pads) != 1 || strlen(pads) != 4)) return -1;
  int is_max = strcmp(mode, "max") == 0;
  if (!is_max && strcmp(mode, "avg") != 0) return -1;
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%.95s", t);
  p->is_pool = 1;
  size_t x[4] = {n, c, h, w};
  memcpy(p->x, x, sizeof x);
  p->pool = (clcnn_pool2d_desc){is_max ? CLCNN_POOL_MAX : CLCNN_POOL_AVG,
                                kh,
                                kw,
                                sh,
                                sw,
                                (size_t)(pads[0] - '0'),
                                (size_t)(pads[1] - '0'),
                                (size_t)(pads[2] - '0'),
                                (size_t)(pads[3] - '0'),
                                0,
                                1};
  return 0;
}

int bench_parse_problem(const char *text, bench_problem *out) {
  return text[0] == 'n' ? parse_conv(text, out) : parse_pool(text, out);
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

/* Benchmark problems: the built-in table and the shape strings given on the command line. */
#ifndef CLCNN_TOOLS_BENCH_SHAPES_H
#define CLCNN_TOOLS_BENCH_SHAPES_H

#include <stddef.h>

#include <clcnn/clcnn.h>

typedef struct bench_problem {
  char name[96];
  int is_pool;
  int tiny;      /* the tutorial's shapes: reported, not part of the speed summary */
  int only_algo; /* -1: every algorithm; else the one an "algo=NAME" word asked for */
  size_t x[4];
  size_t w[4];            /* conv only */
  clcnn_conv2d_desc conv; /* algo is set per run */
  clcnn_pool2d_desc pool;
  int act_plus1; /* 0: none; else 1 + the clcnn_activation an "act=NAME" word asked to fuse */
  int residual;  /* a "residual" word: the forward pass sums into y (plan_set_residual) */
} bench_problem;

/* The built-in table; *count gets its length. */
const bench_problem *bench_builtin_problems(size_t *count);

/* Parses a problem string of the library's grammar (clcnn_conv2d_problem_parse, ..._pool2d_):
   "n8c64h56w56_k64r3s3_st1x1_p1111_d1x1_g1", or a whole plan description with algo=NAME, or
   "max_n8c64h112w112_k3x3_st2x2_p1111" / "avg_...". 0 on success; -1 with the reason in why
   (cap bytes) otherwise. */
int bench_parse_problem(const char *text, bench_problem *out, char *why, size_t cap);

/* Floating-point operations of a convolution (2 per multiply-add); bytes moved by pooling
   (input read once plus output written). */
double bench_conv_flops(const bench_problem *p);
double bench_pool_bytes(const bench_problem *p);
/* Bytes moved by pooling backward: x and dx, y and dy, once each. */
double bench_pool_backward_bytes(const bench_problem *p);

#endif

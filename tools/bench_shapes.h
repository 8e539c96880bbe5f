/* Benchmark problems: the built-in table and the shape strings given on the command line. */
#ifndef CLCNN_TOOLS_BENCH_SHAPES_H
#define CLCNN_TOOLS_BENCH_SHAPES_H

#include <stddef.h>

#include <clcnn/clcnn.h>

typedef struct bench_problem {
  char name[96];
  int is_pool;
  int tiny; /* the tutorial's shapes: reported, not part of the speed summary */
  size_t x[4];
  size_t w[4];            /* conv only */
  clcnn_conv2d_desc conv; /* algo is set per run */
  clcnn_pool2d_desc pool;
} bench_problem;

/* The built-in table; *count gets its length. */
const bench_problem *bench_builtin_problems(size_t *count);

/* Parses "n8c64h56w56_k64r3s3_st1x1_p1111_d1x1_g1" (conv; the _st, _p, _d, _g parts are
   optional) or "max_n8c64h112w112_k3x3_st2x2_p1111" / "avg_..." (pool). 0 on success. */
int bench_parse_problem(const char *text, bench_problem *out);

/* Floating-point operations of a convolution (2 per multiply-add); bytes moved by pooling
   (input read once plus output written). */
double bench_conv_flops(const bench_problem *p);
double bench_pool_bytes(const bench_problem *p);

#endif

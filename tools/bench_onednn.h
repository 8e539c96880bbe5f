/* oneDNN on the CPU, in its own blocked layouts, on the bench's problems: the anchor that
   clcnn's speed on CPUs is measured against, in the same process. Built only when oneDNN is
   found (CLCNN_BENCH_ONEDNN); the library never uses it. */
#ifndef CLCNN_TOOLS_BENCH_ONEDNN_H
#define CLCNN_TOOLS_BENCH_ONEDNN_H

#include "bench_shapes.h"

typedef enum bench_pass {
  BENCH_FORWARD,
  BENCH_BACKWARD_DATA,
  BENCH_BACKWARD_WEIGHTS, /* with the bias gradient */
  BENCH_POOL_FORWARD,
  BENCH_POOL_BACKWARD,
  BENCH_POOL_FORWARD_TRAINING /* max pooling's forward that writes the workspace */
} bench_pass;

typedef struct bench_onednn bench_onednn;

/* A primitive for pass of p with random inputs in the layouts it prefers (reorders and the
   forward pass that max pooling's backward needs are done here, outside any timing); NULL
   when oneDNN cannot run the problem (the reason goes to stderr). */
bench_onednn *bench_onednn_create(const bench_problem *p, bench_pass pass);
/* Executes the primitive and waits; 0 on success. */
int bench_onednn_run(void *o);
void bench_onednn_destroy(bench_onednn *o);
/* "oneDNN 2.6.3 (cpu, N threads)" */
const char *bench_onednn_describe(void);

#endif

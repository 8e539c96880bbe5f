/* CLBlast's Convgemm on the same device and data: the benchmark's yardstick. */
#ifndef CLCNN_TOOLS_BENCH_CLBLAST_H
#define CLCNN_TOOLS_BENCH_CLBLAST_H

#include "bench_shapes.h"

/* 1 when Convgemm can run p (no groups, symmetric padding). */
int bench_convgemm_applies(const bench_problem *p);
/* Enqueues Convgemm (cross-correlation) of x and w into y; returns CLBlast's status code. */
int bench_convgemm(cl_command_queue queue, const bench_problem *p, cl_mem x, cl_mem w, cl_mem y);

#endif

/* Timing for clcnn bench: first call apart, a warm-up, then medians; two runners timed in
   alternation (A B A B) so that they see the same machine state. */
#define _POSIX_C_SOURCE 200809L
#include "bench_timing.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, compare_doubles);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One run and the wait for its work; the time in ms, or -1. */
static double timed(clcnn_context *ctx, bench_run_fn run, void *arg) {
  double t0 = now_ms();
  if (run(arg) != 0 || clcnn_context_finish(ctx) != CLCNN_OK) return -1;
  return now_ms() - t0;
}

int bench_time(clcnn_context *ctx, bench_run_fn run, void *arg, bench_run_fn anchor,
               void *anchor_arg, int reps, bench_timing *out) {
  *out = (bench_timing){0, 0, 0};
  if ((out->first_ms = timed(ctx, run, arg)) < 0) return -1;
  if (anchor && timed(ctx, anchor, anchor_arg) < 0) anchor = NULL;
  double warm = timed(ctx, run, arg) + (anchor ? timed(ctx, anchor, anchor_arg) : 0);
  if (reps <= 0) reps = warm > 0 ? (int)fmin(25, fmax(3, 500.0 / warm)) : 25;
  double *a = malloc(2 * (size_t)reps * sizeof *a), *b = a + reps;
  if (!a) return -1;
  int status = 0;
  for (int i = 0; i < reps && status == 0; i++) {
    a[i] = timed(ctx, run, arg);
    if (anchor) b[i] = timed(ctx, anchor, anchor_arg);
    status = a[i] < 0 || (anchor && b[i] < 0) ? -1 : 0;
  }
  if (status == 0) {
    out->median_ms = median(a, reps);
    out->anchor_ms = anchor ? median(b, reps) : 0;
  }
  free(a);
  return status;
}

/* Timing for clcnn bench: first call apart, a warm-up, then medians; two runners timed in
   alternation (A B A B) so that they see the same machine state. */
#ifndef CLCNN_TOOLS_BENCH_TIMING_H
#define CLCNN_TOOLS_BENCH_TIMING_H

#include <clcnn/clcnn.h>

/* One run of the thing timed; 0 on success. Timing waits for ctx's queue after each run. */
typedef int (*bench_run_fn)(void *arg);

typedef struct bench_timing {
  double first_ms;  /* the first call: program builds, weight packing */
  double median_ms; /* of the timed runs */
  double anchor_ms; /* the anchor's median when one was timed alongside, else 0 */
} bench_timing;

/* Times run (and anchor, when not NULL, in alternation) over reps runs after one warm-up
   each; reps 0 adapts to about half a second of runs (3 to 25). -1 when a run fails. */
int bench_time(clcnn_context *ctx, bench_run_fn run, void *arg, bench_run_fn anchor,
               void *anchor_arg, int reps, bench_timing *out);

#endif

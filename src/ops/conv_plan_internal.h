/* What the tuner needs of convolution plans beyond the public API: plans with a forced
   choice for one pass, and running a pass without the context's lock (the tuner runs inside
   locked calls when CLCNN_TUNE=auto). */
#ifndef CLCNN_OPS_CONV_PLAN_INTERNAL_H
#define CLCNN_OPS_CONV_PLAN_INTERNAL_H

#include "ops/tune_records.h"

/* The choice the heuristics make for pass (AUTO). */
clcnn_tune_choice clcnn_conv2d_default_choice(const clcnn_context *ctx,
                                              const clcnn_conv_geometry *g, clcnn_conv_pass pass);
/* A plan whose `pass` runs `choice`, set up (built) for that pass. */
clcnn_status clcnn_conv2d_plan_make_choice(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                           const size_t x_shape[4], const size_t w_shape[4],
                                           clcnn_conv_pass pass, const clcnn_tune_choice *choice,
                                           clcnn_conv2d_plan **out);
/* Runs pass on t = {x or dx, w or dw, y or dy} (no bias), the lock held by the caller. */
clcnn_status clcnn_conv2d_plan_run_pass(clcnn_conv2d_plan *plan, clcnn_conv_pass pass,
                                        clcnn_tensor *const t[3]);

/* What a tuning run measured: the heuristic's median, the best one's, and the winner. */
typedef struct clcnn_tune_outcome {
  double default_ms, best_ms;
  int candidates; /* measured */
  clcnn_tune_choice best;
} clcnn_tune_outcome;

/* Measures the candidates for one pass of the problem (d->algo AUTO) within budget seconds
   (the heuristic's choice always, first), writes the record and returns the winner; a
   candidate replaces the heuristic's choice only when it is at least 3% faster. */
clcnn_status clcnn_conv_tune_pass(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                  const size_t x_shape[4], const size_t w_shape[4],
                                  clcnn_conv_pass pass, double budget, clcnn_tune_choice *best,
                                  clcnn_tune_outcome *outcome);

#endif

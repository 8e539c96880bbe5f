/* Tuning one pass of a convolution: the heuristic's choice, then the other algorithms and
   the work-group family's parameter sets, each built and timed on the device (median of a
   few runs on random data) while the budget lasts; the winner is written as a record. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "device/context.h"
#include "memory/tensor.h"
#include "ops/conv_plan_internal.h"

/* Timed runs per candidate (after one untimed run), and the time that stops them early. */
#define TUNE_RUNS 5
#define TUNE_RUN_SECONDS 0.25
/* A candidate replaces the heuristic's choice only when at least this much faster. */
#define TUNE_MARGIN 0.97
/* A candidate whose first timed run takes this many times the best so far is not run again. */
#define TUNE_ABANDON 1.5
#define MAX_CANDIDATES 24

static clcnn_status finish(clcnn_context *ctx) {
  cl_int err = clFinish(ctx->queue);
  return err == CL_SUCCESS ? CLCNN_OK : clcnn_fail_wait(ctx, err, "clFinish");
}

/* Median milliseconds of one candidate, or a failure status (it cannot run the problem); a
   first timed run over abandon_ms (when > 0) ends the measurement there. */
static clcnn_status measure(clcnn_context *ctx, const clcnn_conv2d_desc *d, const size_t x_shape[4],
                            const size_t w_shape[4], clcnn_conv_pass pass,
                            const clcnn_tune_choice *c, clcnn_tensor *const t[3], double abandon_ms,
                            double *ms) {
  clcnn_conv2d_plan *plan = NULL;
  clcnn_status status = clcnn_conv2d_plan_make_choice(ctx, d, x_shape, w_shape, pass, c, &plan);
  if (status == CLCNN_OK) status = clcnn_conv2d_plan_run_pass(plan, pass, t);
  if (status == CLCNN_OK) status = finish(ctx);
  double times[TUNE_RUNS];
  int runs = 0;
  double start = clcnn_now_seconds();
  while (status == CLCNN_OK && runs < TUNE_RUNS &&
         (runs < 1 || clcnn_now_seconds() - start < TUNE_RUN_SECONDS)) {
    double t0 = clcnn_now_seconds();
    status = clcnn_conv2d_plan_run_pass(plan, pass, t);
    if (status == CLCNN_OK) status = finish(ctx);
    times[runs++] = (clcnn_now_seconds() - t0) * 1e3;
    if (abandon_ms > 0 && times[0] > abandon_ms) break; /* it cannot win: one run tells */
  }
  clcnn_conv2d_plan_destroy(plan);
  if (status != CLCNN_OK) return status;
  *ms = clcnn_median(times, (size_t)runs);
  return CLCNN_OK;
}

/* The median time of one launch of a one-element fill and the wait for it, over LAUNCH_RUNS. */
#define LAUNCH_RUNS 15
static clcnn_status launch_cost(clcnn_context *ctx, double *ms) {
  double times[LAUNCH_RUNS];
  clcnn_tensor *t = NULL;
  clcnn_status status = clcnn_tensor_create(ctx, 1, 1, 1, 1, &t);
  if (status == CLCNN_OK) status = clcnn_tensor_fill_locked(t, 0.0f);
  if (status == CLCNN_OK) status = finish(ctx);
  for (int i = 0; status == CLCNN_OK && i < LAUNCH_RUNS; i++) {
    double t0 = clcnn_now_seconds();
    status = clcnn_tensor_fill_locked(t, 0.0f);
    if (status == CLCNN_OK) status = finish(ctx);
    times[i] = (clcnn_now_seconds() - t0) * 1e3;
  }
  clcnn_tensor_destroy(t);
  if (status != CLCNN_OK) return status;
  *ms = clcnn_median(times, LAUNCH_RUNS);
  return CLCNN_OK;
}

static int same_choice(const clcnn_tune_choice *a, const clcnn_tune_choice *b) {
  return a->algo == b->algo && a->workgroup == b->workgroup &&
         (!a->workgroup || memcmp(&a->p, &b->p, sizeof a->p) == 0);
}

/* The heuristic's choice first, then the other algorithms of this library (forward), the
   work-group family's parameter sets that fit the device, and last the CLBlast algorithms
   (forward), whose first build takes seconds on a CPU device. */
static size_t candidates(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                         clcnn_conv_pass pass, clcnn_tune_choice *out) {
  size_t n = 0;
  out[n++] = clcnn_conv2d_default_choice(ctx, g, pass);
  clcnn_tune_choice c = {.algo = CLCNN_CONV_DIRECT};
  int forward = pass == CLCNN_PASS_FORWARD;
  int algos[5] = {forward || out[0].workgroup ? CLCNN_CONV_DIRECT : -1,
                  forward && clcnn_winograd_applies(g) ? CLCNN_CONV_WINOGRAD : -1, -2,
                  forward && clcnn_conv_is_plain_1x1(g) ? CLCNN_CONV_GEMM_1X1 : -1,
                  forward ? CLCNN_CONV_IM2COL_GEMM : -1};
  for (int i = 0; i < 5 && n < MAX_CANDIDATES; i++) {
    if (algos[i] == -2) { /* the work-group family's sets */
      c.algo = CLCNN_CONV_DIRECT;
      c.workgroup = 1;
      for (size_t k = 0; clcnn_wg_applies(g) && k < clcnn_wg_param_count() && n < MAX_CANDIDATES;
           k++) {
        c.p = *clcnn_wg_param_at(k);
        if (clcnn_wg_params_fit(ctx, &c.p) && !same_choice(&c, &out[0])) out[n++] = c;
      }
      c.workgroup = 0;
      continue;
    }
    c.algo = algos[i];
    if (algos[i] >= 0 && !same_choice(&c, &out[0])) out[n++] = c;
  }
  return n;
}

static clcnn_status make_tensors(clcnn_context *ctx, const size_t shapes[3][4],
                                 clcnn_tensor *t[3]) {
  clcnn_status status = CLCNN_OK;
  for (int i = 0; i < 3 && status == CLCNN_OK; i++) {
    status =
        clcnn_tensor_create(ctx, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], &t[i]);
    size_t count = shapes[i][0] * shapes[i][1] * shapes[i][2] * shapes[i][3];
    float *data = status == CLCNN_OK ? malloc(count * sizeof(float)) : NULL;
    if (status == CLCNN_OK && !data)
      status = clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "clcnn tune: host allocation failed");
    unsigned state = 12345u + (unsigned)i;
    for (size_t j = 0; data && j < count; j++) {
      state = state * 1664525u + 1013904223u;
      data[j] = (float)(state >> 8) / 16777216.0f - 0.5f;
    }
    if (data) status = clcnn_tensor_write(t[i], data, count);
    free(data);
  }
  return status;
}

clcnn_status clcnn_conv_tune_pass(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                  const size_t x_shape[4], const size_t w_shape[4],
                                  clcnn_conv_pass pass, double budget, clcnn_tune_choice *best,
                                  clcnn_tune_outcome *outcome) {
  static const char *const ops[3] = {"conv2d-forward", "conv2d-data", "conv2d-weights"};
  double deadline = clcnn_now_seconds() + budget;
  clcnn_conv_geometry g;
  clcnn_status status = clcnn_conv_geometry_make(ctx, "clcnn tune", d, x_shape, w_shape, &g);
  if (status != CLCNN_OK) return status;
  const size_t shapes[3][4] = {{x_shape[0], x_shape[1], x_shape[2], x_shape[3]},
                               {w_shape[0], w_shape[1], w_shape[2], w_shape[3]},
                               {g.n, g.k, g.p, g.q}};
  clcnn_tensor *t[3] = {NULL, NULL, NULL};
  clcnn_tune_choice list[MAX_CANDIDATES];
  size_t n = candidates(ctx, &g, pass, list);
  clcnn_tune_outcome o = {0};
  status = make_tensors(ctx, shapes, t);
  /* the heuristic's choice must run: its failure is the tuning's */
  double started = clcnn_now_seconds();
  if (status == CLCNN_OK)
    status = measure(ctx, d, x_shape, w_shape, pass, &list[0], t, 0, &o.default_ms);
  o.best = list[0];
  o.best_ms = o.default_ms;
  o.candidates = status == CLCNN_OK;
  /* a candidate starts only when one like the last (build and runs; at first the
     heuristics' choice) still fits the budget */
  double last = clcnn_now_seconds() - started;
  for (size_t i = 1; status == CLCNN_OK && i < n && clcnn_now_seconds() + last < deadline; i++) {
    double ms, t0 = clcnn_now_seconds();
    clcnn_status tried =
        measure(ctx, d, x_shape, w_shape, pass, &list[i], t, TUNE_ABANDON * o.best_ms, &ms);
    last = clcnn_now_seconds() - t0;
    if (tried == CLCNN_DEVICE_LOST) status = tried;
    if (tried != CLCNN_OK) continue; /* this candidate cannot run the problem */
    o.candidates++;
    if (ms < o.best_ms) o.best = list[i], o.best_ms = ms;
  }
  double floor_ms = 0;
  if (status == CLCNN_OK && o.best_ms < o.default_ms) status = launch_cost(ctx, &floor_ms);
  for (int i = 0; i < 3; i++) clcnn_tensor_destroy(t[i]);
  if (status != CLCNN_OK) return status;
  /* a gain must be 3% and more than one launch-and-wait costs: below that the medians of
     tiny problems measured noise (the tutorial's shapes swapped places run to run) */
  if (o.best_ms > TUNE_MARGIN * o.default_ms || o.default_ms - o.best_ms < floor_ms)
    o.best = list[0], o.best_ms = o.default_ms;
  char problem[160];
  clcnn_conv2d_problem_format(d, x_shape, w_shape, problem, sizeof problem);
  clcnn_tune_record_store(ctx, ops[pass], problem, &o.best, o.best_ms, o.default_ms);
  *best = o.best;
  if (outcome) *outcome = o;
  return CLCNN_OK;
}

clcnn_status clcnn_conv2d_tune(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                               const size_t x_shape[4], const size_t w_shape[4], int pass,
                               double budget_seconds, clcnn_tune_report *report) {
  const char *fn = "clcnn_conv2d_tune";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  if (!d || !x_shape || !w_shape)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: d, x_shape or w_shape is NULL", fn);
  if (pass < CLCNN_TUNE_FORWARD || pass > CLCNN_TUNE_BACKWARD_WEIGHTS)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: pass %d is none of 0 forward, 1 backward data, 2 backward weights", fn,
                      pass);
  if (!(budget_seconds >= 0))
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: budget_seconds %g is not >= 0", fn,
                      budget_seconds);
  clcnn_conv2d_desc key = *d;
  key.algo = CLCNN_CONV_AUTO;
  clcnn_tune_choice best;
  clcnn_tune_outcome o;
  clcnn_context_lock(ctx);
  status = clcnn_conv_tune_pass(ctx, &key, x_shape, w_shape, (clcnn_conv_pass)pass, budget_seconds,
                                &best, &o);
  clcnn_context_unlock(ctx);
  if (status == CLCNN_OK && report) {
    clcnn_tune_choice_format(&best, report->choice, sizeof report->choice);
    report->default_ms = o.default_ms;
    report->best_ms = o.best_ms;
    report->candidates = o.candidates;
  }
  return status;
}

/* Plans: decide once (validation, algorithm, kernel parameters, program builds, workspace
   sizes, packed weights), run many times. The one-shot functions of conv2d.h and pool2d.h run
   through a bounded per-context cache of plans, so repeating them costs what plans cost. */
#ifndef CLCNN_PLAN_H
#define CLCNN_PLAN_H

#include <clcnn/conv2d.h>
#include <clcnn/pool2d.h>
#include <clcnn/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clcnn_conv2d_plan clcnn_conv2d_plan; /* opaque */
typedef struct clcnn_pool2d_plan clcnn_pool2d_plan; /* opaque */

/* Plan flags. CLCNN_PLAN_CONSTANT_WEIGHTS: the caller promises that every forward and
   backward-data call passes the same w (and bias) tensors with unchanged contents, so the
   plan transforms them once, at the first call, and keeps the result. Without it the
   weights are read afresh at every call (training). */
enum { CLCNN_PLAN_CONSTANT_WEIGHTS = 1u << 0 };

/* A plan for x (N x C x H x W) and w (K x C/groups x R x S) as clcnn_conv2d_forward takes
   them. Validates the descriptor and shapes, picks the forward algorithm (AUTO: the
   library's choice for this device), sets kernel parameters and builds the forward programs.
   The backward passes are planned and built at their first call. */
CLCNN_API clcnn_status clcnn_conv2d_plan_create(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                                const size_t x_shape[4], const size_t w_shape[4],
                                                unsigned flags, clcnn_conv2d_plan **out);
/* Same semantics, rules and messages as the one-shot functions; every tensor's shape must be
   the plan's, and every tensor must belong to the plan's context. */
CLCNN_API clcnn_status clcnn_conv2d_plan_forward(clcnn_conv2d_plan *plan, const clcnn_tensor *x,
                                                 const clcnn_tensor *w, const clcnn_tensor *bias,
                                                 clcnn_tensor *y);
CLCNN_API clcnn_status clcnn_conv2d_plan_backward_data(clcnn_conv2d_plan *plan,
                                                       const clcnn_tensor *dy,
                                                       const clcnn_tensor *w, clcnn_tensor *dx);
CLCNN_API clcnn_status clcnn_conv2d_plan_backward_weights(clcnn_conv2d_plan *plan,
                                                          const clcnn_tensor *x,
                                                          const clcnn_tensor *dy, clcnn_tensor *dw,
                                                          clcnn_tensor *dbias /* may be NULL */);
/* The forward algorithm the plan runs, never CLCNN_CONV_AUTO; -1 for a NULL plan. */
CLCNN_API int clcnn_conv2d_plan_algo(const clcnn_conv2d_plan *plan);
/* Fuses an activation into the plan's forward pass, y = act(x (*) w + bias), applied as each
   output is stored (one pass over memory): a clcnn_activation, or -1 for none (the default).
   NaN propagates as in clcnn_activation_forward. The backward passes stay those of the
   convolution alone. The description gains " act=NAME". */
CLCNN_API clcnn_status clcnn_conv2d_plan_set_activation(clcnn_conv2d_plan *plan, int act);
/* With add = 1 the forward pass adds what y holds before the call to each output, before the
   activation: y = act(x (*) w + bias + y), the sum of a residual connection done as the
   convolution stores (oneDNN's sum post-op, cuDNN's z = y): one pass over memory instead of
   two. 0 (the default) overwrites y. On the direct and Winograd paths the bits are those of
   the plain forward pass followed by clcnn_add and the activation; the GEMM paths sum in the
   GEMM (conv + y, then the bias), which may differ in the last bit. y is read, so it must hold
   the residual (NaN propagates); the backward passes stay those of the convolution alone. The
   description gains " residual". */
CLCNN_API clcnn_status clcnn_conv2d_plan_set_residual(clcnn_conv2d_plan *plan, int add);
/* One line that reproduces the plan: the problem in the shape syntax below (which `clcnn bench`
   takes), then algo=NAME and the kernel parameters. Owned by the plan; "" for NULL. */
CLCNN_API const char *clcnn_conv2d_plan_describe(const clcnn_conv2d_plan *plan);
CLCNN_API void clcnn_conv2d_plan_destroy(clcnn_conv2d_plan *plan); /* NULL: no-op */

CLCNN_API clcnn_status clcnn_pool2d_plan_create(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                                const size_t x_shape[4], clcnn_pool2d_plan **out);
CLCNN_API clcnn_status clcnn_pool2d_plan_forward(clcnn_pool2d_plan *plan, const clcnn_tensor *x,
                                                 clcnn_tensor *y);
CLCNN_API clcnn_status clcnn_pool2d_plan_backward(clcnn_pool2d_plan *plan, const clcnn_tensor *x,
                                                  const clcnn_tensor *y, const clcnn_tensor *dy,
                                                  clcnn_tensor *dx);
/* The indexed passes of max pooling (see clcnn_pool2d_forward_indices): the backward reads
   dy and the recorded positions only, about half the memory traffic of plan_backward for
   overlapping windows. */
CLCNN_API clcnn_status clcnn_pool2d_plan_forward_indices(clcnn_pool2d_plan *plan,
                                                         const clcnn_tensor *x, clcnn_tensor *y,
                                                         clcnn_tensor *indices);
CLCNN_API clcnn_status clcnn_pool2d_plan_backward_indices(clcnn_pool2d_plan *plan,
                                                          const clcnn_tensor *indices,
                                                          const clcnn_tensor *dy, clcnn_tensor *dx);
/* Like clcnn_conv2d_plan_describe: the problem, then the kernel chosen. */
CLCNN_API const char *clcnn_pool2d_plan_describe(const clcnn_pool2d_plan *plan);
CLCNN_API void clcnn_pool2d_plan_destroy(clcnn_pool2d_plan *plan); /* NULL: no-op */

/* A plan is used with the context it was created in, and destroyed before that context. */

/* ---- Problem strings: one grammar for plans, `clcnn bench`, tests and logs ---------------- *
   conv: n8c64h56w56_k64r3s3[_st1x1][_p1111][_d1x1][_g1]
         padding is top, bottom, left, right: four digits, or 10x10x0x0 when any is over 9.
   pool: max_n8c64h112w112_k3x3_st2x2[_p1111][_ceil][_exclpad]  (or avg_...)
         _ceil: ceil mode; _exclpad: average divides by the in-input count. */

/* Static name of an algorithm ("auto", "direct", "im2col+gemm", "gemm-1x1", "winograd"), or
   NULL for a value that is none. */
CLCNN_API const char *clcnn_conv_algo_name(int algo);
/* The algorithm named name, or -1. */
CLCNN_API int clcnn_conv_algo_from_name(const char *name);

/* Writes the problem string; INVALID_ARGUMENT when it does not fit cap. */
CLCNN_API clcnn_status clcnn_conv2d_problem_format(const clcnn_conv2d_desc *d,
                                                   const size_t x_shape[4], const size_t w_shape[4],
                                                   char *out, size_t cap);
/* Parses a problem string (up to the first space); d->algo gets CLCNN_CONV_AUTO, or the
   algorithm of an "algo=NAME" word that follows, as plan descriptions carry. */
CLCNN_API clcnn_status clcnn_conv2d_problem_parse(const char *text, clcnn_conv2d_desc *d,
                                                  size_t x_shape[4], size_t w_shape[4]);
CLCNN_API clcnn_status clcnn_pool2d_problem_format(const clcnn_pool2d_desc *d,
                                                   const size_t x_shape[4], char *out, size_t cap);
CLCNN_API clcnn_status clcnn_pool2d_problem_parse(const char *text, clcnn_pool2d_desc *d,
                                                  size_t x_shape[4]);

/* ---- Tuning: measured choices per device, remembered ------------------------------------ *
   A tuning run times the candidates for one problem on the context's device (the choice the
   heuristics make, the other algorithms, the work-group kernel family's parameter sets) on
   random data and writes the winner as a record in the tune/ folder of the program cache,
   keyed by device, driver, library version and problem. Plans created with AUTO read the
   records first and the heuristics otherwise; their description ends the choice with
   "choice=record" or "choice=heuristic". A record that is corrupt, for another device,
   driver or version, or names parameters the device cannot run is ignored, never trusted.
   A candidate replaces the heuristic's choice only when it is at least 3% faster.
   CLCNN_TUNE (read at context creation): "use" (default) reads records, "off" ignores them,
   "auto" also tunes, at plan creation, each pass that has no record (CLCNN_TUNE_MS per pass,
   default 2000). */
typedef struct clcnn_tune_report {
  char choice[160];  /* the recorded choice: "algo=NAME family=vector" or "... family=workgroup
                        tile=TMxTNxTK group=WMxWN vec=V" */
  double default_ms; /* median time of the heuristics' choice */
  double best_ms;    /* median time of the recorded choice */
  int candidates;    /* candidates measured */
} clcnn_tune_report;

typedef enum clcnn_conv_pass_id {
  CLCNN_TUNE_FORWARD = 0,
  CLCNN_TUNE_BACKWARD_DATA = 1,
  CLCNN_TUNE_BACKWARD_WEIGHTS = 2
} clcnn_conv_pass_id;

/* Tunes one pass (a clcnn_conv_pass_id) of the problem (d->algo is ignored: AUTO's choice is
   what is tuned) within about budget_seconds (the heuristics' choice is always measured);
   report may be NULL. */
CLCNN_API clcnn_status clcnn_conv2d_tune(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                         const size_t x_shape[4], const size_t w_shape[4], int pass,
                                         double budget_seconds, clcnn_tune_report *report);
/* Tunes pooling's kernel family on forward plus backward time. */
CLCNN_API clcnn_status clcnn_pool2d_tune(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                         const size_t x_shape[4], clcnn_tune_report *report);
/* The records in the tune/ folder of cache_dir (NULL: the default program cache folder): each
   is passed to `each` (may be NULL) as its lines, then removed when `remove` is set; *count
   (may be NULL) gets how many there were. */
CLCNN_API clcnn_status clcnn_tune_records(const char *cache_dir, int remove,
                                          void (*each)(const char *record, void *user), void *user,
                                          size_t *count);

/* ---- The per-context plan cache behind the one-shot functions ----------------------------- *
   At most `capacity` plans (64, or $CLCNN_PLAN_CACHE_SIZE read at context creation; 0 turns
   the cache off), least recently used evicted first. */
typedef struct clcnn_plan_cache_stats {
  size_t plans;    /* cached now */
  size_t capacity; /* the bound */
  size_t hits, misses, evictions;
} clcnn_plan_cache_stats;

CLCNN_API clcnn_status clcnn_context_plan_cache_stats(const clcnn_context *ctx,
                                                      clcnn_plan_cache_stats *out);

#ifdef __cplusplus
}
#endif

#endif

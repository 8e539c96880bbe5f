/* Convolution plans: validation, the algorithm choice, kernel parameters and program builds
   once per problem; packed weights kept when they are constant. The one-shot functions run
   through the context's plan cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/context.h"
#include "memory/workspace.h"
#include "ops/conv_paths.h"
#include "ops/conv_plan_internal.h"
#include "ops/plan_cache.h"
#include "ops/tune_records.h"
#include "program/program.h"

/* Weights a pass has packed into its own layout: kept in the plan with constant weights. */
typedef struct packed_weights {
  cl_mem buf;
  int valid;
} packed_weights;

struct clcnn_conv2d_plan {
  clcnn_context *ctx;
  clcnn_conv2d_desc desc;
  clcnn_conv_geometry g;
  size_t x_shape[4], w_shape[4], y_shape[4];
  unsigned flags;
  clcnn_conv_algo algo;
  int act;      /* the forward pass's fused activation, or CLCNN_EPI_NONE */
  int residual; /* 1: the forward pass adds y's previous contents */
  /* per pass (clcnn_conv_pass): what runs, and where that came from */
  clcnn_tune_choice choice[3];
  const char *source[3];
  int decided[3];
  clcnn_wg_conv wg[3]; /* the passes that run on the work-group family */
  int forward_ready, data_ready, weights_ready;
  clcnn_direct_conv direct;
  clcnn_winograd_conv winograd;
  clcnn_backward_data_conv data;
  clcnn_backward_weights_conv weights;
  packed_weights forward_packed, data_packed;
  clcnn_kernel_set kept; /* the kernels of the paths above, valid while the plan lives */
  char describe[1024];
  char params[256];      /* the forward kernel parameters, for describe */
  char backward[2][160]; /* the backward passes' family and parameters, once set up */
};

static const char *const pass_ops[3] = {"conv2d-forward", "conv2d-data", "conv2d-weights"};

/* ---- what runs each pass: a tuning record, a choice forced by the tuner, or the heuristics */

/* The library's own choice for the pass: the forward algorithm AUTO picks (or the caller's),
   on the work-group family where it runs and applies, with the cost estimate's parameters. */
static clcnn_tune_choice heuristic_choice(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                                          clcnn_conv_pass pass, int algo, int constant_weights) {
  clcnn_tune_choice c = {.algo = CLCNN_CONV_DIRECT};
  if (pass == CLCNN_PASS_FORWARD)
    c.algo = algo == CLCNN_CONV_AUTO ? (int)clcnn_conv_auto_pick(ctx, g, constant_weights) : algo;
  c.workgroup = c.algo == CLCNN_CONV_DIRECT && clcnn_workgroup_family(ctx) && clcnn_wg_applies(g);
  if (c.workgroup) clcnn_wg_heuristic(ctx, g, pass, &c.p);
  return c;
}

static int constant_weights(const clcnn_conv2d_plan *plan) {
  return (plan->flags & CLCNN_PLAN_CONSTANT_WEIGHTS) != 0;
}

/* The heuristics' choice for one of plan's passes. */
static clcnn_tune_choice plan_heuristic(const clcnn_conv2d_plan *plan, clcnn_conv_pass pass,
                                        int algo) {
  return heuristic_choice(plan->ctx, &plan->g, pass, algo, constant_weights(plan));
}

clcnn_tune_choice clcnn_conv2d_default_choice(const clcnn_context *ctx,
                                              const clcnn_conv_geometry *g, clcnn_conv_pass pass) {
  return heuristic_choice(ctx, g, pass, CLCNN_CONV_AUTO, 0);
}

/* Decides the pass once: for AUTO a record (or, with CLCNN_TUNE=auto, a tuning run that
   writes one), else the heuristics. */
static void decide(clcnn_conv2d_plan *plan, clcnn_conv_pass pass) {
  if (plan->decided[pass]) return;
  clcnn_context *ctx = plan->ctx;
  int algo = pass == CLCNN_PASS_FORWARD ? plan->desc.algo : CLCNN_CONV_AUTO;
  plan->decided[pass] = 1;
  plan->source[pass] = "heuristic";
  plan->choice[pass] = plan_heuristic(plan, pass, algo);
  if (algo != CLCNN_CONV_AUTO || ctx->tune == CLCNN_TUNE_OFF) return;
  char problem[160];
  clcnn_conv2d_desc key = plan->desc;
  key.algo = CLCNN_CONV_AUTO;
  clcnn_conv2d_problem_format(&key, plan->x_shape, plan->w_shape, problem, sizeof problem);
  clcnn_tune_choice c;
  if (clcnn_tune_record_find(ctx, pass_ops[pass], problem, &c) &&
      (!c.workgroup || clcnn_wg_applies(&plan->g))) {
    plan->choice[pass] = c;
    plan->source[pass] = "record";
  } else if (ctx->tune == CLCNN_TUNE_AUTO &&
             clcnn_conv_tune_pass(ctx, &key, plan->x_shape, plan->w_shape, pass,
                                  (double)ctx->tune_ms / 1000.0, &c, NULL) == CLCNN_OK) {
    plan->choice[pass] = c;
    plan->source[pass] = "tuned";
  }
}

/* The work-group parameters a record or the tuner chose; NULL lets the family choose (the
   heuristics, or the set shared by every input size). */
static const clcnn_wg_params *chosen_params(const clcnn_conv2d_plan *plan, clcnn_conv_pass pass) {
  return strcmp(plan->source[pass], "heuristic") == 0 ? NULL : &plan->choice[pass].p;
}

/* A set-up that failed on a recorded choice (a record is data, not a promise): back to the
   heuristics, once. */
static int fall_back(clcnn_conv2d_plan *plan, clcnn_conv_pass pass, clcnn_status status) {
  if (status == CLCNN_OK ||
      (strcmp(plan->source[pass], "record") != 0 && strcmp(plan->source[pass], "tuned") != 0))
    return 0;
  clcnn_log(plan->ctx->errors.log_level, CLCNN_LOG_DEBUG,
            "conv2d plan: the %s choice for %s failed (%s); using the heuristics",
            plan->source[pass], pass_ops[pass], clcnn_last_error(plan->ctx));
  plan->choice[pass] = plan_heuristic(plan, pass, CLCNN_CONV_AUTO);
  plan->source[pass] = "heuristic";
  if (pass == CLCNN_PASS_FORWARD) plan->algo = (clcnn_conv_algo)plan->choice[pass].algo;
  return 1;
}

/* ---- algorithm choice and set-up --------------------------------------------------------- */

/* The problem, the algorithm, its kernel parameters, the flags and the fused activation. */
static void describe(clcnn_conv2d_plan *plan) {
  char problem[160];
  clcnn_conv2d_problem_format(&plan->desc, plan->x_shape, plan->w_shape, problem, sizeof problem);
  snprintf(plan->describe, sizeof plan->describe, "%s algo=%s%s%s choice=%s%s%s%s%s%s%s", problem,
           clcnn_conv_algo_name(plan->algo), plan->params[0] ? " " : "", plan->params,
           plan->source[CLCNN_PASS_FORWARD],
           plan->flags & CLCNN_PLAN_CONSTANT_WEIGHTS ? " constant-weights" : "",
           plan->act == CLCNN_EPI_NONE ? "" : " act=",
           plan->act == CLCNN_EPI_NONE ? "" : clcnn_activation_name(plan->act),
           plan->residual ? " residual" : "", plan->backward[0], plan->backward[1]);
}

static clcnn_status prepare_forward(clcnn_conv2d_plan *plan, const char *fn) {
  if (plan->forward_ready) return CLCNN_OK;
  clcnn_context *ctx = plan->ctx;
  clcnn_status status = CLCNN_OK;
  char *params = plan->params;
  params[0] = '\0';
  decide(plan, CLCNN_PASS_FORWARD);
  plan->algo = (clcnn_conv_algo)plan->choice[CLCNN_PASS_FORWARD].algo;
  clcnn_kernel_set *previous = clcnn_kernel_keep_into(ctx, &plan->kept);
again:
  switch (plan->algo) {
  case CLCNN_CONV_DIRECT:
    if (plan->choice[CLCNN_PASS_FORWARD].workgroup) {
      status =
          clcnn_wg_setup(ctx, &plan->g, CLCNN_PASS_FORWARD, chosen_params(plan, CLCNN_PASS_FORWARD),
                         constant_weights(plan), &plan->wg[CLCNN_PASS_FORWARD]);
      clcnn_wg_describe(&plan->wg[CLCNN_PASS_FORWARD], params, sizeof plan->params);
      break;
    }
    status = clcnn_direct_setup(ctx, &plan->g, &plan->direct);
    clcnn_direct_describe(&plan->direct, params, sizeof plan->params);
    break;
  case CLCNN_CONV_WINOGRAD:
    status = clcnn_winograd_setup(ctx, fn, &plan->g,
                                  clcnn_winograd_taps_pay(ctx, &plan->g, constant_weights(plan)),
                                  &plan->winograd);
    snprintf(params, sizeof plan->params, "tile=4x4 vec=%d kv=%d%s", plan->winograd.vec,
             plan->winograd.kv, plan->winograd.taps ? " filters=taps" : "");
    break;
  default:
    status = clcnn_gemm_conv_check(ctx, fn, &plan->g, plan->algo);
    break;
  }
  if (fall_back(plan, CLCNN_PASS_FORWARD, status)) goto again;
  clcnn_kernel_keep_into(ctx, previous);
  if (status != CLCNN_OK) return status;
  describe(plan);
  clcnn_log(ctx->errors.log_level, CLCNN_LOG_DEBUG, "conv2d plan: %s", plan->describe);
  plan->forward_ready = 1;
  return CLCNN_OK;
}

static clcnn_status plan_make(clcnn_context *ctx, const char *fn, const clcnn_conv2d_desc *d,
                              const size_t x_shape[4], const size_t w_shape[4], unsigned flags,
                              int build_forward, clcnn_conv_pass forced_pass,
                              const clcnn_tune_choice *forced, clcnn_conv2d_plan **out) {
  clcnn_conv_geometry g;
  clcnn_status status = clcnn_conv_geometry_make(ctx, fn, d, x_shape, w_shape, &g);
  if (status != CLCNN_OK) return status;
  size_t y_shape[4] = {g.n, g.k, g.p, g.q};
  if ((status = clcnn_check_index_range(ctx, fn, "x", x_shape)) != CLCNN_OK ||
      (status = clcnn_check_index_range(ctx, fn, "y", y_shape)) != CLCNN_OK)
    return status;
  if (flags & ~(unsigned)CLCNN_PLAN_CONSTANT_WEIGHTS)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: unknown plan flags 0x%x", fn, flags);
  clcnn_conv2d_plan *plan = calloc(1, sizeof *plan);
  if (!plan) return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "%s: host allocation failed", fn);
  *plan =
      (clcnn_conv2d_plan){.ctx = ctx, .desc = *d, .g = g, .flags = flags, .act = CLCNN_EPI_NONE};
  memcpy(plan->x_shape, x_shape, sizeof plan->x_shape);
  memcpy(plan->w_shape, w_shape, sizeof plan->w_shape);
  memcpy(plan->y_shape, y_shape, sizeof plan->y_shape);
  if (forced) {
    plan->choice[forced_pass] = *forced;
    plan->source[forced_pass] = "tuner";
    plan->decided[forced_pass] = 1;
  }
  plan->algo = (clcnn_conv_algo)plan_heuristic(plan, CLCNN_PASS_FORWARD, d->algo).algo;
  if (build_forward && (status = prepare_forward(plan, fn)) != CLCNN_OK) {
    clcnn_conv2d_plan_destroy(plan);
    return status;
  }
  *out = plan;
  return CLCNN_OK;
}

/* ---- validation of the tensors a call passes --------------------------------------------- */

static clcnn_status check_forward_tensors(const clcnn_conv2d_plan *plan, const char *fn,
                                          const clcnn_tensor *x, const clcnn_tensor *w,
                                          const clcnn_tensor *bias, const clcnn_tensor *y) {
  clcnn_context *ctx = plan->ctx;
  clcnn_status status;
  if ((status = clcnn_check_tensor(ctx, fn, "x", x, plan->x_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "w", w, plan->w_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "y", y, plan->y_shape)) != CLCNN_OK)
    return status;
  if (bias) {
    if ((status = clcnn_check_tensor(ctx, fn, "bias", bias, NULL)) != CLCNN_OK) return status;
    if (bias->count != plan->g.k)
      return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                        "%s: bias has %zu elements, expected K = %zu (1x%zux1x1)", fn, bias->count,
                        plan->g.k, plan->g.k);
  }
  if ((status = clcnn_check_distinct(ctx, fn, y, "y", x, "x")) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, y, "y", w, "w")) != CLCNN_OK)
    return status;
  return clcnn_check_distinct(ctx, fn, y, "y", bias, "bias");
}

static clcnn_status check_data_tensors(const clcnn_conv2d_plan *plan, const char *fn,
                                       const clcnn_tensor *dy, const clcnn_tensor *w,
                                       const clcnn_tensor *dx) {
  clcnn_context *ctx = plan->ctx;
  clcnn_status status;
  if ((status = clcnn_check_tensor(ctx, fn, "dy", dy, plan->y_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "w", w, plan->w_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "dx", dx, plan->x_shape)) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, dx, "dx", dy, "dy")) != CLCNN_OK)
    return status;
  return clcnn_check_distinct(ctx, fn, dx, "dx", w, "w");
}

static clcnn_status check_weight_tensors(const clcnn_conv2d_plan *plan, const char *fn,
                                         const clcnn_tensor *x, const clcnn_tensor *dy,
                                         const clcnn_tensor *dw, const clcnn_tensor *dbias) {
  clcnn_context *ctx = plan->ctx;
  clcnn_status status;
  if ((status = clcnn_check_tensor(ctx, fn, "x", x, plan->x_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "dy", dy, plan->y_shape)) != CLCNN_OK ||
      (status = clcnn_check_tensor(ctx, fn, "dw", dw, plan->w_shape)) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, dw, "dw", x, "x")) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, dw, "dw", dy, "dy")) != CLCNN_OK || !dbias)
    return status;
  if ((status = clcnn_check_tensor(ctx, fn, "dbias", dbias, NULL)) != CLCNN_OK) return status;
  if (dbias->count != plan->g.k)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: dbias has %zu elements, expected K = %zu",
                      fn, dbias->count, plan->g.k);
  if ((status = clcnn_check_distinct(ctx, fn, dbias, "dbias", x, "x")) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, dbias, "dbias", dy, "dy")) != CLCNN_OK)
    return status;
  return clcnn_check_distinct(ctx, fn, dbias, "dbias", dw, "dw");
}

/* ---- running ------------------------------------------------------------------------------ */

typedef clcnn_status (*pack_fn)(clcnn_conv2d_plan *plan, clcnn_buffer_view w, cl_mem packed);

/* The buffer holding w packed for a pass: the plan's own, packed at the first call, when the
   weights are constant; else the context's workspace, packed now. */
static clcnn_status packed_for(clcnn_conv2d_plan *plan, packed_weights *kept, size_t floats,
                               const clcnn_tensor *w, pack_fn pack, cl_mem *out) {
  clcnn_context *ctx = plan->ctx;
  clcnn_buffer_view view = {w->buf, w->offset};
  clcnn_status status = CLCNN_OK;
  if (!(plan->flags & CLCNN_PLAN_CONSTANT_WEIGHTS)) {
    status = clcnn_workspace_get(ctx, CLCNN_WS_BLOCKED_WEIGHTS, floats * sizeof(float), out);
    return status == CLCNN_OK ? pack(plan, view, *out) : status;
  }
  if (!kept->valid) {
    if (!kept->buf) {
      cl_int err;
      kept->buf =
          clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, floats * sizeof(float), NULL, &err);
      if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clCreateBuffer", "packed weights");
    }
    status = pack(plan, view, kept->buf);
    kept->valid = status == CLCNN_OK;
  }
  *out = kept->buf;
  return status;
}

static clcnn_status pack_direct(clcnn_conv2d_plan *plan, clcnn_buffer_view w, cl_mem packed) {
  return clcnn_direct_pack(plan->ctx, &plan->direct, w, 0, (clcnn_buffer_view){packed, 0});
}

static clcnn_status pack_wg(clcnn_conv2d_plan *plan, clcnn_buffer_view w, cl_mem packed) {
  return clcnn_wg_pack(plan->ctx, &plan->wg[CLCNN_PASS_FORWARD], w, packed);
}

static clcnn_status pack_wg_data(clcnn_conv2d_plan *plan, clcnn_buffer_view w, cl_mem packed) {
  return clcnn_wg_pack(plan->ctx, &plan->wg[CLCNN_PASS_DATA], w, packed);
}

static clcnn_status pack_winograd(clcnn_conv2d_plan *plan, clcnn_buffer_view w, cl_mem packed) {
  return clcnn_winograd_pack(plan->ctx, &plan->winograd, w, 0, packed);
}

/* The flipped filters pass through the context's workspace on their way to being blocked. */
static clcnn_status pack_data(clcnn_conv2d_plan *plan, clcnn_buffer_view w, cl_mem packed) {
  cl_mem scratch = NULL;
  clcnn_status status = CLCNN_OK;
  size_t floats = clcnn_backward_data_scratch_floats(&plan->data);
  if (floats)
    status = clcnn_workspace_get(plan->ctx, CLCNN_WS_TRANSFORMED_WEIGHTS, floats * sizeof(float),
                                 &scratch);
  return status == CLCNN_OK ? clcnn_backward_data_pack(plan->ctx, &plan->data, w, scratch, packed)
                            : status;
}

static clcnn_status forward(clcnn_conv2d_plan *plan, const char *fn, const clcnn_tensor *x,
                            const clcnn_tensor *w, const clcnn_tensor *bias, clcnn_tensor *y) {
  clcnn_status status = check_forward_tensors(plan, fn, x, w, bias, y);
  if (status == CLCNN_OK) status = prepare_forward(plan, fn);
  if (status != CLCNN_OK) return status;
  clcnn_context *ctx = plan->ctx;
  clcnn_epilogue epi = {bias, plan->act, plan->residual};
  cl_mem packed;
  switch (plan->algo) {
  case CLCNN_CONV_DIRECT:
    if (plan->choice[CLCNN_PASS_FORWARD].workgroup) {
      const clcnn_wg_conv *wc = &plan->wg[CLCNN_PASS_FORWARD];
      if (!wc->packed)
        return clcnn_wg_forward(ctx, wc, x, (clcnn_buffer_view){w->buf, w->offset}, epi, y);
      status = packed_for(plan, &plan->forward_packed, w->count, w, pack_wg, &packed);
      return status == CLCNN_OK
                 ? clcnn_wg_forward(ctx, wc, x, (clcnn_buffer_view){packed, 0}, epi, y)
                 : status;
    }
    if (!plan->direct.fast)
      return clcnn_direct_run(ctx, &plan->direct, x, (clcnn_buffer_view){w->buf, w->offset}, epi,
                              y);
    status = packed_for(plan, &plan->forward_packed, plan->direct.packed_floats, w, pack_direct,
                        &packed);
    return status == CLCNN_OK
               ? clcnn_direct_run(ctx, &plan->direct, x, (clcnn_buffer_view){packed, 0}, epi, y)
               : status;
  case CLCNN_CONV_WINOGRAD:
    status = packed_for(plan, &plan->forward_packed, plan->winograd.packed_floats, w, pack_winograd,
                        &packed);
    return status == CLCNN_OK ? clcnn_winograd_run(ctx, &plan->winograd, x, packed, epi, y)
                              : status;
  case CLCNN_CONV_IM2COL_GEMM:
    return clcnn_conv_im2col_gemm(ctx, &plan->g, x, w, epi, y);
  case CLCNN_CONV_GEMM_1X1:
    return clcnn_conv_gemm_1x1(ctx, &plan->g, x, w, epi, y);
  default:
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: unknown algo %d", fn, plan->algo);
  }
}

/* Decides and sets up a backward pass (its kernels kept by the plan) and adds it to the
   description. */
static clcnn_status prepare_backward(clcnn_conv2d_plan *plan, const char *fn,
                                     clcnn_conv_pass pass) {
  clcnn_context *ctx = plan->ctx;
  clcnn_status status;
  decide(plan, pass);
  clcnn_kernel_set *previous = clcnn_kernel_keep_into(ctx, &plan->kept);
  char params[100] = "family=vector";
  do {
    if (plan->choice[pass].workgroup) {
      status = clcnn_wg_setup(ctx, &plan->g, pass, chosen_params(plan, pass),
                              pass == CLCNN_PASS_DATA && constant_weights(plan), &plan->wg[pass]);
      clcnn_wg_describe(&plan->wg[pass], params, sizeof params);
    } else if (pass == CLCNN_PASS_DATA) {
      status = clcnn_backward_data_setup(ctx, fn, &plan->g, &plan->data);
    } else {
      status = clcnn_backward_weights_setup(ctx, fn, &plan->g, &plan->weights);
      if (status == CLCNN_OK && plan->weights.winograd)
        snprintf(params, sizeof params, "family=vector kernel=winograd");
    }
  } while (fall_back(plan, pass, status));
  clcnn_kernel_keep_into(ctx, previous);
  if (status != CLCNN_OK) return status;
  snprintf(plan->backward[pass - 1], sizeof plan->backward[0], " | %s %s choice=%s",
           pass == CLCNN_PASS_DATA ? "data" : "weights", params, plan->source[pass]);
  if (plan->forward_ready) describe(plan);
  return CLCNN_OK;
}

static clcnn_status backward_data(clcnn_conv2d_plan *plan, const char *fn, const clcnn_tensor *dy,
                                  const clcnn_tensor *w, clcnn_tensor *dx) {
  clcnn_status status = check_data_tensors(plan, fn, dy, w, dx);
  if (status == CLCNN_OK && !plan->data_ready) {
    status = prepare_backward(plan, fn, CLCNN_PASS_DATA);
    plan->data_ready = status == CLCNN_OK;
  }
  if (status != CLCNN_OK) return status;
  if (plan->choice[CLCNN_PASS_DATA].workgroup) {
    const clcnn_wg_conv *wc = &plan->wg[CLCNN_PASS_DATA];
    clcnn_buffer_view view = {w->buf, w->offset};
    if (wc->packed) {
      status = packed_for(plan, &plan->data_packed, w->count, w, pack_wg_data, &view.buf);
      view.offset = 0;
    }
    return status == CLCNN_OK ? clcnn_wg_backward_data(plan->ctx, wc, dy, view, dx) : status;
  }
  size_t floats = clcnn_backward_data_packed_floats(&plan->data);
  clcnn_buffer_view view = {w->buf, w->offset};
  if (floats) {
    status = packed_for(plan, &plan->data_packed, floats, w, pack_data, &view.buf);
    view.offset = 0;
  }
  return status == CLCNN_OK ? clcnn_backward_data_run(plan->ctx, &plan->data, dy, view, dx)
                            : status;
}

static clcnn_status backward_weights(clcnn_conv2d_plan *plan, const char *fn, const clcnn_tensor *x,
                                     const clcnn_tensor *dy, clcnn_tensor *dw,
                                     clcnn_tensor *dbias) {
  clcnn_status status = check_weight_tensors(plan, fn, x, dy, dw, dbias);
  if (status == CLCNN_OK && !plan->weights_ready) {
    status = prepare_backward(plan, fn, CLCNN_PASS_WEIGHTS);
    plan->weights_ready = status == CLCNN_OK;
  }
  if (status == CLCNN_OK && plan->choice[CLCNN_PASS_WEIGHTS].workgroup)
    return clcnn_wg_backward_weights(plan->ctx, &plan->wg[CLCNN_PASS_WEIGHTS], x, dy, dw, dbias);
  return status == CLCNN_OK
             ? clcnn_backward_weights_run(plan->ctx, &plan->weights, x, dy, dw, dbias)
             : status;
}

/* ---- the public plan API ------------------------------------------------------------------ */

static clcnn_status check_plan(const clcnn_conv2d_plan *plan, const char *fn) {
  if (!plan) return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: plan is NULL", fn);
  return clcnn_context_check(plan->ctx, fn);
}

clcnn_status clcnn_conv2d_plan_create(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                      const size_t x_shape[4], const size_t w_shape[4],
                                      unsigned flags, clcnn_conv2d_plan **out) {
  const char *fn = "clcnn_conv2d_plan_create";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  if (!out) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: out is NULL", fn);
  *out = NULL;
  return CLCNN_LOCKED(
      ctx, plan_make(ctx, fn, d, x_shape, w_shape, flags, 1, CLCNN_PASS_FORWARD, NULL, out));
}

clcnn_status clcnn_conv2d_plan_forward(clcnn_conv2d_plan *plan, const clcnn_tensor *x,
                                       const clcnn_tensor *w, const clcnn_tensor *bias,
                                       clcnn_tensor *y) {
  const char *fn = "clcnn_conv2d_plan_forward";
  clcnn_status status = check_plan(plan, fn);
  return status == CLCNN_OK ? CLCNN_LOCKED(plan->ctx, forward(plan, fn, x, w, bias, y)) : status;
}

clcnn_status clcnn_conv2d_plan_backward_data(clcnn_conv2d_plan *plan, const clcnn_tensor *dy,
                                             const clcnn_tensor *w, clcnn_tensor *dx) {
  const char *fn = "clcnn_conv2d_plan_backward_data";
  clcnn_status status = check_plan(plan, fn);
  return status == CLCNN_OK ? CLCNN_LOCKED(plan->ctx, backward_data(plan, fn, dy, w, dx)) : status;
}

clcnn_status clcnn_conv2d_plan_backward_weights(clcnn_conv2d_plan *plan, const clcnn_tensor *x,
                                                const clcnn_tensor *dy, clcnn_tensor *dw,
                                                clcnn_tensor *dbias) {
  const char *fn = "clcnn_conv2d_plan_backward_weights";
  clcnn_status status = check_plan(plan, fn);
  return status == CLCNN_OK ? CLCNN_LOCKED(plan->ctx, backward_weights(plan, fn, x, dy, dw, dbias))
                            : status;
}

clcnn_status clcnn_conv2d_plan_set_activation(clcnn_conv2d_plan *plan, int act) {
  const char *fn = "clcnn_conv2d_plan_set_activation";
  clcnn_status status = check_plan(plan, fn);
  if (status != CLCNN_OK) return status;
  if (act < CLCNN_EPI_NONE || act > CLCNN_ACT_RELU6)
    return clcnn_fail(plan->ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: unknown activation %d (expected -1 none, 0 relu, 1 sigmoid, 2 tanh, "
                      "3 relu6)",
                      fn, act);
  clcnn_context_lock(plan->ctx);
  plan->act = act;
  if (plan->forward_ready) describe(plan);
  clcnn_context_unlock(plan->ctx);
  return CLCNN_OK;
}

clcnn_status clcnn_conv2d_plan_set_residual(clcnn_conv2d_plan *plan, int add) {
  const char *fn = "clcnn_conv2d_plan_set_residual";
  clcnn_status status = check_plan(plan, fn);
  if (status != CLCNN_OK) return status;
  if (add != 0 && add != 1)
    return clcnn_fail(plan->ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: add is %d (expected 0 to overwrite y or 1 to add to it)", fn, add);
  clcnn_context_lock(plan->ctx);
  plan->residual = add;
  if (plan->forward_ready) describe(plan);
  clcnn_context_unlock(plan->ctx);
  return CLCNN_OK;
}

int clcnn_conv2d_plan_algo(const clcnn_conv2d_plan *plan) {
  return plan ? (int)plan->algo : -1;
}

const char *clcnn_conv2d_plan_describe(const clcnn_conv2d_plan *plan) {
  return plan ? plan->describe : "";
}

void clcnn_conv2d_plan_destroy(clcnn_conv2d_plan *plan) {
  if (!plan) return;
  if (plan->forward_packed.buf) clReleaseMemObject(plan->forward_packed.buf);
  if (plan->data_packed.buf) clReleaseMemObject(plan->data_packed.buf);
  clcnn_kernel_set_release(&plan->kept);
  free(plan);
}

static void destroy_cached(void *plan) {
  clcnn_conv2d_plan_destroy(plan);
}

/* ---- the one-shot functions: a cached plan per problem ------------------------------------ */

typedef enum conv_pass { PASS_FORWARD, PASS_DATA, PASS_WEIGHTS } conv_pass;

/* The plan for (d, x_shape, w_shape) from ctx's cache, created on a miss. The backward passes
   do not depend on the forward algorithm, so they share one AUTO plan per problem. *owned is
   1 when the caller must destroy the plan (the cache is off). */
static clcnn_status cached_plan(clcnn_context *ctx, const char *fn, const clcnn_conv2d_desc *d,
                                const size_t x_shape[4], const size_t w_shape[4], conv_pass pass,
                                clcnn_conv2d_plan **out, int *owned) {
  *owned = 0;
  if (!d) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: descriptor d is NULL", fn);
  clcnn_conv2d_desc key_desc = *d;
  if (pass != PASS_FORWARD) key_desc.algo = CLCNN_CONV_AUTO;
  clcnn_plan_key key = {{1, key_desc.stride_h, key_desc.stride_w, key_desc.pad_top,
                         key_desc.pad_bottom, key_desc.pad_left, key_desc.pad_right,
                         key_desc.dilation_h, key_desc.dilation_w, key_desc.groups,
                         (size_t)(unsigned)key_desc.algo, x_shape[0], x_shape[1], x_shape[2],
                         x_shape[3], w_shape[0], w_shape[1], w_shape[2], w_shape[3]}};
  if ((*out = clcnn_plan_cache_find(ctx, &key)) != NULL) return CLCNN_OK;
  clcnn_status status = plan_make(ctx, fn, &key_desc, x_shape, w_shape, 0, pass == PASS_FORWARD,
                                  CLCNN_PASS_FORWARD, NULL, out);
  if (status != CLCNN_OK) return status;
  *owned = !clcnn_plan_cache_insert(ctx, &key, *out, destroy_cached);
  return CLCNN_OK;
}

clcnn_status clcnn_conv2d_forward(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                  const clcnn_tensor *x, const clcnn_tensor *w,
                                  const clcnn_tensor *bias, clcnn_tensor *y) {
  const char *fn = "clcnn_conv2d_forward";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "w", w, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, NULL);
  if (status != CLCNN_OK) return status;
  clcnn_conv2d_plan *plan = NULL;
  int owned = 0;
  clcnn_context_lock(ctx);
  status = cached_plan(ctx, fn, d, x->shape, w->shape, PASS_FORWARD, &plan, &owned);
  if (status == CLCNN_OK) status = forward(plan, fn, x, w, bias, y);
  if (owned) clcnn_conv2d_plan_destroy(plan);
  clcnn_context_unlock(ctx);
  return status;
}

clcnn_status clcnn_conv2d_backward_data(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                        const clcnn_tensor *dy, const clcnn_tensor *w,
                                        clcnn_tensor *dx) {
  const char *fn = "clcnn_conv2d_backward_data";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dy", dy, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "w", w, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dx", dx, NULL);
  if (status != CLCNN_OK) return status;
  clcnn_conv2d_plan *plan = NULL;
  int owned = 0;
  clcnn_context_lock(ctx);
  status = cached_plan(ctx, fn, d, dx->shape, w->shape, PASS_DATA, &plan, &owned);
  if (status == CLCNN_OK) status = backward_data(plan, fn, dy, w, dx);
  if (owned) clcnn_conv2d_plan_destroy(plan);
  clcnn_context_unlock(ctx);
  return status;
}

clcnn_status clcnn_conv2d_backward_weights(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                           const clcnn_tensor *x, const clcnn_tensor *dy,
                                           clcnn_tensor *dw, clcnn_tensor *dbias) {
  const char *fn = "clcnn_conv2d_backward_weights";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dy", dy, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dw", dw, NULL);
  if (status != CLCNN_OK) return status;
  clcnn_conv2d_plan *plan = NULL;
  int owned = 0;
  clcnn_context_lock(ctx);
  status = cached_plan(ctx, fn, d, x->shape, dw->shape, PASS_WEIGHTS, &plan, &owned);
  if (status == CLCNN_OK) status = backward_weights(plan, fn, x, dy, dw, dbias);
  if (owned) clcnn_conv2d_plan_destroy(plan);
  clcnn_context_unlock(ctx);
  return status;
}

/* ---- the tuner's entry points (ops/conv_plan_internal.h) ---------------------------------- */

clcnn_status clcnn_conv2d_plan_make_choice(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                           const size_t x_shape[4], const size_t w_shape[4],
                                           clcnn_conv_pass pass, const clcnn_tune_choice *choice,
                                           clcnn_conv2d_plan **out) {
  const char *fn = "clcnn tune";
  clcnn_conv2d_desc forced = *d;
  if (pass == CLCNN_PASS_FORWARD) forced.algo = choice->algo;
  clcnn_status status = plan_make(ctx, fn, &forced, x_shape, w_shape, 0, pass == CLCNN_PASS_FORWARD,
                                  pass, choice, out);
  if (status != CLCNN_OK || pass == CLCNN_PASS_FORWARD) return status;
  status = prepare_backward(*out, fn, pass);
  if (status == CLCNN_OK && pass == CLCNN_PASS_DATA) (*out)->data_ready = 1;
  if (status == CLCNN_OK && pass == CLCNN_PASS_WEIGHTS) (*out)->weights_ready = 1;
  if (status != CLCNN_OK) {
    clcnn_conv2d_plan_destroy(*out);
    *out = NULL;
  }
  return status;
}

clcnn_status clcnn_conv2d_plan_run_pass(clcnn_conv2d_plan *plan, clcnn_conv_pass pass,
                                        clcnn_tensor *const t[3]) {
  const char *fn = "clcnn tune";
  if (pass == CLCNN_PASS_FORWARD) return forward(plan, fn, t[0], t[1], NULL, t[2]);
  if (pass == CLCNN_PASS_DATA) return backward_data(plan, fn, t[2], t[1], t[0]);
  return backward_weights(plan, fn, t[0], t[2], t[1], NULL);
}

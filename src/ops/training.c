/* Activations, softmax cross-entropy and SGD: validate, then one elementwise kernel. */
#include <math.h>
#include <stdlib.h>

#include "device/context.h"
#include "memory/tensor.h"
#include "memory/workspace.h"
#include "ops/shape.h"
#include "program/launch.h"
#include "program/program.h"

static clcnn_status check_act(clcnn_context *ctx, const char *fn, int act) {
  if (act == CLCNN_ACT_RELU || act == CLCNN_ACT_SIGMOID || act == CLCNN_ACT_TANH ||
      act == CLCNN_ACT_RELU6)
    return CLCNN_OK;
  return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                    "%s: unknown activation %d (expected 0 relu, 1 sigmoid, 2 tanh, 3 relu6)", fn,
                    act);
}

/* Kernel kernel_name of training.cl over count elements; args from CLCNN_ARGS. */
static clcnn_status launch_1d(clcnn_context *ctx, const char *kernel_name, size_t count,
                              const clcnn_arg *args, size_t nargs) {
  return clcnn_launch_elementwise(ctx, "training.cl", 0, kernel_name, count, 0, args, nargs);
}

clcnn_status clcnn_activation_forward(clcnn_context *ctx, int act, const clcnn_tensor *x,
                                      clcnn_tensor *y) {
  const char *fn = "clcnn_activation_forward";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = check_act(ctx, fn, act);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "x", x, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, x->shape);
  if (status == CLCNN_OK) status = clcnn_check_in_place(ctx, fn, y, "y", x, "x");
  if (status != CLCNN_OK) return status;
  return CLCNN_LOCKED(
      ctx, launch_1d(ctx, "activation_forward", x->count,
                     CLCNN_ARGS(CLCNN_MEM(x->buf), CLCNN_ULONG(x->offset), CLCNN_MEM(y->buf),
                                CLCNN_ULONG(y->offset), CLCNN_ULONG(x->count), CLCNN_INT(act))));
}

clcnn_status clcnn_activation_backward(clcnn_context *ctx, int act, const clcnn_tensor *y,
                                       const clcnn_tensor *dy, clcnn_tensor *dx) {
  const char *fn = "clcnn_activation_backward";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = check_act(ctx, fn, act);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dy", dy, y->shape);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "dx", dx, y->shape);
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, dx, "dx", y, "y");
  if (status == CLCNN_OK) status = clcnn_check_in_place(ctx, fn, dx, "dx", dy, "dy");
  if (status != CLCNN_OK) return status;
  return CLCNN_LOCKED(
      ctx, launch_1d(ctx, "activation_backward", y->count,
                     CLCNN_ARGS(CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset), CLCNN_MEM(dy->buf),
                                CLCNN_ULONG(dy->offset), CLCNN_MEM(dx->buf),
                                CLCNN_ULONG(dx->offset), CLCNN_ULONG(y->count), CLCNN_INT(act))));
}

/* Reads the labels (blocking) and checks that each is an integer class index below k. */
static clcnn_status check_labels(clcnn_context *ctx, const char *fn, const clcnn_tensor *labels,
                                 size_t k) {
  float *host = malloc(labels->count * sizeof *host);
  if (!host) return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "%s: host allocation failed", fn);
  clcnn_status status = clcnn_tensor_read(labels, host, labels->count);
  for (size_t i = 0; status == CLCNN_OK && i < labels->count; i++)
    if (!(host[i] >= 0.0f && host[i] < (float)k && host[i] == floorf(host[i])))
      status = clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                          "%s: labels[%zu] = %g is not a class index in 0..%zu", fn, i,
                          (double)host[i], k - 1);
  free(host);
  return status;
}

static clcnn_status check_xent(clcnn_context *ctx, const char *fn, const clcnn_tensor *logits,
                               const clcnn_tensor *labels, const clcnn_tensor *dlogits) {
  clcnn_status status = clcnn_check_tensor(ctx, fn, "logits", logits, NULL);
  if (status != CLCNN_OK) return status;
  size_t n = logits->shape[0], k = logits->shape[1];
  if (logits->shape[2] != 1 || logits->shape[3] != 1)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: logits is %zux%zux%zux%zu, expected Nx%zux1x1", fn, n, k,
                      logits->shape[2], logits->shape[3], k);
  if (k > 65536 || n > (size_t)CL_INT_MAX)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: %zu classes or %zu samples is too many", fn,
                      k, n);
  size_t label_shape[4] = {n, 1, 1, 1};
  if ((status = clcnn_check_tensor(ctx, fn, "labels", labels, label_shape)) != CLCNN_OK)
    return status;
  if (!dlogits) return CLCNN_OK;
  if ((status = clcnn_check_tensor(ctx, fn, "dlogits", dlogits, logits->shape)) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, dlogits, "dlogits", logits, "logits")) != CLCNN_OK)
    return status;
  return clcnn_check_distinct(ctx, fn, dlogits, "dlogits", labels, "labels");
}

/* The kernel, then the mean loss read back; under the context's lock (the losses live in
   its workspace). */
static clcnn_status losses_and_gradient(clcnn_context *ctx, const char *fn,
                                        const clcnn_tensor *logits, const clcnn_tensor *labels,
                                        float *loss, clcnn_tensor *dlogits) {
  clcnn_status status;
  size_t n = logits->shape[0];
  cl_mem losses;
  if ((status = clcnn_workspace_get(ctx, CLCNN_WS_LOSSES, n * sizeof(float), &losses)) != CLCNN_OK)
    return status;
  status =
      launch_1d(ctx, "softmax_cross_entropy", n,
                CLCNN_ARGS(CLCNN_MEM(logits->buf), CLCNN_ULONG(logits->offset),
                           CLCNN_MEM(labels->buf), CLCNN_ULONG(labels->offset), CLCNN_MEM(losses),
                           CLCNN_MEM(dlogits ? dlogits->buf : losses),
                           CLCNN_ULONG(dlogits ? dlogits->offset : 0), CLCNN_INT(dlogits != NULL),
                           CLCNN_INT(n), CLCNN_INT(logits->shape[1])));
  if (status != CLCNN_OK || !loss) return status;
  float *host = malloc(n * sizeof *host);
  if (!host) return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "%s: host allocation failed", fn);
  cl_int err =
      clEnqueueReadBuffer(ctx->queue, losses, CL_TRUE, 0, n * sizeof *host, host, 0, NULL, NULL);
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += host[i];
  free(host);
  if (err != CL_SUCCESS) return clcnn_fail_wait(ctx, err, "clEnqueueReadBuffer (losses)");
  *loss = (float)(sum / (double)n);
  return CLCNN_OK;
}

clcnn_status clcnn_softmax_cross_entropy(clcnn_context *ctx, const clcnn_tensor *logits,
                                         const clcnn_tensor *labels, float *loss,
                                         clcnn_tensor *dlogits) {
  const char *fn = "clcnn_softmax_cross_entropy";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = check_xent(ctx, fn, logits, labels, dlogits);
  if (status == CLCNN_OK) status = check_labels(ctx, fn, labels, logits->shape[1]);
  if (status != CLCNN_OK) return status;
  return CLCNN_LOCKED(ctx, losses_and_gradient(ctx, fn, logits, labels, loss, dlogits));
}

static clcnn_status check_sgd(clcnn_context *ctx, const char *fn, const clcnn_tensor *w,
                              const clcnn_tensor *g, const clcnn_tensor *v, float lr,
                              float momentum, float weight_decay) {
  clcnn_status status = clcnn_check_tensor(ctx, fn, "w", w, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "g", g, w->shape);
  if (status != CLCNN_OK) return status;
  if (!isfinite(lr) || !isfinite(momentum) || !isfinite(weight_decay) || lr < 0 || momentum < 0 ||
      weight_decay < 0)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: lr %g, momentum %g and weight_decay %g must be finite and >= 0", fn,
                      (double)lr, (double)momentum, (double)weight_decay);
  if ((momentum != 0) != (v != NULL))
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: v must be NULL exactly when momentum is 0 (momentum %g, v %s)", fn,
                      (double)momentum, v ? "given" : "NULL");
  if ((status = clcnn_check_distinct(ctx, fn, w, "w", g, "g")) != CLCNN_OK || !v) return status;
  if ((status = clcnn_check_tensor(ctx, fn, "v", v, w->shape)) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, v, "v", w, "w")) != CLCNN_OK)
    return status;
  return clcnn_check_distinct(ctx, fn, v, "v", g, "g");
}

clcnn_status clcnn_sgd_step(clcnn_context *ctx, clcnn_tensor *w, const clcnn_tensor *g,
                            clcnn_tensor *v, float lr, float momentum, float weight_decay) {
  const char *fn = "clcnn_sgd_step";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = check_sgd(ctx, fn, w, g, v, lr, momentum, weight_decay);
  if (status != CLCNN_OK) return status;
  return CLCNN_LOCKED(
      ctx, launch_1d(ctx, "sgd_step", w->count,
                     CLCNN_ARGS(CLCNN_MEM(w->buf), CLCNN_ULONG(w->offset), CLCNN_MEM(g->buf),
                                CLCNN_ULONG(g->offset), CLCNN_MEM(v ? v->buf : w->buf),
                                CLCNN_ULONG(v ? v->offset : 0), CLCNN_INT(v != NULL),
                                CLCNN_ULONG(w->count), CLCNN_FLOAT(lr), CLCNN_FLOAT(momentum),
                                CLCNN_FLOAT(weight_decay))));
}

/* Elementwise operations of two tensors that broadcast along dimensions of size 1. */
#include <stdio.h>

#include "device/context.h"
#include "memory/size_math.h"
#include "memory/tensor.h"
#include "ops/network.h"
#include "ops/shape.h"
#include "program/launch.h"

/* Output elements per work-item, along the last dimension (the kernel takes it). */
#define BROADCAST_RUN 16

/* INVALID_ARGUMENT unless tensor `name` seen as s holds exactly its elements. */
static clcnn_status check_seen(clcnn_context *ctx, const char *fn, const char *name,
                               const clcnn_tensor *t, const size_t s[4]) {
  size_t count;
  if (!clcnn_count4_ok(s[0], s[1], s[2], s[3], &count))
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: %s seen as %zux%zux%zux%zu: more elements than size_t counts", fn, name,
                      s[0], s[1], s[2], s[3]);
  if (count != t->count)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: %s seen as %zux%zux%zux%zu (%zu elements) has %zu", fn, name, s[0], s[1],
                      s[2], s[3], count, t->count);
  return CLCNN_OK;
}

/* Row-major strides of an operand seen as shape s inside y_shape: 0 along a broadcast
   dimension. INVALID_ARGUMENT when a dimension is neither y's nor 1. */
static clcnn_status operand_strides(clcnn_context *ctx, const char *fn, const char *name,
                                    const clcnn_tensor *t, const size_t s[4],
                                    const size_t y_shape[4], cl_ulong strides[4]) {
  clcnn_status status = check_seen(ctx, fn, name, t, s);
  if (status != CLCNN_OK) return status;
  size_t step = 1;
  for (int d = 3; d >= 0; d--) {
    if (s[d] != y_shape[d] && s[d] != 1)
      return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                        "%s: %s is %zux%zux%zux%zu, the output %zux%zux%zux%zu: dimension %d is "
                        "neither the output's nor 1",
                        fn, name, s[0], s[1], s[2], s[3], y_shape[0], y_shape[1], y_shape[2],
                        y_shape[3], d);
    strides[d] = s[d] == 1 ? 0 : step;
    step *= s[d];
  }
  return CLCNN_OK;
}

clcnn_status clcnn_binary_broadcast(clcnn_context *ctx, clcnn_binary_op op, const clcnn_tensor *a,
                                    const size_t a_shape[4], const clcnn_tensor *b,
                                    const size_t b_shape[4], float beta, clcnn_tensor *y,
                                    const size_t y_shape[4]) {
  const char *fn = "clcnn_binary_broadcast";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "a", a, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "b", b, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, NULL);
  if (status != CLCNN_OK) return status;
  if (op < CLCNN_BINARY_ADD || op > CLCNN_BINARY_PRELU)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: operation %d", fn, (int)op);
  cl_ulong as[4], bs[4];
  if ((status = check_seen(ctx, fn, "y", y, y_shape)) != CLCNN_OK ||
      (status = operand_strides(ctx, fn, "a", a, a_shape, y_shape, as)) != CLCNN_OK ||
      (status = operand_strides(ctx, fn, "b", b, b_shape, y_shape, bs)) != CLCNN_OK)
    return status;
  /* y over a is element for element only when a is not broadcast */
  int a_whole = a->count == y->count;
  status = a_whole ? clcnn_check_in_place(ctx, fn, y, "y", a, "a")
                   : clcnn_check_distinct(ctx, fn, y, "y", a, "a");
  if (status == CLCNN_OK) status = clcnn_check_distinct(ctx, fn, y, "y", b, "b");
  if (status != CLCNN_OK) return status;
  /* rows of the last dimension along the launch's first dimension, runs of it along the
     second (see network.cl) */
  size_t rows = y_shape[0] * y_shape[1] * y_shape[2];
  size_t runs = (y_shape[3] + BROADCAST_RUN - 1) / BROADCAST_RUN;
  return CLCNN_LOCKED(
      ctx, clcnn_launch_elementwise(
               ctx, "network.cl", 1, "broadcast_binary", rows, runs,
               CLCNN_ARGS(CLCNN_MEM(a->buf), CLCNN_ULONG(a->offset), CLCNN_MEM(b->buf),
                          CLCNN_ULONG(b->offset), CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset),
                          CLCNN_ULONG(rows), CLCNN_ULONG(y_shape[1]), CLCNN_ULONG(y_shape[2]),
                          CLCNN_ULONG(y_shape[3]), CLCNN_ULONG(as[0]), CLCNN_ULONG(as[1]),
                          CLCNN_ULONG(as[2]), CLCNN_ULONG(as[3]), CLCNN_ULONG(bs[0]),
                          CLCNN_ULONG(bs[1]), CLCNN_ULONG(bs[2]), CLCNN_ULONG(bs[3]), CLCNN_INT(op),
                          CLCNN_FLOAT(beta), CLCNN_ULONG(BROADCAST_RUN))));
}

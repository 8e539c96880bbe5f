/* Batched matrix products of tensors (ONNX's MatMul and Gemm on matrices computed at run time),
   through the GEMM: one strided-batched call per index of the outer batch dimension. */
#include <stdio.h>

#include "device/context.h"
#include "gemm/gemm.h"
#include "memory/tensor.h"
#include "ops/network.h"
#include "ops/shape.h"

/* Elements operand t must hold for matrices of `size` elements at the given batch strides. */
static clcnn_status check_extent(clcnn_context *ctx, const char *fn, const char *name,
                                 const clcnn_tensor *t, size_t size, const size_t batch[2],
                                 const size_t stride[2]) {
  size_t last = 0;
  for (int d = 0; d < 2; d++) last += (batch[d] - 1) * stride[d];
  if (last + size > t->count)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: %s holds %zu elements; its last matrix of %zu starts at %zu", fn, name,
                      t->count, size, last);
  return CLCNN_OK;
}

static clcnn_status products(clcnn_context *ctx, const clcnn_matmul_desc *d, const clcnn_tensor *a,
                             const clcnn_tensor *b, clcnn_tensor *y) {
  clcnn_gemm_desc g = {.trans_a = d->trans_a,
                       .trans_b = d->trans_b,
                       .m = d->m,
                       .n = d->n,
                       .k = d->k,
                       .alpha = d->alpha,
                       .beta = 0.0f,
                       .a = a->buf,
                       .lda = d->trans_a ? d->m : d->k,
                       .b = b->buf,
                       .ldb = d->trans_b ? d->k : d->n,
                       .c = y->buf,
                       .ldc = d->n};
  clcnn_status status = CLCNN_OK;
  for (size_t i = 0; i < d->batch[0] && status == CLCNN_OK; i++) {
    g.a_offset = a->offset + i * d->a_stride[0];
    g.b_offset = b->offset + i * d->b_stride[0];
    g.c_offset = y->offset + i * d->batch[1] * d->m * d->n;
    status = clcnn_gemm_strided_batched(ctx, &g, d->a_stride[1], d->b_stride[1], d->m * d->n,
                                        d->batch[1]);
  }
  return status;
}

clcnn_status clcnn_matmul(clcnn_context *ctx, const clcnn_matmul_desc *d, const clcnn_tensor *a,
                          const clcnn_tensor *b, clcnn_tensor *y) {
  const char *fn = "clcnn_matmul";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "a", a, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "b", b, NULL);
  if (status == CLCNN_OK) status = clcnn_check_tensor(ctx, fn, "y", y, NULL);
  if (status != CLCNN_OK) return status;
  if (!d) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: desc is NULL", fn);
  if (!d->m || !d->n || !d->k || !d->batch[0] || !d->batch[1])
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: m=%zu n=%zu k=%zu batch %zux%zu (each must be at least 1)", fn, d->m,
                      d->n, d->k, d->batch[0], d->batch[1]);
  size_t outputs = d->batch[0] * d->batch[1] * d->m * d->n;
  if (outputs != y->count)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: %zux%zu products of %zux%zu make %zu elements, y holds %zu", fn,
                      d->batch[0], d->batch[1], d->m, d->n, outputs, y->count);
  if ((status = check_extent(ctx, fn, "a", a, d->m * d->k, d->batch, d->a_stride)) != CLCNN_OK ||
      (status = check_extent(ctx, fn, "b", b, d->k * d->n, d->batch, d->b_stride)) != CLCNN_OK)
    return status;
  if ((status = clcnn_check_distinct(ctx, fn, y, "y", a, "a")) != CLCNN_OK ||
      (status = clcnn_check_distinct(ctx, fn, y, "y", b, "b")) != CLCNN_OK)
    return status;
  return CLCNN_LOCKED(ctx, products(ctx, d, a, b, y));
}

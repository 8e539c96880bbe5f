/* Tensors wrapped inside larger buffers with canary values on both sides, for tests. */
#include "device_buffer.h"

#include <math.h>
#include <stdlib.h>

#include "support.h"

guarded_tensor guarded_create(clcnn_context *ctx, const size_t shape[4], const float *data) {
  guarded_tensor g = {NULL, NULL, shape[0] * shape[1] * shape[2] * shape[3]};
  size_t total = g.count + 2 * CANARY_ELEMS;
  float *host = malloc(total * sizeof *host);
  ck_assert_ptr_nonnull(host);
  for (size_t i = 0; i < total; i++) host[i] = CANARY_VALUE;
  for (size_t i = 0; i < g.count; i++) host[CANARY_ELEMS + i] = data ? data[i] : NAN;
  cl_int err;
  g.buf = clCreateBuffer(clcnn_context_cl_context(ctx), CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                         total * sizeof *host, host, &err);
  ck_assert_int_eq(err, CL_SUCCESS);
  free(host);
  expect_ok(
      clcnn_tensor_wrap(ctx, g.buf, CANARY_ELEMS, shape[0], shape[1], shape[2], shape[3], &g.t),
      ctx);
  return g;
}

void guarded_read(clcnn_context *ctx, const guarded_tensor *g, float *out, const char *what) {
  size_t total = g->count + 2 * CANARY_ELEMS;
  float *host = malloc(total * sizeof *host);
  ck_assert_ptr_nonnull(host);
  ck_assert_int_eq(clEnqueueReadBuffer(clcnn_context_cl_queue(ctx), g->buf, CL_TRUE, 0,
                                       total * sizeof *host, host, 0, NULL, NULL),
                   CL_SUCCESS);
  for (size_t i = 0; i < CANARY_ELEMS; i++) {
    ck_assert_msg(host[i] == CANARY_VALUE, "%s: canary %zu before the tensor was overwritten", what,
                  i);
    ck_assert_msg(host[CANARY_ELEMS + g->count + i] == CANARY_VALUE,
                  "%s: canary %zu after the tensor was overwritten (%g)", what, i,
                  host[CANARY_ELEMS + g->count + i]);
  }
  for (size_t i = 0; i < g->count; i++) out[i] = host[CANARY_ELEMS + i];
  free(host);
}

void guarded_destroy(guarded_tensor *g) {
  clcnn_tensor_destroy(g->t);
  clReleaseMemObject(g->buf);
  g->t = NULL;
  g->buf = NULL;
}

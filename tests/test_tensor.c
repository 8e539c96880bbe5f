/* Tensor create/wrap/read/write/fill round trips, canaries and every bad-argument rule. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

START_TEST(write_read_round_trip) {
  clcnn_context *ctx = support_context();
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_create(ctx, 2, 3, 5, 7, &t), ctx);
  size_t shape[4];
  clcnn_tensor_shape(t, shape);
  ck_assert_uint_eq(shape[0], 2);
  ck_assert_uint_eq(shape[1], 3);
  ck_assert_uint_eq(shape[2], 5);
  ck_assert_uint_eq(shape[3], 7);
  ck_assert_uint_eq(clcnn_tensor_offset(t), 0);
  ck_assert_ptr_nonnull(clcnn_tensor_buffer(t));
  enum { N = 2 * 3 * 5 * 7 };
  float in[N], out[N];
  for (int i = 0; i < N; i++) in[i] = (float)i * 0.5f - 7.0f, out[i] = NAN;
  expect_ok(clcnn_tensor_write(t, in, N), ctx);
  expect_ok(clcnn_tensor_read(t, out, N), ctx);
  ck_assert_mem_eq(in, out, sizeof in);
  clcnn_tensor_destroy(t);
  clcnn_tensor_destroy(NULL);
  clcnn_context_destroy(ctx);
}
END_TEST

/* A wrapped view in the middle of a buffer: writes, reads and fills stay inside it. */
START_TEST(wrap_with_offset_keeps_canaries) {
  clcnn_context *ctx = support_context();
  enum { TOTAL = 64, OFFSET = 13, COUNT = 2 * 3 * 4 };
  float host[TOTAL];
  for (int i = 0; i < TOTAL; i++) host[i] = -1000.0f - (float)i;
  cl_int err;
  cl_mem buf = clCreateBuffer(clcnn_context_cl_context(ctx),
                              CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof host, host, &err);
  ck_assert_int_eq(err, CL_SUCCESS);
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_wrap(ctx, buf, OFFSET, 1, 2, 3, 4, &t), ctx);
  ck_assert_uint_eq(clcnn_tensor_offset(t), OFFSET);
  ck_assert(clcnn_tensor_buffer(t) == buf);
  float view[COUNT];
  expect_ok(clcnn_tensor_read(t, view, COUNT), ctx);
  for (int i = 0; i < COUNT; i++) ck_assert_float_eq(view[i], host[OFFSET + i]);
  for (int i = 0; i < COUNT; i++) view[i] = (float)i;
  expect_ok(clcnn_tensor_write(t, view, COUNT), ctx);
  float all[TOTAL];
  clEnqueueReadBuffer(clcnn_context_cl_queue(ctx), buf, CL_TRUE, 0, sizeof all, all, 0, NULL, NULL);
  for (int i = 0; i < TOTAL; i++) {
    float want = (i >= OFFSET && i < OFFSET + COUNT) ? (float)(i - OFFSET) : host[i];
    ck_assert_msg(all[i] == want, "element %d: %g, expected %g", i, all[i], want);
  }
  expect_ok(clcnn_tensor_fill(t, 3.25f), ctx);
  clEnqueueReadBuffer(clcnn_context_cl_queue(ctx), buf, CL_TRUE, 0, sizeof all, all, 0, NULL, NULL);
  for (int i = 0; i < TOTAL; i++) {
    float want = (i >= OFFSET && i < OFFSET + COUNT) ? 3.25f : host[i];
    ck_assert_msg(all[i] == want, "after fill, element %d: %g, expected %g", i, all[i], want);
  }
  clcnn_tensor_destroy(t);
  /* the wrapped buffer survives the tensor */
  cl_uint refs = 0;
  clGetMemObjectInfo(buf, CL_MEM_REFERENCE_COUNT, sizeof refs, &refs, NULL);
  ck_assert_uint_eq(refs, 1);
  clReleaseMemObject(buf);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(fill_large_tensor) {
  clcnn_context *ctx = support_context();
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_create(ctx, 3, 5, 17, 31, &t), ctx); /* not a multiple of 64 */
  size_t n = 3 * 5 * 17 * 31;
  float *out = malloc(n * sizeof *out);
  expect_ok(clcnn_tensor_fill(t, -0.125f), ctx);
  expect_ok(clcnn_tensor_read(t, out, n), ctx);
  for (size_t i = 0; i < n; i++) ck_assert_float_eq(out[i], -0.125f);
  free(out);
  clcnn_tensor_destroy(t);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(create_rejects_bad_shapes) {
  clcnn_context *ctx = support_context();
  clcnn_tensor *t = (clcnn_tensor *)1;
  expect_error(clcnn_tensor_create(ctx, 0, 1, 1, 1, &t), CLCNN_INVALID_ARGUMENT, ctx,
               "shape 0x1x1x1 has a zero dimension");
  ck_assert_ptr_null(t);
  expect_error(clcnn_tensor_create(ctx, 2, 3, 0, 5, &t), CLCNN_INVALID_ARGUMENT, ctx, "2x3x0x5");
  expect_error(clcnn_tensor_create(ctx, 1u << 20, 1u << 20, 1u << 20, 1u << 20, &t),
               CLCNN_INVALID_ARGUMENT, ctx, "overflows");
  expect_error(clcnn_tensor_create(ctx, (size_t)1 << 62, 1, 1, 1, &t), CLCNN_INVALID_ARGUMENT, ctx,
               "overflows");
  expect_error(clcnn_tensor_create(ctx, 1, 1, 1, 1, NULL), CLCNN_INVALID_ARGUMENT, ctx,
               "out is NULL");
  expect_error(clcnn_tensor_create(NULL, 1, 1, 1, 1, &t), CLCNN_INVALID_ARGUMENT, NULL,
               "ctx is NULL");
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(create_over_max_alloc_is_out_of_memory) {
  clcnn_context *ctx = support_context();
  cl_ulong max_alloc = 0;
  clGetDeviceInfo(clcnn_context_cl_device(ctx), CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc,
                  &max_alloc, NULL);
  size_t floats = (size_t)(max_alloc / sizeof(float)) + 1;
  clcnn_tensor *t;
  char limit[64];
  snprintf(limit, sizeof limit, "%llu bytes", (unsigned long long)max_alloc);
  expect_error(clcnn_tensor_create(ctx, 1, 1, 1, floats, &t), CLCNN_OUT_OF_MEMORY, ctx, limit);
  expect_error(clcnn_tensor_create(ctx, 1, 1, 1, floats, &t), CLCNN_OUT_OF_MEMORY, ctx,
               "CL_DEVICE_MAX_MEM_ALLOC_SIZE");
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(transfers_reject_bad_arguments) {
  clcnn_context *ctx = support_context();
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_create(ctx, 1, 2, 3, 4, &t), ctx);
  float host[25];
  expect_error(clcnn_tensor_write(t, host, 25), CLCNN_INVALID_ARGUMENT, ctx,
               "count is 25, tensor 1x2x3x4 holds 24");
  expect_error(clcnn_tensor_read(t, host, 23), CLCNN_INVALID_ARGUMENT, ctx, "count is 23");
  expect_error(clcnn_tensor_write(t, NULL, 24), CLCNN_INVALID_ARGUMENT, ctx, "src is NULL");
  expect_error(clcnn_tensor_read(t, NULL, 24), CLCNN_INVALID_ARGUMENT, ctx, "dst is NULL");
  expect_error(clcnn_tensor_read(NULL, host, 24), CLCNN_INVALID_ARGUMENT, NULL, "tensor is NULL");
  expect_error(clcnn_tensor_fill(NULL, 1.0f), CLCNN_INVALID_ARGUMENT, NULL, "tensor is NULL");
  size_t shape[4] = {9, 9, 9, 9};
  clcnn_tensor_shape(NULL, shape);
  ck_assert_uint_eq(shape[0], 0);
  ck_assert_ptr_null(clcnn_tensor_buffer(NULL));
  clcnn_tensor_destroy(t);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(wrap_rejects_bad_buffers) {
  clcnn_context *ctx = support_context(), *other = support_context();
  cl_int err;
  cl_mem buf = clCreateBuffer(clcnn_context_cl_context(ctx), CL_MEM_READ_WRITE, 40 * sizeof(float),
                              NULL, &err);
  cl_mem foreign =
      clCreateBuffer(clcnn_context_cl_context(other), CL_MEM_READ_WRITE, 64, NULL, &err);
  clcnn_tensor *t = (clcnn_tensor *)1;
  expect_error(clcnn_tensor_wrap(ctx, buf, 17, 1, 1, 4, 6, &t), CLCNN_INVALID_ARGUMENT, ctx,
               "offset 17 + 24 elements");
  ck_assert_ptr_null(t);
  expect_error(clcnn_tensor_wrap(ctx, buf, 17, 1, 1, 4, 6, &t), CLCNN_INVALID_ARGUMENT, ctx,
               "160 bytes (40 floats)");
  expect_ok(clcnn_tensor_wrap(ctx, buf, 16, 1, 1, 4, 6, &t), ctx); /* exactly fits */
  clcnn_tensor_destroy(t);
  expect_error(clcnn_tensor_wrap(ctx, buf, SIZE_MAX - 3, 1, 1, 2, 2, &t), CLCNN_INVALID_ARGUMENT,
               ctx, "offset");
  expect_error(clcnn_tensor_wrap(ctx, foreign, 0, 1, 1, 1, 4, &t), CLCNN_INVALID_ARGUMENT, ctx,
               "another cl_context");
  expect_error(clcnn_tensor_wrap(ctx, NULL, 0, 1, 1, 1, 4, &t), CLCNN_INVALID_ARGUMENT, ctx,
               "buf is NULL");
  expect_error(clcnn_tensor_wrap(ctx, buf, 0, 1, 0, 1, 4, &t), CLCNN_INVALID_ARGUMENT, ctx,
               "zero dimension");
  expect_error(clcnn_tensor_wrap(ctx, buf, 0, 1, 1, 1, 4, NULL), CLCNN_INVALID_ARGUMENT, ctx,
               "out is NULL");
  clReleaseMemObject(buf);
  clReleaseMemObject(foreign);
  clcnn_context_destroy(other);
  clcnn_context_destroy(ctx);
}
END_TEST

/* Two sub-buffers of one buffer that overlap: an output in one may not alias an input in the
   other, while a disjoint sub-buffer and an exact in-place view are fine. */
START_TEST(overlap_is_found_across_sub_buffers) {
  clcnn_context *ctx = support_context();
  cl_uint align_bits = 0;
  ck_assert_int_eq(clGetDeviceInfo(clcnn_context_cl_device(ctx), CL_DEVICE_MEM_BASE_ADDR_ALIGN,
                                   sizeof align_bits, &align_bits, NULL),
                   CL_SUCCESS);
  size_t align = align_bits / 8, bytes = 4096 * sizeof(float); /* a 1 x 1 x 64 x 64 tensor */
  cl_int err;
  cl_mem parent = clCreateBuffer(clcnn_context_cl_context(ctx), CL_MEM_READ_WRITE,
                                 4 * bytes + align, NULL, &err);
  ck_assert_int_eq(err, CL_SUCCESS);
  cl_buffer_region regions[] = {{0, bytes}, {align, bytes}, {2 * bytes, bytes}};
  cl_mem sub[3];
  clcnn_tensor *t[3], *whole;
  for (int i = 0; i < 3; i++) {
    sub[i] = clCreateSubBuffer(parent, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &regions[i],
                               &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    expect_ok(clcnn_tensor_wrap(ctx, sub[i], 0, 1, 1, 64, 64, &t[i]), ctx);
  }
  expect_ok(clcnn_tensor_wrap(ctx, parent, 7 * 1024, 1, 1, 64, 64, &whole),
            ctx); /* bytes 28K..44K */
  expect_ok(clcnn_tensor_fill(t[1], 1.0f), ctx);
  expect_error(clcnn_activation_forward(ctx, CLCNN_ACT_RELU, t[1], t[0]), CLCNN_INVALID_ARGUMENT,
               ctx, "y overlaps x through sub-buffers of one buffer");
  expect_error(clcnn_activation_forward(ctx, CLCNN_ACT_RELU, whole, t[2]), CLCNN_INVALID_ARGUMENT,
               ctx, "y overlaps x through sub-buffers");
  const clcnn_pool2d_desc pool = {CLCNN_POOL_MAX, 2, 2, 1, 1, 0, 0, 0, 0, 0, 1};
  clcnn_tensor *pooled;
  expect_ok(clcnn_tensor_wrap(ctx, sub[0], 0, 1, 1, 63, 63, &pooled), ctx);
  expect_error(clcnn_pool2d_forward(ctx, &pool, t[1], pooled), CLCNN_INVALID_ARGUMENT, ctx,
               "y overlaps x");
  expect_ok(clcnn_activation_forward(ctx, CLCNN_ACT_RELU, t[1], t[2]), ctx); /* disjoint */
  expect_ok(clcnn_activation_forward(ctx, CLCNN_ACT_RELU, t[2], t[2]), ctx); /* in place */
  clcnn_tensor_destroy(pooled);
  clcnn_tensor_destroy(whole);
  for (int i = 0; i < 3; i++) clcnn_tensor_destroy(t[i]), clReleaseMemObject(sub[i]);
  clReleaseMemObject(parent);
  clcnn_context_destroy(ctx);
}
END_TEST

static Suite *tensor_suite(void) {
  Suite *s = suite_create("tensor");
  TCase *tc = support_tcase("tensor");
  tcase_add_test(tc, write_read_round_trip);
  tcase_add_test(tc, wrap_with_offset_keeps_canaries);
  tcase_add_test(tc, fill_large_tensor);
  tcase_add_test(tc, create_rejects_bad_shapes);
  tcase_add_test(tc, create_over_max_alloc_is_out_of_memory);
  tcase_add_test(tc, transfers_reject_bad_arguments);
  tcase_add_test(tc, wrap_rejects_bad_buffers);
  tcase_add_test(tc, overlap_is_found_across_sub_buffers);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return support_run(tensor_suite());
}

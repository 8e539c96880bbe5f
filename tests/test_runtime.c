/* Status strings, version, selector grammar, context creation, finish and create_from_cl. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/enumerate.h"
#include "device/selector.h"
#include "support.h"

START_TEST(status_strings_are_distinct_and_named) {
  for (int s = CLCNN_OK; s <= CLCNN_DEVICE_LOST; s++) {
    const char *text = clcnn_status_string((clcnn_status)s);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(strncmp(text, "CLCNN_", 6) == 0, "status %d: '%s'", s, text);
    for (int t = CLCNN_OK; t < s; t++) ck_assert_str_ne(text, clcnn_status_string((clcnn_status)t));
  }
  ck_assert_str_eq(clcnn_status_string(CLCNN_GEMM_ERROR), "CLCNN_GEMM_ERROR: CLBlast GEMM error");
  ck_assert_ptr_nonnull(clcnn_status_string((clcnn_status)99));
}
END_TEST

START_TEST(version_matches_macros) {
  char expected[64];
  snprintf(expected, sizeof expected, "%d.%d.%d", CLCNN_VERSION_MAJOR, CLCNN_VERSION_MINOR,
           CLCNN_VERSION_PATCH);
  ck_assert_str_eq(clcnn_version(), expected);
}
END_TEST

START_TEST(selector_grammar) {
  clcnn_selector s = clcnn_selector_parse(NULL);
  ck_assert_int_eq(s.kind, CLCNN_SELECT_DEFAULT);
  ck_assert_int_eq(clcnn_selector_parse("").kind, CLCNN_SELECT_DEFAULT);
  s = clcnn_selector_parse("GPU");
  ck_assert_int_eq(s.kind, CLCNN_SELECT_TYPE);
  ck_assert(s.type == CL_DEVICE_TYPE_GPU);
  ck_assert(clcnn_selector_parse("cpu").type == CL_DEVICE_TYPE_CPU);
  ck_assert(clcnn_selector_parse("Accelerator").type == CL_DEVICE_TYPE_ACCELERATOR);
  s = clcnn_selector_parse("1:12");
  ck_assert_int_eq(s.kind, CLCNN_SELECT_INDEX);
  ck_assert_uint_eq(s.platform_index, 1);
  ck_assert_uint_eq(s.device_index, 12);
  const char *names[] = {"1:", ":1", "1:2:3", "a:1", "pocl", "gpus", "-1:0"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    ck_assert_msg(clcnn_selector_parse(names[i]).kind == CLCNN_SELECT_NAME, "'%s'", names[i]);
}
END_TEST

/* A synthetic list: the default order is GPU, accelerator, CPU, whatever the listing order. */
START_TEST(selector_candidates_order) {
  clcnn_device_entry items[4] = {0};
  cl_device_type types[4] = {CL_DEVICE_TYPE_CPU, CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ACCELERATOR,
                             CL_DEVICE_TYPE_GPU};
  const char *labels[4] = {"Plat A Big CPU", "Plat A Fast GPU", "Plat B FPGA", "Plat B Other GPU"};
  for (int i = 0; i < 4; i++) {
    items[i].type = types[i];
    items[i].platform_index = i / 2;
    items[i].device_index = i % 2;
    strcpy(items[i].label, labels[i]);
  }
  clcnn_device_list list = {items, 4, 2};
  size_t order[4];
  clcnn_selector s = clcnn_selector_parse(NULL);
  ck_assert_uint_eq(clcnn_selector_candidates(&s, &list, order), 4);
  ck_assert_uint_eq(order[0], 1);
  ck_assert_uint_eq(order[1], 3);
  ck_assert_uint_eq(order[2], 2);
  ck_assert_uint_eq(order[3], 0);
  s = clcnn_selector_parse("1:0");
  ck_assert_uint_eq(clcnn_selector_candidates(&s, &list, order), 1);
  ck_assert_uint_eq(order[0], 2);
  s = clcnn_selector_parse("other gpu");
  ck_assert_uint_eq(clcnn_selector_candidates(&s, &list, order), 1);
  ck_assert_uint_eq(order[0], 3);
  s = clcnn_selector_parse("plat a");
  ck_assert_uint_eq(clcnn_selector_candidates(&s, &list, order), 2);
  s = clcnn_selector_parse("accelerator");
  ck_assert_uint_eq(clcnn_selector_candidates(&s, &list, order), 1);
  s = clcnn_selector_parse("5:0");
  ck_assert_uint_eq(clcnn_selector_candidates(&s, &list, order), 0);
}
END_TEST

START_TEST(default_context_has_a_device) {
  clcnn_context *ctx = support_context();
  ck_assert_str_ne(clcnn_context_device_name(ctx), "");
  ck_assert_ptr_nonnull(clcnn_context_cl_context(ctx));
  ck_assert_ptr_nonnull(clcnn_context_cl_device(ctx));
  ck_assert_ptr_nonnull(clcnn_context_cl_queue(ctx));
  ck_assert_str_eq(clcnn_last_error(ctx), "");
  expect_ok(clcnn_context_finish(ctx), ctx);
  clcnn_context_destroy(ctx);
  clcnn_context_destroy(NULL);
}
END_TEST

START_TEST(good_selectors_find_the_cpu) {
  const char *good[] = {"cpu", "CPU", "0:0", "portable computing", "PTHREAD", "language pthread"};
  clcnn_context *first = support_context_with("0:0", NULL);
  cl_device_id expected = clcnn_context_cl_device(first);
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    clcnn_context *ctx = support_context_with(good[i], NULL);
    ck_assert_msg(clcnn_context_cl_device(ctx) == expected, "selector '%s'", good[i]);
    clcnn_context_destroy(ctx);
  }
  clcnn_context_destroy(first);
}
END_TEST

START_TEST(bad_selectors_list_the_devices) {
  const char *bad[] = {"nonesuch", "9:9", "0:7", "accelerator"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    clcnn_context_options opts = {bad[i], NULL, 0};
    clcnn_context *ctx = (clcnn_context *)1;
    expect_error(clcnn_context_create(&opts, &ctx), CLCNN_NO_DEVICE, NULL, bad[i]);
    ck_assert_ptr_null(ctx);
    ck_assert_ptr_nonnull(strstr(clcnn_last_error(NULL), "devices found:"));
    ck_assert_ptr_nonnull(strstr(clcnn_last_error(NULL), "0:0 [CPU]"));
  }
}
END_TEST

START_TEST(environment_selector_is_honoured) {
  setenv("CLCNN_DEVICE", "no such device anywhere", 1);
  clcnn_context *ctx = NULL;
  expect_error(clcnn_context_create(NULL, &ctx), CLCNN_NO_DEVICE, NULL, "no such device anywhere");
  clcnn_context_options opts = {"cpu", NULL, 0}; /* the option wins over the environment */
  expect_ok(clcnn_context_create(&opts, &ctx), NULL);
  clcnn_context_destroy(ctx);
  setenv("CLCNN_DEVICE", "0:0", 1);
  expect_ok(clcnn_context_create(NULL, &ctx), NULL);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(create_rejects_bad_arguments) {
  expect_error(clcnn_context_create(NULL, NULL), CLCNN_INVALID_ARGUMENT, NULL, "out is NULL");
  clcnn_context_options opts = {NULL, NULL, 0x10};
  clcnn_context *ctx;
  expect_error(clcnn_context_create(&opts, &ctx), CLCNN_INVALID_ARGUMENT, NULL, "0x10");
  expect_error(clcnn_context_finish(NULL), CLCNN_INVALID_ARGUMENT, NULL, "ctx is NULL");
  ck_assert_str_eq(clcnn_context_device_name(NULL), "");
}
END_TEST

START_TEST(profiling_flag_reaches_the_queue) {
  clcnn_context_options opts = {NULL, NULL, CLCNN_CONTEXT_PROFILING};
  clcnn_context *ctx = NULL;
  expect_ok(clcnn_context_create(&opts, &ctx), NULL);
  cl_command_queue_properties props = 0;
  clGetCommandQueueInfo(clcnn_context_cl_queue(ctx), CL_QUEUE_PROPERTIES, sizeof props, &props,
                        NULL);
  ck_assert(props & CL_QUEUE_PROFILING_ENABLE);
  clcnn_context_destroy(ctx);
}
END_TEST

typedef struct own_cl {
  cl_platform_id platform;
  cl_device_id device;
  cl_context context;
  cl_command_queue queue;
} own_cl;

static own_cl make_own_cl(void) {
  own_cl o;
  cl_int err;
  ck_assert_int_eq(clGetPlatformIDs(1, &o.platform, NULL), CL_SUCCESS);
  ck_assert_int_eq(clGetDeviceIDs(o.platform, CL_DEVICE_TYPE_ALL, 1, &o.device, NULL), CL_SUCCESS);
  o.context = clCreateContext(NULL, 1, &o.device, NULL, NULL, &err);
  ck_assert_int_eq(err, CL_SUCCESS);
  o.queue = clCreateCommandQueue(o.context, o.device, 0, &err);
  ck_assert_int_eq(err, CL_SUCCESS);
  return o;
}

static cl_uint ref_count_context(cl_context c) {
  cl_uint n = 0;
  clGetContextInfo(c, CL_CONTEXT_REFERENCE_COUNT, sizeof n, &n, NULL);
  return n;
}

START_TEST(create_from_cl_retains_and_works) {
  own_cl o = make_own_cl();
  clcnn_context *ctx = NULL;
  cl_uint refs_before = ref_count_context(o.context);
  expect_ok(clcnn_context_create_from_cl(o.context, o.device, o.queue, &ctx), NULL);
  ck_assert_uint_eq(ref_count_context(o.context), refs_before + 1);
  ck_assert(clcnn_context_cl_queue(ctx) == o.queue);
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_create(ctx, 1, 1, 2, 3, &t), ctx);
  expect_ok(clcnn_tensor_fill(t, 2.5f), ctx);
  float out[6];
  expect_ok(clcnn_tensor_read(t, out, 6), ctx);
  for (int i = 0; i < 6; i++) ck_assert_float_eq(out[i], 2.5f);
  clcnn_tensor_destroy(t);
  clcnn_context_destroy(ctx);
  ck_assert_uint_eq(ref_count_context(o.context), refs_before);
  clReleaseCommandQueue(o.queue);
  clReleaseContext(o.context);
}
END_TEST

START_TEST(create_from_cl_rejects_mismatches) {
  own_cl a = make_own_cl(), b = make_own_cl();
  clcnn_context *ctx = NULL;
  expect_error(clcnn_context_create_from_cl(NULL, a.device, a.queue, &ctx), CLCNN_INVALID_ARGUMENT,
               NULL, "cl_ctx is NULL");
  expect_error(clcnn_context_create_from_cl(a.context, NULL, a.queue, &ctx), CLCNN_INVALID_ARGUMENT,
               NULL, "dev is NULL");
  expect_error(clcnn_context_create_from_cl(a.context, a.device, NULL, &ctx),
               CLCNN_INVALID_ARGUMENT, NULL, "queue is NULL");
  expect_error(clcnn_context_create_from_cl(a.context, a.device, a.queue, NULL),
               CLCNN_INVALID_ARGUMENT, NULL, "out is NULL");
  expect_error(clcnn_context_create_from_cl(a.context, a.device, b.queue, &ctx),
               CLCNN_INVALID_ARGUMENT, NULL, "another cl_context");
  ck_assert_ptr_null(ctx);
  /* an out-of-order queue would let a kernel read a buffer before its producer ran */
  cl_int err;
  cl_command_queue ooo =
      clCreateCommandQueue(a.context, a.device, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, &err);
  if (err == CL_SUCCESS) { /* a device without out-of-order queues has nothing to reject */
    expect_error(clcnn_context_create_from_cl(a.context, a.device, ooo, &ctx),
                 CLCNN_INVALID_ARGUMENT, NULL, "CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE");
    ck_assert_ptr_null(ctx);
    clReleaseCommandQueue(ooo);
  }
  clReleaseCommandQueue(a.queue);
  clReleaseCommandQueue(b.queue);
  clReleaseContext(a.context);
  clReleaseContext(b.context);
}
END_TEST

/* A selector of 5000 characters is quoted cut short, so that the devices still fit. */
START_TEST(long_selector_keeps_the_device_list) {
  char selector[5001];
  memset(selector, 'x', 5000);
  selector[5000] = '\0';
  clcnn_context_options opts = {selector, NULL, 0};
  clcnn_context *ctx;
  expect_error(clcnn_context_create(&opts, &ctx), CLCNN_NO_DEVICE, NULL, "(5000 characters)");
  expect_error(CLCNN_NO_DEVICE, CLCNN_NO_DEVICE, NULL, "devices found:");
  expect_error(CLCNN_NO_DEVICE, CLCNN_NO_DEVICE, NULL, "0:0");
}
END_TEST

START_TEST(thread_error_is_kept_after_failed_create) {
  clcnn_context_options opts = {"zzz-unknown", NULL, 0};
  clcnn_context *ctx;
  ck_assert_int_eq(clcnn_context_create(&opts, &ctx), CLCNN_NO_DEVICE);
  clcnn_context *good = support_context();
  ck_assert_ptr_nonnull(strstr(clcnn_last_error(NULL), "zzz-unknown"));
  clcnn_context_destroy(good);
}
END_TEST

static Suite *runtime_suite(void) {
  Suite *s = suite_create("runtime");
  TCase *tc = support_tcase("core");
  tcase_add_test(tc, status_strings_are_distinct_and_named);
  tcase_add_test(tc, version_matches_macros);
  tcase_add_test(tc, selector_grammar);
  tcase_add_test(tc, selector_candidates_order);
  suite_add_tcase(s, tc);
  tc = support_tcase("context");
  tcase_add_test(tc, default_context_has_a_device);
  tcase_add_test(tc, good_selectors_find_the_cpu);
  tcase_add_test(tc, bad_selectors_list_the_devices);
  tcase_add_test(tc, environment_selector_is_honoured);
  tcase_add_test(tc, create_rejects_bad_arguments);
  tcase_add_test(tc, profiling_flag_reaches_the_queue);
  tcase_add_test(tc, create_from_cl_retains_and_works);
  tcase_add_test(tc, long_selector_keeps_the_device_list);
  tcase_add_test(tc, create_from_cl_rejects_mismatches);
  tcase_add_test(tc, thread_error_is_kept_after_failed_create);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return support_run(runtime_suite());
}

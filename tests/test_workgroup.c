/* The work-group kernel family forced on the CPU device (CLCNN_KERNEL_FAMILY=workgroup): every
   sweep shape forward and backward, and pooling, against the reference; and the tuning
   records: written by a tuning run, used by plans, ignored when corrupt, foreign or unfit. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_buffer.h"
#include "program/file_io.h"
#include "program/hash.h"
#include "reference.h"
#include "support.h"

static clcnn_context *workgroup_context(void) {
  setenv("CLCNN_KERNEL_FAMILY", "workgroup", 1);
  return support_context();
}

/* Forward with bias, backward data and weights with dbias, through plans. */
static void conv_case(clcnn_context *ctx, const ref_conv *p, unsigned seed) {
  char name[160];
  ref_conv_name(p, name, sizeof name);
  size_t P = ref_conv_out_h(p), Q = ref_conv_out_w(p), cg = p->c / p->groups;
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ws[4] = {p->k, cg, p->r, p->s};
  size_t ys[4] = {p->n, p->k, P, Q}, bs[4] = {1, p->k, 1, 1};
  size_t xc = p->n * p->c * p->h * p->w, wc = p->k * cg * p->r * p->s, yc = p->n * p->k * P * Q;
  float *x = support_values(xc, &seed, 0), *w = support_values(wc, &seed, 0);
  float *b = support_values(p->k, &seed, 0), *dy = support_values(yc, &seed, 0);
  float *y_ref = malloc(yc * sizeof(float)), *dx_ref = malloc(xc * sizeof(float));
  float *dw_ref = malloc(wc * sizeof(float)), *db_ref = malloc(p->k * sizeof(float));
  size_t most = xc > wc ? xc : wc;
  float *got = malloc((most > yc ? most : yc) * sizeof(float));
  ref_conv2d(p, x, w, b, y_ref);
  ref_conv2d_backward_data(p, dy, w, dx_ref);
  ref_conv2d_backward_weights(p, x, dy, dw_ref, db_ref);
  guarded_tensor tx = guarded_create(ctx, xs, x), tw = guarded_create(ctx, ws, w);
  guarded_tensor tb = guarded_create(ctx, bs, b), ty = guarded_create(ctx, ys, NULL);
  guarded_tensor tdy = guarded_create(ctx, ys, dy), tdx = guarded_create(ctx, xs, NULL);
  guarded_tensor tdw = guarded_create(ctx, ws, NULL), tdb = guarded_create(ctx, bs, NULL);
  clcnn_conv2d_desc d = ref_conv_desc(p, CLCNN_CONV_AUTO);
  clcnn_conv2d_plan *plan = NULL;
  expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &plan), ctx);
  ck_assert_msg(strstr(clcnn_conv2d_plan_describe(plan), "family=workgroup"), "%s: %s", name,
                clcnn_conv2d_plan_describe(plan));
  expect_ok(clcnn_conv2d_plan_forward(plan, tx.t, tw.t, tb.t, ty.t), ctx);
  expect_ok(clcnn_conv2d_plan_backward_data(plan, tdy.t, tw.t, tdx.t), ctx);
  expect_ok(clcnn_conv2d_plan_backward_weights(plan, tx.t, tdy.t, tdw.t, tdb.t), ctx);
  ck_assert_msg(strstr(clcnn_conv2d_plan_describe(plan), "| weights family=workgroup"), "%s: %s",
                name, clcnn_conv2d_plan_describe(plan));
  guarded_read(ctx, &ty, got, name);
  support_expect_close(got, y_ref, yc, 4e-7 * (double)(cg * p->r * p->s + 2), "y", name);
  guarded_read(ctx, &tdx, got, name);
  support_expect_close(got, dx_ref, xc, 4e-7 * (double)(p->k / p->groups * p->r * p->s + 1), "dx",
                       name);
  guarded_read(ctx, &tdw, got, name);
  support_expect_close(got, dw_ref, wc, 4e-7 * (double)(p->n * P * Q + 1), "dw", name);
  guarded_read(ctx, &tdb, got, name);
  support_expect_close(got, db_ref, p->k, 4e-7 * (double)(p->n * P * Q + 1), "dbias", name);
  clcnn_conv2d_plan_destroy(plan);
  guarded_tensor *all[] = {&tx, &tw, &tb, &ty, &tdy, &tdx, &tdw, &tdb};
  for (int i = 0; i < 8; i++) guarded_destroy(all[i]);
  free(x), free(w), free(b), free(dy), free(y_ref), free(dx_ref), free(dw_ref), free(db_ref);
  free(got);
}

START_TEST(conv_sweep_on_workgroup_family) {
  clcnn_context *ctx = workgroup_context();
  conv_case(ctx, &ref_conv_sweep[_i], 7000u + (unsigned)_i);
  clcnn_context_destroy(ctx);
}
END_TEST

static const ref_pool pools[] = {
    /* n c h w kh kw sh sw pt pb pl pr max ceil include_pad */
    {2, 3, 9, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 1},
    {1, 2, 8, 8, 2, 2, 2, 2, 0, 0, 0, 0, 1, 0, 1},
    {2, 2, 7, 40, 3, 2, 1, 3, 1, 0, 0, 1, 0, 1, 0},
    {1, 3, 13, 13, 13, 13, 1, 1, 0, 0, 0, 0, 0, 0, 1},
    {1, 2, 10, 35, 5, 5, 3, 2, 2, 2, 2, 1, 0, 1, 1},
    {3, 1, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0},
};

START_TEST(pool_on_workgroup_family) {
  clcnn_context *ctx = workgroup_context();
  const ref_pool *p = &pools[_i];
  unsigned seed = 9100u + (unsigned)_i;
  clcnn_pool2d_desc d = ref_pool_desc(p);
  size_t xs[4] = {p->n, p->c, p->h, p->w}, ys[4];
  expect_ok(clcnn_pool2d_output_shape(&d, xs, ys), ctx);
  size_t xc = p->n * p->c * p->h * p->w, yc = ys[0] * ys[1] * ys[2] * ys[3];
  float *x = support_values(xc, &seed, 0), *dy = support_values(yc, &seed, 0);
  x[xc / 2] = NAN; /* max pooling propagates it */
  float *y_ref = malloc(yc * sizeof(float)), *dx_ref = malloc(xc * sizeof(float));
  float *got = malloc(xc * sizeof(float));
  ref_pool2d(p, x, y_ref);
  ref_pool2d_backward(p, x, dy, dx_ref);
  guarded_tensor tx = guarded_create(ctx, xs, x), ty = guarded_create(ctx, ys, NULL);
  guarded_tensor tdy = guarded_create(ctx, ys, dy), tdx = guarded_create(ctx, xs, NULL);
  clcnn_pool2d_plan *plan = NULL;
  expect_ok(clcnn_pool2d_plan_create(ctx, &d, xs, &plan), ctx);
  ck_assert_msg(strstr(clcnn_pool2d_plan_describe(plan), "family=workgroup"), "%s",
                clcnn_pool2d_plan_describe(plan));
  expect_ok(clcnn_pool2d_plan_forward(plan, tx.t, ty.t), ctx);
  expect_ok(clcnn_pool2d_plan_backward(plan, tx.t, ty.t, tdy.t, tdx.t), ctx);
  guarded_read(ctx, &ty, got, "y");
  for (size_t i = 0; i < yc; i++)
    ck_assert_msg(
        isnan(got[i]) == isnan(y_ref[i]) && (isnan(got[i]) || fabs(got[i] - y_ref[i]) <= 1e-6),
        "%s y[%zu] = %.9g, reference %.9g", clcnn_pool2d_plan_describe(plan), i, got[i], y_ref[i]);
  guarded_read(ctx, &tdx, got, "dx");
  support_expect_close(got, dx_ref, xc, 1e-5, "dx", clcnn_pool2d_plan_describe(plan));
  clcnn_pool2d_plan_destroy(plan);
  guarded_tensor *all[] = {&tx, &ty, &tdy, &tdx};
  for (int i = 0; i < 4; i++) guarded_destroy(all[i]);
  free(x), free(dy), free(y_ref), free(dx_ref), free(got);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(unknown_family_is_refused) {
  setenv("CLCNN_KERNEL_FAMILY", "gpu-ish", 1);
  clcnn_context *ctx = NULL;
  expect_error(clcnn_context_create(NULL, &ctx), CLCNN_INVALID_ARGUMENT, NULL, "gpu-ish");
  setenv("CLCNN_KERNEL_FAMILY", "vector", 1);
  setenv("CLCNN_TUNE", "sometimes", 1);
  expect_error(clcnn_context_create(NULL, &ctx), CLCNN_INVALID_ARGUMENT, NULL, "CLCNN_TUNE");
  unsetenv("CLCNN_TUNE"); /* unforked (CK_FORK=no) the next test shares the environment */
  unsetenv("CLCNN_KERNEL_FAMILY");
}
END_TEST

/* ---- tuning records ------------------------------------------------------------------------ */

static const ref_conv tuned = {2, 8, 9, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};

typedef struct record_file {
  char path[4500];
  size_t count;
} record_file;

static void remember(const char *record, void *user) {
  (void)record;
  ((record_file *)user)->count++;
}

/* The one record file in dir/tune. */
static void find_record(const char *dir, record_file *out) {
  char cmd[4300];
  snprintf(cmd, sizeof cmd, "ls %s/tune/*.tune", dir);
  FILE *ls = popen(cmd, "r");
  ck_assert_ptr_nonnull(ls);
  ck_assert_ptr_nonnull(fgets(out->path, sizeof out->path, ls));
  out->path[strcspn(out->path, "\n")] = '\0';
  pclose(ls);
}

/* Rewrites the record with line `field ...` replaced by `field value`, checksum renewed
   (renew) or kept. */
static void rewrite(const char *path, const char *field, const char *value, int renew) {
  size_t size;
  char *text = clcnn_file_read_all(path, &size);
  ck_assert_ptr_nonnull(text);
  char out[4096] = "";
  size_t n = 0, len = strlen(field);
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, "check ", 6) == 0) break;
    if (strncmp(line, field, len) == 0 && line[len] == ' ')
      n += (size_t)snprintf(out + n, sizeof out - n, "%s %s\n", field, value);
    else
      n += (size_t)snprintf(out + n, sizeof out - n, "%s\n", line);
  }
  uint64_t check = renew ? clcnn_hash_bytes(CLCNN_HASH_SEED, out, n) : 0x1234;
  n += (size_t)snprintf(out + n, sizeof out - n, "check %016llx\n", (unsigned long long)check);
  FILE *f = fopen(path, "w");
  fwrite(out, 1, n, f);
  fclose(f);
  free(text);
}

static const char *describe_new_plan(const char *dir, char *out, size_t cap) {
  clcnn_context *ctx = support_context_with(NULL, dir);
  size_t xs[4] = {tuned.n, tuned.c, tuned.h, tuned.w}, ws[4] = {tuned.k, tuned.c, 3, 3};
  clcnn_conv2d_desc d = ref_conv_desc(&tuned, CLCNN_CONV_AUTO);
  clcnn_conv2d_plan *plan = NULL;
  expect_ok(clcnn_conv2d_plan_create(ctx, &d, xs, ws, 0, &plan), ctx);
  snprintf(out, cap, "%s", clcnn_conv2d_plan_describe(plan));
  /* whatever the record said, the result is the reference's */
  size_t P = ref_conv_out_h(&tuned), Q = ref_conv_out_w(&tuned);
  size_t ys[4] = {tuned.n, tuned.k, P, Q}, yc = tuned.n * tuned.k * P * Q;
  unsigned seed = 77;
  float *x = support_values(tuned.n * tuned.c * tuned.h * tuned.w, &seed, 1);
  float *w = support_values(tuned.k * tuned.c * 9, &seed, 1);
  float *want = malloc(yc * sizeof(float)), *got = malloc(yc * sizeof(float));
  ref_conv2d(&tuned, x, w, NULL, want);
  guarded_tensor tx = guarded_create(ctx, xs, x), tw = guarded_create(ctx, ws, w);
  guarded_tensor ty = guarded_create(ctx, ys, NULL);
  expect_ok(clcnn_conv2d_plan_forward(plan, tx.t, tw.t, NULL, ty.t), ctx);
  guarded_read(ctx, &ty, got, out);
  support_expect_close(got, want, yc, 1e-3, "y", out);
  guarded_destroy(&tx), guarded_destroy(&tw), guarded_destroy(&ty);
  free(x), free(w), free(want), free(got);
  clcnn_conv2d_plan_destroy(plan);
  clcnn_context_destroy(ctx);
  return out;
}

START_TEST(records_are_used_and_checked) {
  unsetenv("CLCNN_KERNEL_FAMILY");
  char dir[4096], line[1024];
  support_make_temp_dir(dir, sizeof dir);
  clcnn_context *ctx = support_context_with(NULL, dir);
  size_t xs[4] = {tuned.n, tuned.c, tuned.h, tuned.w}, ws[4] = {tuned.k, tuned.c, 3, 3};
  clcnn_conv2d_desc d = ref_conv_desc(&tuned, CLCNN_CONV_AUTO);
  clcnn_tune_report report;
  expect_ok(clcnn_conv2d_tune(ctx, &d, xs, ws, CLCNN_TUNE_FORWARD, 0.0, &report), ctx);
  ck_assert_int_eq(report.candidates, 1); /* no budget: the heuristics' choice alone */
  ck_assert_msg(report.default_ms > 0 && report.best_ms == report.default_ms, "%g %g",
                report.default_ms, report.best_ms);
  expect_error(clcnn_conv2d_tune(ctx, &d, xs, ws, 3, 1.0, NULL), CLCNN_INVALID_ARGUMENT, ctx,
               "pass 3");
  clcnn_context_destroy(ctx);
  record_file rec = {0};
  find_record(dir, &rec);
  ck_assert_ptr_nonnull(strstr(describe_new_plan(dir, line, sizeof line), "choice=record"));
  /* a recorded work-group choice is followed (the CPU's heuristics would not take it) */
  const char *wg = "algo=direct family=workgroup tile=32x32x16 group=8x8 vec=4";
  rewrite(rec.path, "choice", wg, 1);
  describe_new_plan(dir, line, sizeof line);
  ck_assert_msg(strstr(line, "tile=32x32x16 group=8x8 vec=4 choice=record"), "%s", line);
  /* corrupt: the checksum no longer matches */
  rewrite(rec.path, "choice", wg, 0);
  ck_assert_ptr_nonnull(strstr(describe_new_plan(dir, line, sizeof line), "choice=heuristic"));
  /* foreign: another device's record, checksum intact */
  rewrite(rec.path, "choice", wg, 1);
  rewrite(rec.path, "device", "Some Other GPU", 1);
  ck_assert_ptr_nonnull(strstr(describe_new_plan(dir, line, sizeof line), "choice=heuristic"));
  /* unfit: parameters no device runs (a 64x64 work-group, 4096 accumulators) */
  clcnn_context *again = support_context_with(NULL, dir);
  expect_ok(clcnn_conv2d_tune(again, &d, xs, ws, CLCNN_TUNE_FORWARD, 0.0, NULL), again);
  clcnn_context_destroy(again);
  rewrite(rec.path, "choice", "algo=direct family=workgroup tile=256x256x16 group=4x4 vec=4", 1);
  ck_assert_ptr_nonnull(strstr(describe_new_plan(dir, line, sizeof line), "choice=heuristic"));
  /* with CLCNN_TUNE=off the records are not read */
  rewrite(rec.path, "choice", wg, 1);
  setenv("CLCNN_TUNE", "off", 1);
  ck_assert_ptr_nonnull(strstr(describe_new_plan(dir, line, sizeof line), "choice=heuristic"));
  unsetenv("CLCNN_TUNE");
  expect_ok(clcnn_tune_records(dir, 0, remember, &rec, NULL), NULL);
  ck_assert_int_eq(rec.count, 1);
  /* CLCNN_TUNE=auto: a problem without a record is tuned when its plan is made, then read */
  expect_ok(clcnn_tune_records(dir, 1, NULL, NULL, NULL), NULL);
  setenv("CLCNN_TUNE", "auto", 1);
  setenv("CLCNN_TUNE_MS", "0", 1); /* the heuristics' choice alone: no other builds */
  ck_assert_ptr_nonnull(strstr(describe_new_plan(dir, line, sizeof line), "choice=tuned"));
  ck_assert_ptr_nonnull(strstr(describe_new_plan(dir, line, sizeof line), "choice=record"));
  unsetenv("CLCNN_TUNE");
  unsetenv("CLCNN_TUNE_MS");
  rec.count = 0;
  expect_ok(clcnn_tune_records(dir, 0, remember, &rec, NULL), NULL);
  ck_assert_int_eq(rec.count, 1);
  size_t count = 0;
  expect_ok(clcnn_tune_records(dir, 1, NULL, NULL, &count), NULL);
  ck_assert_int_eq(count, 1);
  expect_ok(clcnn_tune_records(dir, 0, NULL, NULL, &count), NULL);
  ck_assert_int_eq(count, 0);
  support_remove_tree(dir);
}
END_TEST

static Suite *workgroup_suite(void) {
  Suite *s = suite_create("workgroup");
  TCase *conv = support_tcase("conv"), *pool = support_tcase("pool");
  TCase *env = support_tcase("environment"), *records = support_tcase("records");
  tcase_add_loop_test(conv, conv_sweep_on_workgroup_family, 0, (int)ref_conv_sweep_count);
  tcase_add_loop_test(pool, pool_on_workgroup_family, 0, (int)(sizeof pools / sizeof pools[0]));
  tcase_add_test(env, unknown_family_is_refused);
  tcase_add_test(records, records_are_used_and_checked);
  suite_add_tcase(s, conv);
  suite_add_tcase(s, pool);
  suite_add_tcase(s, env);
  suite_add_tcase(s, records);
  return s;
}

int main(void) {
  return support_run(workgroup_suite());
}

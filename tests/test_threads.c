/* One context used from several threads at once: one-shot calls (their plan cache and the
   program cache filling up concurrently), a plan shared by every thread, pooling and
   activations, each thread on tensors of its own. Every result must equal a serial run bit
   for bit, and each thread must read its own error messages. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define ROUNDS 4

typedef struct problem {
  clcnn_conv2d_desc d;
  size_t x[4], w[4];
} problem;

/* Winograd-sized 3x3, a strided 3x3 (phases in the input gradient), a 5x5 and a 1x1. */
static const problem problems[] = {
    {{1, 1, 1, 1, 1, 1, 1, 1, 1, CLCNN_CONV_AUTO}, {2, 32, 12, 12}, {32, 32, 3, 3}},
    {{2, 2, 1, 1, 1, 1, 1, 1, 1, CLCNN_CONV_AUTO}, {2, 8, 11, 13}, {12, 8, 3, 3}},
    {{1, 1, 2, 2, 2, 2, 1, 1, 1, CLCNN_CONV_DIRECT}, {3, 3, 16, 16}, {6, 3, 5, 5}},
    {{1, 1, 0, 0, 0, 0, 1, 1, 1, CLCNN_CONV_AUTO}, {2, 16, 9, 9}, {24, 16, 1, 1}},
};
#define PROBLEMS (sizeof problems / sizeof *problems)

static const clcnn_pool2d_desc pool = {CLCNN_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1};

static size_t count_of(const size_t s[4]) {
  return s[0] * s[1] * s[2] * s[3];
}

/* Everything one pass computes, read back to the host. */
typedef struct results {
  float *y[PROBLEMS], *dx[PROBLEMS], *dw[PROBLEMS], *db[PROBLEMS];
  float *shared_y, *pool_y, *pool_dx, *act;
} results;

typedef struct shared {
  clcnn_context *ctx;
  clcnn_conv2d_plan *plan; /* problems[0] with constant weights, used by every thread */
  clcnn_pool2d_plan *pool_plan;
  float *x[PROBLEMS], *w[PROBLEMS], *dy[PROBLEMS], *b[PROBLEMS];
  results serial;
} shared;

static clcnn_tensor *tensor(clcnn_context *ctx, const size_t s[4], const float *data) {
  clcnn_tensor *t;
  if (clcnn_tensor_create(ctx, s[0], s[1], s[2], s[3], &t) != CLCNN_OK) return NULL;
  if (data && clcnn_tensor_write(t, data, count_of(s)) != CLCNN_OK) return NULL;
  return t;
}

static float *read_back(clcnn_tensor *t) {
  size_t s[4];
  clcnn_tensor_shape(t, s);
  float *v = malloc(count_of(s) * sizeof *v);
  if (v && clcnn_tensor_read(t, v, count_of(s)) != CLCNN_OK) {
    free(v);
    return NULL;
  }
  return v;
}

/* One problem through the one-shot calls; 0 on success (the failing call's message is the
   calling thread's clcnn_last_error). */
static int run_problem(shared *sh, size_t i, results *r) {
  const problem *p = &problems[i];
  clcnn_context *ctx = sh->ctx;
  size_t ys[4], bs[4] = {1, p->w[0], 1, 1};
  if (clcnn_conv2d_output_shape(&p->d, p->x, p->w, ys) != CLCNN_OK) return -1;
  clcnn_tensor *x = tensor(ctx, p->x, sh->x[i]), *w = tensor(ctx, p->w, sh->w[i]);
  clcnn_tensor *b = tensor(ctx, bs, sh->b[i]), *dy = tensor(ctx, ys, sh->dy[i]);
  clcnn_tensor *y = tensor(ctx, ys, NULL), *dx = tensor(ctx, p->x, NULL);
  clcnn_tensor *dw = tensor(ctx, p->w, NULL), *db = tensor(ctx, bs, NULL);
  int failed = !x || !w || !b || !dy || !y || !dx || !dw || !db ||
               clcnn_conv2d_forward(ctx, &p->d, x, w, b, y) != CLCNN_OK ||
               clcnn_conv2d_backward_data(ctx, &p->d, dy, w, dx) != CLCNN_OK ||
               clcnn_conv2d_backward_weights(ctx, &p->d, x, dy, dw, db) != CLCNN_OK;
  if (!failed) {
    r->y[i] = read_back(y), r->dx[i] = read_back(dx);
    r->dw[i] = read_back(dw), r->db[i] = read_back(db);
  }
  clcnn_tensor *all[] = {x, w, b, dy, y, dx, dw, db};
  for (int j = 0; j < 8; j++) clcnn_tensor_destroy(all[j]);
  return failed ? -1 : 0;
}

/* The shared plan, pooling (one-shot and plan) and an activation. */
static int run_rest(shared *sh, results *r) {
  clcnn_context *ctx = sh->ctx;
  const problem *p = &problems[0];
  size_t ys[4], bs[4] = {1, p->w[0], 1, 1}, ps[4];
  clcnn_conv2d_output_shape(&p->d, p->x, p->w, ys);
  clcnn_pool2d_output_shape(&pool, p->x, ps);
  clcnn_tensor *x = tensor(ctx, p->x, sh->x[0]), *w = tensor(ctx, p->w, sh->w[0]);
  clcnn_tensor *b = tensor(ctx, bs, sh->b[0]), *y = tensor(ctx, ys, NULL);
  clcnn_tensor *py = tensor(ctx, ps, NULL), *pdy = tensor(ctx, ps, NULL);
  clcnn_tensor *pdx = tensor(ctx, p->x, NULL), *act = tensor(ctx, p->x, NULL);
  int failed = !x || !w || !b || !y || !py || !pdy || !pdx || !act ||
               clcnn_conv2d_plan_forward(sh->plan, x, w, b, y) != CLCNN_OK ||
               clcnn_pool2d_forward(ctx, &pool, x, py) != CLCNN_OK ||
               clcnn_tensor_fill(pdy, 0.5f) != CLCNN_OK ||
               clcnn_pool2d_plan_backward(sh->pool_plan, x, py, pdy, pdx) != CLCNN_OK ||
               clcnn_activation_forward(ctx, CLCNN_ACT_TANH, x, act) != CLCNN_OK;
  if (!failed) {
    r->shared_y = read_back(y), r->pool_y = read_back(py);
    r->pool_dx = read_back(pdx), r->act = read_back(act);
  }
  clcnn_tensor *all[] = {x, w, b, y, py, pdy, pdx, act};
  for (int j = 0; j < 8; j++) clcnn_tensor_destroy(all[j]);
  return failed ? -1 : 0;
}

/* A full pass in the order given by `start` (threads begin at different problems). */
static int run_all(shared *sh, size_t start, results *r) {
  memset(r, 0, sizeof *r);
  for (size_t k = 0; k < PROBLEMS; k++)
    if (run_problem(sh, (start + k) % PROBLEMS, r) != 0) return -1;
  return run_rest(sh, r);
}

static void free_results(results *r) {
  for (size_t i = 0; i < PROBLEMS; i++)
    free(r->y[i]), free(r->dx[i]), free(r->dw[i]), free(r->db[i]);
  free(r->shared_y), free(r->pool_y), free(r->pool_dx), free(r->act);
}

/* Empty when equal, else a description of the first difference. */
static void compare(const float *got, const float *want, size_t n, const char *what, char *out,
                    size_t cap) {
  if (!got || !want) {
    snprintf(out, cap, "%s: missing", what);
    return;
  }
  for (size_t i = 0; i < n; i++)
    if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
      snprintf(out, cap, "%s[%zu] = %.9g, serial %.9g", what, i, got[i], want[i]);
      return;
    }
}

static void compare_all(const results *got, const results *want, char *out, size_t cap) {
  out[0] = '\0';
  for (size_t i = 0; i < PROBLEMS && !out[0]; i++) {
    const problem *p = &problems[i];
    size_t ys[4];
    clcnn_conv2d_output_shape(&p->d, p->x, p->w, ys);
    compare(got->y[i], want->y[i], count_of(ys), "y", out, cap);
    if (!out[0]) compare(got->dx[i], want->dx[i], count_of(p->x), "dx", out, cap);
    if (!out[0]) compare(got->dw[i], want->dw[i], count_of(p->w), "dw", out, cap);
    if (!out[0]) compare(got->db[i], want->db[i], p->w[0], "db", out, cap);
  }
  size_t ys[4], ps[4];
  clcnn_conv2d_output_shape(&problems[0].d, problems[0].x, problems[0].w, ys);
  clcnn_pool2d_output_shape(&pool, problems[0].x, ps);
  if (!out[0]) compare(got->shared_y, want->shared_y, count_of(ys), "shared plan y", out, cap);
  if (!out[0]) compare(got->pool_y, want->pool_y, count_of(ps), "pool y", out, cap);
  if (!out[0]) compare(got->pool_dx, want->pool_dx, count_of(problems[0].x), "pool dx", out, cap);
  if (!out[0]) compare(got->act, want->act, count_of(problems[0].x), "tanh", out, cap);
}

typedef struct worker {
  shared *sh;
  size_t index;
  char failure[512];
} worker;

static void *work(void *arg) {
  worker *wk = arg;
  clcnn_context *ctx = wk->sh->ctx;
  for (int round = 0; round < ROUNDS && !wk->failure[0]; round++) {
    results r;
    if (run_all(wk->sh, wk->index + (size_t)round, &r) != 0)
      snprintf(wk->failure, sizeof wk->failure, "thread %zu: %s", wk->index, clcnn_last_error(ctx));
    else
      compare_all(&r, &wk->sh->serial, wk->failure, sizeof wk->failure);
    free_results(&r);
    /* a failure of this thread's own, whose message it must read back */
    char want[64];
    snprintf(want, sizeof want, "stride 0x%zu", wk->index + 1);
    clcnn_conv2d_desc bad = problems[0].d;
    bad.stride_h = 0, bad.stride_w = wk->index + 1;
    clcnn_conv2d_plan *plan;
    if (!wk->failure[0] && (clcnn_conv2d_plan_create(ctx, &bad, problems[0].x, problems[0].w, 0,
                                                     &plan) != CLCNN_INVALID_ARGUMENT ||
                            !strstr(clcnn_last_error(ctx), want)))
      snprintf(wk->failure, sizeof wk->failure, "thread %zu read '%s', expected '%s'", wk->index,
               clcnn_last_error(ctx), want);
  }
  return NULL;
}

static void setup(shared *sh) {
  memset(sh, 0, sizeof *sh);
  sh->ctx = support_context();
  unsigned seed = 7;
  for (size_t i = 0; i < PROBLEMS; i++) {
    const problem *p = &problems[i];
    size_t ys[4];
    expect_ok(clcnn_conv2d_output_shape(&p->d, p->x, p->w, ys), NULL);
    sh->x[i] = support_values(count_of(p->x), &seed, 0);
    sh->w[i] = support_values(count_of(p->w), &seed, 0);
    sh->dy[i] = support_values(count_of(ys), &seed, 0);
    sh->b[i] = support_values(p->w[0], &seed, 0);
  }
  expect_ok(clcnn_conv2d_plan_create(sh->ctx, &problems[0].d, problems[0].x, problems[0].w,
                                     CLCNN_PLAN_CONSTANT_WEIGHTS, &sh->plan),
            sh->ctx);
  expect_ok(clcnn_pool2d_plan_create(sh->ctx, &pool, problems[0].x, &sh->pool_plan), sh->ctx);
}

static void teardown(shared *sh) {
  free_results(&sh->serial);
  for (size_t i = 0; i < PROBLEMS; i++)
    free(sh->x[i]), free(sh->w[i]), free(sh->dy[i]), free(sh->b[i]);
  clcnn_conv2d_plan_destroy(sh->plan);
  clcnn_pool2d_plan_destroy(sh->pool_plan);
  clcnn_context_destroy(sh->ctx);
}

/* The reference pass runs on a context of its own, so that the threads meet cold caches. */
static void serial_reference(shared *sh) {
  shared ref = *sh;
  ref.ctx = support_context();
  expect_ok(clcnn_conv2d_plan_create(ref.ctx, &problems[0].d, problems[0].x, problems[0].w,
                                     CLCNN_PLAN_CONSTANT_WEIGHTS, &ref.plan),
            ref.ctx);
  expect_ok(clcnn_pool2d_plan_create(ref.ctx, &pool, problems[0].x, &ref.pool_plan), ref.ctx);
  ck_assert_msg(run_all(&ref, 0, &sh->serial) == 0, "serial pass: %s", clcnn_last_error(ref.ctx));
  clcnn_conv2d_plan_destroy(ref.plan);
  clcnn_pool2d_plan_destroy(ref.pool_plan);
  clcnn_context_destroy(ref.ctx);
}

START_TEST(threads_share_one_context) {
  const size_t thread_count = _i == 0 ? 2 : 4;
  shared sh;
  setup(&sh);
  serial_reference(&sh);
  worker workers[4];
  pthread_t threads[4];
  for (size_t t = 0; t < thread_count; t++) {
    workers[t] = (worker){&sh, t, ""};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, work, &workers[t]), 0);
  }
  for (size_t t = 0; t < thread_count; t++) pthread_join(threads[t], NULL);
  for (size_t t = 0; t < thread_count; t++)
    ck_assert_msg(!workers[t].failure[0], "%s", workers[t].failure);
  teardown(&sh);
}
END_TEST

/* One model run from several threads, each on inputs of its own: runs are serialized by the
   model (it owns the activation buffers), so every thread gets what a lone run gives. */
#define MODEL_THREADS 3
#define MODEL_ROUNDS 6

typedef struct model_worker {
  clcnn_model *m;
  clcnn_context *ctx;
  const float *x[MODEL_THREADS], *want[MODEL_THREADS];
  size_t index, x_count, y_count;
  char failure[256];
} model_worker;

static void *run_model(void *arg) {
  model_worker *wk = arg;
  clcnn_tensor *x = NULL, *y = NULL;
  size_t xs[4], ys[4];
  clcnn_model_input_shape(wk->m, 0, xs);
  clcnn_model_output_shape(wk->m, 0, ys);
  float *got = malloc(wk->y_count * sizeof *got);
  if (clcnn_tensor_create(wk->ctx, xs[0], xs[1], xs[2], xs[3], &x) != CLCNN_OK ||
      clcnn_tensor_create(wk->ctx, ys[0], ys[1], ys[2], ys[3], &y) != CLCNN_OK || !got)
    snprintf(wk->failure, sizeof wk->failure, "thread %zu: tensors", wk->index);
  for (int round = 0; round < MODEL_ROUNDS && !wk->failure[0]; round++) {
    size_t which = (wk->index + (size_t)round) % MODEL_THREADS;
    if (clcnn_tensor_write(x, wk->x[which], wk->x_count) != CLCNN_OK ||
        clcnn_model_run(wk->m, (const clcnn_tensor *const *)&x, &y) != CLCNN_OK ||
        clcnn_tensor_read(y, got, wk->y_count) != CLCNN_OK) {
      snprintf(wk->failure, sizeof wk->failure, "thread %zu: %s", wk->index,
               clcnn_last_error(wk->ctx));
      break;
    }
    for (size_t i = 0; i < wk->y_count; i++)
      if (got[i] != wk->want[which][i]) {
        snprintf(wk->failure, sizeof wk->failure, "thread %zu round %d: [%zu] = %g, alone %g",
                 wk->index, round, i, got[i], wk->want[which][i]);
        break;
      }
  }
  free(got);
  clcnn_tensor_destroy(x);
  clcnn_tensor_destroy(y);
  return NULL;
}

START_TEST(threads_share_one_model) {
  clcnn_context *ctx = support_context();
  clcnn_model *m;
  expect_ok(clcnn_model_load(ctx, CLCNN_TEST_SOURCE_DIR "/models/resnet18_tiny.onnx", 2, &m), ctx);
  size_t xs[4], ys[4];
  expect_ok(clcnn_model_input_shape(m, 0, xs), ctx);
  expect_ok(clcnn_model_output_shape(m, 0, ys), ctx);
  model_worker base = {.m = m, .ctx = ctx, .x_count = count_of(xs), .y_count = count_of(ys)};
  float *x[MODEL_THREADS], *want[MODEL_THREADS];
  clcnn_tensor *tx, *ty;
  expect_ok(clcnn_tensor_create(ctx, xs[0], xs[1], xs[2], xs[3], &tx), ctx);
  expect_ok(clcnn_tensor_create(ctx, ys[0], ys[1], ys[2], ys[3], &ty), ctx);
  unsigned seed = 99;
  for (int t = 0; t < MODEL_THREADS; t++) { /* what each input gives alone */
    x[t] = support_values(base.x_count, &seed, 0);
    want[t] = malloc(base.y_count * sizeof *want[t]);
    expect_ok(clcnn_tensor_write(tx, x[t], base.x_count), ctx);
    expect_ok(clcnn_model_run(m, (const clcnn_tensor *const *)&tx, &ty), ctx);
    expect_ok(clcnn_tensor_read(ty, want[t], base.y_count), ctx);
    base.x[t] = x[t], base.want[t] = want[t];
  }
  model_worker workers[MODEL_THREADS];
  pthread_t threads[MODEL_THREADS];
  for (size_t t = 0; t < MODEL_THREADS; t++) {
    workers[t] = base;
    workers[t].index = t;
    ck_assert_int_eq(pthread_create(&threads[t], NULL, run_model, &workers[t]), 0);
  }
  for (size_t t = 0; t < MODEL_THREADS; t++) pthread_join(threads[t], NULL);
  for (size_t t = 0; t < MODEL_THREADS; t++)
    ck_assert_msg(!workers[t].failure[0], "%s", workers[t].failure);
  for (int t = 0; t < MODEL_THREADS; t++) free(x[t]), free(want[t]);
  clcnn_tensor_destroy(tx);
  clcnn_tensor_destroy(ty);
  clcnn_model_destroy(m);
  clcnn_context_destroy(ctx);
}
END_TEST

static Suite *threads_suite(void) {
  Suite *s = suite_create("threads");
  TCase *tc = support_tcase("shared context");
  tcase_add_loop_test(tc, threads_share_one_context, 0, 2);
  tcase_add_test(tc, threads_share_one_model);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return support_run(threads_suite());
}

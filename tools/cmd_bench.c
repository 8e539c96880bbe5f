/* clcnn bench: median times per algorithm against CLBlast Convgemm in the same process. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clcnn/clcnn.h>

#include "bench_clblast.h"
#include "bench_shapes.h"
#include "bench_timing.h"
#ifdef CLCNN_BENCH_ONEDNN
#include "bench_onednn.h"
#endif
#include "commands.h"

typedef enum output_format { TEXT, CSV, JSON } output_format;

typedef struct bench_options {
  output_format format;
  int reps; /* 0: adaptive */
  int clblast;
  int onednn;
  int builtin;
  unsigned plan_flags; /* CLCNN_PLAN_CONSTANT_WEIGHTS with --constant-weights */
} bench_options;

/* The passes a row can be, and the summary groups */
typedef enum row_pass {
  PASS_FORWARD,
  PASS_DATA,
  PASS_WEIGHTS,
  PASS_POOL,
  PASS_POOL_BACKWARD,
  PASS_POOL_INDICES,          /* max pooling recording its maxima's positions */
  PASS_POOL_BACKWARD_INDICES, /* and its backward from them */
  PASS_NONE
} row_pass;
static const char *const pass_names[] = {"forward",         "backward-data", "backward-weights",
                                         "pool-forward",    "pool-backward", "pool-fwd-indices",
                                         "pool-bwd-indices"};

typedef struct bench_row {
  const char *problem, *method;
  double first_ms, median_ms, rate; /* rate: GFLOP/s, or GB/s for pooling */
  double ratio;                     /* median speed over Convgemm's; 0 when unknown */
  double anchor_ms, anchor_ratio;   /* oneDNN's median and its time over ours; 0 when none */
  double max_diff;                  /* against Convgemm's output; -1 when not compared */
  row_pass pass;                    /* for the summary: PASS_NONE for rows outside it */
} bench_row;

static void usage(FILE *out) {
  fprintf(out,
          "usage: clcnn bench [--reps N] [--csv | --json] [--no-clblast] [--no-onednn]\n"
          "                   [--constant-weights] [SHAPE ...]\n"
          "  Times convolution forward per algorithm, its backward passes (data, weights with\n"
          "  bias) and pooling forward and backward on the selected device, each through a\n"
          "  plan: the first call (program builds, weight packing) apart, then the median of N\n"
          "  runs after a warm-up (N adapts to about half a second when not given), with\n"
          "  CLBlast Convgemm run on the same data in the same process and the forward speed\n"
          "  ratio against it. When oneDNN was found at build time, oneDNN runs the AUTO rows'\n"
          "  problems on the CPU in its own blocked layouts, timed in alternation with clcnn\n"
          "  (A B A B), and 'x onednn' is its median time over clcnn's (above 1: clcnn is\n"
          "  faster). 'plan:' lines show what AUTO chose. --constant-weights makes the plans\n"
          "  keep their transformed filters, as inference does (training re-reads them).\n"
          "  Without SHAPE it runs the built-in table (tutorial, LeNet, ResNet-like, pooling).\n"
          "  SHAPE: n8c64h56w56_k64r3s3_st1x1_p1111_d1x1_g1 (conv; _st _p _d _g optional;\n"
          "         padding over 9 as _p10x10x0x0), or a whole plan line (quoted) such as\n"
          "         'n8c64h56w56_k64r3s3_st1x1_p1111_d1x1_g1 algo=direct ...' to run that\n"
          "         algorithm alone (with act=relu, sigmoid, tanh or relu6: that activation\n"
          "         fused into clcnn's plans, with 'residual' the sum into y too; oneDNN's\n"
          "         rows stay without them);\n"
          "         max_n8c64h112w112_k3x3_st2x2_p1111 or avg_... (pooling, optional _ceil\n"
          "         and _exclpad)\n");
}

typedef struct conv_run {
  clcnn_context *ctx;
  const bench_problem *p;
  clcnn_conv2d_plan *plan;
  clcnn_pool2d_plan *pool;
  clcnn_tensor *x, *w, *y, *dy, *dx, *dw, *db;
} conv_run;

static int run_forward(void *arg) {
  conv_run *r = arg;
  return clcnn_conv2d_plan_forward(r->plan, r->x, r->w, NULL, r->y) == CLCNN_OK ? 0 : -1;
}

static int run_backward_data(void *arg) {
  conv_run *r = arg;
  return clcnn_conv2d_plan_backward_data(r->plan, r->dy, r->w, r->dx) == CLCNN_OK ? 0 : -1;
}

static int run_backward_weights(void *arg) {
  conv_run *r = arg;
  return clcnn_conv2d_plan_backward_weights(r->plan, r->x, r->dy, r->dw, r->db) == CLCNN_OK ? 0
                                                                                            : -1;
}

static int run_convgemm(void *arg) {
  conv_run *r = arg;
  return bench_convgemm(clcnn_context_cl_queue(r->ctx), r->p, clcnn_tensor_buffer(r->x),
                        clcnn_tensor_buffer(r->w), clcnn_tensor_buffer(r->y));
}

static int run_pool(void *arg) {
  conv_run *r = arg;
  return clcnn_pool2d_plan_forward(r->pool, r->x, r->y) == CLCNN_OK ? 0 : -1;
}

static int run_pool_backward(void *arg) {
  conv_run *r = arg;
  return clcnn_pool2d_plan_backward(r->pool, r->x, r->y, r->dy, r->dx) == CLCNN_OK ? 0 : -1;
}

/* The indexed passes keep the positions in r->w (y's shape). */
static int run_pool_indices(void *arg) {
  conv_run *r = arg;
  return clcnn_pool2d_plan_forward_indices(r->pool, r->x, r->y, r->w) == CLCNN_OK ? 0 : -1;
}

static int run_pool_backward_indices(void *arg) {
  conv_run *r = arg;
  return clcnn_pool2d_plan_backward_indices(r->pool, r->w, r->dy, r->dx) == CLCNN_OK ? 0 : -1;
}

static size_t count_of(const size_t s[4]) {
  return s[0] * s[1] * s[2] * s[3];
}

static clcnn_tensor *random_tensor(clcnn_context *ctx, const size_t s[4], unsigned seed) {
  clcnn_tensor *t = NULL;
  size_t n = count_of(s);
  float *v = malloc(n * sizeof *v);
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = (float)(seed >> 9) / 8388608.0f - 1.0f;
  }
  if (clcnn_tensor_create(ctx, s[0], s[1], s[2], s[3], &t) == CLCNN_OK) clcnn_tensor_write(t, v, n);
  free(v);
  return t;
}

static double max_abs_diff(const clcnn_tensor *a, const float *b, size_t n) {
  float *v = malloc(n * sizeof *v);
  double m = 0;
  if (clcnn_tensor_read(a, v, n) == CLCNN_OK)
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)v[i] - b[i]));
  else
    m = -1;
  free(v);
  return m;
}

#ifdef CLCNN_BENCH_ONEDNN
static const bench_pass onednn_pass[] = {
    BENCH_FORWARD,       BENCH_BACKWARD_DATA,         BENCH_BACKWARD_WEIGHTS, BENCH_POOL_FORWARD,
    BENCH_POOL_BACKWARD, BENCH_POOL_FORWARD_TRAINING, BENCH_POOL_BACKWARD};
#endif

/* One timed row, with oneDNN on the same problem timed alongside when the row's pass has an
   anchor; 0 rows when the run fails (an algorithm that does not apply). */
static size_t timed_row(clcnn_context *ctx, const bench_options *o, bench_run_fn run, conv_run *r,
                        const char *method, row_pass pass, double work, double convgemm_ms,
                        bench_row *row) {
  void *anchor = NULL;
#ifdef CLCNN_BENCH_ONEDNN
  if (o->onednn && pass != PASS_NONE) anchor = bench_onednn_create(r->p, onednn_pass[pass]);
  bench_timing t;
  int status = bench_time(ctx, run, r, anchor ? bench_onednn_run : NULL, anchor, o->reps, &t);
  bench_onednn_destroy(anchor);
#else
  bench_timing t;
  int status = bench_time(ctx, run, r, NULL, NULL, o->reps, &t);
#endif
  if (status != 0) { /* plans were made for this problem: a failing run is an error */
    fprintf(stderr, "clcnn bench: %s %s: %s\n", r->p->name, method, clcnn_last_error(ctx));
    return 0;
  }
  *row = (bench_row){r->p->name,
                     method,
                     t.first_ms,
                     t.median_ms,
                     work / t.median_ms * 1e-6,
                     convgemm_ms ? convgemm_ms / t.median_ms : 0,
                     t.anchor_ms,
                     t.anchor_ms ? t.anchor_ms / t.median_ms : 0,
                     -1,
                     r->p->tiny ? PASS_NONE : pass};
  return 1;
}

static void destroy_tensors(conv_run *r) {
  clcnn_tensor *all[] = {r->x, r->w, r->y, r->dy, r->dx, r->dw, r->db};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) clcnn_tensor_destroy(all[i]);
}

static size_t bench_conv(clcnn_context *ctx, const bench_problem *p, const bench_options *o,
                         bench_row *rows, char *describe, size_t describe_cap) {
  size_t ys[4], bs[4] = {1, p->w[0], 1, 1}, n_rows = 0;
  if (clcnn_conv2d_output_shape(&p->conv, p->x, p->w, ys) != CLCNN_OK) {
    fprintf(stderr, "clcnn bench: %s: %s\n", p->name, clcnn_last_error(NULL));
    return 0;
  }
  conv_run r = {ctx,
                p,
                NULL,
                NULL,
                random_tensor(ctx, p->x, 1),
                random_tensor(ctx, p->w, 2),
                random_tensor(ctx, ys, 3),
                random_tensor(ctx, ys, 4),
                random_tensor(ctx, p->x, 5),
                random_tensor(ctx, p->w, 6),
                random_tensor(ctx, bs, 7)};
  double flops = bench_conv_flops(p), gemm_ms = 0;
  float *reference = NULL;
  if (o->clblast && bench_convgemm_applies(p) && p->only_algo < 0 &&
      timed_row(ctx, o, run_convgemm, &r, "clblast-convgemm", PASS_NONE, flops, 0, &rows[n_rows])) {
    gemm_ms = rows[n_rows].median_ms;
    rows[n_rows++].ratio = 1.0;
    reference = malloc(count_of(ys) * sizeof *reference);
    clcnn_tensor_read(r.y, reference, count_of(ys));
  }
  clcnn_conv2d_plan *auto_plan = NULL;
  for (int algo = CLCNN_CONV_AUTO; algo <= CLCNN_CONV_WINOGRAD; algo++) {
    if (p->only_algo >= 0 && algo != p->only_algo) continue;
    clcnn_conv2d_desc d = p->conv;
    d.algo = algo;
    if (clcnn_conv2d_plan_create(ctx, &d, p->x, p->w, o->plan_flags, &r.plan) != CLCNN_OK) continue;
    if ((p->act_plus1 && clcnn_conv2d_plan_set_activation(r.plan, p->act_plus1 - 1) != CLCNN_OK) ||
        (p->residual && clcnn_conv2d_plan_set_residual(r.plan, 1) != CLCNN_OK)) {
      clcnn_conv2d_plan_destroy(r.plan);
      continue;
    }
    bench_row *row = &rows[n_rows];
    row_pass pass = algo == CLCNN_CONV_AUTO ? PASS_FORWARD : PASS_NONE;
    if (timed_row(ctx, o, run_forward, &r, clcnn_conv_algo_name(algo), pass, flops, gemm_ms, row)) {
      /* a residual plan has added its output to y at every run */
      row->max_diff = reference && !p->residual ? max_abs_diff(r.y, reference, count_of(ys)) : -1;
      n_rows++;
    }
    if (!auto_plan) {
      auto_plan = r.plan;
      snprintf(describe, describe_cap, "%s", clcnn_conv2d_plan_describe(auto_plan));
    } else {
      clcnn_conv2d_plan_destroy(r.plan);
    }
  }
  if ((r.plan = auto_plan) != NULL) {
    n_rows += timed_row(ctx, o, run_backward_data, &r, "backward-data", PASS_DATA, flops, 0,
                        &rows[n_rows]);
    n_rows += timed_row(ctx, o, run_backward_weights, &r, "backward-weights", PASS_WEIGHTS, flops,
                        0, &rows[n_rows]);
  }
  clcnn_conv2d_plan_destroy(auto_plan);
  free(reference);
  destroy_tensors(&r);
  return n_rows;
}

static size_t bench_pool(clcnn_context *ctx, const bench_problem *p, const bench_options *o,
                         bench_row *rows, char *describe, size_t describe_cap) {
  size_t ys[4], n = 0;
  conv_run r = {ctx, p, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  if (clcnn_pool2d_plan_create(ctx, &p->pool, p->x, &r.pool) != CLCNN_OK ||
      clcnn_pool2d_output_shape(&p->pool, p->x, ys) != CLCNN_OK) {
    fprintf(stderr, "clcnn bench: %s: %s\n", p->name, clcnn_last_error(ctx));
    return 0;
  }
  snprintf(describe, describe_cap, "%s", clcnn_pool2d_plan_describe(r.pool));
  r.x = random_tensor(ctx, p->x, 3);
  r.y = random_tensor(ctx, ys, 4);
  r.dy = random_tensor(ctx, ys, 5);
  r.dx = random_tensor(ctx, p->x, 6);
  int is_max = p->pool.mode == CLCNN_POOL_MAX;
  n += timed_row(ctx, o, run_pool, &r, is_max ? "max-pool" : "avg-pool", PASS_POOL,
                 bench_pool_bytes(p), 0, &rows[n]);
  n += timed_row(ctx, o, run_pool_backward, &r, is_max ? "max-pool-backward" : "avg-pool-backward",
                 PASS_POOL_BACKWARD, bench_pool_backward_bytes(p), 0, &rows[n]);
  if (is_max) { /* bytes: x read, y and the positions written; dy and positions read, dx */
    r.w = random_tensor(ctx, ys, 7);
    double plane_bytes = (double)(ys[0] * ys[1] * ys[2] * ys[3]) * sizeof(float);
    n += timed_row(ctx, o, run_pool_indices, &r, "max-pool-indices", PASS_POOL_INDICES,
                   bench_pool_bytes(p) + plane_bytes, 0, &rows[n]);
    n += timed_row(ctx, o, run_pool_backward_indices, &r, "max-pool-backward-indices",
                   PASS_POOL_BACKWARD_INDICES,
                   bench_pool_backward_bytes(p) - bench_pool_bytes(p) + plane_bytes, 0, &rows[n]);
  }
  clcnn_pool2d_plan_destroy(r.pool);
  destroy_tensors(&r);
  return n;
}

static void print_row(const bench_row *r, output_format f, int first, int is_pool) {
  const char *unit = is_pool ? "GB/s" : "GFLOP/s";
  if (f == CSV)
    printf("%s,%s,%.3f,%.4f,%.2f,%s,%.3f,%.4f,%.3f,%.3g\n", r->problem, r->method, r->first_ms,
           r->median_ms, r->rate, unit, r->ratio, r->anchor_ms, r->anchor_ratio, r->max_diff);
  else if (f == JSON)
    printf("%s{\"problem\": \"%s\", \"method\": \"%s\", \"first_ms\": %.3f, \"median_ms\": %.4f, "
           "\"rate\": %.2f, \"unit\": \"%s\", \"ratio_vs_convgemm\": %.3f, \"onednn_ms\": %.4f, "
           "\"ratio_vs_onednn\": %.3f, \"max_diff\": %.3g}",
           first ? "  " : ",\n  ", r->problem, r->method, r->first_ms, r->median_ms, r->rate, unit,
           r->ratio, r->anchor_ms, r->anchor_ratio, r->max_diff);
  else {
    char ratio[16] = "-", diff[16] = "-", anchor[16] = "-", anchor_ratio[16] = "-";
    if (r->ratio > 0) snprintf(ratio, sizeof ratio, "%.2f", r->ratio);
    if (r->max_diff >= 0) snprintf(diff, sizeof diff, "%.2g", r->max_diff);
    if (r->anchor_ms > 0) snprintf(anchor, sizeof anchor, "%.3f", r->anchor_ms);
    if (r->anchor_ratio > 0) snprintf(anchor_ratio, sizeof anchor_ratio, "%.2f", r->anchor_ratio);
    printf("%-32s %-17s %10.2f %11.3f %9.1f %-7s %8s %9s %9s %9s\n", r->problem, r->method,
           r->first_ms, r->median_ms, r->rate, unit, ratio, anchor, anchor_ratio, diff);
  }
}

/* Geometric mean and minimum of a ratio over the rows that count. */
typedef struct ratio_summary {
  double log_sum, min;
  int count;
} ratio_summary;

typedef struct summary {
  ratio_summary convgemm, onednn[PASS_NONE];
  double best_max_pool;
} summary;

static void add_ratio(ratio_summary *s, double ratio) {
  if (ratio <= 0) return;
  s->log_sum += log(ratio);
  s->min = s->count ? fmin(s->min, ratio) : ratio;
  s->count++;
}

static void summarize(summary *s, const bench_row *rows, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(rows[i].method, "max-pool") == 0)
      s->best_max_pool = fmax(s->best_max_pool, rows[i].rate);
    if (rows[i].pass == PASS_NONE) continue;
    if (rows[i].pass == PASS_FORWARD) add_ratio(&s->convgemm, rows[i].ratio);
    add_ratio(&s->onednn[rows[i].pass], rows[i].anchor_ratio);
  }
}

static double geomean(const ratio_summary *s) {
  return s->count ? exp(s->log_sum / s->count) : 0;
}

static void print_summary(const summary *s, output_format f) {
  if (f == JSON) {
    printf("],\n \"max_pool_gbps\": %.2f", s->best_max_pool);
    if (s->convgemm.count)
      printf(", \"auto_vs_convgemm_geomean\": %.3f, \"auto_vs_convgemm_min\": %.3f",
             geomean(&s->convgemm), s->convgemm.min);
    for (int p = 0; p < PASS_NONE; p++)
      if (s->onednn[p].count)
        printf(", \"%s_vs_onednn_geomean\": %.3f, \"%s_vs_onednn_min\": %.3f", pass_names[p],
               geomean(&s->onednn[p]), pass_names[p], s->onednn[p].min);
    printf("}\n");
    return;
  }
  if (f != TEXT) return;
  printf("\n");
  if (s->convgemm.count)
    printf("auto vs CLBlast Convgemm over %d non-tiny conv shapes: geomean %.1fx, min %.1fx\n",
           s->convgemm.count, geomean(&s->convgemm), s->convgemm.min);
  if (s->best_max_pool > 0) printf("max pooling %.1f GB/s\n", s->best_max_pool);
  for (int p = 0; p < PASS_NONE; p++)
    if (s->onednn[p].count)
      printf("%-17s vs oneDNN over %2d shapes: geomean %.2fx, min %.2fx\n", pass_names[p],
             s->onednn[p].count, geomean(&s->onednn[p]), s->onednn[p].min);
}

static int parse_options(int argc, char **argv, bench_options *o, bench_problem *extra,
                         size_t *n_extra) {
  *o = (bench_options){TEXT, 0, 1, 1, 1, 0};
  *n_extra = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--csv") == 0)
      o->format = CSV;
    else if (strcmp(argv[i], "--json") == 0)
      o->format = JSON;
    else if (strcmp(argv[i], "--no-clblast") == 0)
      o->clblast = 0;
    else if (strcmp(argv[i], "--no-onednn") == 0)
      o->onednn = 0;
    else if (strcmp(argv[i], "--constant-weights") == 0)
      o->plan_flags = CLCNN_PLAN_CONSTANT_WEIGHTS;
    else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
      o->reps = atoi(argv[++i]);
    else if (argv[i][0] != '-' && *n_extra < 64) {
      char why[320];
      if (bench_parse_problem(argv[i], &extra[*n_extra], why, sizeof why) != 0) {
        fprintf(stderr, "clcnn bench: cannot use '%s': %s\n", argv[i], why);
        return -1;
      }
      (*n_extra)++, o->builtin = 0;
    } else {
      fprintf(stderr, "clcnn bench: cannot use '%s'%s\n", argv[i],
              argv[i][0] != '-' ? " (at most 64 problems)" : "");
      return -1;
    }
  }
  return 0;
}

#ifdef CLCNN_BENCH_ONEDNN
/* oneDNN's OpenMP threads spin after each primitive by default, which took a core from
   PoCL's workers in the rows that follow (3x3 64->64: 5.8 ms became 8.1-8.4 ms), while a
   passive wait left oneDNN's own times unchanged. The OpenMP runtime reads its settings
   when it loads, so the bench runs itself again with the policy set, unless the user set
   one. */
static void passive_openmp(char **argv) {
  if (getenv("OMP_WAIT_POLICY")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv - 1); /* argv - 1: "clcnn", then "bench" ... */
  fprintf(stderr, "clcnn bench: could not restart with OMP_WAIT_POLICY=PASSIVE; oneDNN's idle "
                  "threads may slow clcnn's rows\n");
}
#endif

int clcnn_cmd_bench(int argc, char **argv) {
  if (clcnn_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
#ifdef CLCNN_BENCH_ONEDNN
  passive_openmp(argv);
#endif
  bench_options o;
  static bench_problem extra[64];
  size_t n_extra, n_builtin;
  if (parse_options(argc, argv, &o, extra, &n_extra) != 0) {
    usage(stderr);
    return 2;
  }
  const bench_problem *problems = o.builtin ? bench_builtin_problems(&n_builtin) : extra;
  size_t n_problems = o.builtin ? n_builtin : n_extra;
  clcnn_context *ctx;
  if (clcnn_context_create(NULL, &ctx) != CLCNN_OK) {
    fprintf(stderr, "clcnn bench: %s\n", clcnn_last_error(NULL));
    return 1;
  }
#ifdef CLCNN_BENCH_ONEDNN
  const char *anchor = o.onednn ? bench_onednn_describe() : "off (--no-onednn)";
#else
  const char *anchor = "not built in (oneDNN was not found at build time)";
#endif
  if (o.format == TEXT)
    printf("device: %s\nanchor: %s\n%-32s %-17s %10s %11s %9s %-7s %8s %9s %9s %9s\n",
           clcnn_context_device_name(ctx), anchor, "problem", "method", "first ms", "median ms",
           "rate", "unit", "x conv", "onednn ms", "x onednn", "max diff");
  if (o.format == CSV)
    printf("problem,method,first_ms,median_ms,rate,unit,ratio_vs_convgemm,onednn_ms,"
           "ratio_vs_onednn,max_diff\n");
  if (o.format == JSON)
    printf("{\"device\": \"%s\", \"rows\": [\n", clcnn_context_device_name(ctx));
  summary s;
  memset(&s, 0, sizeof s);
  int first = 1;
  for (size_t i = 0; i < n_problems; i++) {
    bench_row rows[10];
    char describe[512] = "";
    const bench_problem *p = &problems[i];
    size_t n = p->is_pool ? bench_pool(ctx, p, &o, rows, describe, sizeof describe)
                          : bench_conv(ctx, p, &o, rows, describe, sizeof describe);
    for (size_t j = 0; j < n; j++, first = 0) print_row(&rows[j], o.format, first, p->is_pool);
    if (o.format == TEXT && describe[0]) printf("  plan: %s\n", describe);
    fflush(stdout);
    summarize(&s, rows, n);
  }
  print_summary(&s, o.format);
  clcnn_context_destroy(ctx);
  return 0;
}

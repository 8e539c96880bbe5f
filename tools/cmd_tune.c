/* clcnn tune [SHAPE ... | --table] [--budget SECONDS]: measures the candidate kernels of each
   problem on the selected device and records the fastest, for AUTO plans to use. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clcnn/clcnn.h>

#include "bench_shapes.h"
#include "commands.h"

#define DEFAULT_BUDGET 60.0
#define MAX_PROBLEMS 64

static void usage(FILE *out) {
  fprintf(out,
          "usage: clcnn tune [SHAPE ... | --table] [--budget SECONDS]\n"
          "  Times, on the selected device, the candidates for each problem: the choice the\n"
          "  heuristics make, the other algorithms (forward) and the work-group kernel\n"
          "  family's parameter sets, for the forward, backward-data and backward-weights\n"
          "  passes (pooling: the two kernel families on forward plus backward), and records\n"
          "  the fastest in the tune/ folder of the program cache. Plans created with AUTO\n"
          "  use the records (CLCNN_TUNE=use, the default; 'off' ignores them, 'auto' tunes\n"
          "  missing ones at plan creation). A candidate replaces the heuristics' choice\n"
          "  only when it is at least 3%% faster.\n"
          "  SHAPE: the grammar of 'clcnn bench' (n8c64h56w56_k64r3s3_p1111, max_n8c64h...);\n"
          "  --table: the bench table without its tiny tutorial shapes (their passes take\n"
          "  hundredths of a millisecond, mostly launching and waiting). A gain must also\n"
          "  exceed one launch-and-wait. --budget: seconds for all of it (default %.0f),\n"
          "  shared out evenly over the passes left; a problem starts only while the time\n"
          "  left holds a pass like the last problem's, and one that does not is not tuned\n"
          "  (no record: AUTO keeps the heuristics' choice). The heuristics' choice of a\n"
          "  problem that is tuned is always measured, so the total can run a little over.\n"
          "  'clcnn cache' lists the records, 'clcnn cache clear-records' removes them.\n",
          DEFAULT_BUDGET);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void print_row(const char *name, const char *pass, const clcnn_tune_report *r) {
  printf("%-34s %-17s %9.3f %9.3f %6.2fx %3d  %s\n", name, pass, r->default_ms, r->best_ms,
         r->best_ms > 0 ? r->default_ms / r->best_ms : 0.0, r->candidates, r->choice);
}

/* Tunes one problem; units: passes it counts for in the budget. */
static int tune_problem(clcnn_context *ctx, const bench_problem *p, double budget) {
  static const char *const passes[3] = {"forward", "backward-data", "backward-weights"};
  clcnn_tune_report r;
  if (p->is_pool) {
    clcnn_status status = clcnn_pool2d_tune(ctx, &p->pool, p->x, &r);
    if (status != CLCNN_OK) {
      fprintf(stderr, "clcnn tune: %s: %s\n", p->name, clcnn_last_error(ctx));
      return 1;
    }
    print_row(p->name, "forward+backward", &r);
    return 0;
  }
  for (int pass = 0; pass < 3; pass++) {
    clcnn_status status = clcnn_conv2d_tune(ctx, &p->conv, p->x, p->w, pass, budget / 3, &r);
    if (status != CLCNN_OK) {
      fprintf(stderr, "clcnn tune: %s %s: %s\n", p->name, passes[pass], clcnn_last_error(ctx));
      return 1;
    }
    print_row(p->name, passes[pass], &r);
  }
  return 0;
}

int clcnn_cmd_tune(int argc, char **argv) {
  if (clcnn_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  static bench_problem problems[MAX_PROBLEMS];
  size_t count = 0;
  int table = 0;
  double budget = DEFAULT_BUDGET;
  for (int i = 1; i < argc; i++) {
    char why[256];
    if (strcmp(argv[i], "--table") == 0) {
      table = 1;
    } else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
      char *end = NULL;
      budget = strtod(argv[++i], &end);
      if (!end || *end || !(budget >= 0)) {
        fprintf(stderr, "clcnn tune: --budget '%s' is not a number of seconds >= 0\n", argv[i]);
        return 2;
      }
    } else if (argv[i][0] == '-' || count == MAX_PROBLEMS) {
      fprintf(stderr, "clcnn tune: %s '%s'\n\n",
              count == MAX_PROBLEMS ? "too many shapes at" : "unknown option", argv[i]);
      usage(stderr);
      return 2;
    } else if (bench_parse_problem(argv[i], &problems[count], why, sizeof why) != 0) {
      fprintf(stderr, "clcnn tune: %s\n", why);
      return 2;
    } else {
      count++;
    }
  }
  if (table == (count > 0)) {
    usage(stderr);
    return 2;
  }
  if (table) {
    size_t n = 0;
    const bench_problem *builtin = bench_builtin_problems(&n);
    /* not the tutorial's tiny shapes: their passes take a few hundredths of a millisecond,
       mostly launching and waiting, and their medians swapped places from run to run */
    for (size_t i = 0; i < n && count < MAX_PROBLEMS; i++)
      if (!builtin[i].tiny) problems[count++] = builtin[i];
  }
  clcnn_context *ctx = NULL;
  if (clcnn_context_create(NULL, &ctx) != CLCNN_OK) {
    fprintf(stderr, "clcnn tune: %s\n", clcnn_last_error(NULL));
    return 1;
  }
  char dir[4096] = "";
  clcnn_cache_dir_resolve(NULL, dir, sizeof dir);
  printf("device: %s\nrecords: %s/tune\nbudget: %.0f s\n", clcnn_context_device_name(ctx),
         dir[0] ? dir : "(off: nothing is recorded)", budget);
  printf("%-34s %-17s %9s %9s %7s %3s  %s\n", "problem", "pass", "heur. ms", "best ms", "gain", "n",
         "recorded choice");
  double start = now_seconds();
  size_t units_left = 0;
  for (size_t i = 0; i < count; i++) units_left += problems[i].is_pool ? 1 : 3;
  int failed = 0;
  size_t skipped = 0;
  double last_pass = 0;
  for (size_t i = 0; i < count; i++) {
    double left = budget - (now_seconds() - start);
    size_t units = problems[i].is_pool ? 1 : 3;
    units_left -= units;
    /* a problem starts when a pass like the last one's still fits; one reached after the
       budget is left without a record: AUTO keeps the heuristics' choice */
    if (left <= last_pass) {
      printf("%-34s %-17s %9s %9s %7s %3s  (budget spent: not tuned)\n", problems[i].name, "all",
             "-", "-", "-", "-");
      skipped++;
      continue;
    }
    double t0 = now_seconds();
    failed |= tune_problem(ctx, &problems[i], left * (double)units / (double)(units_left + units));
    last_pass = (now_seconds() - t0) / (double)units;
  }
  printf("tuned %zu problems in %.1f s", count - skipped, now_seconds() - start);
  if (skipped) printf(" (%zu left untuned when the budget ran out)", skipped);
  printf("\n");
  clcnn_context_destroy(ctx);
  return failed;
}

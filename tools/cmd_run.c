/* clcnn run: an ONNX model on one input (a .npy file or seeded random values): the output
   to a .npy file, the top-5 classes of a classifier, and with --bench the load, first-run
   and median times. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clcnn/clcnn.h>

#include "commands.h"
#include "npy.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: clcnn run MODEL.onnx [--input FILE.npy] [--output FILE.npy] [--batch N]\n"
          "                 [--bench] [--runs R] [--seed S] [--profile]\n"
          "  Loads the model for batch N (default: the input file's first dimension, else 1),\n"
          "  runs it on the input (default: seeded uniform values in [-1, 1)), writes the first\n"
          "  output to --output, and prints the top-5 classes of each of the first 4 samples\n"
          "  when the output is N x K. --bench adds the load time, the first run's time and the\n"
          "  median of R further runs (default 20) with images/s. --profile times each layer\n"
          "  of one more run (waiting after each) and prints it with the layer's plan.\n");
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct run_args {
  const char *model, *input, *output;
  size_t batch;
  int bench, runs, profile;
  unsigned seed;
} run_args;

static int parse(int argc, char **argv, run_args *a) {
  *a = (run_args){NULL, NULL, NULL, 0, 0, 20, 0, 1};
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
    int takes = !strcmp(arg, "--input") || !strcmp(arg, "--output") || !strcmp(arg, "--batch") ||
                !strcmp(arg, "--runs") || !strcmp(arg, "--seed");
    if (takes && !value) {
      fprintf(stderr, "clcnn run: %s needs a value\n", arg);
      return -1;
    }
    char *end = NULL;
    if (!strcmp(arg, "--input"))
      a->input = value;
    else if (!strcmp(arg, "--output"))
      a->output = value;
    else if (!strcmp(arg, "--batch"))
      a->batch = strtoul(value, &end, 10);
    else if (!strcmp(arg, "--runs"))
      a->runs = (int)strtol(value, &end, 10);
    else if (!strcmp(arg, "--seed"))
      a->seed = (unsigned)strtoul(value, &end, 10);
    else if (!strcmp(arg, "--bench"))
      a->bench = 1;
    else if (!strcmp(arg, "--profile"))
      a->profile = 1;
    else if (arg[0] == '-' || a->model) {
      fprintf(stderr, "clcnn run: unexpected argument '%s'\n", arg);
      return -1;
    } else
      a->model = arg;
    if (end && (*end || end == value || (!strcmp(arg, "--batch") && a->batch == 0) ||
                (!strcmp(arg, "--runs") && a->runs < 1))) {
      fprintf(stderr, "clcnn run: %s '%s' is not a positive number\n", arg, value);
      return -1;
    }
    i += takes;
  }
  if (!a->model) fprintf(stderr, "clcnn run: no model given\n");
  return a->model ? 0 : -1;
}

/* The input values: the file's (shape checked against the model) or seeded random ones. */
static float *input_values(const run_args *a, const npy_array *file, const size_t shape[4],
                           int rank) {
  size_t count = shape[0] * shape[1] * shape[2] * shape[3];
  if (file->data) {
    size_t want[4] = {shape[0], shape[1], shape[2], shape[3]};
    int same = file->rank == rank;
    for (int i = 0; same && i < rank; i++) same = file->shape[i] == want[i];
    if (!same) {
      fprintf(stderr, "clcnn run: %s has shape (", a->input);
      for (int i = 0; i < file->rank; i++) fprintf(stderr, "%s%zu", i ? ", " : "", file->shape[i]);
      fprintf(stderr, "), the model takes %zux%zux%zux%zu (rank %d)\n", shape[0], shape[1],
              shape[2], shape[3], rank);
      return NULL;
    }
  }
  float *v = malloc(count * sizeof *v);
  unsigned s = a->seed;
  for (size_t i = 0; v && i < count; i++) {
    s = s * 1103515245u + 12345u;
    v[i] = file->data ? file->data[i] : (float)((s >> 8) & 0xFFFF) / 32768.0f - 1.0f;
  }
  return v;
}

static void print_top5(const float *y, size_t n, size_t k) {
  for (size_t s = 0; s < n && s < 4; s++) {
    const float *row = y + s * k;
    int best[5] = {-1, -1, -1, -1, -1};
    for (size_t c = 0; c < k; c++)
      for (int r = 0; r < 5; r++)
        if (best[r] < 0 || row[c] > row[best[r]]) {
          memmove(best + r + 1, best + r, (size_t)(4 - r) * sizeof *best);
          best[r] = (int)c;
          break;
        }
    printf("sample %zu top-5:", s);
    for (int r = 0; r < 5 && best[r] >= 0; r++) printf("  %d (%.5g)", best[r], row[best[r]]);
    printf("\n");
  }
}

typedef struct session {
  clcnn_context *ctx;
  clcnn_model *model;
  clcnn_tensor *x, *y;
  size_t xs[4], ys[4];
} session;

static int fail(session *s, const char *what, clcnn_status status) {
  fprintf(stderr, "clcnn run: %s: %s: %s\n", what, clcnn_status_string(status),
          clcnn_last_error(s->ctx));
  return 1;
}

static int timed_run(session *s, double *ms) {
  double t0 = now_ms();
  clcnn_status status = clcnn_model_run(s->model, (const clcnn_tensor *const *)&s->x, &s->y);
  if (status == CLCNN_OK) status = clcnn_context_finish(s->ctx);
  *ms = now_ms() - t0;
  return status == CLCNN_OK ? 0 : fail(s, "run", status);
}

/* One run timed layer by layer: a line per layer, then the total. */
static int profile(session *s) {
  size_t n = clcnn_model_layer_count(s->model);
  double *ms = calloc(n ? n : 1, sizeof *ms), total = 0;
  if (!ms) return 1;
  clcnn_status status =
      clcnn_model_run_profiled(s->model, (const clcnn_tensor *const *)&s->x, &s->y, ms);
  if (status != CLCNN_OK) {
    free(ms);
    return fail(s, "profiled run", status);
  }
  printf("layer      ms  plan\n");
  for (size_t i = 0; i < n; i++) {
    printf("%5zu %8.3f  %s\n", i, ms[i], clcnn_model_layer_describe(s->model, i));
    total += ms[i];
  }
  printf("total %7.3f ms over %zu layers\n", total, n);
  free(ms);
  return 0;
}

static int run_model(const run_args *a, session *s, const npy_array *file) {
  double t0 = now_ms(), first_ms, load_ms;
  size_t batch = a->batch ? a->batch : file->data ? file->shape[0] : 1;
  clcnn_status status = clcnn_model_load(s->ctx, a->model, batch, &s->model);
  if (status != CLCNN_OK) return fail(s, "load", status);
  load_ms = now_ms() - t0;
  if (clcnn_model_input_count(s->model) != 1) {
    fprintf(stderr, "clcnn run: the model has %zu inputs; clcnn run feeds models of one\n",
            clcnn_model_input_count(s->model));
    return 1;
  }
  clcnn_model_input_shape(s->model, 0, s->xs);
  clcnn_model_output_shape(s->model, 0, s->ys);
  float *x = input_values(a, file, s->xs, clcnn_model_input_rank(s->model, 0));
  if (!x) return 1;
  size_t ycount = s->ys[0] * s->ys[1] * s->ys[2] * s->ys[3];
  float *y = malloc(ycount * sizeof *y);
  if ((status = clcnn_tensor_create(s->ctx, s->xs[0], s->xs[1], s->xs[2], s->xs[3], &s->x)) ||
      (status = clcnn_tensor_create(s->ctx, s->ys[0], s->ys[1], s->ys[2], s->ys[3], &s->y)) ||
      (status = clcnn_tensor_write(s->x, x, s->xs[0] * s->xs[1] * s->xs[2] * s->xs[3]))) {
    free(x), free(y);
    return fail(s, "tensors", status);
  }
  free(x);
  int bad = !y || timed_run(s, &first_ms);
  if (!bad && (status = clcnn_tensor_read(s->y, y, ycount)) != CLCNN_OK)
    bad = fail(s, "read", status);
  int rank = clcnn_model_output_rank(s->model, 0);
  printf("model %s: input %s %zux%zux%zux%zu, output %s %zux%zux%zux%zu on %s\n", a->model,
         clcnn_model_input_name(s->model, 0), s->xs[0], s->xs[1], s->xs[2], s->xs[3],
         clcnn_model_output_name(s->model, 0), s->ys[0], s->ys[1], s->ys[2], s->ys[3],
         clcnn_context_device_name(s->ctx));
  if (!bad && rank == 2 && s->ys[1] >= 2) print_top5(y, s->ys[0], s->ys[1]);
  if (!bad && a->output && npy_write(a->output, y, s->ys, rank) != 0) {
    fprintf(stderr, "clcnn run: cannot write %s\n", a->output);
    bad = 1;
  }
  free(y);
  if (!bad && a->profile) bad = profile(s);
  if (bad || !a->bench) return bad;
  double *ms = malloc((size_t)a->runs * sizeof *ms);
  for (int r = 0; ms && r < a->runs && !bad; r++) bad = timed_run(s, &ms[r]);
  if (ms && !bad) {
    qsort(ms, (size_t)a->runs, sizeof *ms, cmp_double);
    double median = ms[a->runs / 2];
    printf("load %.1f ms, first run %.1f ms, median %.2f ms per batch of %zu over %d runs, "
           "%.1f images/s\n",
           load_ms, first_ms, median, batch, a->runs, 1e3 * (double)batch / median);
  }
  free(ms);
  return bad;
}

int clcnn_cmd_run(int argc, char **argv) {
  if (clcnn_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  run_args a;
  if (parse(argc, argv, &a) != 0) {
    usage(stderr);
    return 2;
  }
  npy_array file = {0};
  char error[512];
  if (a.input && npy_read(a.input, &file, error, sizeof error) != 0) {
    fprintf(stderr, "clcnn run: %s\n", error);
    return 1;
  }
  session s = {0};
  clcnn_status status = clcnn_context_create(NULL, &s.ctx);
  int rc = status != CLCNN_OK ? fail(&s, "context", status) : run_model(&a, &s, &file);
  clcnn_tensor_destroy(s.x);
  clcnn_tensor_destroy(s.y);
  clcnn_model_destroy(s.model);
  clcnn_context_destroy(s.ctx);
  free(file.data);
  return rc;
}

/* clcnn run: an ONNX model on its inputs (.npy files or seeded random values): outputs to
   .npy files, the top-5 classes of a classifier, and with --bench the load, first-run and
   median times, with --profile the time of every layer. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clcnn/clcnn.h>

#include "commands.h"
#include "npy.h"

enum { MAX_FILES = 16 };

static void usage(FILE *out) {
  fprintf(out,
          "usage: clcnn run MODEL.onnx [--input FILE.npy]... [--output FILE.npy]... [--batch N]\n"
          "                 [--bench] [--runs R] [--seed S] [--profile]\n"
          "  Loads the model for batch N (default: the first input file's first dimension,\n"
          "  else 1) and runs it. The i-th --input feeds the model's i-th input (inputs without\n"
          "  a file get seeded uniform values in [-1, 1)); the i-th --output receives its i-th\n"
          "  output. Prints the top-5 classes of the first 4 samples when the first output is\n"
          "  N x K. --bench adds the load time, the first run's time and the median of R\n"
          "  further runs (default 20) with images/s. --profile times each layer of one more\n"
          "  run (waiting after each) and prints it with the layer's plan.\n");
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
  const char *model, *inputs[MAX_FILES], *outputs[MAX_FILES];
  size_t n_inputs, n_outputs, batch;
  int bench, runs, profile;
  unsigned seed;
} run_args;

static int parse_number(const char *arg, const char *value, unsigned long *out) {
  char *end;
  *out = strtoul(value, &end, 10);
  if (*end || end == value || *out == 0) {
    fprintf(stderr, "clcnn run: %s '%s' is not a positive number\n", arg, value);
    return -1;
  }
  return 0;
}

static int parse(int argc, char **argv, run_args *a) {
  memset(a, 0, sizeof *a);
  a->runs = 20;
  a->seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
    int takes = !strcmp(arg, "--input") || !strcmp(arg, "--output") || !strcmp(arg, "--batch") ||
                !strcmp(arg, "--runs") || !strcmp(arg, "--seed");
    unsigned long v = 0;
    if (takes && !value) {
      fprintf(stderr, "clcnn run: %s needs a value\n", arg);
      return -1;
    }
    if ((!strcmp(arg, "--input") && a->n_inputs == MAX_FILES) ||
        (!strcmp(arg, "--output") && a->n_outputs == MAX_FILES)) {
      fprintf(stderr, "clcnn run: more than %d %s files\n", MAX_FILES, arg);
      return -1;
    }
    if ((!strcmp(arg, "--batch") || !strcmp(arg, "--runs") || !strcmp(arg, "--seed")) &&
        parse_number(arg, value, &v) != 0)
      return -1;
    if (!strcmp(arg, "--input"))
      a->inputs[a->n_inputs++] = value;
    else if (!strcmp(arg, "--output"))
      a->outputs[a->n_outputs++] = value;
    else if (!strcmp(arg, "--batch"))
      a->batch = v;
    else if (!strcmp(arg, "--runs"))
      a->runs = v > 100000 ? 100000 : (int)v;
    else if (!strcmp(arg, "--seed"))
      a->seed = (unsigned)v;
    else if (!strcmp(arg, "--bench"))
      a->bench = 1;
    else if (!strcmp(arg, "--profile"))
      a->profile = 1;
    else if (arg[0] == '-' || a->model) {
      fprintf(stderr, "clcnn run: unexpected argument '%s'\n", arg);
      return -1;
    } else
      a->model = arg;
    i += takes;
  }
  if (!a->model) fprintf(stderr, "clcnn run: no model given\n");
  return a->model ? 0 : -1;
}

typedef struct session {
  clcnn_context *ctx;
  clcnn_model *model;
  clcnn_tensor **x, **y;
  size_t n_x, n_y;
  npy_array files[MAX_FILES];
} session;

static int fail(session *s, const char *what, clcnn_status status) {
  fprintf(stderr, "clcnn run: %s: %s: %s\n", what, clcnn_status_string(status),
          clcnn_last_error(s->ctx));
  return 1;
}

static size_t count4(const size_t s[4]) {
  return s[0] * s[1] * s[2] * s[3];
}

/* Input i's values: file i's (its shape checked against the model's) or seeded random. */
static int fill_input(session *s, const run_args *a, size_t i) {
  size_t shape[4];
  clcnn_model_input_shape(s->model, i, shape);
  int rank = clcnn_model_input_rank(s->model, i);
  const npy_array *file = i < a->n_inputs ? &s->files[i] : NULL;
  if (file) {
    int same = file->rank == rank;
    for (int d = 0; same && d < rank; d++) same = file->shape[d] == shape[d];
    if (!same) {
      fprintf(stderr, "clcnn run: %s has shape (", a->inputs[i]);
      for (int d = 0; d < file->rank; d++) fprintf(stderr, "%s%zu", d ? ", " : "", file->shape[d]);
      fprintf(stderr, "), input '%s' takes %zux%zux%zux%zu (rank %d)\n",
              clcnn_model_input_name(s->model, i), shape[0], shape[1], shape[2], shape[3], rank);
      return 1;
    }
  }
  clcnn_status status =
      clcnn_tensor_create(s->ctx, shape[0], shape[1], shape[2], shape[3], &s->x[i]);
  if (status != CLCNN_OK) return fail(s, "input tensor", status);
  float *v = file ? file->data : malloc(count4(shape) * sizeof *v);
  unsigned seed = a->seed + (unsigned)i;
  for (size_t k = 0; !file && v && k < count4(shape); k++) {
    seed = seed * 1103515245u + 12345u;
    v[k] = (float)((seed >> 8) & 0xFFFF) / 32768.0f - 1.0f;
  }
  status = v ? clcnn_tensor_write(s->x[i], v, count4(shape)) : CLCNN_OUT_OF_MEMORY;
  if (!file) free(v);
  return status == CLCNN_OK ? 0 : fail(s, "input values", status);
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

static int timed_run(session *s, double *ms) {
  double t0 = now_ms();
  clcnn_status status = clcnn_model_run(s->model, (const clcnn_tensor *const *)s->x, s->y);
  if (status == CLCNN_OK) status = clcnn_context_finish(s->ctx);
  *ms = now_ms() - t0;
  return status == CLCNN_OK ? 0 : fail(s, "run", status);
}

/* Output i read back: top-5 for the first when it is N x K, written to its file if any. */
static int report_output(session *s, const run_args *a, size_t i) {
  size_t shape[4];
  clcnn_model_output_shape(s->model, i, shape);
  int rank = clcnn_model_output_rank(s->model, i);
  float *y = malloc(count4(shape) * sizeof *y);
  if (!y) return fail(s, "output", CLCNN_OUT_OF_MEMORY);
  clcnn_status status = clcnn_tensor_read(s->y[i], y, count4(shape));
  int bad = status != CLCNN_OK ? fail(s, "read", status) : 0;
  printf("output %zu '%s': %zux%zux%zux%zu\n", i, clcnn_model_output_name(s->model, i), shape[0],
         shape[1], shape[2], shape[3]);
  if (!bad && i == 0 && rank == 2 && shape[1] >= 2) print_top5(y, shape[0], shape[1]);
  if (!bad && i < a->n_outputs && npy_write(a->outputs[i], y, shape, rank) != 0) {
    fprintf(stderr, "clcnn run: cannot write %s\n", a->outputs[i]);
    bad = 1;
  }
  free(y);
  return bad;
}

/* One run timed layer by layer: a line per layer, then the total. */
static int profile(session *s) {
  size_t n = clcnn_model_layer_count(s->model);
  double *ms = calloc(n ? n : 1, sizeof *ms), total = 0;
  if (!ms) return 1;
  clcnn_status status =
      clcnn_model_run_profiled(s->model, (const clcnn_tensor *const *)s->x, s->y, ms);
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

static int bench(session *s, const run_args *a, double load_ms, double first_ms, size_t batch) {
  double *ms = malloc((size_t)a->runs * sizeof *ms);
  int bad = !ms;
  for (int r = 0; !bad && r < a->runs; r++) bad = timed_run(s, &ms[r]);
  if (!bad) {
    qsort(ms, (size_t)a->runs, sizeof *ms, cmp_double);
    double median = ms[a->runs / 2];
    printf("load %.1f ms, first run %.1f ms, median %.2f ms per batch of %zu over %d runs, "
           "%.1f images/s\n",
           load_ms, first_ms, median, batch, a->runs, 1e3 * (double)batch / median);
  }
  free(ms);
  return bad;
}

static int run_model(const run_args *a, session *s) {
  double t0 = now_ms(), first_ms;
  size_t batch = a->batch ? a->batch : a->n_inputs ? s->files[0].shape[0] : 1;
  clcnn_status status = clcnn_model_load(s->ctx, a->model, batch, &s->model);
  if (status != CLCNN_OK) return fail(s, "load", status);
  double load_ms = now_ms() - t0;
  s->n_x = clcnn_model_input_count(s->model);
  s->n_y = clcnn_model_output_count(s->model);
  if (a->n_inputs > s->n_x || a->n_outputs > s->n_y) {
    fprintf(stderr, "clcnn run: %zu input and %zu output files for a model of %zu and %zu\n",
            a->n_inputs, a->n_outputs, s->n_x, s->n_y);
    return 1;
  }
  s->x = calloc(s->n_x, sizeof *s->x);
  s->y = calloc(s->n_y, sizeof *s->y);
  if (!s->x || !s->y) return fail(s, "tensors", CLCNN_OUT_OF_MEMORY);
  printf("model %s on %s, batch %zu\n", a->model, clcnn_context_device_name(s->ctx), batch);
  for (size_t i = 0; i < s->n_x; i++)
    if (fill_input(s, a, i)) return 1;
  for (size_t i = 0; i < s->n_y; i++) {
    size_t shape[4];
    clcnn_model_output_shape(s->model, i, shape);
    if ((status = clcnn_tensor_create(s->ctx, shape[0], shape[1], shape[2], shape[3], &s->y[i])))
      return fail(s, "output tensor", status);
  }
  if (timed_run(s, &first_ms)) return 1;
  for (size_t i = 0; i < s->n_y; i++)
    if (report_output(s, a, i)) return 1;
  if (a->profile && profile(s)) return 1;
  return a->bench ? bench(s, a, load_ms, first_ms, batch) : 0;
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
  session s;
  memset(&s, 0, sizeof s);
  char error[512];
  int rc = 0;
  for (size_t i = 0; i < a.n_inputs && !rc; i++)
    if (npy_read(a.inputs[i], &s.files[i], error, sizeof error) != 0) {
      fprintf(stderr, "clcnn run: %s\n", error);
      rc = 1;
    }
  clcnn_status status = rc ? CLCNN_OK : clcnn_context_create(NULL, &s.ctx);
  if (!rc) rc = status != CLCNN_OK ? fail(&s, "context", status) : run_model(&a, &s);
  for (size_t i = 0; s.x && i < s.n_x; i++) clcnn_tensor_destroy(s.x[i]);
  for (size_t i = 0; s.y && i < s.n_y; i++) clcnn_tensor_destroy(s.y[i]);
  free(s.x);
  free(s.y);
  clcnn_model_destroy(s.model);
  clcnn_context_destroy(s.ctx);
  for (size_t i = 0; i < a.n_inputs; i++) free(s.files[i].data);
  return rc;
}

/* Problem strings (n8c64h56w56_k64r3s3_st1x1_p1111_d1x1_g1, max_n8c64h112w112_k3x3_st2x2_p1111):
   one grammar for plan descriptions, `clcnn bench`, the tests and the logs. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "ops/shape.h"

static const char *const algo_names[] = {"auto", "direct", "im2col+gemm", "gemm-1x1", "winograd"};

const char *clcnn_conv_algo_name(int algo) {
  return algo >= 0 && algo <= CLCNN_CONV_WINOGRAD ? algo_names[algo] : NULL;
}

int clcnn_conv_algo_from_name(const char *name) {
  for (int i = 0; name && i <= CLCNN_CONV_WINOGRAD; i++)
    if (strcmp(name, algo_names[i]) == 0) return i;
  return -1;
}

static clcnn_status fits(int n, size_t cap, const char *fn) {
  if (n >= 0 && (size_t)n < cap) return CLCNN_OK;
  return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: the string needs %d bytes, out holds %zu",
                    fn, n + 1, cap);
}

/* "_p1111" when every pad is one digit, else "_p10x10x0x0". */
static int format_pads(char *out, size_t cap, size_t t, size_t b, size_t l, size_t r) {
  if (t < 10 && b < 10 && l < 10 && r < 10) return snprintf(out, cap, "_p%zu%zu%zu%zu", t, b, l, r);
  return snprintf(out, cap, "_p%zux%zux%zux%zu", t, b, l, r);
}

clcnn_status clcnn_conv2d_problem_format(const clcnn_conv2d_desc *d, const size_t x_shape[4],
                                         const size_t w_shape[4], char *out, size_t cap) {
  const char *fn = "clcnn_conv2d_problem_format";
  if (!d || !x_shape || !w_shape || !out)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: an argument is NULL", fn);
  char pads[96];
  format_pads(pads, sizeof pads, d->pad_top, d->pad_bottom, d->pad_left, d->pad_right);
  int n = snprintf(out, cap, "n%zuc%zuh%zuw%zu_k%zur%zus%zu_st%zux%zu%s_d%zux%zu_g%zu", x_shape[0],
                   x_shape[1], x_shape[2], x_shape[3], w_shape[0], w_shape[2], w_shape[3],
                   d->stride_h, d->stride_w, pads, d->dilation_h, d->dilation_w, d->groups);
  return fits(n, cap, fn);
}

clcnn_status clcnn_pool2d_problem_format(const clcnn_pool2d_desc *d, const size_t x_shape[4],
                                         char *out, size_t cap) {
  const char *fn = "clcnn_pool2d_problem_format";
  if (!d || !x_shape || !out)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: an argument is NULL", fn);
  char pads[96];
  format_pads(pads, sizeof pads, d->pad_top, d->pad_bottom, d->pad_left, d->pad_right);
  int n = snprintf(out, cap, "%s_n%zuc%zuh%zuw%zu_k%zux%zu_st%zux%zu%s%s%s",
                   d->mode == CLCNN_POOL_MAX ? "max" : "avg", x_shape[0], x_shape[1], x_shape[2],
                   x_shape[3], d->kernel_h, d->kernel_w, d->stride_h, d->stride_w, pads,
                   d->ceil_mode ? "_ceil" : "",
                   d->mode == CLCNN_POOL_AVG && !d->count_include_pad ? "_exclpad" : "");
  return fits(n, cap, fn);
}

/* "_p1111" or "_p10x10x0x0" at *t; advances *t. 0 on success. */
static int parse_pads(const char **t, size_t pads[4]) {
  int used = 0;
  if (sscanf(*t, "_p%zux%zux%zux%zu%n", &pads[0], &pads[1], &pads[2], &pads[3], &used) == 4 &&
      used) {
    *t += used;
    return 0;
  }
  const char *s = *t + 2;
  if (strncmp(*t, "_p", 2) != 0) return -1;
  for (int i = 0; i < 4; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    pads[i] = (size_t)(s[i] - '0');
  }
  if (s[4] >= '0' && s[4] <= '9') return -1;
  *t = s + 4;
  return 0;
}

static int at_end(const char *t) {
  return *t == '\0' || *t == ' ';
}

static clcnn_status bad_text(const char *fn, const char *text, const char *expected) {
  return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: cannot read '%.120s': expected %s", fn, text,
                    expected);
}

#define CONV_GRAMMAR "n8c64h56w56_k64r3s3 followed by optional _st1x1 _p1111 _d1x1 _g1"
#define POOL_GRAMMAR "max_n8c64h112w112_k3x3_st2x2 (or avg_...) then optional _p1111 _ceil _exclpad"

/* The algorithm of an "algo=NAME" word after the problem; AUTO when there is none. */
static clcnn_status parse_algo(const char *fn, const char *rest, int *algo) {
  *algo = CLCNN_CONV_AUTO;
  const char *a = strstr(rest, " algo=");
  if (!a) return CLCNN_OK;
  char name[32] = "";
  sscanf(a + 6, "%31[^ ]", name);
  if ((*algo = clcnn_conv_algo_from_name(name)) >= 0) return CLCNN_OK;
  return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT,
                    "%s: unknown algorithm '%s' (auto, direct, im2col+gemm, gemm-1x1, winograd)",
                    fn, name);
}

clcnn_status clcnn_conv2d_problem_parse(const char *text, clcnn_conv2d_desc *d, size_t x_shape[4],
                                        size_t w_shape[4]) {
  const char *fn = "clcnn_conv2d_problem_parse";
  if (!text || !d || !x_shape || !w_shape)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: an argument is NULL", fn);
  size_t n, c, h, w, k, r, s, sh = 1, sw = 1, dh = 1, dw = 1, g = 1, pads[4] = {0, 0, 0, 0};
  int used = 0;
  if (sscanf(text, "n%zuc%zuh%zuw%zu_k%zur%zus%zu%n", &n, &c, &h, &w, &k, &r, &s, &used) != 7)
    return bad_text(fn, text, CONV_GRAMMAR);
  const char *t = text + used;
  while (!at_end(t)) {
    int more = 0;
    if (sscanf(t, "_st%zux%zu%n", &sh, &sw, &more) == 2 && more) {
    } else if (sscanf(t, "_d%zux%zu%n", &dh, &dw, &more) == 2 && more) {
    } else if (sscanf(t, "_g%zu%n", &g, &more) == 1 && more) {
    } else if (parse_pads(&t, pads) == 0) {
    } else {
      return bad_text(fn, text, CONV_GRAMMAR);
    }
    t += more;
  }
  int algo;
  clcnn_status status = parse_algo(fn, t, &algo);
  if (status != CLCNN_OK) return status;
  *d = (clcnn_conv2d_desc){sh, sw, pads[0], pads[1], pads[2], pads[3], dh, dw, g, algo};
  size_t xs[4] = {n, c, h, w}, ws[4] = {k, g ? c / g : 0, r, s};
  memcpy(x_shape, xs, sizeof xs);
  memcpy(w_shape, ws, sizeof ws);
  return CLCNN_OK;
}

clcnn_status clcnn_pool2d_problem_parse(const char *text, clcnn_pool2d_desc *d, size_t x_shape[4]) {
  const char *fn = "clcnn_pool2d_problem_parse";
  if (!text || !d || !x_shape)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: an argument is NULL", fn);
  size_t n, c, h, w, kh, kw, sh, sw, pads[4] = {0, 0, 0, 0};
  char mode[4];
  int used = 0;
  if (sscanf(text, "%3[a-z]_n%zuc%zuh%zuw%zu_k%zux%zu_st%zux%zu%n", mode, &n, &c, &h, &w, &kh, &kw,
             &sh, &sw, &used) != 9 ||
      (strcmp(mode, "max") != 0 && strcmp(mode, "avg") != 0))
    return bad_text(fn, text, POOL_GRAMMAR);
  const char *t = text + used;
  int ceil_mode = 0, include_pad = 1;
  while (!at_end(t)) {
    if (strncmp(t, "_ceil", 5) == 0 && (at_end(t + 5) || t[5] == '_'))
      ceil_mode = 1, t += 5;
    else if (strncmp(t, "_exclpad", 8) == 0 && (at_end(t + 8) || t[8] == '_'))
      include_pad = 0, t += 8;
    else if (parse_pads(&t, pads) != 0)
      return bad_text(fn, text, POOL_GRAMMAR);
  }
  *d = (clcnn_pool2d_desc){strcmp(mode, "max") == 0 ? CLCNN_POOL_MAX : CLCNN_POOL_AVG,
                           kh,
                           kw,
                           sh,
                           sw,
                           pads[0],
                           pads[1],
                           pads[2],
                           pads[3],
                           ceil_mode,
                           include_pad};
  size_t xs[4] = {n, c, h, w};
  memcpy(x_shape, xs, sizeof xs);
  return CLCNN_OK;
}

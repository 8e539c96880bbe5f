/* Plain C reference implementations (double accumulation): the specification the device
   results are checked against. */
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

size_t ref_conv_out_h(const ref_conv *p) {
  return (p->h + p->pt + p->pb - p->dh * (p->r - 1) - 1) / p->sh + 1;
}

size_t ref_conv_out_w(const ref_conv *p) {
  return (p->w + p->pl + p->pr - p->dw * (p->s - 1) - 1) / p->sw + 1;
}

size_t ref_pool_out(size_t in, size_t k, size_t s, size_t pad_lo, size_t pad_hi, int ceil_mode) {
  double span = (double)(in + pad_lo + pad_hi - k) / (double)s;
  size_t out = (size_t)(ceil_mode ? ceil(span) : floor(span)) + 1;
  if (ceil_mode && (out - 1) * s >= in + pad_lo) out--; /* last window must start inside */
  return out;
}

static float pool_window(const ref_pool *p, const float *plane, long h0, long w0) {
  double sum = 0, best = -INFINITY;
  int count = 0, nan = 0;
  for (long i = h0; i < h0 + (long)p->kh; i++)
    for (long j = w0; j < w0 + (long)p->kw; j++) {
      if (i < 0 || j < 0 || i >= (long)p->h || j >= (long)p->w) continue;
      float v = plane[(size_t)i * p->w + (size_t)j];
      nan |= isnan(v);
      if (v > best) best = v;
      sum += v;
      count++;
    }
  if (p->max) return nan ? NAN : (float)best;
  long h1 = h0 + (long)p->kh, w1 = w0 + (long)p->kw;
  long hlim = (long)(p->h + p->pb), wlim = (long)(p->w + p->pr);
  long padded = ((h1 < hlim ? h1 : hlim) - h0) * ((w1 < wlim ? w1 : wlim) - w0);
  return (float)(sum / (p->count_include_pad ? (double)padded : (double)count));
}

void ref_conv_name(const ref_conv *p, char *out, size_t cap) {
  snprintf(out, cap, "n%zuc%zuh%zuw%zu_k%zur%zus%zu_st%zux%zu_p%zu%zu%zu%zu_d%zux%zu_g%zu", p->n,
           p->c, p->h, p->w, p->k, p->r, p->s, p->sh, p->sw, p->pt, p->pb, p->pl, p->pr, p->dh,
           p->dw, p->groups);
}

clcnn_conv2d_desc ref_conv_desc(const ref_conv *p, int algo) {
  clcnn_conv2d_desc d = {p->sh, p->sw, p->pt, p->pb, p->pl, p->pr, p->dh, p->dw, p->groups, algo};
  return d;
}

const ref_conv ref_conv_sweep[] = {
    /* n  c   h   w   k  r  s  sh sw pt pb pl pr dh dw g */
    {1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {2, 3, 7, 9, 4, 3, 2, 2, 1, 1, 0, 1, 0, 1, 1, 1},
    {1, 17, 9, 11, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {3, 3, 16, 16, 20, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1},
    {2, 4, 10, 12, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1},
    {2, 6, 8, 8, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},
    {1, 8, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8},
    {2, 8, 9, 9, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {1, 16, 5, 7, 32, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2},
    {2, 3, 11, 13, 5, 2, 2, 3, 3, 0, 0, 0, 0, 1, 1, 1},
    {1, 2, 9, 9, 3, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},
    {1, 3, 6, 8, 2, 1, 2, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {2, 5, 12, 10, 17, 3, 3, 2, 2, 0, 1, 2, 0, 1, 1, 1},
    {1, 4, 5, 5, 4, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {1, 2, 4, 4, 3, 3, 3, 1, 1, 3, 3, 3, 3, 1, 1, 1},
    {1, 4, 7, 7, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {2, 3, 8, 6, 4, 3, 1, 1, 2, 1, 1, 0, 0, 3, 1, 1},
    {1, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1},
    {2, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {1, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {3, 3, 1, 1, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {4, 16, 5, 5, 10, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {1, 2, 3, 20, 3, 1, 9, 1, 1, 0, 0, 4, 4, 1, 1, 1},
    {1, 1, 13, 1, 2, 3, 1, 2, 1, 1, 1, 0, 0, 1, 1, 1},
    {1, 3, 10, 10, 6, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {1, 2, 9, 9, 2, 3, 3, 3, 3, 0, 0, 0, 0, 1, 1, 1},
    {1, 2, 20, 20, 2, 12, 12, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {2, 12, 6, 6, 18, 3, 3, 2, 1, 1, 2, 0, 1, 1, 2, 6},
    {2, 5, 6, 9, 20, 3, 3, 1, 1, 0, 2, 1, 0, 1, 1, 1},
    {1, 130, 5, 6, 17, 3, 3, 1, 1, 1, 0, 0, 1, 1, 1, 1},
    {1, 320, 5, 6, 320, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, /* large private-array kernels */
    /* column vectors at column stride 2 (8 and 16 wide, depthwise, dilated) */
    {2, 3, 10, 21, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},
    {1, 6, 9, 40, 6, 3, 3, 2, 2, 1, 0, 1, 1, 1, 1, 6},
    {1, 2, 7, 35, 3, 3, 3, 1, 2, 1, 1, 0, 2, 1, 2, 1},
    /* the depthwise kernel: mostly interior tiles at stride 1, short rows, dilated at stride 2 */
    {2, 4, 6, 100, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4},
    {2, 5, 4, 5, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1, 1, 5},
    {1, 3, 11, 37, 3, 5, 5, 2, 2, 2, 1, 2, 1, 2, 1, 3},
    /* ... and its inner tiles at stride 2 (16 and 8 columns) */
    {1, 4, 9, 80, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4},
    {1, 2, 7, 25, 2, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 2},
    /* ... and its tiles across the borders, zero lanes on both sides of 16 columns: 5x5
       dilated with asymmetric padding, stride 2 with padding on the right only, 7x7 */
    {2, 3, 9, 24, 3, 5, 5, 1, 1, 2, 2, 2, 1, 2, 2, 3},
    {1, 2, 6, 45, 2, 3, 3, 2, 2, 1, 1, 0, 2, 1, 1, 2},
    {1, 2, 5, 33, 2, 7, 7, 1, 1, 3, 3, 3, 3, 1, 1, 2},
    /* 1x1 with few inputs on column vectors: a partial channel block, grouped */
    {2, 12, 3, 50, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {1, 16, 2, 16, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2},
    /* 1x1 planes as rows of 16: a ragged last row (29x29), whole rows, grouped */
    {2, 5, 29, 29, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {1, 3, 28, 32, 13, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {1, 8, 31, 30, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2},
    /* image by image over the weight blocks (order=images): padded 3x3, grouped 1x1 */
    {3, 6, 20, 21, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {3, 32, 5, 6, 64, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2},
    /* first layers on column vectors: 7x7 s2 with a partial channel block, 3x3 s1 */
    {2, 3, 20, 33, 12, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},
    {1, 2, 17, 18, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
};
const size_t ref_conv_sweep_count = sizeof ref_conv_sweep / sizeof *ref_conv_sweep;

/* Calls visit(x index, w index, y index) for every multiply-add of the convolution. */
typedef void (*conv_visit)(void *ctx, size_t xi, size_t wi, size_t yi);

static void for_each_tap(const ref_conv *p, conv_visit visit, void *ctx) {
  size_t oh_n = ref_conv_out_h(p), ow_n = ref_conv_out_w(p);
  size_t cg = p->c / p->groups, kg = p->k / p->groups;
  for (size_t n = 0; n < p->n; n++)
    for (size_t k = 0; k < p->k; k++)
      for (size_t oh = 0; oh < oh_n; oh++)
        for (size_t ow = 0; ow < ow_n; ow++)
          for (size_t ci = 0; ci < cg; ci++)
            for (size_t r = 0; r < p->r; r++)
              for (size_t s = 0; s < p->s; s++) {
                long ih = (long)(oh * p->sh + r * p->dh) - (long)p->pt;
                long iw = (long)(ow * p->sw + s * p->dw) - (long)p->pl;
                if (ih < 0 || iw < 0 || ih >= (long)p->h || iw >= (long)p->w) continue;
                size_t c = (k / kg) * cg + ci;
                visit(ctx, ((n * p->c + c) * p->h + (size_t)ih) * p->w + (size_t)iw,
                      ((k * cg + ci) * p->r + r) * p->s + s,
                      ((n * p->k + k) * oh_n + oh) * ow_n + ow);
              }
}

typedef struct grad_sums {
  const float *a, *b;
  double *out;
} grad_sums;

static void add_to_x(void *ctx, size_t xi, size_t wi, size_t yi) {
  grad_sums *g = ctx; /* a = dy, b = w */
  g->out[xi] += (double)g->a[yi] * g->b[wi];
}

static void add_to_w(void *ctx, size_t xi, size_t wi, size_t yi) {
  grad_sums *g = ctx; /* a = x, b = dy */
  g->out[wi] += (double)g->a[xi] * g->b[yi];
}

static void store(const double *sums, float *out, size_t count) {
  for (size_t i = 0; i < count; i++) out[i] = (float)sums[i];
}

void ref_conv2d_backward_data(const ref_conv *p, const float *dy, const float *w, float *dx) {
  size_t count = p->n * p->c * p->h * p->w;
  grad_sums g = {dy, w, calloc(count, sizeof(double))};
  for_each_tap(p, add_to_x, &g);
  store(g.out, dx, count);
  free(g.out);
}

void ref_conv2d_backward_weights(const ref_conv *p, const float *x, const float *dy, float *dw,
                                 float *dbias) {
  size_t count = p->k * (p->c / p->groups) * p->r * p->s;
  grad_sums g = {x, dy, calloc(count, sizeof(double))};
  for_each_tap(p, add_to_w, &g);
  store(g.out, dw, count);
  free(g.out);
  if (!dbias) return;
  size_t pq = ref_conv_out_h(p) * ref_conv_out_w(p);
  for (size_t k = 0; k < p->k; k++) {
    double sum = 0;
    for (size_t n = 0; n < p->n; n++)
      for (size_t i = 0; i < pq; i++) sum += dy[(n * p->k + k) * pq + i];
    dbias[k] = (float)sum;
  }
}

/* The first maximum of the window from (h0, w0) in row-major order (a later NaN takes over),
   as its position i * W + j in the plane; -1 for a window without input elements. */
static long window_first_max(const ref_pool *p, const float *plane, long h0, long w0) {
  long best = -1;
  float m = -INFINITY;
  for (long i = h0; i < h0 + (long)p->kh; i++)
    for (long j = w0; j < w0 + (long)p->kw; j++) {
      if (i < 0 || j < 0 || i >= (long)p->h || j >= (long)p->w) continue;
      float v = plane[(size_t)i * p->w + (size_t)j];
      if (best < 0 || v > m || isnan(v)) m = v, best = i * (long)p->w + j;
    }
  return best;
}

/* Each output of p: its window's pooled value, or (positions) its first maximum's position. */
static void over_windows(const ref_pool *p, const float *x, float *out, int positions) {
  size_t oh_n = ref_pool_out(p->h, p->kh, p->sh, p->pt, p->pb, p->ceil_mode);
  size_t ow_n = ref_pool_out(p->w, p->kw, p->sw, p->pl, p->pr, p->ceil_mode);
  for (size_t nc = 0; nc < p->n * p->c; nc++)
    for (size_t oh = 0; oh < oh_n; oh++)
      for (size_t ow = 0; ow < ow_n; ow++) {
        const float *plane = x + nc * p->h * p->w;
        long h0 = (long)(oh * p->sh) - (long)p->pt, w0 = (long)(ow * p->sw) - (long)p->pl;
        out[(nc * oh_n + oh) * ow_n + ow] =
            positions ? (float)window_first_max(p, plane, h0, w0) : pool_window(p, plane, h0, w0);
      }
}

void ref_pool2d(const ref_pool *p, const float *x, float *y) {
  over_windows(p, x, y, 0);
}

void ref_pool2d_positions(const ref_pool *p, const float *x, float *positions) {
  over_windows(p, x, positions, 1);
}

void ref_pool2d_backward(const ref_pool *p, const float *x, const float *dy, float *dx) {
  size_t oh_n = ref_pool_out(p->h, p->kh, p->sh, p->pt, p->pb, p->ceil_mode);
  size_t ow_n = ref_pool_out(p->w, p->kw, p->sw, p->pl, p->pr, p->ceil_mode);
  size_t plane = p->h * p->w;
  double *sums = calloc(p->n * p->c * plane, sizeof(double));
  for (size_t nc = 0; nc < p->n * p->c; nc++)
    for (size_t oh = 0; oh < oh_n; oh++)
      for (size_t ow = 0; ow < ow_n; ow++) {
        long h0 = (long)(oh * p->sh) - (long)p->pt, w0 = (long)(ow * p->sw) - (long)p->pl;
        double g = dy[(nc * oh_n + oh) * ow_n + ow];
        if (p->max) {
          sums[nc * plane + (size_t)window_first_max(p, x + nc * plane, h0, w0)] += g;
          continue;
        }
        long count = 0;
        for (long i = h0 < 0 ? 0 : h0; i < h0 + (long)p->kh && i < (long)p->h; i++)
          for (long j = w0 < 0 ? 0 : w0; j < w0 + (long)p->kw && j < (long)p->w; j++) count++;
        long h1 = h0 + (long)p->kh, w1 = w0 + (long)p->kw;
        long hl = (long)(p->h + p->pb), wl = (long)(p->w + p->pr);
        long padded = ((h1 < hl ? h1 : hl) - h0) * ((w1 < wl ? w1 : wl) - w0);
        double share = g / (double)(p->count_include_pad ? padded : count);
        for (long i = h0; i < h1; i++)
          for (long j = w0; j < w1; j++)
            if (i >= 0 && j >= 0 && i < (long)p->h && j < (long)p->w)
              sums[nc * plane + (size_t)i * p->w + (size_t)j] += share;
      }
  store(sums, dx, p->n * p->c * plane);
  free(sums);
}

static void add_to_y(void *ctx, size_t xi, size_t wi, size_t yi) {
  grad_sums *g = ctx; /* a = x, b = w */
  g->out[yi] += (double)g->a[xi] * g->b[wi];
}

void ref_conv2d(const ref_conv *p, const float *x, const float *w, const float *bias, float *y) {
  size_t pq = ref_conv_out_h(p) * ref_conv_out_w(p), count = p->n * p->k * pq;
  grad_sums g = {x, w, calloc(count, sizeof(double))};
  for (size_t i = 0; bias && i < count; i++) g.out[i] = bias[(i / pq) % p->k];
  for_each_tap(p, add_to_y, &g);
  store(g.out, y, count);
  free(g.out);
}

clcnn_pool2d_desc ref_pool_desc(const ref_pool *p) {
  clcnn_pool2d_desc d = {p->max ? CLCNN_POOL_MAX : CLCNN_POOL_AVG,
                         p->kh,
                         p->kw,
                         p->sh,
                         p->sw,
                         p->pt,
                         p->pb,
                         p->pl,
                         p->pr,
                         p->ceil_mode,
                         p->count_include_pad};
  return d;
}

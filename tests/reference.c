/* Plain C reference implementations (double accumulation): the specification the device
   results are checked against. */
#include "reference.h"

#include <math.h>
#include <stdio.h>

size_t ref_conv_out_h(const ref_conv *p) {
  return (p->h + p->pt + p->pb - p->dh * (p->r - 1) - 1) / p->sh + 1;
}

size_t ref_conv_out_w(const ref_conv *p) {
  return (p->w + p->pl + p->pr - p->dw * (p->s - 1) - 1) / p->sw + 1;
}

void ref_conv2d(const ref_conv *p, const float *x, const float *w, const float *bias, float *y) {
  size_t oh_n = ref_conv_out_h(p), ow_n = ref_conv_out_w(p);
  size_t cg = p->c / p->groups, kg = p->k / p->groups;
  for (size_t n = 0; n < p->n; n++)
    for (size_t k = 0; k < p->k; k++)
      for (size_t oh = 0; oh < oh_n; oh++)
        for (size_t ow = 0; ow < ow_n; ow++) {
          double sum = bias ? bias[k] : 0.0;
          size_t g = k / kg;
          for (size_t ci = 0; ci < cg; ci++)
            for (size_t r = 0; r < p->r; r++)
              for (size_t s = 0; s < p->s; s++) {
                long ih = (long)(oh * p->sh + r * p->dh) - (long)p->pt;
                long iw = (long)(ow * p->sw + s * p->dw) - (long)p->pl;
                if (ih < 0 || iw < 0 || ih >= (long)p->h || iw >= (long)p->w) continue;
                size_t c = g * cg + ci;
                sum += (double)x[((n * p->c + c) * p->h + (size_t)ih) * p->w + (size_t)iw] *
                       (double)w[((k * cg + ci) * p->r + r) * p->s + s];
              }
          y[((n * p->k + k) * oh_n + oh) * ow_n + ow] = (float)sum;
        }
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

void ref_pool2d(const ref_pool *p, const float *x, float *y) {
  size_t oh_n = ref_pool_out(p->h, p->kh, p->sh, p->pt, p->pb, p->ceil_mode);
  size_t ow_n = ref_pool_out(p->w, p->kw, p->sw, p->pl, p->pr, p->ceil_mode);
  for (size_t nc = 0; nc < p->n * p->c; nc++)
    for (size_t oh = 0; oh < oh_n; oh++)
      for (size_t ow = 0; ow < ow_n; ow++)
        y[(nc * oh_n + oh) * ow_n + ow] =
            pool_window(p, x + nc * p->h * p->w, (long)(oh * p->sh) - (long)p->pt,
                        (long)(ow * p->sw) - (long)p->pl);
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

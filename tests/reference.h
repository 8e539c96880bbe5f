/* Plain C reference implementations (double accumulation): the specification the device
   results are checked against. */
#ifndef CLCNN_TESTS_REFERENCE_H
#define CLCNN_TESTS_REFERENCE_H

#include <stddef.h>

#include <clcnn/clcnn.h>

/* Convolution problem as plain numbers, independent of the library's shape code. */
typedef struct ref_conv {
  size_t n, c, h, w, k, r, s;
  size_t sh, sw, pt, pb, pl, pr, dh, dw, groups;
} ref_conv;

size_t ref_conv_out_h(const ref_conv *p);
size_t ref_conv_out_w(const ref_conv *p);
/* y[n][k][oh][ow]; bias may be NULL. */
void ref_conv2d(const ref_conv *p, const float *x, const float *w, const float *bias, float *y);

typedef struct ref_pool {
  size_t n, c, h, w, kh, kw, sh, sw, pt, pb, pl, pr;
  int max, ceil_mode, count_include_pad;
} ref_pool;

size_t ref_pool_out(size_t in, size_t k, size_t s, size_t pad_lo, size_t pad_hi, int ceil_mode);
void ref_pool2d(const ref_pool *p, const float *x, float *y);

/* The shape string used in test names and benchmark rows, e.g.
   n2c3h7w9_k4r3s2_st2x1_p1010_d1x1_g1. */
void ref_conv_name(const ref_conv *p, char *out, size_t cap);

clcnn_conv2d_desc ref_conv_desc(const ref_conv *p, int algo);

#endif

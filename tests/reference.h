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

/* Gradients of ref_conv2d for output gradient dy, by scattering each dy element. */
void ref_conv2d_backward_data(const ref_conv *p, const float *dy, const float *w, float *dx);
void ref_conv2d_backward_weights(const ref_conv *p, const float *x, const float *dy, float *dw,
                                 float *dbias /* may be NULL */);

typedef struct ref_pool {
  size_t n, c, h, w, kh, kw, sh, sw, pt, pb, pl, pr;
  int max, ceil_mode, count_include_pad;
} ref_pool;

clcnn_pool2d_desc ref_pool_desc(const ref_pool *p);
size_t ref_pool_out(size_t in, size_t k, size_t s, size_t pad_lo, size_t pad_hi, int ceil_mode);
void ref_pool2d(const ref_pool *p, const float *x, float *y);
/* dx from dy: max to the first maximum of each window (a later NaN takes over), average
   spread by the forward divisor. */
void ref_pool2d_backward(const ref_pool *p, const float *x, const float *dy, float *dx);
/* Max pooling's positions: each window's first maximum (as ref_pool2d_backward picks it) as
   i * W + j in its plane, stored as a float. */
void ref_pool2d_positions(const ref_pool *p, const float *x, float *positions);

/* The convolution shapes every conv test sweeps (and their count). */
extern const ref_conv ref_conv_sweep[];
extern const size_t ref_conv_sweep_count;

/* The shape string used in test names and benchmark rows, e.g.
   n2c3h7w9_k4r3s2_st2x1_p1010_d1x1_g1. */
void ref_conv_name(const ref_conv *p, char *out, size_t cap);

clcnn_conv2d_desc ref_conv_desc(const ref_conv *p, int algo);

#endif

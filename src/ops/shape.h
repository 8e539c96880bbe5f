/* Output shapes and descriptor validation shared by the ops, the tests and the tools. */
#ifndef CLCNN_OPS_SHAPE_H
#define CLCNN_OPS_SHAPE_H

#include <clcnn/clcnn.h>

/* Derived sizes of a validated convolution. */
typedef struct clcnn_conv_geometry {
  size_t n, c, h, w;     /* input */
  size_t k, r, s;        /* filters */
  size_t p, q;           /* output rows, columns */
  size_t groups, cg, kg; /* channels per group in and out */
  size_t sh, sw, dh, dw; /* stride, dilation */
  size_t pt, pb, pl, pr; /* padding */
} clcnn_conv_geometry;

/* Validates d against the shapes and fills g; messages go to ctx (may be NULL) prefixed
   with fn. */
clcnn_status clcnn_conv_geometry_make(clcnn_context *ctx, const char *fn,
                                      const clcnn_conv2d_desc *d, const size_t x_shape[4],
                                      const size_t w_shape[4], clcnn_conv_geometry *g);

typedef struct clcnn_pool_geometry {
  size_t n, c, h, w, p, q;
  size_t kh, kw, sh, sw, pt, pb, pl, pr;
} clcnn_pool_geometry;

/* How far pooling windows may reach into the padding: PyTorch's rule (each pad at most half
   the window; the public pooling API) or ONNX's (each pad below the window, so that every
   window still overlaps the input: the models). */
typedef enum clcnn_pad_rule { CLCNN_PADS_HALF_WINDOW, CLCNN_PADS_BELOW_WINDOW } clcnn_pad_rule;

clcnn_status clcnn_pool_geometry_make(clcnn_context *ctx, const char *fn,
                                      const clcnn_pool2d_desc *d, const size_t x_shape[4],
                                      clcnn_pool_geometry *g);
clcnn_status clcnn_pool_geometry_make_rule(clcnn_context *ctx, const char *fn,
                                           const clcnn_pool2d_desc *d, const size_t x_shape[4],
                                           clcnn_pad_rule rule, clcnn_pool_geometry *g);

/* CLCNN_UNSUPPORTED unless N*C and H*W of shape fit the kernels' 32-bit index arithmetic. */
clcnn_status clcnn_check_index_range(clcnn_context *ctx, const char *fn, const char *name,
                                     const size_t shape[4]);

/* Checks that tensor t (named name) exists, belongs to ctx and has shape expect. */
clcnn_status clcnn_check_tensor(clcnn_context *ctx, const char *fn, const char *name,
                                const clcnn_tensor *t, const size_t expect[4]);

/* INVALID_ARGUMENT when out (named out_name) shares memory with in (named in_name). */
clcnn_status clcnn_check_distinct(clcnn_context *ctx, const char *fn, const clcnn_tensor *out,
                                  const char *out_name, const clcnn_tensor *in,
                                  const char *in_name);

/* For outputs that may be their input: OK when out is exactly in (same memory), else
   clcnn_check_distinct. */
clcnn_status clcnn_check_in_place(clcnn_context *ctx, const char *fn, const clcnn_tensor *out,
                                  const char *out_name, const clcnn_tensor *in,
                                  const char *in_name);

#endif

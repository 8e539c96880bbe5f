/* The convolution algorithms behind clcnn_conv2d_forward, and how AUTO chooses among them. */
#ifndef CLCNN_OPS_CONV_PATHS_H
#define CLCNN_OPS_CONV_PATHS_H

#include "memory/tensor.h"
#include "ops/shape.h"

typedef struct clcnn_conv_args {
  clcnn_conv_geometry g;
  const clcnn_tensor *x, *w, *bias; /* bias may be NULL */
  clcnn_tensor *y;
} clcnn_conv_args;

/* Each path validates only what it alone cannot do (CLCNN_UNSUPPORTED, nothing enqueued). */
clcnn_status clcnn_conv_direct(clcnn_context *ctx, const clcnn_conv_args *a);
clcnn_status clcnn_conv_im2col_gemm(clcnn_context *ctx, const clcnn_conv_args *a);
clcnn_status clcnn_conv_gemm_1x1(clcnn_context *ctx, const clcnn_conv_args *a);

/* 1 when the 1x1 GEMM path applies: 1x1 filter, stride 1, no padding. */
int clcnn_conv_is_plain_1x1(const clcnn_conv_geometry *g);
/* Images per im2col workspace; 0 when one image's columns exceed the device allocation. */
size_t clcnn_conv_im2col_chunk(const clcnn_context *ctx, const clcnn_conv_geometry *g);

/* The algorithm AUTO runs for this problem on ctx's device. */
clcnn_conv_algo clcnn_conv_auto_pick(const clcnn_context *ctx, const clcnn_conv_geometry *g);

typedef enum clcnn_columns_layout {
  CLCNN_COLUMNS_PER_IMAGE,   /* [image][CG*R*S][P*Q]: one GEMM operand per image */
  CLCNN_COLUMNS_SIDE_BY_SIDE /* [CG*R*S][image][P*Q]: the images as one long reduction */
} clcnn_columns_layout;

/* Columns of group gi for images n0 .. n0+images of a->x into col. */
clcnn_status clcnn_conv_im2col(clcnn_context *ctx, const clcnn_conv_args *a, size_t gi, size_t n0,
                               size_t images, clcnn_columns_layout layout, cl_mem col);

/* Zero-padded copy of images n0 .. n0+images of x: xh x xw per channel, x placed at
   (pad_top, pad_left), zeros elsewhere. */
clcnn_status clcnn_conv_pad_input(clcnn_context *ctx, const clcnn_tensor *x,
                                  const clcnn_conv_geometry *g, size_t n0, size_t images, size_t xh,
                                  size_t xw, cl_mem xp);

/* y[n][k][..] += bias[k] (GEMM paths). */
clcnn_status clcnn_conv_add_bias(clcnn_context *ctx, const clcnn_conv_args *a);

#endif

/* 2-D convolution (cross-correlation, as PyTorch's Conv2d computes it), NCHW float32. */
#ifndef CLCNN_CONV2D_H
#define CLCNN_CONV2D_H

#include <clcnn/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clcnn_conv_algo {
  CLCNN_CONV_AUTO = 0,        /* the library picks (heuristic or tuned) */
  CLCNN_CONV_DIRECT = 1,      /* OpenCL kernels of this library */
  CLCNN_CONV_IM2COL_GEMM = 2, /* im2col kernel + CLBlast GEMM */
  CLCNN_CONV_GEMM_1X1 = 3,    /* CLBlast GEMM straight on the input: 1x1, stride 1, no padding */
  CLCNN_CONV_WINOGRAD = 4     /* 3x3, stride 1, dilation 1 */
} clcnn_conv_algo;

typedef struct clcnn_conv2d_desc {
  size_t stride_h, stride_w;                       /* >= 1 */
  size_t pad_top, pad_bottom, pad_left, pad_right; /* zero padding, any size */
  size_t dilation_h, dilation_w;                   /* >= 1; 1 is a dense kernel */
  size_t groups;                                   /* >= 1; divides C and K */
  int algo;                                        /* a clcnn_conv_algo */
} clcnn_conv2d_desc;

/* x N x C x H x W; w K x C/groups x R x S; y N x K x P x Q with
   P = (H + pad_top + pad_bottom - dilation_h*(R-1) - 1) / stride_h + 1, likewise Q. */
CLCNN_API clcnn_status clcnn_conv2d_output_shape(const clcnn_conv2d_desc *d,
                                                 const size_t x_shape[4], const size_t w_shape[4],
                                                 size_t y_shape[4]);
/* bias: NULL or K elements (1 x K x 1 x 1). */
CLCNN_API clcnn_status clcnn_conv2d_forward(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                            const clcnn_tensor *x, const clcnn_tensor *w,
                                            const clcnn_tensor *bias, clcnn_tensor *y);

/* Training. Results are written (overwritten), not accumulated. dx has x's shape
   (N x C x H x W, taken from dx itself), dw has w's shape; dbias (may be NULL) K elements. */
CLCNN_API clcnn_status clcnn_conv2d_backward_data(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                                  const clcnn_tensor *dy, const clcnn_tensor *w,
                                                  clcnn_tensor *dx);
CLCNN_API clcnn_status clcnn_conv2d_backward_weights(clcnn_context *ctx, const clcnn_conv2d_desc *d,
                                                     const clcnn_tensor *x, const clcnn_tensor *dy,
                                                     clcnn_tensor *dw,
                                                     clcnn_tensor *dbias /* NULL: skip */);

#ifdef __cplusplus
}
#endif

#endif

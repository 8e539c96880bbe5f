/* Inference ops for the layers of common convnets (residual addition, concatenation, batch
   normalization, clipping, softmax) and ONNX models loaded and run as a whole. */
#ifndef CLCNN_NETWORK_H
#define CLCNN_NETWORK_H

#include <clcnn/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Softmax over the channels of every (n, h, w): y[n,:,h,w] = exp(x - max) / sum; y may be x. */
CLCNN_API clcnn_status clcnn_softmax_forward(clcnn_context *ctx, const clcnn_tensor *x,
                                             clcnn_tensor *y);
/* y = a + b elementwise, all three the same shape; y may be a or b. */
CLCNN_API clcnn_status clcnn_add(clcnn_context *ctx, const clcnn_tensor *a, const clcnn_tensor *b,
                                 clcnn_tensor *y);
/* y = min(max(x, lo), hi) with lo <= hi (either may be infinite); NaN propagates; y may be x. */
CLCNN_API clcnn_status clcnn_clip(clcnn_context *ctx, const clcnn_tensor *x, float lo, float hi,
                                  clcnn_tensor *y);
/* xs[i] are N x C_i x H x W (count >= 1); y is N x sum(C_i) x H x W and overlaps none of them. */
CLCNN_API clcnn_status clcnn_concat_channels(clcnn_context *ctx, const clcnn_tensor *const *xs,
                                             size_t count, clcnn_tensor *y);
/* Inference batch normalization per channel: y = (x - mean) / sqrt(var + eps) * scale + shift;
   scale, shift, mean and var are 1 x C x 1 x 1; eps >= 0 and finite; y may be x. */
CLCNN_API clcnn_status clcnn_batchnorm_inference(clcnn_context *ctx, const clcnn_tensor *x,
                                                 const clcnn_tensor *scale,
                                                 const clcnn_tensor *shift,
                                                 const clcnn_tensor *mean, const clcnn_tensor *var,
                                                 float eps, clcnn_tensor *y);

/* Zero padding of every plane: y is N x C x (pt + H + pb) x (pl + W + pr); pads each 0 to
   2^20; y overlaps no part of x. */
CLCNN_API clcnn_status clcnn_pad2d(clcnn_context *ctx, const clcnn_tensor *x, size_t pad_top,
                                   size_t pad_bottom, size_t pad_left, size_t pad_right,
                                   clcnn_tensor *y);

#ifdef __cplusplus
}
#endif

#endif

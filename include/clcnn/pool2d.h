/* 2-D max and average pooling per channel (PyTorch's max_pool2d / avg_pool2d), NCHW float32. */
#ifndef CLCNN_POOL2D_H
#define CLCNN_POOL2D_H

#include <clcnn/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clcnn_pool_mode { CLCNN_POOL_MAX = 0, CLCNN_POOL_AVG = 1 } clcnn_pool_mode;

typedef struct clcnn_pool2d_desc {
  int mode;                                        /* a clcnn_pool_mode */
  size_t kernel_h, kernel_w;                       /* >= 1 */
  size_t stride_h, stride_w;                       /* >= 1 */
  size_t pad_top, pad_bottom, pad_left, pad_right; /* each <= kernel size / 2 on its axis */
  int ceil_mode;         /* 0: floor; 1: ceil (a window must start inside the input or its
                            left/top padding) */
  int count_include_pad; /* AVG: 1 divides by the window clipped to the padded input, 0 by the
                            in-input count */
} clcnn_pool2d_desc;

CLCNN_API clcnn_status clcnn_pool2d_output_shape(const clcnn_pool2d_desc *d,
                                                 const size_t x_shape[4], size_t y_shape[4]);
/* Max pooling propagates NaN; padding positions never win a max. */
CLCNN_API clcnn_status clcnn_pool2d_forward(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                            const clcnn_tensor *x, clcnn_tensor *y);

/* dx (x's shape) from dy (y's shape): max sends each gradient to the first maximum of its
   window in row-major order (as PyTorch does); average spreads it with the forward divisor.
   Written, not accumulated. */
CLCNN_API clcnn_status clcnn_pool2d_backward(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                             const clcnn_tensor *x, const clcnn_tensor *y,
                                             const clcnn_tensor *dy, clcnn_tensor *dx);

/* Max pooling for training, as PyTorch's max_pool2d with return_indices: y as
   clcnn_pool2d_forward, and in `indices` (y's shape) the position of each output's maximum in
   its input plane, h * W + w, stored as a float (the first maximum in row-major order, a later
   NaN taking over; -1 for a window without input elements). Positions are exact for planes
   of up to 2^24 elements; larger ones are refused. Average pooling is refused. */
CLCNN_API clcnn_status clcnn_pool2d_forward_indices(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                                    const clcnn_tensor *x, clcnn_tensor *y,
                                                    clcnn_tensor *indices);
/* dx (x's shape) from dy and the positions the forward pass recorded, without reading x or
   y: each input element receives the gradients of the windows that cover it and name it as
   their maximum (so the same dx as clcnn_pool2d_backward with the x those positions came
   from). A position that is not inside its own window contributes nothing. Written, not
   accumulated. */
CLCNN_API clcnn_status clcnn_pool2d_backward_indices(clcnn_context *ctx, const clcnn_pool2d_desc *d,
                                                     const clcnn_tensor *indices,
                                                     const clcnn_tensor *dy, clcnn_tensor *dx);

#ifdef __cplusplus
}
#endif

#endif

/* Training building blocks: activations, softmax cross-entropy, SGD. A fully connected layer
   is a convolution whose filter covers the whole input (see docs/api.md). */
#ifndef CLCNN_TRAINING_H
#define CLCNN_TRAINING_H

#include <clcnn/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clcnn_activation {
  CLCNN_ACT_RELU = 0,
  CLCNN_ACT_SIGMOID = 1,
  CLCNN_ACT_TANH = 2,
  CLCNN_ACT_RELU6 = 3 /* min(max(x, 0), 6); NaN propagates */
} clcnn_activation;

/* The name plan descriptions use for act ("relu", "sigmoid", "tanh", "relu6"; "none" for any
   other value), so that a program can read the " act=NAME" of a description back. */
CLCNN_API const char *clcnn_activation_name(int act);

/* Elementwise, any shape (x and y the same shape); y may be x (in place). */
CLCNN_API clcnn_status clcnn_activation_forward(clcnn_context *ctx, int act, const clcnn_tensor *x,
                                                clcnn_tensor *y);
/* From the forward output y; dx may be dy. */
CLCNN_API clcnn_status clcnn_activation_backward(clcnn_context *ctx, int act, const clcnn_tensor *y,
                                                 const clcnn_tensor *dy, clcnn_tensor *dx);

/* logits N x K x 1 x 1; labels N x 1 x 1 x 1 holding class indices 0..K-1 as floats.
   loss (may be NULL): mean cross-entropy of softmax(logits) over the batch, read back
   (blocking). dlogits (may be NULL): (softmax - onehot) / N. An index outside 0..K-1 is
   CLCNN_INVALID_ARGUMENT. */
CLCNN_API clcnn_status clcnn_softmax_cross_entropy(clcnn_context *ctx, const clcnn_tensor *logits,
                                                   const clcnn_tensor *labels, float *loss,
                                                   clcnn_tensor *dlogits);

/* SGD with momentum and weight decay, in place, PyTorch's rule:
   g' = g + weight_decay * w;  v = momentum * v + g';  w -= lr * v   (v NULL iff momentum == 0) */
CLCNN_API clcnn_status clcnn_sgd_step(clcnn_context *ctx, clcnn_tensor *w, const clcnn_tensor *g,
                                      clcnn_tensor *v, float lr, float momentum,
                                      float weight_decay);

#ifdef __cplusplus
}
#endif

#endif

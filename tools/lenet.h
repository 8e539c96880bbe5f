/* LeNet on clcnn: conv 6 k5 p2, act, pool 2, conv 16 k5, act, pool 2, 400 -> 120 -> 84 -> 10
   (the fully connected layers as convolutions), trained with SGD and momentum. */
#ifndef CLCNN_TOOLS_LENET_H
#define CLCNN_TOOLS_LENET_H

#include <clcnn/clcnn.h>

#define LENET_LAYERS 5
#define LENET_BATCH_SHAPES 2 /* a full batch and the last, shorter one */

/* Views into the network's three flat arrays (parameters, gradients, velocities). */
typedef struct lenet_param {
  clcnn_tensor *w, *b, *dw, *db, *vw, *vb;
} lenet_param;

/* Activations, gradients and plans for one batch size n. */
typedef struct lenet_batch {
  size_t n;
  clcnn_conv2d_plan *conv[LENET_LAYERS];
  clcnn_pool2d_plan *pool[2];
  clcnn_tensor *x, *labels;
  clcnn_tensor *a1, *p1, *a2, *p2, *a3, *a4, *z5; /* forward (activations in place) */
  clcnn_tensor *dz5, *d4, *d3, *dp2, *d2, *dp1, *d1;
} lenet_batch;

typedef struct lenet {
  clcnn_context *ctx;
  int act;
  clcnn_pool2d_desc pool;
  lenet_param layer[LENET_LAYERS];
  /* every weight and bias one after another, so that one SGD step updates them all */
  clcnn_tensor *params, *grads, *velocity;
  lenet_batch batch[LENET_BATCH_SHAPES];
} lenet;

/* Weights and biases uniform in +-1/sqrt(fan_in) (PyTorch's defaults), from seed. */
clcnn_status lenet_create(clcnn_context *ctx, int act, int pool_mode, unsigned seed, lenet *net);
void lenet_destroy(lenet *net);

/* The buffers for a batch of n images (created on first use). */
clcnn_status lenet_batch_for(lenet *net, size_t n, lenet_batch **out);

/* Forward pass of b->x into b->z5 (logits). */
clcnn_status lenet_forward(lenet *net, lenet_batch *b);
/* Forward, loss (NULL: not read back), backward and one SGD step. */
clcnn_status lenet_train_step(lenet *net, lenet_batch *b, float lr, float momentum, float *loss);

#endif

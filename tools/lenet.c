/* LeNet on clcnn: forward, backward and SGD through the public API only. */
#include "lenet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TRY(call)                                                                                  \
  do {                                                                                             \
    clcnn_status status_ = (call);                                                                 \
    if (status_ != CLCNN_OK) return status_;                                                       \
  } while (0)

static const clcnn_conv2d_desc conv1_desc = {1, 1, 2, 2, 2, 2, 1, 1, 1, CLCNN_CONV_AUTO};
static const clcnn_conv2d_desc dense_desc = {1, 1, 0, 0, 0, 0, 1, 1, 1, CLCNN_CONV_AUTO};

/* Filter shapes K x C x R x S of the five layers. */
static const size_t shapes[LENET_LAYERS][4] = {
    {6, 1, 5, 5}, {16, 6, 5, 5}, {120, 16, 5, 5}, {84, 120, 1, 1}, {10, 84, 1, 1}};

static const clcnn_conv2d_desc *desc_of(int layer) {
  return layer == 0 ? &conv1_desc : &dense_desc;
}

static clcnn_status make(clcnn_context *ctx, size_t n, size_t c, size_t h, size_t w,
                         clcnn_tensor **t) {
  return clcnn_tensor_create(ctx, n, c, h, w, t);
}

static clcnn_status uniform_init(clcnn_tensor *t, size_t count, float bound, unsigned *seed) {
  float *v = malloc(count * sizeof *v);
  if (!v) return CLCNN_OUT_OF_MEMORY;
  for (size_t i = 0; i < count; i++) {
    *seed = *seed * 1664525u + 1013904223u;
    v[i] = bound * ((float)(*seed >> 8) / 8388608.0f - 1.0f);
  }
  clcnn_status s = clcnn_tensor_write(t, v, count);
  free(v);
  return s;
}

/* A view of `flat` from element offset with shape s. */
static clcnn_status view(clcnn_context *ctx, const clcnn_tensor *flat, size_t offset,
                         const size_t s[4], clcnn_tensor **out) {
  return clcnn_tensor_wrap(ctx, clcnn_tensor_buffer(flat), clcnn_tensor_offset(flat) + offset, s[0],
                           s[1], s[2], s[3], out);
}

/* Layer i's weights and bias at element *offset of the flat arrays (advanced past them). */
static clcnn_status create_param(lenet *net, int i, size_t *offset, unsigned *seed) {
  const size_t *s = shapes[i], b_shape[4] = {1, s[0], 1, 1};
  size_t count = s[0] * s[1] * s[2] * s[3];
  float bound = 1.0f / sqrtf((float)(s[1] * s[2] * s[3]));
  lenet_param *p = &net->layer[i];
  TRY(view(net->ctx, net->params, *offset, s, &p->w));
  TRY(view(net->ctx, net->grads, *offset, s, &p->dw));
  TRY(view(net->ctx, net->velocity, *offset, s, &p->vw));
  TRY(view(net->ctx, net->params, *offset + count, b_shape, &p->b));
  TRY(view(net->ctx, net->grads, *offset + count, b_shape, &p->db));
  TRY(view(net->ctx, net->velocity, *offset + count, b_shape, &p->vb));
  *offset += count + s[0];
  TRY(uniform_init(p->w, count, bound, seed));
  return uniform_init(p->b, s[0], bound, seed);
}

clcnn_status lenet_create(clcnn_context *ctx, int act, int pool_mode, unsigned seed, lenet *net) {
  memset(net, 0, sizeof *net);
  net->ctx = ctx;
  net->act = act;
  net->pool = (clcnn_pool2d_desc){pool_mode, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1};
  size_t total = 0, offset = 0;
  for (int i = 0; i < LENET_LAYERS; i++)
    total += shapes[i][0] * shapes[i][1] * shapes[i][2] * shapes[i][3] + shapes[i][0];
  TRY(make(ctx, 1, total, 1, 1, &net->params));
  TRY(make(ctx, 1, total, 1, 1, &net->grads));
  TRY(make(ctx, 1, total, 1, 1, &net->velocity));
  TRY(clcnn_tensor_fill(net->velocity, 0.0f));
  for (int i = 0; i < LENET_LAYERS; i++) TRY(create_param(net, i, &offset, &seed));
  return CLCNN_OK;
}

static void destroy_batch(lenet_batch *b) {
  clcnn_tensor *all[] = {b->x,  b->labels, b->a1, b->p1, b->a2,  b->p2, b->a3,  b->a4,
                         b->z5, b->dz5,    b->d4, b->d3, b->dp2, b->d2, b->dp1, b->d1};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) clcnn_tensor_destroy(all[i]);
  for (int i = 0; i < LENET_LAYERS; i++) clcnn_conv2d_plan_destroy(b->conv[i]);
  for (int i = 0; i < 2; i++) clcnn_pool2d_plan_destroy(b->pool[i]);
  memset(b, 0, sizeof *b);
}

void lenet_destroy(lenet *net) {
  for (int i = 0; i < LENET_LAYERS; i++) {
    lenet_param *p = &net->layer[i];
    clcnn_tensor *all[] = {p->w, p->b, p->dw, p->db, p->vw, p->vb};
    for (int j = 0; j < 6; j++) clcnn_tensor_destroy(all[j]);
  }
  clcnn_tensor_destroy(net->params);
  clcnn_tensor_destroy(net->grads);
  clcnn_tensor_destroy(net->velocity);
  for (int i = 0; i < LENET_BATCH_SHAPES; i++) destroy_batch(&net->batch[i]);
}

/* One plan per layer for this batch size: every choice is made once, not per step. The
   activation of every layer but the last is applied as its convolution stores (its backward
   reads the activated output, as before). */
static clcnn_status create_plans(clcnn_context *ctx, const clcnn_pool2d_desc *pool, int act,
                                 lenet_batch *b) {
  const clcnn_tensor *inputs[LENET_LAYERS] = {b->x, b->p1, b->p2, b->a3, b->a4};
  size_t x_shape[4];
  for (int i = 0; i < LENET_LAYERS; i++) {
    clcnn_tensor_shape(inputs[i], x_shape);
    TRY(clcnn_conv2d_plan_create(ctx, desc_of(i), x_shape, shapes[i], 0, &b->conv[i]));
    if (i < LENET_LAYERS - 1) TRY(clcnn_conv2d_plan_set_activation(b->conv[i], act));
  }
  clcnn_tensor_shape(b->a1, x_shape);
  TRY(clcnn_pool2d_plan_create(ctx, pool, x_shape, &b->pool[0]));
  clcnn_tensor_shape(b->a2, x_shape);
  return clcnn_pool2d_plan_create(ctx, pool, x_shape, &b->pool[1]);
}

static clcnn_status create_batch(clcnn_context *ctx, const clcnn_pool2d_desc *pool, int act,
                                 size_t n, lenet_batch *b) {
  b->n = n;
  TRY(make(ctx, n, 1, 28, 28, &b->x));
  TRY(make(ctx, n, 1, 1, 1, &b->labels));
  TRY(make(ctx, n, 6, 28, 28, &b->a1));
  TRY(make(ctx, n, 6, 14, 14, &b->p1));
  TRY(make(ctx, n, 16, 10, 10, &b->a2));
  TRY(make(ctx, n, 16, 5, 5, &b->p2));
  TRY(make(ctx, n, 120, 1, 1, &b->a3));
  TRY(make(ctx, n, 84, 1, 1, &b->a4));
  TRY(make(ctx, n, 10, 1, 1, &b->z5));
  TRY(make(ctx, n, 10, 1, 1, &b->dz5));
  TRY(make(ctx, n, 84, 1, 1, &b->d4));
  TRY(make(ctx, n, 120, 1, 1, &b->d3));
  TRY(make(ctx, n, 16, 5, 5, &b->dp2));
  TRY(make(ctx, n, 16, 10, 10, &b->d2));
  TRY(make(ctx, n, 6, 14, 14, &b->dp1));
  TRY(make(ctx, n, 6, 28, 28, &b->d1));
  return create_plans(ctx, pool, act, b);
}

clcnn_status lenet_batch_for(lenet *net, size_t n, lenet_batch **out) {
  for (int i = 0; i < LENET_BATCH_SHAPES; i++)
    if (net->batch[i].n == n) return (*out = &net->batch[i]), CLCNN_OK;
  for (int i = 0; i < LENET_BATCH_SHAPES; i++)
    if (net->batch[i].n == 0) {
      clcnn_status s = create_batch(net->ctx, &net->pool, net->act, n, &net->batch[i]);
      if (s != CLCNN_OK) destroy_batch(&net->batch[i]);
      return (*out = &net->batch[i]), s;
    }
  destroy_batch(&net->batch[1]); /* a third size: replace the second */
  TRY(create_batch(net->ctx, &net->pool, net->act, n, &net->batch[1]));
  return (*out = &net->batch[1]), CLCNN_OK;
}

/* y = act(conv(x, layer) + bias) (no activation after the last layer: the plans say). */
static clcnn_status conv_act(lenet *net, lenet_batch *b, int layer, const clcnn_tensor *x,
                             clcnn_tensor *y) {
  lenet_param *p = &net->layer[layer];
  return clcnn_conv2d_plan_forward(b->conv[layer], x, p->w, p->b, y);
}

clcnn_status lenet_forward(lenet *net, lenet_batch *b) {
  TRY(conv_act(net, b, 0, b->x, b->a1));
  TRY(clcnn_pool2d_plan_forward(b->pool[0], b->a1, b->p1));
  TRY(conv_act(net, b, 1, b->p1, b->a2));
  TRY(clcnn_pool2d_plan_forward(b->pool[1], b->a2, b->p2));
  TRY(conv_act(net, b, 2, b->p2, b->a3));
  TRY(conv_act(net, b, 3, b->a3, b->a4));
  return conv_act(net, b, 4, b->a4, b->z5);
}

/* Gradients of layer from its input x and output gradient dy; dx (NULL: skip) for x. */
static clcnn_status layer_backward(lenet *net, lenet_batch *b, int layer, const clcnn_tensor *x,
                                   const clcnn_tensor *dy, clcnn_tensor *dx) {
  lenet_param *p = &net->layer[layer];
  TRY(clcnn_conv2d_plan_backward_weights(b->conv[layer], x, dy, p->dw, p->db));
  return dx ? clcnn_conv2d_plan_backward_data(b->conv[layer], dy, p->w, dx) : CLCNN_OK;
}

static clcnn_status backward(lenet *net, lenet_batch *b) {
  clcnn_context *ctx = net->ctx;
  TRY(layer_backward(net, b, 4, b->a4, b->dz5, b->d4));
  TRY(clcnn_activation_backward(ctx, net->act, b->a4, b->d4, b->d4));
  TRY(layer_backward(net, b, 3, b->a3, b->d4, b->d3));
  TRY(clcnn_activation_backward(ctx, net->act, b->a3, b->d3, b->d3));
  TRY(layer_backward(net, b, 2, b->p2, b->d3, b->dp2));
  TRY(clcnn_pool2d_plan_backward(b->pool[1], b->a2, b->p2, b->dp2, b->d2));
  TRY(clcnn_activation_backward(ctx, net->act, b->a2, b->d2, b->d2));
  TRY(layer_backward(net, b, 1, b->p1, b->d2, b->dp1));
  TRY(clcnn_pool2d_plan_backward(b->pool[0], b->a1, b->p1, b->dp1, b->d1));
  TRY(clcnn_activation_backward(ctx, net->act, b->a1, b->d1, b->d1));
  return layer_backward(net, b, 0, b->x, b->d1, NULL);
}

clcnn_status lenet_train_step(lenet *net, lenet_batch *b, float lr, float momentum, float *loss) {
  TRY(lenet_forward(net, b));
  TRY(clcnn_softmax_cross_entropy(net->ctx, b->z5, b->labels, loss, b->dz5));
  TRY(backward(net, b));
  /* one step over the flat arrays instead of ten small ones */
  return clcnn_sgd_step(net->ctx, net->params, net->grads, momentum != 0 ? net->velocity : NULL, lr,
                        momentum, 0);
}

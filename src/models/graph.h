/* The private form of a loaded model: values (activations and constants) and the layers
   that compute them, built from ONNX nodes by model_build.c and run by model.c. */
#ifndef CLCNN_MODELS_GRAPH_H
#define CLCNN_MODELS_GRAPH_H

#include <pthread.h>

#include <clcnn/clcnn.h>

#include "models/onnx.h"
#include "ops/network.h"

typedef enum layer_kind {
  LAYER_CONV,    /* convolution or fully connected layer; bias and activation in its epilogue */
  LAYER_POOL,    /* max / average pooling, global ones included */
  LAYER_ACT,     /* relu, sigmoid, tanh, relu6 */
  LAYER_CLIP,    /* clip to [lo, hi] */
  LAYER_ADD,     /* sum of two or more inputs */
  LAYER_CONCAT,  /* along channels */
  LAYER_BN,      /* inference batch normalization (when it could not be folded) */
  LAYER_SOFTMAX, /* over channels */
  LAYER_PAD,     /* zero padding of the planes */
  LAYER_BINARY,  /* add, subtract, multiply or divide, broadcasting */
  LAYER_MATMUL,  /* matrix products through the GEMM (batched, broadcasting), then C added */
  LAYER_UNARY,   /* another activation (LeakyRelu, HardSwish...), parameters in lo and hi */
  LAYER_DECONV   /* transposed convolution: a convolution's input gradient, then the bias */
} layer_kind;

enum { LAYER_MAX_INPUTS = 64, ACT_NONE = -1 };

typedef struct model_layer {
  layer_kind kind;
  int in[LAYER_MAX_INPUTS];
  size_t n_in;
  int out;
  int act; /* LAYER_CONV: fused activation or ACT_NONE; LAYER_ACT: the activation */
  float lo, hi;
  /* LAYER_CONV and LAYER_DECONV: weights and bias on the host while loading, on the device
     after; LAYER_DECONV's plan and desc are those of the convolution from its output back to
     its input */
  clcnn_conv2d_desc conv;
  size_t w_shape[4];
  float *w_host, *b_host;
  clcnn_tensor *w, *b;
  clcnn_conv2d_plan *conv_plan;
  /* LAYER_POOL */
  clcnn_pool2d_desc pool;
  clcnn_pool2d_plan *pool_plan;
  /* LAYER_BN: scale, shift, mean, var (host while loading) */
  float *bn_host[4];
  clcnn_tensor *bn[4];
  float eps;
  size_t pads[4]; /* LAYER_PAD: top, bottom, left, right */
  /* LAYER_BINARY (operands a, b) and LAYER_MATMUL (A, B, and C added to the products):
     operand k's index in `in`, or -1 for a constant uploaded at load (on the host while
     loading, then on the device); the shape in which it is seen (aligned to the output's) */
  size_t n_operands;
  int operand_in[3];
  float *operand_host[3];
  clcnn_tensor *operand[3];
  size_t operand_shape[3][4];
  clcnn_binary_op binary_op; /* LAYER_BINARY */
  clcnn_unary_op unary_op;   /* LAYER_UNARY */
  clcnn_matmul_desc matmul;  /* LAYER_MATMUL */
  float beta;                /* LAYER_MATMUL: C's factor */
  /* Parameters computed at run time (graph inputs or node outputs) rather than uploaded: the
     index in `in` of the weights and bias (LAYER_CONV) or of scale, shift, mean and var
     (LAYER_BN), -1 for those uploaded. */
  int w_in, b_in, bn_in[4];
  char *describe; /* one line, made when the layer's plans are */
  int in_place;   /* LAYER_CONCAT: its inputs are written in place, LAYER_ADD: its convolution
                     input sums into the other one; nothing to run */
  int residual;   /* LAYER_CONV: it adds its output to what its output memory holds */
  /* Shapes in which the layer sees its inputs (0..n_in-1) and output (n_in) when they differ
     from the values' own (softmax or concatenation along another axis, a per-channel
     parameter given as a 1-D tensor...): NULL, or n_in + 1 shapes, all zero where the value's
     own shape serves; and the views made of them. */
  size_t (*view_shape)[4];
  clcnn_tensor **view;
} model_layer;

typedef struct model_value {
  char *name;
  int rank;                    /* 1 to 4 for computed tensors; 0 for constants */
  size_t shape[4];             /* the dimensions padded with 1s to four: N x K is N x K x 1 x 1 */
  const onnx_tensor *constant; /* while loading */
  int storage;                 /* the value whose memory this one shares (itself unless an alias) */
  int alias_of;                /* the value this one is a view of (-1 unless an alias) */
  int producer;                /* layer index; -1 for graph inputs and constants */
  int uses;                    /* node inputs and graph outputs that name it */
  int last_use;                /* storage roots: the last layer that reads the memory */
  int slot;                    /* storage roots: the buffer it lives in */
  size_t offset;               /* elements into its storage root (a concatenation's part) */
  clcnn_tensor *view;
} model_value;

struct clcnn_model {
  clcnn_context *ctx;
  size_t batch;
  model_value *values;
  size_t n_values;
  model_layer *layers;
  size_t n_layers;
  int *inputs, *outputs;
  size_t n_inputs, n_outputs;
  clcnn_tensor **slots;
  size_t n_slots;
  pthread_mutex_t lock;
};

/* Fills m's values and layers from the decoded graph (nothing on the device yet). On failure
   the context holds the message and m keeps what was built, for clcnn_model_destroy. */
clcnn_status model_build(clcnn_model *m, const onnx_model *onnx);

#endif

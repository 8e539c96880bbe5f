/* The builder's shared parts: the state of one model load, the helpers that read a node's
   inputs and attributes and make its outputs and layers, and the operator builders (one per
   ONNX operator, in ops_*.c) that model_build.c dispatches to. mb_ marks the model builder's
   names (the library links statically too, so they must not be plain words). */
#ifndef CLCNN_MODELS_BUILDER_H
#define CLCNN_MODELS_BUILDER_H

#include "models/graph.h"

typedef struct builder {
  clcnn_model *m;
  const onnx_model *onnx;
  const onnx_node *node; /* the node being built */
  char where[320];       /* "clcnn_model_load: node 3 'conv1' (Conv)" */
  int64_t declared_batch;
  onnx_tensor **scratch; /* constants made while loading (freed with the builder) */
  size_t n_scratch, scratch_cap;
} builder;

/* A node's bytes as printf's "%.*s" arguments. */
#define PB(bytes) (int)(bytes).size, (const char *)(bytes).data

/* CLCNN status with the message prefixed by b->where (the node, its operator). */
clcnn_status mb_fail(builder *b, clcnn_status status, const char *fmt, ...);
/* The value called name, or -1. */
int mb_find_value(const clcnn_model *m, pb_bytes name);
/* A new value called name (unique), with no shape yet. */
clcnn_status mb_add_value(builder *b, pb_bytes name, int *out);
/* 1 when the node's input k is given (present and named). */
int mb_has_input(const onnx_node *node, size_t k);
/* Input k of the node as a computed tensor, of rank rank_want (0: any). */
clcnn_status mb_act_input(builder *b, size_t k, int rank_want, int *out);
/* Input k as a constant of type (ONNX_FLOAT, or ONNX_INT64 for int32/int64 data). */
clcnn_status mb_const_input(builder *b, size_t k, int type, const onnx_tensor **out);
/* Input k as a parameter: a constant (*t) or a tensor computed at run time (*v, and *t NULL). */
clcnn_status mb_param_input(builder *b, size_t k, const onnx_tensor **t, int *v);
/* dims[from] * ... * dims[to - 1]. */
size_t mb_product(const size_t *dims, int from, int to);
/* The node's attribute called name (NULL when absent); a wrong type is refused. */
clcnn_status mb_attr_of(builder *b, const char *name, int type, const onnx_attr **out);
/* An INT or FLOAT attribute, def when absent. */
clcnn_status mb_get_int(builder *b, const char *name, int64_t def, int64_t *out);
clcnn_status mb_get_float(builder *b, const char *name, float def, float *out);
/* count integers in lo..hi, def (count values) when absent. */
clcnn_status mb_get_ints(builder *b, const char *name, size_t count, int64_t def, int64_t lo,
                         int64_t hi, int64_t *out);
/* Outputs after the first must be unnamed or unused. */
clcnn_status mb_only_first_output(builder *b);
/* The value of the node's first output, which must be named. */
clcnn_status mb_first_output(builder *b, int *out);
/* The node's first output: computed by layer (or a view of storage when layer is -1). */
clcnn_status mb_set_output(builder *b, int rank, const size_t shape[4], int layer, int storage);
/* A new layer of kind (no activation, no runtime parameters) reading value x as its first
   input (x -1: no input yet, the caller fills them in); its index in *index. */
model_layer *mb_new_layer(builder *b, layer_kind kind, int x, int *index);
/* Layer l sees input k (k == l->n_in: its output) as shape s; n_in must be final. */
clcnn_status mb_set_view(builder *b, model_layer *l, size_t k, const size_t s[4]);
/* The convolution layer that alone computes value v (directly or through same-shaped views
   each read once), with no activation fused yet: the place to fuse an activation. -1 when
   there is none. */
int mb_fusable_layer(const builder *b, int v);
int mb_fusable_conv(const builder *b, int v);
/* A fusable convolution whose weights and bias are uploaded constants seen in the value's
   own layout: the place to fold a batch normalization or a per-channel constant. */
int mb_foldable_conv(const builder *b, int v);
/* A malloc'd copy of count floats (NULL when out of memory). */
float *mb_copy_floats(const float *src, size_t count);
/* pads[4] (top, left, bottom, right) from auto_pad or the pads attribute, for windows of
   extent[2] (dilated) moving by stride[2] over in[2]; with one spatial axis (a rank-3 tensor
   seen as N x C x L x 1) the pads attribute has its two ends and left and right are 0. */
clcnn_status mb_spatial_pads(builder *b, int spatial, const size_t in[2], const int64_t extent[2],
                             const int64_t stride[2], int64_t pads[4]);
/* Appends runtime parameter v (when >= 0) to l's inputs; its index in `in`, or -1. */
int mb_add_param(model_layer *l, int v);
/* A pooling layer of d on x, its output the node's first, of rank `rank` (the pooled
   N x C x P x Q seen with that many dimensions). */
clcnn_status mb_make_pool(builder *b, int x, const clcnn_pool2d_desc *d, int rank);

/* A new constant of type (ONNX_FLOAT or ONNX_INT64) and rank with dims (NULL for rank 0),
   its count values zeroed, owned by the builder. */
clcnn_status mb_new_constant(builder *b, int type, int rank, const int64_t *dims,
                             onnx_tensor **out);
/* Output k of the node made the constant t. */
clcnn_status mb_set_constant_output(builder *b, const onnx_tensor *t);

/* An input of tensor arithmetic: a computed value (v) or a float constant (t, v -1), its rank
   (0: a scalar) and dimensions (padded with 1s to four). */
typedef struct mb_operand {
  int v;
  const onnx_tensor *t;
  int rank;
  size_t dims[4];
} mb_operand;
clcnn_status mb_operand_input(builder *b, size_t k, mb_operand *o);
/* The node's two inputs combined elementwise by op, broadcasting (numpy's rules). */
clcnn_status mb_binary(builder *b, clcnn_binary_op op);
/* y = alpha * op(a) op(b) (+ beta * c when has_c, c broadcast to the m x n result) with numpy's
   matmul rules: 1-D operands taken as a row (a) or a column (b), batch dimensions broadcast. */
typedef struct mb_products_args {
  mb_operand a, b, c;
  int has_c, trans_a, trans_b;
  float alpha, beta;
} mb_products_args;
clcnn_status mb_products(builder *b, const mb_products_args *p);

/* The operator builders: each reads b->node and makes its outputs. */
clcnn_status mb_op_conv(builder *b);
clcnn_status mb_op_conv_transpose(builder *b);
clcnn_status mb_op_gemm(builder *b);
clcnn_status mb_op_matmul(builder *b);
clcnn_status mb_op_relu(builder *b);
clcnn_status mb_op_sigmoid(builder *b);
clcnn_status mb_op_tanh(builder *b);
clcnn_status mb_op_clip(builder *b);
clcnn_status mb_op_add(builder *b);
clcnn_status mb_op_sub(builder *b);
clcnn_status mb_op_mul(builder *b);
clcnn_status mb_op_div(builder *b);
clcnn_status mb_op_prelu(builder *b);
clcnn_status mb_op_leaky_relu(builder *b);
clcnn_status mb_op_hard_sigmoid(builder *b);
clcnn_status mb_op_hard_swish(builder *b);
clcnn_status mb_op_elu(builder *b);
clcnn_status mb_op_selu(builder *b);
clcnn_status mb_op_softplus(builder *b);
clcnn_status mb_op_softsign(builder *b);
clcnn_status mb_op_concat(builder *b);
clcnn_status mb_op_pool(builder *b);
clcnn_status mb_op_global_pool(builder *b);
clcnn_status mb_op_flatten(builder *b);
clcnn_status mb_op_reshape(builder *b);
clcnn_status mb_op_batchnorm(builder *b);
clcnn_status mb_op_softmax(builder *b);
clcnn_status mb_op_identity(builder *b);
clcnn_status mb_op_constant(builder *b);
clcnn_status mb_op_shape(builder *b);
clcnn_status mb_op_gather(builder *b);
clcnn_status mb_op_unsqueeze(builder *b);
clcnn_status mb_op_squeeze(builder *b);
int mb_is_constant_input(const builder *b, size_t k);
clcnn_status mb_constant_concat(builder *b, int64_t axis);
clcnn_status mb_op_pad(builder *b);
clcnn_status mb_op_reduce_mean(builder *b);

#endif

/* ONNX nodes into clcnn layers: values declared, graph inputs read, each node built by its
   operator (ops_*.c); shapes inferred node by node, batch normalization and
   per-channel constant additions folded into the convolution before them, ReLU / ReLU6 fused
   into it, Flatten / Reshape / Dropout / Identity made views of their input. Anything clcnn
   cannot run exactly is refused with the node, its operator and the reason. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/builder.h"
#include "ops/shape.h"

typedef struct op_entry {
  const char *name;
  clcnn_status (*build)(builder *b);
} op_entry;

static const op_entry ops[] = {
    {"Conv", mb_op_conv},
    {"ConvTranspose", mb_op_conv_transpose},
    {"Gemm", mb_op_gemm},
    {"MatMul", mb_op_matmul},
    {"Relu", mb_op_relu},
    {"Sigmoid", mb_op_sigmoid},
    {"Tanh", mb_op_tanh},
    {"Clip", mb_op_clip},
    {"Add", mb_op_add},
    {"Sum", mb_op_add},
    {"Sub", mb_op_sub},
    {"Mul", mb_op_mul},
    {"Div", mb_op_div},
    {"PRelu", mb_op_prelu},
    {"LeakyRelu", mb_op_leaky_relu},
    {"HardSigmoid", mb_op_hard_sigmoid},
    {"HardSwish", mb_op_hard_swish},
    {"Elu", mb_op_elu},
    {"Selu", mb_op_selu},
    {"Softplus", mb_op_softplus},
    {"Softsign", mb_op_softsign},
    {"Concat", mb_op_concat},
    {"MaxPool", mb_op_pool},
    {"AveragePool", mb_op_pool},
    {"GlobalAveragePool", mb_op_global_pool},
    {"GlobalMaxPool", mb_op_global_pool},
    {"Flatten", mb_op_flatten},
    {"Reshape", mb_op_reshape},
    {"BatchNormalization", mb_op_batchnorm},
    {"Softmax", mb_op_softmax},
    {"Dropout", mb_op_identity},
    {"Identity", mb_op_identity},
    {"Constant", mb_op_constant},
    {"Pad", mb_op_pad},
    {"ReduceMean", mb_op_reduce_mean},
    {"Shape", mb_op_shape},
    {"Gather", mb_op_gather},
    {"Unsqueeze", mb_op_unsqueeze},
    {"Squeeze", mb_op_squeeze},
};

static clcnn_status build_node(builder *b, size_t i) {
  const onnx_node *node = &b->onnx->nodes[i];
  b->node = node;
  snprintf(b->where, sizeof b->where, "clcnn_model_load: node %zu '%.*s' (%.*s)", i,
           (int)(node->name.size > 80 ? 80 : node->name.size), (const char *)node->name.data,
           (int)(node->op_type.size > 60 ? 60 : node->op_type.size),
           (const char *)node->op_type.data);
  if (node->domain.size && !pb_equals(node->domain, "ai.onnx"))
    return mb_fail(b, CLCNN_UNSUPPORTED, "operator domain '%.*s' (clcnn runs the default domain)",
                   PB(node->domain));
  if (node->n_outputs == 0) return mb_fail(b, CLCNN_INVALID_ARGUMENT, "the node has no output");
  for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
    if (pb_equals(node->op_type, ops[k].name)) return ops[k].build(b);
  return mb_fail(b, CLCNN_UNSUPPORTED, "operator %.*s is not supported", PB(node->op_type));
}

static int is_initializer(const onnx_model *onnx, pb_bytes name) {
  for (size_t i = 0; i < onnx->n_inits; i++)
    if (onnx->inits[i].name.size == name.size &&
        !memcmp(onnx->inits[i].name.data, name.data, name.size))
      return 1;
  return 0;
}

/* A graph input: its first dimension is the batch when it is symbolic or the input is the
   graph's first; every other dimension must be fixed in the file. */
static clcnn_status graph_input(builder *b, const onnx_value_info *info) {
  int v;
  clcnn_status status = mb_add_value(b, info->name, &v);
  if (status != CLCNN_OK) return status;
  model_value *val = &b->m->values[v];
  if (info->elem_type != ONNX_FLOAT)
    return mb_fail(b, CLCNN_UNSUPPORTED, "input '%s' has element type %d; clcnn takes float (1)",
                   val->name, info->elem_type);
  if (info->rank < 1 || info->rank > 4)
    return mb_fail(b, CLCNN_UNSUPPORTED,
                   "input '%s' has rank %d; clcnn takes tensors of rank 1 to 4", val->name,
                   info->rank);
  int first = b->m->n_inputs == 0, batched = first || info->dims[0] < 1;
  if (first) b->declared_batch = info->dims[0];
  for (int i = 0; i < 4; i++) {
    int64_t dim = i >= info->rank ? 1 : i == 0 && batched ? (int64_t)b->m->batch : info->dims[i];
    if (dim < 1 || dim > ((int64_t)1 << 31))
      return mb_fail(b, CLCNN_UNSUPPORTED,
                     "input '%s' has dimension %d = %lld (clcnn needs a fixed size from 1 to 2^31)",
                     val->name, i, (long long)dim);
    val->shape[i] = (size_t)dim;
  }
  size_t count = val->shape[0];
  for (int i = 1; i < 4; i++) {
    if (count > ((size_t)1 << 40) / val->shape[i])
      return mb_fail(b, CLCNN_UNSUPPORTED, "input '%s' of %zux%zux%zux%zu is too large", val->name,
                     val->shape[0], val->shape[1], val->shape[2], val->shape[3]);
    count *= val->shape[i];
  }
  val->rank = info->rank;
  b->m->inputs[b->m->n_inputs++] = v;
  return CLCNN_OK;
}

/* Values for initializers, graph inputs and every node output; use counts. */
static clcnn_status declare_values(builder *b) {
  const onnx_model *onnx = b->onnx;
  clcnn_model *m = b->m;
  clcnn_status status = CLCNN_OK;
  snprintf(b->where, sizeof b->where, "clcnn_model_load");
  for (size_t i = 0; i < onnx->n_inits && status == CLCNN_OK; i++) {
    int v;
    if ((status = mb_add_value(b, onnx->inits[i].name, &v)) != CLCNN_OK) break;
    m->values[v].rank = 0;
    m->values[v].constant = &onnx->inits[i];
  }
  for (size_t i = 0; i < onnx->n_inputs && status == CLCNN_OK; i++)
    if (!is_initializer(onnx, onnx->inputs[i].name)) status = graph_input(b, &onnx->inputs[i]);
  if (status == CLCNN_OK && m->n_inputs == 0)
    status = mb_fail(b, CLCNN_INVALID_ARGUMENT, "the graph has no input other than initializers");
  for (size_t i = 0; i < onnx->n_nodes && status == CLCNN_OK; i++)
    for (size_t k = 0; k < onnx->nodes[i].n_outputs && status == CLCNN_OK; k++) {
      int v;
      if (onnx->nodes[i].outputs[k].size) status = mb_add_value(b, onnx->nodes[i].outputs[k], &v);
    }
  for (size_t i = 0; i < onnx->n_nodes && status == CLCNN_OK; i++)
    for (size_t k = 0; k < onnx->nodes[i].n_inputs; k++) {
      int v = mb_find_value(m, onnx->nodes[i].inputs[k]);
      if (v >= 0) m->values[v].uses++;
    }
  for (size_t i = 0; i < onnx->n_outputs && status == CLCNN_OK; i++) {
    int v = mb_find_value(m, onnx->outputs[i].name);
    if (v < 0)
      return mb_fail(b, CLCNN_INVALID_ARGUMENT, "graph output '%.*s' is not computed by any node",
                     PB(onnx->outputs[i].name));
    m->values[v].uses++;
    m->outputs[m->n_outputs++] = v;
  }
  if (status == CLCNN_OK && m->n_outputs == 0)
    status = mb_fail(b, CLCNN_INVALID_ARGUMENT, "the graph has no output");
  return status;
}

clcnn_status model_build(clcnn_model *m, const onnx_model *onnx) {
  builder b = {m, onnx, NULL, "", 0, NULL, 0, 0};
  size_t n_values = onnx->n_inits + onnx->n_inputs;
  for (size_t i = 0; i < onnx->n_nodes; i++) n_values += onnx->nodes[i].n_outputs;
  m->values = calloc(n_values ? n_values : 1, sizeof *m->values);
  m->layers = calloc(onnx->n_nodes ? onnx->n_nodes : 1, sizeof *m->layers);
  m->inputs = calloc(onnx->n_inputs ? onnx->n_inputs : 1, sizeof *m->inputs);
  m->outputs = calloc(onnx->n_outputs ? onnx->n_outputs : 1, sizeof *m->outputs);
  if (!m->values || !m->layers || !m->inputs || !m->outputs)
    return clcnn_fail(m->ctx, CLCNN_OUT_OF_MEMORY, "clcnn_model_load: host allocation failed");
  clcnn_status status = declare_values(&b);
  for (size_t i = 0; i < onnx->n_nodes && status == CLCNN_OK; i++) status = build_node(&b, i);
  for (size_t i = 0; i < m->n_outputs && status == CLCNN_OK; i++) {
    const model_value *v = &m->values[m->outputs[i]];
    snprintf(b.where, sizeof b.where, "clcnn_model_load: graph output '%s'", v->name);
    if (v->rank == 0)
      status = mb_fail(&b, CLCNN_UNSUPPORTED, "a constant output");
    else if (v->rank < 0)
      status = mb_fail(&b, CLCNN_INVALID_ARGUMENT, "never computed");
  }
  for (size_t i = 0; i < m->n_values; i++) m->values[i].constant = NULL; /* the bytes go */
  for (size_t i = 0; i < b.n_scratch; i++) free(b.scratch[i]);
  free(b.scratch);
  return status;
}

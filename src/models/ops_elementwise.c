/* Elementwise and per-position operators: activations (fused into the convolution or sum
   before them when they can be), Clip, Add and Sum (a per-channel constant folded into a bias,
   other shapes to the broadcasting arithmetic of ops_math.c), Concat, Softmax and Pad. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/builder.h"
#include "ops/shape.h"

/* An elementwise activation, fused into a convolution or a sum that alone feeds it. */
static clcnn_status activation(builder *b, int act, float lo, float hi) {
  int x;
  clcnn_status status = mb_act_input(b, 0, 0, &x);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  int fused = mb_fusable_layer(b, x);
  if (fused >= 0 && act >= 0) { /* applied as the convolution or the sum stores */
    b->m->layers[fused].act = act;
    return mb_set_output(b, v->rank, v->shape, -1, x);
  }
  int index;
  model_layer *l = mb_new_layer(b, act >= 0 ? LAYER_ACT : LAYER_CLIP, x, &index);
  l->act = act;
  l->lo = lo;
  l->hi = hi;
  return mb_set_output(b, v->rank, v->shape, index, -1);
}

clcnn_status mb_op_relu(builder *b) {
  return activation(b, CLCNN_ACT_RELU, 0, 0);
}

clcnn_status mb_op_sigmoid(builder *b) {
  return activation(b, CLCNN_ACT_SIGMOID, 0, 0);
}

clcnn_status mb_op_tanh(builder *b) {
  return activation(b, CLCNN_ACT_TANH, 0, 0);
}

/* One bound of Clip: input k (opset 11 on) or attribute name (before), def when absent. */
static clcnn_status clip_bound(builder *b, size_t k, const char *name, float def, float *out) {
  *out = def;
  if (b->onnx->opset > 0 && b->onnx->opset < 11) return mb_get_float(b, name, def, out);
  if (!mb_has_input(b->node, k)) return CLCNN_OK;
  const onnx_tensor *t;
  clcnn_status status = mb_const_input(b, k, ONNX_FLOAT, &t);
  if (status != CLCNN_OK) return status;
  if (t->count != 1)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "bound %s has %zu values, expected one", name,
                   t->count);
  *out = t->f[0];
  return CLCNN_OK;
}

clcnn_status mb_op_clip(builder *b) {
  float lo, hi;
  clcnn_status status = clip_bound(b, 1, "min", -INFINITY, &lo);
  if (status == CLCNN_OK) status = clip_bound(b, 2, "max", INFINITY, &hi);
  if (status != CLCNN_OK) return status;
  if (isnan(lo) || isnan(hi) || lo > hi)
    return mb_fail(b, CLCNN_UNSUPPORTED, "bounds min = %g, max = %g (clcnn needs min <= max)",
                   (double)lo, (double)hi);
  if (lo == 0.0f && hi == 6.0f) return activation(b, CLCNN_ACT_RELU6, lo, hi);
  if (lo == 0.0f && isinf(hi)) return activation(b, CLCNN_ACT_RELU, lo, hi);
  return activation(b, -1, lo, hi);
}

/* The convolution that alone computes x and can take constant c as (part of) its bias: c
   has one value per channel of x, broadcast from the right (K x 1 x 1 on N x K x H x W, K on
   N x K). -1 when there is none. */
static int bias_taker(builder *b, int x, const onnx_tensor *c) {
  int conv = mb_foldable_conv(b, x);
  const model_value *v = &b->m->values[x];
  size_t k = v->shape[1];
  int channel_axis = c->rank - (v->rank - 1);
  int per_channel = c->f && c->count == k && c->rank <= v->rank && channel_axis >= 0 &&
                    c->dims[channel_axis] == (int64_t)k;
  return per_channel ? conv : -1;
}

static clcnn_status fold_bias(builder *b, int x, int conv, const onnx_tensor *c) {
  const model_value *v = &b->m->values[x];
  size_t k = v->shape[1];
  model_layer *l = &b->m->layers[conv];
  if (!l->b_host && !(l->b_host = calloc(k, sizeof(float))))
    return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
  for (size_t i = 0; i < k; i++) l->b_host[i] += c->f[i];
  return mb_set_output(b, v->rank, v->shape, -1, x);
}

/* Add and Sum: a per-channel constant after a convolution into its bias; tensors of one shape
   summed (a residual sum may be done by the convolution before it); two tensors of other
   shapes, or a tensor and another constant, added with broadcasting. */
clcnn_status mb_op_add(builder *b) {
  const onnx_node *node = b->node;
  if (pb_equals(node->op_type, "Add") && node->n_inputs != 2)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "Add takes 2 inputs, the node has %zu",
                   node->n_inputs);
  if (node->n_inputs == 2) {
    for (size_t k = 0; k < 2; k++) {
      int v = mb_find_value(b->m, node->inputs[k]);
      if (v >= 0 && b->m->values[v].rank == 0) {
        int x, other = mb_find_value(b->m, node->inputs[1 - k]), conv = -1;
        if (other >= 0 && b->m->values[other].rank > 0 && mb_act_input(b, 1 - k, 0, &x) == CLCNN_OK)
          conv = bias_taker(b, x, b->m->values[v].constant);
        return conv >= 0 ? fold_bias(b, x, conv, b->m->values[v].constant)
                         : mb_binary(b, CLCNN_BINARY_ADD);
      }
    }
    int v0 = mb_find_value(b->m, node->inputs[0]), v1 = mb_find_value(b->m, node->inputs[1]);
    if (v0 >= 0 && v1 >= 0 && b->m->values[v0].rank > 0 && b->m->values[v1].rank > 0 &&
        (b->m->values[v0].rank != b->m->values[v1].rank ||
         memcmp(b->m->values[v0].shape, b->m->values[v1].shape, sizeof b->m->values[v0].shape)))
      return mb_binary(b, CLCNN_BINARY_ADD);
  }
  if (node->n_inputs == 0 || node->n_inputs > LAYER_MAX_INPUTS)
    return mb_fail(b, CLCNN_UNSUPPORTED, "%zu inputs (clcnn sums 1 to %d)", node->n_inputs,
                   LAYER_MAX_INPUTS);
  int in[LAYER_MAX_INPUTS];
  for (size_t k = 0; k < node->n_inputs; k++) {
    clcnn_status status = mb_act_input(b, k, 0, &in[k]);
    if (status != CLCNN_OK) return status;
    const size_t *s0 = b->m->values[in[0]].shape, *s = b->m->values[in[k]].shape;
    if (memcmp(s0, s, 4 * sizeof *s) || b->m->values[in[0]].rank != b->m->values[in[k]].rank)
      return mb_fail(b, CLCNN_UNSUPPORTED,
                     "inputs of shapes %zux%zux%zux%zu and %zux%zux%zux%zu: clcnn sums more than "
                     "two tensors only when they have one shape",
                     s0[0], s0[1], s0[2], s0[3], s[0], s[1], s[2], s[3]);
  }
  const model_value *v = &b->m->values[in[0]];
  if (node->n_inputs == 1) return mb_set_output(b, v->rank, v->shape, -1, in[0]);
  int index;
  model_layer *l = mb_new_layer(b, LAYER_ADD, -1, &index);
  memcpy(l->in, in, node->n_inputs * sizeof *in);
  l->n_in = node->n_inputs;
  return mb_set_output(b, v->rank, v->shape, index, -1);
}

clcnn_status mb_op_concat(builder *b) {
  const onnx_node *node = b->node;
  int64_t axis;
  clcnn_status status = mb_get_int(b, "axis", INT64_MAX, &axis);
  if (status != CLCNN_OK) return status;
  if (node->n_inputs == 0 || node->n_inputs > LAYER_MAX_INPUTS)
    return mb_fail(b, CLCNN_UNSUPPORTED, "%zu inputs (clcnn concatenates 1 to %d)", node->n_inputs,
                   LAYER_MAX_INPUTS);
  if (axis == INT64_MAX) return mb_fail(b, CLCNN_INVALID_ARGUMENT, "the axis attribute is missing");
  if (mb_is_constant_input(b, 0)) return mb_constant_concat(b, axis);
  int index, x;
  if ((status = mb_act_input(b, 0, 0, &x)) != CLCNN_OK) return status;
  int rank = b->m->values[x].rank;
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "axis %lld of a rank-%d tensor", (long long)axis,
                   rank);
  size_t ys[4];
  memcpy(ys, b->m->values[x].shape, sizeof ys);
  ys[a] = 0;
  model_layer *l = mb_new_layer(b, LAYER_CONCAT, -1, &index);
  for (size_t k = 0; k < node->n_inputs; k++) {
    if ((status = mb_act_input(b, k, rank, &l->in[k])) != CLCNN_OK) return status;
    const size_t *s = b->m->values[l->in[k]].shape;
    for (int d = 0; d < 4; d++)
      if (d != a && s[d] != ys[d])
        return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                       "input %zu is %zux%zux%zux%zu, the first %zux%zux%zux%zu (they may differ "
                       "only along axis %lld)",
                       k, s[0], s[1], s[2], s[3], b->m->values[x].shape[0],
                       b->m->values[x].shape[1], b->m->values[x].shape[2], b->m->values[x].shape[3],
                       (long long)a);
    ys[a] += s[a];
  }
  l->n_in = node->n_inputs;
  /* every tensor seen as (before the axis) x (along it) x (after it) x 1: channels */
  size_t pre = mb_product(ys, 0, (int)a), post = mb_product(ys, (int)a + 1, 4);
  if (a != 1 || rank != 4) {
    for (size_t k = 0; k < l->n_in && status == CLCNN_OK; k++)
      status = mb_set_view(b, l, k, (size_t[4]){pre, b->m->values[l->in[k]].shape[a], post, 1});
    if (status == CLCNN_OK) status = mb_set_view(b, l, l->n_in, (size_t[4]){pre, ys[a], post, 1});
    if (status != CLCNN_OK) return status;
  }
  return mb_set_output(b, rank, ys, index, -1);
}

clcnn_status mb_op_softmax(builder *b) {
  int x;
  int64_t axis;
  int modern = b->onnx->opset == 0 || b->onnx->opset >= 13;
  clcnn_status status = mb_act_input(b, 0, 0, &x);
  if (status == CLCNN_OK) status = mb_get_int(b, "axis", modern ? -1 : 1, &axis);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  int64_t a = axis < 0 ? axis + v->rank : axis;
  if (a < 0 || a >= v->rank)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "axis %lld of a rank-%d tensor", (long long)axis,
                   v->rank);
  /* opset 13 on: along the axis, each line apart; before: over everything from the axis on */
  const size_t view[4] = {mb_product(v->shape, 0, (int)a),
                          modern ? v->shape[a] : mb_product(v->shape, (int)a, 4),
                          modern ? mb_product(v->shape, (int)a + 1, 4) : 1, 1};
  int index;
  model_layer *l = mb_new_layer(b, LAYER_SOFTMAX, x, &index);
  if (memcmp(view, v->shape, sizeof view) &&
      ((status = mb_set_view(b, l, 0, view)) != CLCNN_OK || (status = mb_set_view(b, l, 1, view))))
    return status;
  return mb_set_output(b, v->rank, v->shape, index, -1);
}

/* Pad, constant mode with zeros, on the planes of a 4-D tensor (PyTorch writes one before
   an average pooling that counts padding); all-zero pads make it a view. */
clcnn_status mb_op_pad(builder *b) {
  int x;
  const onnx_tensor *pads, *value = NULL;
  const onnx_attr *mode;
  clcnn_status status = mb_act_input(b, 0, 0, &x);
  if (status == CLCNN_OK) status = mb_const_input(b, 1, ONNX_INT64, &pads);
  if (status == CLCNN_OK && mb_has_input(b->node, 2))
    status = mb_const_input(b, 2, ONNX_FLOAT, &value);
  if (status == CLCNN_OK) status = mb_attr_of(b, "mode", ONNX_ATTR_STRING, &mode);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  if (mb_has_input(b->node, 3))
    return mb_fail(b, CLCNN_UNSUPPORTED, "the axes input (opset 18) is not supported");
  if (mode && !pb_equals(mode->s, "constant"))
    return mb_fail(b, CLCNN_UNSUPPORTED, "mode '%.*s' (clcnn pads with a constant)", PB(mode->s));
  if (pads->count != 2 * (size_t)v->rank)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "%zu pads for a rank-%d tensor", pads->count,
                   v->rank);
  int any = 0, spatial_only = v->rank == 4;
  for (size_t i = 0; i < pads->count; i++) {
    if (pads->i[i] < 0 || pads->i[i] > (1 << 20))
      return mb_fail(b, CLCNN_UNSUPPORTED, "pad %zu is %lld (clcnn pads by 0 to 2^20)", i,
                     (long long)pads->i[i]);
    any |= pads->i[i] != 0;
    if (pads->i[i] && i % (size_t)v->rank < 2) spatial_only = 0;
  }
  if (!any) return mb_set_output(b, v->rank, v->shape, -1, x);
  if (!spatial_only)
    return mb_fail(b, CLCNN_UNSUPPORTED, "padding beyond the last two axes of a 4-D tensor");
  if (value && (value->count != 1 || value->f[0] != 0.0f))
    return mb_fail(b, CLCNN_UNSUPPORTED, "constant_value %g (clcnn pads with zeros)",
                   value->count ? (double)value->f[0] : 0.0);
  int index;
  model_layer *l = mb_new_layer(b, LAYER_PAD, x, &index);
  const size_t p[4] = {(size_t)pads->i[2], (size_t)pads->i[6], (size_t)pads->i[3],
                       (size_t)pads->i[7]};
  memcpy(l->pads, p, sizeof p);
  const size_t ys[4] = {v->shape[0], v->shape[1], v->shape[2] + p[0] + p[1],
                        v->shape[3] + p[2] + p[3]};
  return mb_set_output(b, 4, ys, index, -1);
}

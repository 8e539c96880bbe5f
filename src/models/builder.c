/* The builder's helpers: failures with the node named, values, a node's inputs and
   attributes, its outputs, new layers and their views, the convolution a following node may
   fold or fuse into, and ONNX's padding rules. */
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/builder.h"
#include "ops/shape.h"

clcnn_status mb_fail(builder *b, clcnn_status status, const char *fmt, ...) {
  char message[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  return clcnn_fail(b->m->ctx, status, "%s: %s", b->where, message);
}

int mb_find_value(const clcnn_model *m, pb_bytes name) {
  for (size_t i = 0; i < m->n_values; i++)
    if (strlen(m->values[i].name) == name.size && !memcmp(m->values[i].name, name.data, name.size))
      return (int)i;
  return -1;
}

/* A new value called name (unique), with no shape yet. */
clcnn_status mb_add_value(builder *b, pb_bytes name, int *out) {
  clcnn_model *m = b->m;
  if (name.size == 0) return mb_fail(b, CLCNN_INVALID_ARGUMENT, "a value has an empty name");
  if (mb_find_value(m, name) >= 0)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "value '%.*s' is defined twice", PB(name));
  model_value *v = &m->values[m->n_values];
  if (!(v->name = malloc(name.size + 1)))
    return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
  memcpy(v->name, name.data, name.size);
  v->name[name.size] = '\0';
  v->rank = -1;
  v->storage = (int)m->n_values;
  v->producer = -1;
  v->slot = -1;
  v->alias_of = -1;
  *out = (int)m->n_values++;
  return CLCNN_OK;
}

int mb_has_input(const onnx_node *node, size_t k) {
  return k < node->n_inputs && node->inputs[k].size > 0;
}

/* Input k of the node as a computed tensor, of rank rank_want (0: any). */
clcnn_status mb_act_input(builder *b, size_t k, int rank_want, int *out) {
  const onnx_node *node = b->node;
  if (!mb_has_input(node, k))
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "input %zu is missing (the node has %zu)", k,
                   node->n_inputs);
  int v = mb_find_value(b->m, node->inputs[k]);
  if (v < 0)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                   "input '%.*s' is not a graph input, an initializer or any node's output",
                   PB(node->inputs[k]));
  const model_value *val = &b->m->values[v];
  if (val->rank < 0)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                   "input '%.*s' is used before the node that computes it (nodes must be in "
                   "topological order)",
                   PB(node->inputs[k]));
  if (val->rank == 0)
    return mb_fail(b, CLCNN_UNSUPPORTED,
                   "input %zu '%.*s' is a constant; clcnn runs this operator on computed tensors "
                   "only",
                   k, PB(node->inputs[k]));
  if (rank_want && val->rank != rank_want)
    return mb_fail(b, CLCNN_UNSUPPORTED, "input '%.*s' has rank %d, expected %d",
                   PB(node->inputs[k]), val->rank, rank_want);
  *out = v;
  return CLCNN_OK;
}

/* Input k as a constant of type (ONNX_FLOAT, or ONNX_INT64 for int32/int64 data). */
clcnn_status mb_const_input(builder *b, size_t k, int type, const onnx_tensor **out) {
  const onnx_node *node = b->node;
  if (!mb_has_input(node, k))
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "input %zu is missing (the node has %zu)", k,
                   node->n_inputs);
  int v = mb_find_value(b->m, node->inputs[k]);
  if (v < 0 || b->m->values[v].rank != 0)
    return mb_fail(b, v < 0 ? CLCNN_INVALID_ARGUMENT : CLCNN_UNSUPPORTED,
                   "input %zu '%.*s' must be an initializer or a Constant", k, PB(node->inputs[k]));
  const onnx_tensor *t = b->m->values[v].constant;
  if ((type == ONNX_FLOAT && !t->f) || (type != ONNX_FLOAT && !t->i))
    return mb_fail(b, CLCNN_UNSUPPORTED, "input '%.*s' has data type %d, expected %s",
                   PB(node->inputs[k]), t->type, type == ONNX_FLOAT ? "float" : "an integer type");
  *out = t;
  return CLCNN_OK;
}

/* Input k as a parameter: a constant (*t) or a tensor computed at run time (*v, and *t NULL). */
clcnn_status mb_param_input(builder *b, size_t k, const onnx_tensor **t, int *v) {
  *t = NULL;
  *v = -1;
  int id = mb_has_input(b->node, k) ? mb_find_value(b->m, b->node->inputs[k]) : -1;
  if (id >= 0 && b->m->values[id].rank == 0) return mb_const_input(b, k, ONNX_FLOAT, t);
  return mb_act_input(b, k, 0, v);
}

size_t mb_product(const size_t *dims, int from, int to) {
  size_t p = 1;
  for (int i = from; i < to; i++) p *= dims[i];
  return p;
}

clcnn_status mb_attr_of(builder *b, const char *name, int type, const onnx_attr **out) {
  const onnx_attr *a = onnx_find_attr(b->node, name);
  *out = a;
  if (a && a->type != type)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "attribute %s has type %d, expected %d", name,
                   a->type, type);
  return CLCNN_OK;
}

clcnn_status mb_get_int(builder *b, const char *name, int64_t def, int64_t *out) {
  const onnx_attr *a;
  clcnn_status status = mb_attr_of(b, name, ONNX_ATTR_INT, &a);
  *out = a ? a->i : def;
  return status;
}

clcnn_status mb_get_float(builder *b, const char *name, float def, float *out) {
  const onnx_attr *a;
  clcnn_status status = mb_attr_of(b, name, ONNX_ATTR_FLOAT, &a);
  *out = a ? a->f : def;
  return status;
}

/* count integers in lo..hi, def (count values) when absent. */
clcnn_status mb_get_ints(builder *b, const char *name, size_t count, int64_t def, int64_t lo,
                         int64_t hi, int64_t *out) {
  const onnx_attr *a;
  clcnn_status status = mb_attr_of(b, name, ONNX_ATTR_INTS, &a);
  if (status != CLCNN_OK) return status;
  if (a && a->count != count)
    return mb_fail(b, CLCNN_UNSUPPORTED, "attribute %s has %zu values, expected %zu", name,
                   a->count, count);
  for (size_t i = 0; i < count; i++) {
    out[i] = a ? a->ints[i] : def;
    if (out[i] < lo || out[i] > hi)
      return mb_fail(b, CLCNN_INVALID_ARGUMENT, "attribute %s[%zu] = %lld, expected %lld..%lld",
                     name, i, (long long)out[i], (long long)lo, (long long)hi);
  }
  return CLCNN_OK;
}

/* Outputs after the first must be unnamed or unused. */
clcnn_status mb_only_first_output(builder *b) {
  for (size_t k = 1; k < b->node->n_outputs; k++) {
    int v = mb_find_value(b->m, b->node->outputs[k]);
    if (v >= 0 && b->m->values[v].uses > 0)
      return mb_fail(b, CLCNN_UNSUPPORTED, "output %zu '%s' is used; clcnn computes only the first",
                     k, b->m->values[v].name);
  }
  return CLCNN_OK;
}

/* The value of the node's first output, which must be named. */
clcnn_status mb_first_output(builder *b, int *out) {
  *out = -1;
  if (b->node->n_outputs == 0 || (*out = mb_find_value(b->m, b->node->outputs[0])) < 0)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "the node's first output has no name");
  return CLCNN_OK;
}

/* The node's first output: computed by layer (or a view of storage when layer is -1). */
clcnn_status mb_set_output(builder *b, int rank, const size_t shape[4], int layer, int storage) {
  if (b->node->n_outputs == 0) return mb_fail(b, CLCNN_INVALID_ARGUMENT, "the node has no output");
  clcnn_status status = mb_only_first_output(b);
  if (status != CLCNN_OK) return status;
  int v;
  if ((status = mb_first_output(b, &v)) != CLCNN_OK) return status;
  model_value *val = &b->m->values[v];
  val->rank = rank;
  memcpy(val->shape, shape, sizeof val->shape);
  val->producer = layer >= 0 ? layer : b->m->values[storage].producer;
  val->storage = layer >= 0 ? v : b->m->values[storage].storage;
  val->alias_of = layer >= 0 ? -1 : storage;
  if (layer >= 0) b->m->layers[layer].out = v;
  return CLCNN_OK;
}

model_layer *mb_new_layer(builder *b, layer_kind kind, int x, int *index) {
  model_layer *l = &b->m->layers[b->m->n_layers];
  l->kind = kind;
  if (x >= 0) {
    l->in[0] = x;
    l->n_in = 1;
  }
  l->act = ACT_NONE;
  l->out = -1;
  l->w_in = l->b_in = -1;
  for (int k = 0; k < 4; k++) l->bn_in[k] = -1;
  *index = (int)b->m->n_layers++;
  return l;
}

/* Layer l sees input k (k == l->n_in: its output) as shape s; n_in must be final. */
clcnn_status mb_set_view(builder *b, model_layer *l, size_t k, const size_t s[4]) {
  if (!l->view_shape && !(l->view_shape = calloc(l->n_in + 1, sizeof *l->view_shape)))
    return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
  memcpy(l->view_shape[k], s, sizeof l->view_shape[k]);
  return CLCNN_OK;
}

/* The convolution or sum layer that alone computes value v (directly or through same-shaped
   views each read once), with no activation fused yet: the place to fuse an activation. -1
   when there is none. */
int mb_fusable_layer(const builder *b, int v) {
  const model_value *val = &b->m->values[v];
  for (; val->alias_of >= 0; val = &b->m->values[val->alias_of])
    if (val->uses != 1 || memcmp(val->shape, b->m->values[val->alias_of].shape, sizeof val->shape))
      return -1;
  if (val->producer < 0 || val->uses != 1) return -1;
  const model_layer *l = &b->m->layers[val->producer];
  return (l->kind == LAYER_CONV || l->kind == LAYER_ADD) && &b->m->values[l->out] == val &&
                 l->act == ACT_NONE
             ? val->producer
             : -1;
}

/* The same when that layer is a convolution. */
int mb_fusable_conv(const builder *b, int v) {
  int l = mb_fusable_layer(b, v);
  return l >= 0 && b->m->layers[l].kind == LAYER_CONV ? l : -1;
}

/* A fusable convolution whose weights and bias are uploaded constants seen in the value's
   own layout: the place to fold a batch normalization or a per-channel constant. */
int mb_foldable_conv(const builder *b, int v) {
  int conv = mb_fusable_conv(b, v);
  if (conv < 0) return -1;
  const model_layer *l = &b->m->layers[conv];
  return l->w_in < 0 && l->b_in < 0 && !l->view_shape ? conv : -1;
}

float *mb_copy_floats(const float *src, size_t count) {
  float *dst = malloc((count ? count : 1) * sizeof *dst);
  if (dst && count) memcpy(dst, src, count * sizeof *dst);
  return dst;
}

/* pads[4] (top, left, bottom, right) from auto_pad or the pads attribute, for windows of
   extent[2] (dilated) moving by stride[2] over in[2]. */
clcnn_status mb_spatial_pads(builder *b, int spatial, const size_t in[2], const int64_t extent[2],
                             const int64_t stride[2], int64_t pads[4]) {
  const onnx_attr *a;
  clcnn_status status = mb_attr_of(b, "auto_pad", ONNX_ATTR_STRING, &a);
  if (status != CLCNN_OK) return status;
  pads[1] = pads[3] = 0; /* one spatial axis: the planes' height, no padding across */
  if (!a || pb_equals(a->s, "NOTSET")) { /* the begins of each axis, then the ends */
    int64_t given[4];
    status = mb_get_ints(b, "pads", 2 * (size_t)spatial, 0, 0, (int64_t)1 << 30, given);
    for (int i = 0; i < spatial; i++) pads[i] = given[i], pads[i + 2] = given[i + spatial];
    return status;
  }
  int upper = pb_equals(a->s, "SAME_UPPER"), lower = pb_equals(a->s, "SAME_LOWER");
  if (!upper && !lower && !pb_equals(a->s, "VALID"))
    return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                   "auto_pad '%.*s' is not NOTSET, SAME_UPPER, "
                   "SAME_LOWER or VALID",
                   PB(a->s));
  for (int i = 0; i < spatial; i++) {
    int64_t total = 0;
    if (upper || lower) {
      int64_t out = ((int64_t)in[i] + stride[i] - 1) / stride[i];
      total = (out - 1) * stride[i] + extent[i] - (int64_t)in[i];
      if (total < 0) total = 0;
    }
    pads[i] = upper ? total / 2 : total - total / 2;
    pads[i + 2] = total - pads[i];
  }
  return CLCNN_OK;
}

/* Appends runtime parameter v (when >= 0) to l's inputs; its index in `in`, or -1. */
int mb_add_param(model_layer *l, int v) {
  if (v < 0) return -1;
  l->in[l->n_in] = v;
  return (int)l->n_in++;
}

clcnn_status mb_make_pool(builder *b, int x, const clcnn_pool2d_desc *d, int rank) {
  clcnn_pool_geometry g;
  clcnn_status status = clcnn_pool_geometry_make_rule(b->m->ctx, b->where, d, b->m->values[x].shape,
                                                      CLCNN_PADS_BELOW_WINDOW, &g);
  if (status != CLCNN_OK) return status;
  int index;
  model_layer *l = mb_new_layer(b, LAYER_POOL, x, &index);
  l->pool = *d;
  const size_t ys[4] = {g.n, g.c, g.p, g.q};
  return mb_set_output(b, rank, ys, index, -1);
}

clcnn_status mb_new_constant(builder *b, int type, int rank, const int64_t *dims,
                             onnx_tensor **out) {
  size_t count = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0 || dims[i] > (1 << 24) || count * (size_t)dims[i] > (1 << 24))
      return mb_fail(b, CLCNN_UNSUPPORTED, "a computed constant of more than 2^24 values");
    count *= (size_t)dims[i];
  }
  if (b->n_scratch == b->scratch_cap) {
    size_t cap = b->scratch_cap ? 2 * b->scratch_cap : 16;
    onnx_tensor **grown = realloc(b->scratch, cap * sizeof *grown);
    if (!grown) return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
    b->scratch = grown;
    b->scratch_cap = cap;
  }
  size_t width = type == ONNX_FLOAT ? sizeof(float) : sizeof(int64_t);
  onnx_tensor *t = calloc(1, sizeof *t + (count ? count : 1) * width);
  if (!t) return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
  b->scratch[b->n_scratch++] = t;
  t->type = type;
  t->rank = rank;
  t->count = count;
  for (int i = 0; i < rank; i++) t->dims[i] = dims[i];
  if (type == ONNX_FLOAT)
    t->f = (float *)(t + 1);
  else
    t->i = (int64_t *)(t + 1);
  *out = t;
  return CLCNN_OK;
}

clcnn_status mb_set_constant_output(builder *b, const onnx_tensor *t) {
  int out;
  clcnn_status status = mb_only_first_output(b);
  if (status == CLCNN_OK) status = mb_first_output(b, &out);
  if (status != CLCNN_OK) return status;
  b->m->values[out].rank = 0;
  b->m->values[out].constant = t;
  return CLCNN_OK;
}

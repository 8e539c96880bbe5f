/* ONNX nodes into clcnn layers: shapes inferred node by node, batch normalization and
   per-channel constant additions folded into the convolution before them, ReLU / ReLU6 fused
   into it, Flatten / Reshape / Dropout / Identity made views of their input. Anything clcnn
   cannot run exactly is refused with the node, its operator and the reason. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/graph.h"
#include "ops/shape.h"

typedef struct builder {
  clcnn_model *m;
  const onnx_model *onnx;
  const onnx_node *node; /* the node being built */
  char where[320];       /* "clcnn_model_load: node 3 'conv1' (Conv)" */
  int64_t declared_batch;
  onnx_tensor *scratch[64]; /* constants made from Constant nodes' scalar attributes */
  size_t n_scratch;
} builder;

static clcnn_status fail(builder *b, clcnn_status status, const char *fmt, ...) {
  char message[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  return clcnn_fail(b->m->ctx, status, "%s: %s", b->where, message);
}

#define PB(bytes) (int)(bytes).size, (const char *)(bytes).data

static int find_value(const clcnn_model *m, pb_bytes name) {
  for (size_t i = 0; i < m->n_values; i++)
    if (strlen(m->values[i].name) == name.size && !memcmp(m->values[i].name, name.data, name.size))
      return (int)i;
  return -1;
}

/* A new value called name (unique), with no shape yet. */
static clcnn_status add_value(builder *b, pb_bytes name, int *out) {
  clcnn_model *m = b->m;
  if (name.size == 0) return fail(b, CLCNN_INVALID_ARGUMENT, "a value has an empty name");
  if (find_value(m, name) >= 0)
    return fail(b, CLCNN_INVALID_ARGUMENT, "value '%.*s' is defined twice", PB(name));
  model_value *v = &m->values[m->n_values];
  if (!(v->name = malloc(name.size + 1)))
    return fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
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

/* ---- node inputs and attributes ---------------------------------------------------------- */

static int has_input(const onnx_node *node, size_t k) {
  return k < node->n_inputs && node->inputs[k].size > 0;
}

/* Input k of the node as a computed tensor, of rank rank_want (0: any). */
static clcnn_status act_input(builder *b, size_t k, int rank_want, int *out) {
  const onnx_node *node = b->node;
  if (!has_input(node, k))
    return fail(b, CLCNN_INVALID_ARGUMENT, "input %zu is missing (the node has %zu)", k,
                node->n_inputs);
  int v = find_value(b->m, node->inputs[k]);
  if (v < 0)
    return fail(b, CLCNN_INVALID_ARGUMENT,
                "input '%.*s' is not a graph input, an initializer or any node's output",
                PB(node->inputs[k]));
  const model_value *val = &b->m->values[v];
  if (val->rank < 0)
    return fail(b, CLCNN_INVALID_ARGUMENT,
                "input '%.*s' is used before the node that computes it (nodes must be in "
                "topological order)",
                PB(node->inputs[k]));
  if (val->rank == 0)
    return fail(b, CLCNN_UNSUPPORTED,
                "input %zu '%.*s' is a constant; clcnn runs this operator on computed tensors "
                "only",
                k, PB(node->inputs[k]));
  if (rank_want && val->rank != rank_want)
    return fail(b, CLCNN_UNSUPPORTED, "input '%.*s' has rank %d, expected %d", PB(node->inputs[k]),
                val->rank, rank_want);
  *out = v;
  return CLCNN_OK;
}

/* Input k as a constant of type (ONNX_FLOAT, or ONNX_INT64 for int32/int64 data). */
static clcnn_status const_input(builder *b, size_t k, int type, const onnx_tensor **out) {
  const onnx_node *node = b->node;
  if (!has_input(node, k))
    return fail(b, CLCNN_INVALID_ARGUMENT, "input %zu is missing (the node has %zu)", k,
                node->n_inputs);
  int v = find_value(b->m, node->inputs[k]);
  if (v < 0 || b->m->values[v].rank != 0)
    return fail(b, v < 0 ? CLCNN_INVALID_ARGUMENT : CLCNN_UNSUPPORTED,
                "input %zu '%.*s' must be an initializer or a Constant", k, PB(node->inputs[k]));
  const onnx_tensor *t = b->m->values[v].constant;
  if ((type == ONNX_FLOAT && !t->f) || (type != ONNX_FLOAT && !t->i))
    return fail(b, CLCNN_UNSUPPORTED, "input '%.*s' has data type %d, expected %s",
                PB(node->inputs[k]), t->type, type == ONNX_FLOAT ? "float" : "an integer type");
  *out = t;
  return CLCNN_OK;
}

/* Input k as a parameter: a constant (*t) or a tensor computed at run time (*v, and *t NULL). */
static clcnn_status param_input(builder *b, size_t k, const onnx_tensor **t, int *v) {
  *t = NULL;
  *v = -1;
  int id = has_input(b->node, k) ? find_value(b->m, b->node->inputs[k]) : -1;
  if (id >= 0 && b->m->values[id].rank == 0) return const_input(b, k, ONNX_FLOAT, t);
  return act_input(b, k, 0, v);
}

static size_t product(const size_t *dims, int from, int to) {
  size_t p = 1;
  for (int i = from; i < to; i++) p *= dims[i];
  return p;
}

static clcnn_status attr_of(builder *b, const char *name, int type, const onnx_attr **out) {
  const onnx_attr *a = onnx_find_attr(b->node, name);
  *out = a;
  if (a && a->type != type)
    return fail(b, CLCNN_INVALID_ARGUMENT, "attribute %s has type %d, expected %d", name, a->type,
                type);
  return CLCNN_OK;
}

static clcnn_status get_int(builder *b, const char *name, int64_t def, int64_t *out) {
  const onnx_attr *a;
  clcnn_status status = attr_of(b, name, ONNX_ATTR_INT, &a);
  *out = a ? a->i : def;
  return status;
}

static clcnn_status get_float(builder *b, const char *name, float def, float *out) {
  const onnx_attr *a;
  clcnn_status status = attr_of(b, name, ONNX_ATTR_FLOAT, &a);
  *out = a ? a->f : def;
  return status;
}

/* count integers in lo..hi, def (count values) when absent. */
static clcnn_status get_ints(builder *b, const char *name, size_t count, int64_t def, int64_t lo,
                             int64_t hi, int64_t *out) {
  const onnx_attr *a;
  clcnn_status status = attr_of(b, name, ONNX_ATTR_INTS, &a);
  if (status != CLCNN_OK) return status;
  if (a && a->count != count)
    return fail(b, CLCNN_UNSUPPORTED, "attribute %s has %zu values, expected %zu (2-D)", name,
                a->count, count);
  for (size_t i = 0; i < count; i++) {
    out[i] = a ? a->ints[i] : def;
    if (out[i] < lo || out[i] > hi)
      return fail(b, CLCNN_INVALID_ARGUMENT, "attribute %s[%zu] = %lld, expected %lld..%lld", name,
                  i, (long long)out[i], (long long)lo, (long long)hi);
  }
  return CLCNN_OK;
}

/* Outputs after the first must be unnamed or unused. */
static clcnn_status only_first_output(builder *b) {
  for (size_t k = 1; k < b->node->n_outputs; k++) {
    int v = find_value(b->m, b->node->outputs[k]);
    if (v >= 0 && b->m->values[v].uses > 0)
      return fail(b, CLCNN_UNSUPPORTED, "output %zu '%s' is used; clcnn computes only the first", k,
                  b->m->values[v].name);
  }
  return CLCNN_OK;
}

/* The value of the node's first output, which must be named. */
static clcnn_status first_output(builder *b, int *out) {
  *out = -1;
  if (b->node->n_outputs == 0 || (*out = find_value(b->m, b->node->outputs[0])) < 0)
    return fail(b, CLCNN_INVALID_ARGUMENT, "the node's first output has no name");
  return CLCNN_OK;
}

/* The node's first output: computed by layer (or a view of storage when layer is -1). */
static clcnn_status set_output(builder *b, int rank, const size_t shape[4], int layer,
                               int storage) {
  if (b->node->n_outputs == 0) return fail(b, CLCNN_INVALID_ARGUMENT, "the node has no output");
  clcnn_status status = only_first_output(b);
  if (status != CLCNN_OK) return status;
  int v;
  if ((status = first_output(b, &v)) != CLCNN_OK) return status;
  model_value *val = &b->m->values[v];
  val->rank = rank;
  memcpy(val->shape, shape, sizeof val->shape);
  val->producer = layer >= 0 ? layer : b->m->values[storage].producer;
  val->storage = layer >= 0 ? v : b->m->values[storage].storage;
  val->alias_of = layer >= 0 ? -1 : storage;
  if (layer >= 0) b->m->layers[layer].out = v;
  return CLCNN_OK;
}

static model_layer *new_layer(builder *b, layer_kind kind, int *index) {
  model_layer *l = &b->m->layers[b->m->n_layers];
  l->kind = kind;
  l->act = ACT_NONE;
  l->out = -1;
  l->w_in = l->b_in = -1;
  for (int k = 0; k < 4; k++) l->bn_in[k] = -1;
  *index = (int)b->m->n_layers++;
  return l;
}

/* Layer l sees input k (k == l->n_in: its output) as shape s; n_in must be final. */
static clcnn_status set_view(builder *b, model_layer *l, size_t k, const size_t s[4]) {
  if (!l->view_shape && !(l->view_shape = calloc(l->n_in + 1, sizeof *l->view_shape)))
    return fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
  memcpy(l->view_shape[k], s, sizeof l->view_shape[k]);
  return CLCNN_OK;
}

/* The convolution layer that alone computes value v (directly or through same-shaped views
   each read once), with no activation fused yet: the place to fuse an activation. -1 when
   there is none. */
static int fusable_conv(const builder *b, int v) {
  const model_value *val = &b->m->values[v];
  for (; val->alias_of >= 0; val = &b->m->values[val->alias_of])
    if (val->uses != 1 || memcmp(val->shape, b->m->values[val->alias_of].shape, sizeof val->shape))
      return -1;
  if (val->producer < 0 || val->uses != 1) return -1;
  const model_layer *l = &b->m->layers[val->producer];
  return l->kind == LAYER_CONV && &b->m->values[l->out] == val && l->act == ACT_NONE ? val->producer
                                                                                     : -1;
}

/* A fusable convolution whose weights and bias are uploaded constants seen in the value's
   own layout: the place to fold a batch normalization or a per-channel constant. */
static int foldable_conv(const builder *b, int v) {
  int conv = fusable_conv(b, v);
  if (conv < 0) return -1;
  const model_layer *l = &b->m->layers[conv];
  return l->w_in < 0 && l->b_in < 0 && !l->view_shape ? conv : -1;
}

static float *copy_floats(const float *src, size_t count) {
  float *dst = malloc((count ? count : 1) * sizeof *dst);
  if (dst && count) memcpy(dst, src, count * sizeof *dst);
  return dst;
}

/* ---- padding ------------------------------------------------------------------------------ */

/* pads[4] (top, left, bottom, right) from auto_pad or the pads attribute, for windows of
   extent[2] (dilated) moving by stride[2] over in[2]. */
static clcnn_status spatial_pads(builder *b, const size_t in[2], const int64_t extent[2],
                                 const int64_t stride[2], int64_t pads[4]) {
  const onnx_attr *a;
  clcnn_status status = attr_of(b, "auto_pad", ONNX_ATTR_STRING, &a);
  if (status != CLCNN_OK) return status;
  if (!a || pb_equals(a->s, "NOTSET")) return get_ints(b, "pads", 4, 0, 0, (int64_t)1 << 30, pads);
  int upper = pb_equals(a->s, "SAME_UPPER"), lower = pb_equals(a->s, "SAME_LOWER");
  if (!upper && !lower && !pb_equals(a->s, "VALID"))
    return fail(b, CLCNN_INVALID_ARGUMENT,
                "auto_pad '%.*s' is not NOTSET, SAME_UPPER, "
                "SAME_LOWER or VALID",
                PB(a->s));
  for (int i = 0; i < 2; i++) {
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

/* ---- operators ---------------------------------------------------------------------------- */

/* Appends runtime parameter v (when >= 0) to l's inputs; its index in `in`, or -1. */
static int add_param(model_layer *l, int v) {
  if (v < 0) return -1;
  l->in[l->n_in] = v;
  return (int)l->n_in++;
}

static clcnn_status op_conv(builder *b) {
  int x, wv, bv = -1;
  const onnx_tensor *w, *bias = NULL;
  clcnn_status status = act_input(b, 0, 4, &x);
  if (status == CLCNN_OK) status = param_input(b, 1, &w, &wv);
  if (status == CLCNN_OK && has_input(b->node, 2)) status = param_input(b, 2, &bias, &bv);
  if (status != CLCNN_OK) return status;
  int w_rank = w ? w->rank : b->m->values[wv].rank;
  if (w_rank != 4)
    return fail(b, CLCNN_UNSUPPORTED, "weights of rank %d: clcnn runs 2-D convolutions (rank 4)",
                w_rank);
  const size_t *xs = b->m->values[x].shape;
  size_t ws[4];
  for (int i = 0; i < 4; i++) ws[i] = w ? (size_t)w->dims[i] : b->m->values[wv].shape[i];
  int64_t group, kernel[2], stride[2], dil[2], pads[4], extent[2];
  if ((status = get_int(b, "group", 1, &group)) != CLCNN_OK ||
      (status = get_ints(b, "kernel_shape", 2, 0, 0, 1 << 30, kernel)) != CLCNN_OK ||
      (status = get_ints(b, "strides", 2, 1, 1, 1 << 30, stride)) != CLCNN_OK ||
      (status = get_ints(b, "dilations", 2, 1, 1, 1 << 30, dil)) != CLCNN_OK)
    return status;
  if (onnx_find_attr(b->node, "kernel_shape") &&
      ((size_t)kernel[0] != ws[2] || (size_t)kernel[1] != ws[3]))
    return fail(b, CLCNN_INVALID_ARGUMENT,
                "kernel_shape %lldx%lld differs from the weights' %zux%zu", (long long)kernel[0],
                (long long)kernel[1], ws[2], ws[3]);
  if (group < 1 || group > (int64_t)xs[1])
    return fail(b, CLCNN_INVALID_ARGUMENT, "group %lld for %zu input channels", (long long)group,
                xs[1]);
  for (int i = 0; i < 2; i++) extent[i] = dil[i] * ((int64_t)ws[2 + i] - 1) + 1;
  if ((status = spatial_pads(b, xs + 2, extent, stride, pads)) != CLCNN_OK) return status;
  clcnn_conv2d_desc d = {(size_t)stride[0], (size_t)stride[1], (size_t)pads[0], (size_t)pads[2],
                         (size_t)pads[1],   (size_t)pads[3],   (size_t)dil[0],  (size_t)dil[1],
                         (size_t)group,     CLCNN_CONV_AUTO};
  clcnn_conv_geometry g;
  if ((status = clcnn_conv_geometry_make(b->m->ctx, b->where, &d, xs, ws, &g)) != CLCNN_OK)
    return status;
  size_t bias_count = bias ? bias->count : bv >= 0 ? product(b->m->values[bv].shape, 0, 4) : 0;
  if ((bias || bv >= 0) && (bias_count != ws[0] || (bv >= 0 && b->m->values[bv].rank != 1)))
    return fail(b, CLCNN_INVALID_ARGUMENT, "bias has %zu values for %zu filters", bias_count,
                ws[0]);
  int index;
  model_layer *l = new_layer(b, LAYER_CONV, &index);
  l->in[0] = x;
  l->n_in = 1;
  l->w_in = add_param(l, wv);
  l->b_in = add_param(l, bv);
  l->conv = d;
  memcpy(l->w_shape, ws, sizeof ws);
  if (l->b_in >= 0 && (status = set_view(b, l, (size_t)l->b_in, (size_t[4]){1, ws[0], 1, 1})))
    return status;
  l->w_host = w ? copy_floats(w->f, w->count) : NULL;
  l->b_host = bias ? copy_floats(bias->f, bias->count) : NULL;
  if ((w && !l->w_host) || (bias && !l->b_host))
    return fail(b, CLCNN_OUT_OF_MEMORY, "host allocation of %zu weights failed", w->count);
  const size_t ys[4] = {g.n, g.k, g.p, g.q};
  return set_output(b, 4, ys, index, -1);
}

/* The fully connected layer of Gemm and MatMul: y = alpha * A B + beta * C as a 1x1
   convolution of A seen as M x K x 1 x 1 (the leading dimensions of a batched MatMul folded
   into M). B is a constant (bm), or a tensor computed at run time (bv) already laid out as
   N x K (transB, alpha 1); C a constant of N values or one, or a runtime vector of N. */
typedef struct fc_args {
  int x, bv, cv, trans_b;
  const onnx_tensor *bm, *c;
  float alpha, beta;
} fc_args;

static clcnn_status fully_connected(builder *b, const fc_args *a) {
  const model_value *xv = &b->m->values[a->x];
  const size_t *bs = a->bv >= 0 ? b->m->values[a->bv].shape : NULL;
  int b_rank = a->bm ? a->bm->rank : b->m->values[a->bv].rank;
  if (b_rank != 2)
    return fail(b, CLCNN_UNSUPPORTED, "the weight matrix has rank %d, expected 2", b_rank);
  size_t d0 = a->bm ? (size_t)a->bm->dims[0] : bs[0], d1 = a->bm ? (size_t)a->bm->dims[1] : bs[1];
  size_t cin = a->trans_b ? d1 : d0, k = a->trans_b ? d0 : d1;
  size_t rows = product(xv->shape, 0, xv->rank - 1), cols = xv->shape[xv->rank - 1];
  if (xv->rank < 2)
    return fail(b, CLCNN_UNSUPPORTED, "A has rank %d, expected 2 or more", xv->rank);
  if (cin != cols)
    return fail(b, CLCNN_INVALID_ARGUMENT,
                "A has %zu columns but the weight matrix %zux%zu%s needs %zu", cols, d0, d1,
                a->trans_b ? " (transposed)" : "", cin);
  if (a->bv >= 0 && (!a->trans_b || a->alpha != 1.0f))
    return fail(b, CLCNN_UNSUPPORTED,
                "a weight matrix computed at run time is taken as it is (transB = 1, alpha = 1); "
                "this one has transB = %d, alpha = %g",
                a->trans_b, (double)a->alpha);
  size_t c_count = a->c ? a->c->count : a->cv >= 0 ? product(b->m->values[a->cv].shape, 0, 4) : 0;
  if ((a->c && c_count != k && c_count != 1) ||
      (a->cv >= 0 && (c_count != k || a->beta != 1.0f ||
                      b->m->values[a->cv].shape[0] != (b->m->values[a->cv].rank == 1 ? k : 1))))
    return fail(b, CLCNN_UNSUPPORTED,
                "C has %zu values; clcnn adds a bias of %zu values (or one constant value; beta 1 "
                "when computed at run time)",
                c_count, k);
  if (k == 0 || cin == 0) return fail(b, CLCNN_INVALID_ARGUMENT, "an empty weight matrix");
  int index;
  model_layer *l = new_layer(b, LAYER_CONV, &index);
  l->in[0] = a->x;
  l->n_in = 1;
  l->w_in = add_param(l, a->bv);
  l->b_in = add_param(l, a->cv);
  l->conv = (clcnn_conv2d_desc){1, 1, 0, 0, 0, 0, 1, 1, 1, CLCNN_CONV_AUTO};
  const size_t ws[4] = {k, cin, 1, 1};
  memcpy(l->w_shape, ws, sizeof ws);
  clcnn_status status = CLCNN_OK;
  if (xv->rank != 2) { /* A and Y seen as matrices */
    status = set_view(b, l, 0, (size_t[4]){rows, cols, 1, 1});
    if (status == CLCNN_OK) status = set_view(b, l, l->n_in, (size_t[4]){rows, k, 1, 1});
  }
  if (status == CLCNN_OK && l->b_in >= 0)
    status = set_view(b, l, (size_t)l->b_in, (size_t[4]){1, k, 1, 1});
  if (status != CLCNN_OK) return status;
  if (a->bm) {
    if (!(l->w_host = malloc(k * cin * sizeof(float))))
      return fail(b, CLCNN_OUT_OF_MEMORY, "host allocation of %zu weights failed", k * cin);
    for (size_t i = 0; i < k; i++)
      for (size_t j = 0; j < cin; j++)
        l->w_host[i * cin + j] = a->alpha * a->bm->f[a->trans_b ? i * cin + j : j * k + i];
  }
  if (a->c) {
    if (!(l->b_host = malloc(k * sizeof(float))))
      return fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
    for (size_t i = 0; i < k; i++) l->b_host[i] = a->beta * a->c->f[c_count == 1 ? 0 : i];
  }
  size_t ys[4] = {1, 1, 1, 1};
  memcpy(ys, xv->shape, sizeof ys);
  ys[xv->rank - 1] = k;
  return set_output(b, xv->rank, ys, index, -1);
}

static clcnn_status op_gemm(builder *b) {
  fc_args a = {-1, -1, -1, 0, NULL, NULL, 1.0f, 1.0f};
  int64_t trans_a, trans_b;
  clcnn_status status = act_input(b, 0, 2, &a.x);
  if (status == CLCNN_OK) status = param_input(b, 1, &a.bm, &a.bv);
  if (status == CLCNN_OK && has_input(b->node, 2)) status = param_input(b, 2, &a.c, &a.cv);
  if (status == CLCNN_OK) status = get_int(b, "transA", 0, &trans_a);
  if (status == CLCNN_OK) status = get_int(b, "transB", 0, &trans_b);
  if (status == CLCNN_OK) status = get_float(b, "alpha", 1.0f, &a.alpha);
  if (status == CLCNN_OK) status = get_float(b, "beta", 1.0f, &a.beta);
  if (status != CLCNN_OK) return status;
  if (trans_a)
    return fail(b, CLCNN_UNSUPPORTED, "transA = %lld: the rows of A must be its samples",
                (long long)trans_a);
  a.trans_b = trans_b != 0;
  return fully_connected(b, &a);
}

static clcnn_status op_matmul(builder *b) {
  fc_args a = {-1, -1, -1, 0, NULL, NULL, 1.0f, 0.0f};
  clcnn_status status = act_input(b, 0, 0, &a.x);
  if (status == CLCNN_OK) status = param_input(b, 1, &a.bm, &a.bv);
  return status == CLCNN_OK ? fully_connected(b, &a) : status;
}

/* An elementwise activation, fused into a convolution that alone feeds it. */
static clcnn_status activation(builder *b, int act, float lo, float hi) {
  int x;
  clcnn_status status = act_input(b, 0, 0, &x);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  int conv = fusable_conv(b, x);
  if (conv >= 0 && act >= 0) { /* into the convolution's epilogue */
    b->m->layers[conv].act = act;
    return set_output(b, v->rank, v->shape, -1, x);
  }
  int index;
  model_layer *l = new_layer(b, act >= 0 ? LAYER_ACT : LAYER_CLIP, &index);
  l->in[0] = x;
  l->n_in = 1;
  l->act = act;
  l->lo = lo;
  l->hi = hi;
  return set_output(b, v->rank, v->shape, index, -1);
}

static clcnn_status op_relu(builder *b) {
  return activation(b, CLCNN_ACT_RELU, 0, 0);
}
static clcnn_status op_sigmoid(builder *b) {
  return activation(b, CLCNN_ACT_SIGMOID, 0, 0);
}
static clcnn_status op_tanh(builder *b) {
  return activation(b, CLCNN_ACT_TANH, 0, 0);
}

/* One bound of Clip: input k (opset 11 on) or attribute name (before), def when absent. */
static clcnn_status clip_bound(builder *b, size_t k, const char *name, float def, float *out) {
  *out = def;
  if (b->onnx->opset > 0 && b->onnx->opset < 11) return get_float(b, name, def, out);
  if (!has_input(b->node, k)) return CLCNN_OK;
  const onnx_tensor *t;
  clcnn_status status = const_input(b, k, ONNX_FLOAT, &t);
  if (status != CLCNN_OK) return status;
  if (t->count != 1)
    return fail(b, CLCNN_INVALID_ARGUMENT, "bound %s has %zu values, expected one", name, t->count);
  *out = t->f[0];
  return CLCNN_OK;
}

static clcnn_status op_clip(builder *b) {
  float lo, hi;
  clcnn_status status = clip_bound(b, 1, "min", -INFINITY, &lo);
  if (status == CLCNN_OK) status = clip_bound(b, 2, "max", INFINITY, &hi);
  if (status != CLCNN_OK) return status;
  if (isnan(lo) || isnan(hi) || lo > hi)
    return fail(b, CLCNN_UNSUPPORTED, "bounds min = %g, max = %g (clcnn needs min <= max)",
                (double)lo, (double)hi);
  if (lo == 0.0f && hi == 6.0f) return activation(b, CLCNN_ACT_RELU6, lo, hi);
  if (lo == 0.0f && isinf(hi)) return activation(b, CLCNN_ACT_RELU, lo, hi);
  return activation(b, -1, lo, hi);
}

/* A constant added per channel after a convolution alone feeding the Add: into its bias. */
static clcnn_status fold_bias(builder *b, int x, const onnx_tensor *c) {
  int conv = foldable_conv(b, x);
  const model_value *v = &b->m->values[x];
  size_t k = v->shape[1], ones = 0;
  for (int i = 0; i < c->rank; i++) ones += c->dims[i] == 1;
  int channel_axis = c->rank - (v->rank == 4 ? 3 : 1); /* K, 1, 1 or K aligned to the right */
  int per_channel = c->f && c->count == k && channel_axis >= 0 &&
                    c->dims[channel_axis] == (int64_t)k && (int)ones + 1 >= c->rank &&
                    c->rank <= v->rank;
  if (conv < 0 || !per_channel)
    return fail(b, CLCNN_UNSUPPORTED,
                "adding a constant of %zu values is supported only as a per-channel bias right "
                "after a Conv, Gemm or MatMul that alone feeds the Add",
                c->count);
  model_layer *l = &b->m->layers[conv];
  if (!l->b_host && !(l->b_host = calloc(k, sizeof(float))))
    return fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
  for (size_t i = 0; i < k; i++) l->b_host[i] += c->f[i];
  return set_output(b, v->rank, v->shape, -1, x);
}

/* Add and Sum: elementwise over tensors of one shape (no broadcasting). */
static clcnn_status op_add(builder *b) {
  const onnx_node *node = b->node;
  if (pb_equals(node->op_type, "Add") && node->n_inputs == 2) {
    for (size_t k = 0; k < 2; k++) {
      int v = find_value(b->m, node->inputs[k]);
      if (v >= 0 && b->m->values[v].rank == 0) {
        int x;
        clcnn_status status = act_input(b, 1 - k, 0, &x);
        return status == CLCNN_OK ? fold_bias(b, x, b->m->values[v].constant) : status;
      }
    }
  } else if (pb_equals(node->op_type, "Add")) {
    return fail(b, CLCNN_INVALID_ARGUMENT, "Add takes 2 inputs, the node has %zu", node->n_inputs);
  }
  if (node->n_inputs == 0 || node->n_inputs > LAYER_MAX_INPUTS)
    return fail(b, CLCNN_UNSUPPORTED, "%zu inputs (clcnn sums 1 to %d)", node->n_inputs,
                LAYER_MAX_INPUTS);
  int in[LAYER_MAX_INPUTS];
  for (size_t k = 0; k < node->n_inputs; k++) {
    clcnn_status status = act_input(b, k, 0, &in[k]);
    if (status != CLCNN_OK) return status;
    const size_t *s0 = b->m->values[in[0]].shape, *s = b->m->values[in[k]].shape;
    if (memcmp(s0, s, 4 * sizeof *s) || b->m->values[in[0]].rank != b->m->values[in[k]].rank)
      return fail(b, CLCNN_UNSUPPORTED,
                  "inputs of shapes %zux%zux%zux%zu and %zux%zux%zux%zu: clcnn adds tensors of "
                  "one shape (no broadcasting)",
                  s0[0], s0[1], s0[2], s0[3], s[0], s[1], s[2], s[3]);
  }
  const model_value *v = &b->m->values[in[0]];
  if (node->n_inputs == 1) return set_output(b, v->rank, v->shape, -1, in[0]);
  int index;
  model_layer *l = new_layer(b, LAYER_ADD, &index);
  memcpy(l->in, in, node->n_inputs * sizeof *in);
  l->n_in = node->n_inputs;
  return set_output(b, v->rank, v->shape, index, -1);
}

static clcnn_status op_concat(builder *b) {
  const onnx_node *node = b->node;
  int64_t axis;
  clcnn_status status = get_int(b, "axis", INT64_MAX, &axis);
  if (status != CLCNN_OK) return status;
  if (node->n_inputs == 0 || node->n_inputs > LAYER_MAX_INPUTS)
    return fail(b, CLCNN_UNSUPPORTED, "%zu inputs (clcnn concatenates 1 to %d)", node->n_inputs,
                LAYER_MAX_INPUTS);
  if (axis == INT64_MAX) return fail(b, CLCNN_INVALID_ARGUMENT, "the axis attribute is missing");
  int index, x;
  if ((status = act_input(b, 0, 0, &x)) != CLCNN_OK) return status;
  int rank = b->m->values[x].rank;
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    return fail(b, CLCNN_INVALID_ARGUMENT, "axis %lld of a rank-%d tensor", (long long)axis, rank);
  size_t ys[4];
  memcpy(ys, b->m->values[x].shape, sizeof ys);
  ys[a] = 0;
  model_layer *l = new_layer(b, LAYER_CONCAT, &index);
  for (size_t k = 0; k < node->n_inputs; k++) {
    if ((status = act_input(b, k, rank, &l->in[k])) != CLCNN_OK) return status;
    const size_t *s = b->m->values[l->in[k]].shape;
    for (int d = 0; d < 4; d++)
      if (d != a && s[d] != ys[d])
        return fail(b, CLCNN_INVALID_ARGUMENT,
                    "input %zu is %zux%zux%zux%zu, the first %zux%zux%zux%zu (they may differ "
                    "only along axis %lld)",
                    k, s[0], s[1], s[2], s[3], b->m->values[x].shape[0], b->m->values[x].shape[1],
                    b->m->values[x].shape[2], b->m->values[x].shape[3], (long long)a);
    ys[a] += s[a];
  }
  l->n_in = node->n_inputs;
  /* every tensor seen as (before the axis) x (along it) x (after it) x 1: channels */
  size_t pre = product(ys, 0, (int)a), post = product(ys, (int)a + 1, 4);
  if (a != 1 || rank != 4) {
    for (size_t k = 0; k < l->n_in && status == CLCNN_OK; k++)
      status = set_view(b, l, k, (size_t[4]){pre, b->m->values[l->in[k]].shape[a], post, 1});
    if (status == CLCNN_OK) status = set_view(b, l, l->n_in, (size_t[4]){pre, ys[a], post, 1});
    if (status != CLCNN_OK) return status;
  }
  return set_output(b, rank, ys, index, -1);
}

static clcnn_status make_pool(builder *b, int x, const clcnn_pool2d_desc *d) {
  clcnn_pool_geometry g;
  clcnn_status status = clcnn_pool_geometry_make_rule(b->m->ctx, b->where, d, b->m->values[x].shape,
                                                      CLCNN_PADS_BELOW_WINDOW, &g);
  if (status != CLCNN_OK) return status;
  int index;
  model_layer *l = new_layer(b, LAYER_POOL, &index);
  l->in[0] = x;
  l->n_in = 1;
  l->pool = *d;
  const size_t ys[4] = {g.n, g.c, g.p, g.q};
  return set_output(b, 4, ys, index, -1);
}

static clcnn_status op_pool(builder *b) {
  int x, max = pb_equals(b->node->op_type, "MaxPool");
  int64_t kernel[2], stride[2], dil[2], pads[4], ceil_mode, include_pad, order;
  clcnn_status status = act_input(b, 0, 4, &x);
  if (status == CLCNN_OK) status = get_ints(b, "kernel_shape", 2, 0, 1, 1 << 30, kernel);
  if (status == CLCNN_OK) status = get_ints(b, "strides", 2, 1, 1, 1 << 30, stride);
  if (status == CLCNN_OK) status = get_ints(b, "dilations", 2, 1, 1, 1 << 30, dil);
  if (status == CLCNN_OK) status = get_int(b, "ceil_mode", 0, &ceil_mode);
  if (status == CLCNN_OK) status = get_int(b, "count_include_pad", 0, &include_pad);
  if (status == CLCNN_OK) status = get_int(b, "storage_order", 0, &order);
  if (status != CLCNN_OK) return status;
  if (!onnx_find_attr(b->node, "kernel_shape"))
    return fail(b, CLCNN_INVALID_ARGUMENT, "the kernel_shape attribute is missing");
  if (dil[0] != 1 || dil[1] != 1)
    return fail(b, CLCNN_UNSUPPORTED, "dilations %lldx%lld: clcnn pools dense windows",
                (long long)dil[0], (long long)dil[1]);
  if (order != 0) return fail(b, CLCNN_UNSUPPORTED, "storage_order %lld", (long long)order);
  if ((status = spatial_pads(b, b->m->values[x].shape + 2, kernel, stride, pads)) != CLCNN_OK)
    return status;
  clcnn_pool2d_desc d = {max ? CLCNN_POOL_MAX : CLCNN_POOL_AVG,
                         (size_t)kernel[0],
                         (size_t)kernel[1],
                         (size_t)stride[0],
                         (size_t)stride[1],
                         (size_t)pads[0],
                         (size_t)pads[2],
                         (size_t)pads[1],
                         (size_t)pads[3],
                         ceil_mode != 0,
                         include_pad != 0};
  return make_pool(b, x, &d);
}

static clcnn_status op_global_pool(builder *b) {
  int x;
  clcnn_status status = act_input(b, 0, 4, &x);
  if (status != CLCNN_OK) return status;
  const size_t *s = b->m->values[x].shape;
  clcnn_pool2d_desc d = {pb_equals(b->node->op_type, "GlobalMaxPool") ? CLCNN_POOL_MAX
                                                                      : CLCNN_POOL_AVG,
                         s[2],
                         s[3],
                         1,
                         1,
                         0,
                         0,
                         0,
                         0,
                         0,
                         0};
  return make_pool(b, x, &d);
}

static clcnn_status op_flatten(builder *b) {
  int x;
  int64_t axis;
  clcnn_status status = act_input(b, 0, 0, &x);
  if (status == CLCNN_OK) status = get_int(b, "axis", 1, &axis);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  int64_t a = axis < 0 ? axis + v->rank : axis;
  if (a < 0 || a > v->rank)
    return fail(b, CLCNN_INVALID_ARGUMENT, "axis %lld of a rank-%d tensor", (long long)axis,
                v->rank);
  const size_t ys[4] = {product(v->shape, 0, (int)a), product(v->shape, (int)a, 4), 1, 1};
  return set_output(b, 2, ys, -1, x);
}

static clcnn_status op_reshape(builder *b) {
  int x;
  const onnx_tensor *t;
  int64_t allow_zero;
  clcnn_status status = act_input(b, 0, 0, &x);
  if (status == CLCNN_OK) status = const_input(b, 1, ONNX_INT64, &t);
  if (status == CLCNN_OK) status = get_int(b, "allowzero", 0, &allow_zero);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  size_t count = product(v->shape, 0, 4);
  if (t->count < 1 || t->count > 4)
    return fail(b, CLCNN_UNSUPPORTED, "a target of rank %zu: clcnn runs tensors of rank 1 to 4",
                t->count);
  size_t ys[4] = {1, 1, 1, 1}, known = 1;
  int infer = -1;
  for (size_t i = 0; i < t->count; i++) {
    int64_t dim = t->i[i];
    /* a batch size written into the shape when the model was saved follows the batch chosen */
    if (i == 0 && dim > 0 && dim == b->declared_batch && (size_t)dim != b->m->batch &&
        v->shape[0] == b->m->batch)
      dim = 0;
    if (dim == 0 && !allow_zero) dim = i < (size_t)v->rank ? (int64_t)v->shape[i] : -2;
    if (dim == -1 && infer < 0) {
      infer = (int)i;
      continue;
    }
    if (dim < 1 || dim > (int64_t)count)
      return fail(b, CLCNN_INVALID_ARGUMENT, "target dimension %zu is %lld for %zu elements", i,
                  (long long)t->i[i], count);
    ys[i] = (size_t)dim;
    known *= ys[i];
  }
  if (infer >= 0) ys[infer] = known && count % known == 0 ? count / known : 0;
  if (product(ys, 0, 4) != count)
    return fail(b, CLCNN_INVALID_ARGUMENT,
                "reshaping %zu elements (%zux%zux%zux%zu) to %zux%zux%zux%zu", count, v->shape[0],
                v->shape[1], v->shape[2], v->shape[3], ys[0], ys[1], ys[2], ys[3]);
  return set_output(b, (int)t->count, ys, -1, x);
}

static clcnn_status op_batchnorm(builder *b) {
  int x, pv[4];
  const onnx_tensor *p[4];
  float eps;
  int64_t training;
  clcnn_status status = act_input(b, 0, 0, &x);
  for (size_t k = 0; k < 4 && status == CLCNN_OK; k++)
    status = param_input(b, k + 1, &p[k], &pv[k]);
  if (status == CLCNN_OK) status = get_float(b, "epsilon", 1e-5f, &eps);
  if (status == CLCNN_OK) status = get_int(b, "training_mode", 0, &training);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  size_t c = v->shape[1];
  int constant = 1;
  if (v->rank < 2)
    return fail(b, CLCNN_INVALID_ARGUMENT, "input of rank %d (it needs channels, rank 2 or more)",
                v->rank);
  for (int k = 0; k < 4; k++) {
    size_t n = p[k] ? p[k]->count : product(b->m->values[pv[k]].shape, 0, 4);
    if (n != c || (pv[k] >= 0 && b->m->values[pv[k]].rank != 1))
      return fail(b, CLCNN_INVALID_ARGUMENT, "input %d has %zu values for %zu channels", k + 1, n,
                  c);
    constant &= p[k] != NULL;
  }
  if (training) return fail(b, CLCNN_UNSUPPORTED, "training_mode = 1 (clcnn runs inference)");
  if (!(eps >= 0 && isfinite(eps)))
    return fail(b, CLCNN_INVALID_ARGUMENT, "epsilon = %g", (double)eps);
  if ((status = only_first_output(b)) != CLCNN_OK) return status;
  int conv = constant ? foldable_conv(b, x) : -1;
  if (conv >= 0) { /* w' = w * a, b' = (b - mean) * a + shift with a = scale / sqrt(var + eps) */
    model_layer *l = &b->m->layers[conv];
    if (!l->b_host && !(l->b_host = calloc(c, sizeof(float))))
      return fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
    size_t per = l->w_shape[1] * l->w_shape[2] * l->w_shape[3];
    for (size_t k = 0; k < c; k++) {
      double a = p[0]->f[k] / sqrt((double)p[3]->f[k] + eps);
      for (size_t j = 0; j < per; j++) l->w_host[k * per + j] = (float)(l->w_host[k * per + j] * a);
      l->b_host[k] = (float)((l->b_host[k] - (double)p[2]->f[k]) * a + p[1]->f[k]);
    }
    return set_output(b, v->rank, v->shape, -1, x);
  }
  int index;
  model_layer *l = new_layer(b, LAYER_BN, &index);
  l->in[0] = x;
  l->n_in = 1;
  l->eps = eps;
  for (int k = 0; k < 4; k++) l->bn_in[k] = add_param(l, pv[k]);
  for (int k = 0; k < 4 && status == CLCNN_OK; k++)
    if (l->bn_in[k] >= 0) status = set_view(b, l, (size_t)l->bn_in[k], (size_t[4]){1, c, 1, 1});
  for (int k = 0; k < 4 && status == CLCNN_OK; k++)
    if (p[k] && !(l->bn_host[k] = copy_floats(p[k]->f, c)))
      status = fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
  /* channels are the second dimension at every rank: N x C x (the rest) x 1 */
  if (status == CLCNN_OK && v->rank != 4 && v->rank != 2) {
    const size_t view[4] = {v->shape[0], c, product(v->shape, 2, 4), 1};
    if ((status = set_view(b, l, 0, view)) == CLCNN_OK) status = set_view(b, l, l->n_in, view);
  }
  return status == CLCNN_OK ? set_output(b, v->rank, v->shape, index, -1) : status;
}

static clcnn_status op_softmax(builder *b) {
  int x;
  int64_t axis;
  int modern = b->onnx->opset == 0 || b->onnx->opset >= 13;
  clcnn_status status = act_input(b, 0, 0, &x);
  if (status == CLCNN_OK) status = get_int(b, "axis", modern ? -1 : 1, &axis);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  int64_t a = axis < 0 ? axis + v->rank : axis;
  if (a < 0 || a >= v->rank)
    return fail(b, CLCNN_INVALID_ARGUMENT, "axis %lld of a rank-%d tensor", (long long)axis,
                v->rank);
  /* opset 13 on: along the axis, each line apart; before: over everything from the axis on */
  const size_t view[4] = {product(v->shape, 0, (int)a),
                          modern ? v->shape[a] : product(v->shape, (int)a, 4),
                          modern ? product(v->shape, (int)a + 1, 4) : 1, 1};
  int index;
  model_layer *l = new_layer(b, LAYER_SOFTMAX, &index);
  l->in[0] = x;
  l->n_in = 1;
  if (memcmp(view, v->shape, sizeof view) &&
      ((status = set_view(b, l, 0, view)) != CLCNN_OK || (status = set_view(b, l, 1, view))))
    return status;
  return set_output(b, v->rank, v->shape, index, -1);
}

/* Dropout and Identity: the output is the input. */
static clcnn_status op_identity(builder *b) {
  const onnx_node *node = b->node;
  int v = has_input(node, 0) ? find_value(b->m, node->inputs[0]) : -1;
  if (pb_equals(node->op_type, "Dropout") && has_input(node, 2)) {
    const onnx_tensor *t;
    clcnn_status status = const_input(b, 2, ONNX_INT64, &t);
    if (status != CLCNN_OK) return status;
    if (t->count != 1 || t->i[0] != 0)
      return fail(b, CLCNN_UNSUPPORTED, "training_mode is not false (clcnn runs inference)");
  }
  if (v >= 0 && b->m->values[v].rank == 0) { /* a constant passed on */
    clcnn_status status = only_first_output(b);
    if (status != CLCNN_OK) return status;
    int out;
    if ((status = first_output(b, &out)) != CLCNN_OK) return status;
    b->m->values[out].rank = 0;
    b->m->values[out].constant = b->m->values[v].constant;
    return CLCNN_OK;
  }
  int x;
  clcnn_status status = act_input(b, 0, 0, &x);
  if (status != CLCNN_OK) return status;
  return set_output(b, b->m->values[x].rank, b->m->values[x].shape, -1, x);
}

static clcnn_status op_constant(builder *b) {
  const onnx_node *node = b->node;
  if (node->n_attrs != 1 || node->n_outputs != 1)
    return fail(b, CLCNN_INVALID_ARGUMENT, "%zu attributes and %zu outputs, expected one each",
                node->n_attrs, node->n_outputs);
  const onnx_attr *a = &node->attrs[0];
  const onnx_tensor *t = a->t;
  if (!pb_equals(a->name, "value")) {
    int single = pb_equals(a->name, "value_float") || pb_equals(a->name, "value_int");
    int many = pb_equals(a->name, "value_floats") || pb_equals(a->name, "value_ints");
    if (!single && !many) return fail(b, CLCNN_UNSUPPORTED, "attribute %.*s", PB(a->name));
    if (b->n_scratch == sizeof b->scratch / sizeof *b->scratch)
      return fail(b, CLCNN_UNSUPPORTED, "more than %zu scalar constants", b->n_scratch);
    onnx_tensor *s = calloc(1, sizeof *s);
    if (!s) return fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
    b->scratch[b->n_scratch++] = s;
    int is_float = a->type == ONNX_ATTR_FLOAT || a->type == ONNX_ATTR_FLOATS;
    s->count = many ? a->count : 1;
    s->rank = many ? 1 : 0;
    s->dims[0] = (int64_t)s->count;
    s->type = is_float ? ONNX_FLOAT : ONNX_INT64;
    s->f = is_float ? (many ? a->floats : &((onnx_attr *)a)->f) : NULL;
    s->i = is_float ? NULL : (many ? a->ints : &((onnx_attr *)a)->i);
    if ((is_float && !s->f) || (!is_float && !s->i)) s->count = 0;
    t = s;
  }
  if (!t) return fail(b, CLCNN_INVALID_ARGUMENT, "the value attribute holds no tensor");
  int out;
  clcnn_status status = first_output(b, &out);
  if (status != CLCNN_OK) return status;
  b->m->values[out].rank = 0;
  b->m->values[out].constant = t;
  return CLCNN_OK;
}

/* Pad, constant mode with zeros, on the planes of a 4-D tensor (PyTorch writes one before
   an average pooling that counts padding); all-zero pads make it a view. */
static clcnn_status op_pad(builder *b) {
  int x;
  const onnx_tensor *pads, *value = NULL;
  const onnx_attr *mode;
  clcnn_status status = act_input(b, 0, 0, &x);
  if (status == CLCNN_OK) status = const_input(b, 1, ONNX_INT64, &pads);
  if (status == CLCNN_OK && has_input(b->node, 2)) status = const_input(b, 2, ONNX_FLOAT, &value);
  if (status == CLCNN_OK) status = attr_of(b, "mode", ONNX_ATTR_STRING, &mode);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  if (has_input(b->node, 3))
    return fail(b, CLCNN_UNSUPPORTED, "the axes input (opset 18) is not supported");
  if (mode && !pb_equals(mode->s, "constant"))
    return fail(b, CLCNN_UNSUPPORTED, "mode '%.*s' (clcnn pads with a constant)", PB(mode->s));
  if (pads->count != 2 * (size_t)v->rank)
    return fail(b, CLCNN_INVALID_ARGUMENT, "%zu pads for a rank-%d tensor", pads->count, v->rank);
  int any = 0, spatial_only = v->rank == 4;
  for (size_t i = 0; i < pads->count; i++) {
    if (pads->i[i] < 0 || pads->i[i] > (1 << 20))
      return fail(b, CLCNN_UNSUPPORTED, "pad %zu is %lld (clcnn pads by 0 to 2^20)", i,
                  (long long)pads->i[i]);
    any |= pads->i[i] != 0;
    if (pads->i[i] && i % (size_t)v->rank < 2) spatial_only = 0;
  }
  if (!any) return set_output(b, v->rank, v->shape, -1, x);
  if (!spatial_only)
    return fail(b, CLCNN_UNSUPPORTED, "padding beyond the last two axes of a 4-D tensor");
  if (value && (value->count != 1 || value->f[0] != 0.0f))
    return fail(b, CLCNN_UNSUPPORTED, "constant_value %g (clcnn pads with zeros)",
                value->count ? (double)value->f[0] : 0.0);
  int index;
  model_layer *l = new_layer(b, LAYER_PAD, &index);
  l->in[0] = x;
  l->n_in = 1;
  const size_t p[4] = {(size_t)pads->i[2], (size_t)pads->i[6], (size_t)pads->i[3],
                       (size_t)pads->i[7]};
  memcpy(l->pads, p, sizeof p);
  const size_t ys[4] = {v->shape[0], v->shape[1], v->shape[2] + p[0] + p[1],
                        v->shape[3] + p[2] + p[3]};
  return set_output(b, 4, ys, index, -1);
}

/* ReduceMean over the two spatial axes of a 4-D tensor: a global average pooling. */
static clcnn_status op_reduce_mean(builder *b) {
  int x;
  int64_t keep;
  const onnx_attr *axes_attr;
  const onnx_tensor *axes_input = NULL;
  clcnn_status status = act_input(b, 0, 0, &x);
  if (status == CLCNN_OK) status = get_int(b, "keepdims", 1, &keep);
  if (status == CLCNN_OK) status = attr_of(b, "axes", ONNX_ATTR_INTS, &axes_attr);
  if (status == CLCNN_OK && has_input(b->node, 1))
    status = const_input(b, 1, ONNX_INT64, &axes_input);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  const int64_t *axes = axes_input ? axes_input->i : axes_attr ? axes_attr->ints : NULL;
  size_t n = axes_input ? axes_input->count : axes_attr ? axes_attr->count : 0;
  int seen = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t a = axes[i] < 0 ? axes[i] + v->rank : axes[i];
    seen |= a == 2 ? 1 : a == 3 ? 2 : 4;
  }
  if (v->rank != 4 || seen != 3)
    return fail(b, CLCNN_UNSUPPORTED,
                "clcnn averages over the two spatial axes of a 4-D tensor (axes 2 and 3)");
  clcnn_pool2d_desc d = {CLCNN_POOL_AVG, v->shape[2], v->shape[3], 1, 1, 0, 0, 0, 0, 0, 0};
  status = make_pool(b, x, &d);
  if (status == CLCNN_OK && !keep) b->m->values[b->m->layers[b->m->n_layers - 1].out].rank = 2;
  return status;
}

typedef struct op_entry {
  const char *name;
  clcnn_status (*build)(builder *b);
} op_entry;

static const op_entry ops[] = {
    {"Conv", op_conv},
    {"Gemm", op_gemm},
    {"MatMul", op_matmul},
    {"Relu", op_relu},
    {"Sigmoid", op_sigmoid},
    {"Tanh", op_tanh},
    {"Clip", op_clip},
    {"Add", op_add},
    {"Sum", op_add},
    {"Concat", op_concat},
    {"MaxPool", op_pool},
    {"AveragePool", op_pool},
    {"GlobalAveragePool", op_global_pool},
    {"GlobalMaxPool", op_global_pool},
    {"Flatten", op_flatten},
    {"Reshape", op_reshape},
    {"BatchNormalization", op_batchnorm},
    {"Softmax", op_softmax},
    {"Dropout", op_identity},
    {"Identity", op_identity},
    {"Constant", op_constant},
    {"Pad", op_pad},
    {"ReduceMean", op_reduce_mean},
};

static clcnn_status build_node(builder *b, size_t i) {
  const onnx_node *node = &b->onnx->nodes[i];
  b->node = node;
  snprintf(b->where, sizeof b->where, "clcnn_model_load: node %zu '%.*s' (%.*s)", i,
           (int)(node->name.size > 80 ? 80 : node->name.size), (const char *)node->name.data,
           (int)(node->op_type.size > 60 ? 60 : node->op_type.size),
           (const char *)node->op_type.data);
  if (node->domain.size && !pb_equals(node->domain, "ai.onnx"))
    return fail(b, CLCNN_UNSUPPORTED, "operator domain '%.*s' (clcnn runs the default domain)",
                PB(node->domain));
  if (node->n_outputs == 0) return fail(b, CLCNN_INVALID_ARGUMENT, "the node has no output");
  for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
    if (pb_equals(node->op_type, ops[k].name)) return ops[k].build(b);
  return fail(b, CLCNN_UNSUPPORTED, "operator %.*s is not supported", PB(node->op_type));
}

/* ---- the graph ------------------------------------------------------------------------------ */

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
  clcnn_status status = add_value(b, info->name, &v);
  if (status != CLCNN_OK) return status;
  model_value *val = &b->m->values[v];
  if (info->elem_type != ONNX_FLOAT)
    return fail(b, CLCNN_UNSUPPORTED, "input '%s' has element type %d; clcnn takes float (1)",
                val->name, info->elem_type);
  if (info->rank < 1 || info->rank > 4)
    return fail(b, CLCNN_UNSUPPORTED, "input '%s' has rank %d; clcnn takes tensors of rank 1 to 4",
                val->name, info->rank);
  int first = b->m->n_inputs == 0, batched = first || info->dims[0] < 1;
  if (first) b->declared_batch = info->dims[0];
  for (int i = 0; i < 4; i++) {
    int64_t dim = i >= info->rank ? 1 : i == 0 && batched ? (int64_t)b->m->batch : info->dims[i];
    if (dim < 1 || dim > ((int64_t)1 << 31))
      return fail(b, CLCNN_UNSUPPORTED,
                  "input '%s' has dimension %d = %lld (clcnn needs a fixed size from 1 to 2^31)",
                  val->name, i, (long long)dim);
    val->shape[i] = (size_t)dim;
  }
  size_t count = val->shape[0];
  for (int i = 1; i < 4; i++) {
    if (count > ((size_t)1 << 40) / val->shape[i])
      return fail(b, CLCNN_UNSUPPORTED, "input '%s' of %zux%zux%zux%zu is too large", val->name,
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
    if ((status = add_value(b, onnx->inits[i].name, &v)) != CLCNN_OK) break;
    m->values[v].rank = 0;
    m->values[v].constant = &onnx->inits[i];
  }
  for (size_t i = 0; i < onnx->n_inputs && status == CLCNN_OK; i++)
    if (!is_initializer(onnx, onnx->inputs[i].name)) status = graph_input(b, &onnx->inputs[i]);
  if (status == CLCNN_OK && m->n_inputs == 0)
    status = fail(b, CLCNN_INVALID_ARGUMENT, "the graph has no input other than initializers");
  for (size_t i = 0; i < onnx->n_nodes && status == CLCNN_OK; i++)
    for (size_t k = 0; k < onnx->nodes[i].n_outputs && status == CLCNN_OK; k++) {
      int v;
      if (onnx->nodes[i].outputs[k].size) status = add_value(b, onnx->nodes[i].outputs[k], &v);
    }
  for (size_t i = 0; i < onnx->n_nodes && status == CLCNN_OK; i++)
    for (size_t k = 0; k < onnx->nodes[i].n_inputs; k++) {
      int v = find_value(m, onnx->nodes[i].inputs[k]);
      if (v >= 0) m->values[v].uses++;
    }
  for (size_t i = 0; i < onnx->n_outputs && status == CLCNN_OK; i++) {
    int v = find_value(m, onnx->outputs[i].name);
    if (v < 0)
      return fail(b, CLCNN_INVALID_ARGUMENT, "graph output '%.*s' is not computed by any node",
                  PB(onnx->outputs[i].name));
    m->values[v].uses++;
    m->outputs[m->n_outputs++] = v;
  }
  if (status == CLCNN_OK && m->n_outputs == 0)
    status = fail(b, CLCNN_INVALID_ARGUMENT, "the graph has no output");
  return status;
}

clcnn_status model_build(clcnn_model *m, const onnx_model *onnx) {
  builder b = {m, onnx, NULL, "", 0, {NULL}, 0};
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
      status = fail(&b, CLCNN_UNSUPPORTED, "a constant output");
    else if (v->rank < 0)
      status = fail(&b, CLCNN_INVALID_ARGUMENT, "never computed");
  }
  for (size_t i = 0; i < m->n_values; i++) m->values[i].constant = NULL; /* the bytes go */
  for (size_t i = 0; i < b.n_scratch; i++) free(b.scratch[i]);
  return status;
}

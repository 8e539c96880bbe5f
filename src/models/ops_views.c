/* Operators that compute nothing: Flatten, Reshape, Dropout and Identity make views of their
   input; Constant makes a constant. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/builder.h"
#include "ops/shape.h"

clcnn_status mb_op_flatten(builder *b) {
  int x;
  int64_t axis;
  clcnn_status status = mb_act_input(b, 0, 0, &x);
  if (status == CLCNN_OK) status = mb_get_int(b, "axis", 1, &axis);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  int64_t a = axis < 0 ? axis + v->rank : axis;
  if (a < 0 || a > v->rank)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "axis %lld of a rank-%d tensor", (long long)axis,
                   v->rank);
  const size_t ys[4] = {mb_product(v->shape, 0, (int)a), mb_product(v->shape, (int)a, 4), 1, 1};
  return mb_set_output(b, 2, ys, -1, x);
}

clcnn_status mb_op_reshape(builder *b) {
  int x;
  const onnx_tensor *t;
  int64_t allow_zero;
  clcnn_status status = mb_act_input(b, 0, 0, &x);
  if (status == CLCNN_OK) status = mb_const_input(b, 1, ONNX_INT64, &t);
  if (status == CLCNN_OK) status = mb_get_int(b, "allowzero", 0, &allow_zero);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  size_t count = mb_product(v->shape, 0, 4);
  if (t->count < 1 || t->count > 4)
    return mb_fail(b, CLCNN_UNSUPPORTED, "a target of rank %zu: clcnn runs tensors of rank 1 to 4",
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
      return mb_fail(b, CLCNN_INVALID_ARGUMENT, "target dimension %zu is %lld for %zu elements", i,
                     (long long)t->i[i], count);
    ys[i] = (size_t)dim;
    known *= ys[i];
  }
  if (infer >= 0) ys[infer] = known && count % known == 0 ? count / known : 0;
  if (mb_product(ys, 0, 4) != count)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                   "reshaping %zu elements (%zux%zux%zux%zu) to %zux%zux%zux%zu", count,
                   v->shape[0], v->shape[1], v->shape[2], v->shape[3], ys[0], ys[1], ys[2], ys[3]);
  return mb_set_output(b, (int)t->count, ys, -1, x);
}

/* Dropout and Identity: the output is the input. */
clcnn_status mb_op_identity(builder *b) {
  const onnx_node *node = b->node;
  int v = mb_has_input(node, 0) ? mb_find_value(b->m, node->inputs[0]) : -1;
  if (pb_equals(node->op_type, "Dropout") && mb_has_input(node, 2)) {
    const onnx_tensor *t;
    clcnn_status status = mb_const_input(b, 2, ONNX_INT64, &t);
    if (status != CLCNN_OK) return status;
    if (t->count != 1 || t->i[0] != 0)
      return mb_fail(b, CLCNN_UNSUPPORTED, "training_mode is not false (clcnn runs inference)");
  }
  if (v >= 0 && b->m->values[v].rank == 0) { /* a constant passed on */
    clcnn_status status = mb_only_first_output(b);
    if (status != CLCNN_OK) return status;
    int out;
    if ((status = mb_first_output(b, &out)) != CLCNN_OK) return status;
    b->m->values[out].rank = 0;
    b->m->values[out].constant = b->m->values[v].constant;
    return CLCNN_OK;
  }
  int x;
  clcnn_status status = mb_act_input(b, 0, 0, &x);
  if (status != CLCNN_OK) return status;
  return mb_set_output(b, b->m->values[x].rank, b->m->values[x].shape, -1, x);
}

clcnn_status mb_op_constant(builder *b) {
  const onnx_node *node = b->node;
  if (node->n_attrs != 1 || node->n_outputs != 1)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "%zu attributes and %zu outputs, expected one each",
                   node->n_attrs, node->n_outputs);
  const onnx_attr *a = &node->attrs[0];
  const onnx_tensor *t = a->t;
  if (!pb_equals(a->name, "value")) {
    int single = pb_equals(a->name, "value_float") || pb_equals(a->name, "value_int");
    int many = pb_equals(a->name, "value_floats") || pb_equals(a->name, "value_ints");
    if (!single && !many) return mb_fail(b, CLCNN_UNSUPPORTED, "attribute %.*s", PB(a->name));
    if (b->n_scratch == sizeof b->scratch / sizeof *b->scratch)
      return mb_fail(b, CLCNN_UNSUPPORTED, "more than %zu scalar constants", b->n_scratch);
    onnx_tensor *s = calloc(1, sizeof *s);
    if (!s) return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
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
  if (!t) return mb_fail(b, CLCNN_INVALID_ARGUMENT, "the value attribute holds no tensor");
  int out;
  clcnn_status status = mb_first_output(b, &out);
  if (status != CLCNN_OK) return status;
  b->m->values[out].rank = 0;
  b->m->values[out].constant = t;
  return CLCNN_OK;
}

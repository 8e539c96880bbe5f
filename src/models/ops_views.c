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
    int is_float = a->type == ONNX_ATTR_FLOAT || a->type == ONNX_ATTR_FLOATS;
    const int64_t n = many ? (int64_t)a->count : 1;
    onnx_tensor *s;
    clcnn_status status =
        mb_new_constant(b, is_float ? ONNX_FLOAT : ONNX_INT64, many ? 1 : 0, &n, &s);
    if (status != CLCNN_OK) return status;
    for (size_t i = 0; i < s->count; i++) {
      if (is_float)
        s->f[i] = many ? a->floats[i] : a->f;
      else
        s->i[i] = many ? a->ints[i] : a->i;
    }
    t = s;
  }
  if (!t) return mb_fail(b, CLCNN_INVALID_ARGUMENT, "the value attribute holds no tensor");
  return mb_set_constant_output(b, t);
}

/* ---- shapes computed at load: Shape, Gather, Unsqueeze, Squeeze and Concat of constants,
   which PyTorch writes for x.view(x.size(0), -1) when the batch is left dynamic ---------- */

int mb_is_constant_input(const builder *b, size_t k) {
  int v = mb_has_input(b->node, k) ? mb_find_value(b->m, b->node->inputs[k]) : -1;
  return v >= 0 && b->m->values[v].rank == 0;
}

/* The dimensions of a computed tensor (its rank's worth) or of a constant. */
clcnn_status mb_op_shape(builder *b) {
  int64_t dims[ONNX_MAX_RANK], start, end;
  int rank;
  clcnn_status status = mb_get_int(b, "start", 0, &start);
  if (status == CLCNN_OK) status = mb_get_int(b, "end", INT64_MAX, &end);
  if (status != CLCNN_OK) return status;
  if (mb_is_constant_input(b, 0)) {
    const onnx_tensor *t = b->m->values[mb_find_value(b->m, b->node->inputs[0])].constant;
    rank = t->rank;
    for (int i = 0; i < rank; i++) dims[i] = t->dims[i];
  } else {
    int x;
    if ((status = mb_act_input(b, 0, 0, &x)) != CLCNN_OK) return status;
    rank = b->m->values[x].rank;
    for (int i = 0; i < rank; i++) dims[i] = (int64_t)b->m->values[x].shape[i];
  }
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = start < 0 ? 0 : start > rank ? rank : start;
  end = end < start ? start : end > rank ? rank : end;
  const int64_t n = end - start;
  onnx_tensor *t;
  if ((status = mb_new_constant(b, ONNX_INT64, 1, &n, &t)) != CLCNN_OK) return status;
  for (int64_t i = 0; i < n; i++) t->i[i] = dims[start + i];
  return mb_set_constant_output(b, t);
}

/* Elements of a constant integer vector picked by constant indices (axis 0). */
clcnn_status mb_op_gather(builder *b) {
  const onnx_tensor *data, *idx;
  int64_t axis;
  if (!mb_is_constant_input(b, 0) || !mb_is_constant_input(b, 1))
    return mb_fail(b, CLCNN_UNSUPPORTED, "clcnn gathers from constant integer vectors only");
  clcnn_status status = mb_const_input(b, 0, ONNX_INT64, &data);
  if (status == CLCNN_OK) status = mb_const_input(b, 1, ONNX_INT64, &idx);
  if (status == CLCNN_OK) status = mb_get_int(b, "axis", 0, &axis);
  if (status != CLCNN_OK) return status;
  if (data->rank != 1 || (axis != 0 && axis != -1) || idx->rank > 1)
    return mb_fail(b, CLCNN_UNSUPPORTED,
                   "a rank-%d gather along axis %lld with rank-%d indices (clcnn gathers from "
                   "vectors)",
                   data->rank, (long long)axis, idx->rank);
  const int64_t n = (int64_t)idx->count;
  onnx_tensor *t;
  if ((status = mb_new_constant(b, ONNX_INT64, idx->rank, &n, &t)) != CLCNN_OK) return status;
  for (size_t i = 0; i < idx->count; i++) {
    int64_t k = idx->i[i] < 0 ? idx->i[i] + (int64_t)data->count : idx->i[i];
    if (k < 0 || k >= (int64_t)data->count)
      return mb_fail(b, CLCNN_INVALID_ARGUMENT, "index %lld of a vector of %zu",
                     (long long)idx->i[i], data->count);
    t->i[i] = data->i[k];
  }
  return mb_set_constant_output(b, t);
}

/* The axes of Unsqueeze / Squeeze: an attribute before opset 13, a constant input after. */
static clcnn_status axes_of(builder *b, const int64_t **axes, size_t *n) {
  const onnx_attr *a;
  clcnn_status status = mb_attr_of(b, "axes", ONNX_ATTR_INTS, &a);
  if (status != CLCNN_OK) return status;
  *axes = a ? a->ints : NULL;
  *n = a ? a->count : 0;
  if (!a && mb_has_input(b->node, 1)) {
    const onnx_tensor *t;
    if ((status = mb_const_input(b, 1, ONNX_INT64, &t)) != CLCNN_OK) return status;
    *axes = t->i;
    *n = t->count;
  }
  return CLCNN_OK;
}

/* Unsqueeze and Squeeze of a constant: the same values, dimensions of 1 added or removed. */
static clcnn_status reshape_constant(builder *b, int add) {
  const onnx_tensor *data;
  const int64_t *axes;
  size_t n;
  if (!mb_is_constant_input(b, 0))
    return mb_fail(b, CLCNN_UNSUPPORTED, "clcnn runs this operator on constants only");
  clcnn_status status = mb_const_input(b, 0, ONNX_INT64, &data);
  if (status == CLCNN_OK) status = axes_of(b, &axes, &n);
  if (status != CLCNN_OK) return status;
  int rank = add ? data->rank + (int)n : data->rank, out_rank = 0;
  if (rank > ONNX_MAX_RANK) return mb_fail(b, CLCNN_UNSUPPORTED, "rank %d", rank);
  int marked[ONNX_MAX_RANK] = {0};
  for (size_t i = 0; i < n; i++) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (a < 0 || a >= rank || marked[a])
      return mb_fail(b, CLCNN_INVALID_ARGUMENT, "axis %lld for rank %d", (long long)axes[i], rank);
    if (!add && data->dims[a] != 1)
      return mb_fail(b, CLCNN_INVALID_ARGUMENT, "axis %lld has size %lld, not 1",
                     (long long)axes[i], (long long)data->dims[a]);
    marked[a] = 1;
  }
  int64_t dims[ONNX_MAX_RANK];
  for (int i = 0, k = 0; i < rank; i++) {
    if (add)
      dims[out_rank++] = marked[i] ? 1 : data->dims[k++];
    else if (!(n ? marked[i] : data->dims[i] == 1))
      dims[out_rank++] = data->dims[i];
  }
  onnx_tensor *t;
  if ((status = mb_new_constant(b, ONNX_INT64, out_rank, dims, &t)) != CLCNN_OK) return status;
  memcpy(t->i, data->i, data->count * sizeof *t->i);
  return mb_set_constant_output(b, t);
}

clcnn_status mb_op_unsqueeze(builder *b) {
  return reshape_constant(b, 1);
}
clcnn_status mb_op_squeeze(builder *b) {
  return reshape_constant(b, 0);
}

/* Concat of constant integer vectors (a shape put together). */
clcnn_status mb_constant_concat(builder *b, int64_t axis) {
  const onnx_node *node = b->node;
  size_t total = 0;
  for (size_t k = 0; k < node->n_inputs; k++) {
    const onnx_tensor *t;
    if (!mb_is_constant_input(b, k))
      return mb_fail(b, CLCNN_UNSUPPORTED, "a constant concatenated with a computed tensor");
    clcnn_status status = mb_const_input(b, k, ONNX_INT64, &t);
    if (status != CLCNN_OK) return status;
    if (t->rank != 1 || (axis != 0 && axis != -1))
      return mb_fail(b, CLCNN_UNSUPPORTED,
                     "constants of rank %d along axis %lld (clcnn joins "
                     "integer vectors)",
                     t->rank, (long long)axis);
    total += t->count;
  }
  const int64_t n = (int64_t)total;
  onnx_tensor *out;
  clcnn_status status = mb_new_constant(b, ONNX_INT64, 1, &n, &out);
  for (size_t k = 0, at = 0; k < node->n_inputs && status == CLCNN_OK; k++) {
    const onnx_tensor *t = b->m->values[mb_find_value(b->m, node->inputs[k])].constant;
    memcpy(out->i + at, t->i, t->count * sizeof *t->i);
    at += t->count;
  }
  return status == CLCNN_OK ? mb_set_constant_output(b, out) : status;
}

/* Tensor arithmetic: Add, Sub, Mul, Div and PRelu with broadcasting, the activations that have
   no clcnn_activation (LeakyRelu, HardSigmoid, HardSwish, Elu, Selu, Softplus, Softsign), and
   the matrix products of Gemm
   and MatMul that the fully connected layer does not take (matrices computed at run time in any
   layout, batched products, a matrix C). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/builder.h"

clcnn_status mb_operand_input(builder *b, size_t k, mb_operand *o) {
  clcnn_status status = mb_param_input(b, k, &o->t, &o->v);
  if (status != CLCNN_OK) return status;
  if (!o->t) {
    const model_value *v = &b->m->values[o->v];
    o->rank = v->rank;
    memcpy(o->dims, v->shape, sizeof o->dims);
    return CLCNN_OK;
  }
  if (o->t->rank > 4)
    return mb_fail(b, CLCNN_UNSUPPORTED, "input %zu is a constant of rank %d; clcnn takes 0 to 4",
                   k, o->t->rank);
  o->rank = o->t->rank;
  for (int d = 0; d < 4; d++) o->dims[d] = d < o->rank ? (size_t)o->t->dims[d] : 1;
  return CLCNN_OK;
}

/* The operand's dimensions right-aligned to rank dimensions, then padded with 1s to four. */
static void aligned(const mb_operand *o, int rank, size_t out[4]) {
  for (int d = 0; d < 4; d++)
    out[d] = d < rank - o->rank || d >= rank ? 1 : o->dims[d - (rank - o->rank)];
}

/* Operand k of layer l: a computed value appended to its inputs, or a constant copied for
   upload; seen in shape `seen`. */
static clcnn_status attach(builder *b, model_layer *l, size_t k, const mb_operand *o,
                           const size_t seen[4]) {
  memcpy(l->operand_shape[k], seen, sizeof l->operand_shape[k]);
  l->n_operands = k + 1;
  if (!o->t) {
    l->operand_in[k] = (int)l->n_in;
    l->in[l->n_in++] = o->v;
    return CLCNN_OK;
  }
  l->operand_in[k] = -1;
  if (!(l->operand_host[k] = mb_copy_floats(o->t->f, o->t->count)))
    return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation of %zu values failed", o->t->count);
  return CLCNN_OK;
}

static const char *dims_text(const mb_operand *o, char *buf, size_t cap) {
  size_t used = (size_t)snprintf(buf, cap, o->rank ? "" : "a scalar");
  for (int d = 0; d < o->rank && used < cap; d++)
    used += (size_t)snprintf(buf + used, cap - used, d ? "x%zu" : "%zu", o->dims[d]);
  return buf;
}

clcnn_status mb_binary(builder *b, clcnn_binary_op op) {
  mb_operand o[2];
  clcnn_status status = CLCNN_OK;
  if (b->node->n_inputs != 2)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "the operator takes 2 inputs, the node has %zu",
                   b->node->n_inputs);
  for (size_t k = 0; k < 2 && status == CLCNN_OK; k++) status = mb_operand_input(b, k, &o[k]);
  if (status != CLCNN_OK) return status;
  if (o[0].t && o[1].t)
    return mb_fail(b, CLCNN_UNSUPPORTED,
                   "both inputs are constants; clcnn computes on tensors computed at run time");
  int rank = o[0].rank > o[1].rank ? o[0].rank : o[1].rank;
  size_t s[2][4], y[4];
  for (int k = 0; k < 2; k++) aligned(&o[k], rank, s[k]);
  for (int d = 0; d < 4; d++) {
    if (s[0][d] != s[1][d] && s[0][d] != 1 && s[1][d] != 1) {
      char t0[64], t1[64];
      return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                     "inputs of shapes %s and %s do not broadcast (dimension %d of the result: "
                     "%zu against %zu)",
                     dims_text(&o[0], t0, sizeof t0), dims_text(&o[1], t1, sizeof t1), d, s[0][d],
                     s[1][d]);
    }
    y[d] = s[0][d] == 1 ? s[1][d] : s[0][d];
  }
  int index;
  model_layer *l = mb_new_layer(b, LAYER_BINARY, -1, &index);
  l->binary_op = op;
  for (size_t k = 0; k < 2 && status == CLCNN_OK; k++) status = attach(b, l, k, &o[k], s[k]);
  return status == CLCNN_OK ? mb_set_output(b, rank, y, index, -1) : status;
}

clcnn_status mb_op_sub(builder *b) {
  return mb_binary(b, CLCNN_BINARY_SUB);
}

clcnn_status mb_op_mul(builder *b) {
  return mb_binary(b, CLCNN_BINARY_MUL);
}

clcnn_status mb_op_div(builder *b) {
  return mb_binary(b, CLCNN_BINARY_DIV);
}

clcnn_status mb_op_prelu(builder *b) {
  return mb_binary(b, CLCNN_BINARY_PRELU);
}

/* An activation beyond clcnn_activation's, its parameters from attributes p_name and q_name
   (NULL: none) with ONNX's defaults. */
static clcnn_status unary(builder *b, clcnn_unary_op op, const char *p_name, float p_def,
                          const char *q_name, float q_def) {
  int x;
  float p = p_def, q = q_def;
  clcnn_status status = mb_act_input(b, 0, 0, &x);
  if (status == CLCNN_OK && p_name) status = mb_get_float(b, p_name, p_def, &p);
  if (status == CLCNN_OK && q_name) status = mb_get_float(b, q_name, q_def, &q);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  int index;
  model_layer *l = mb_new_layer(b, LAYER_UNARY, x, &index);
  l->unary_op = op;
  l->lo = p;
  l->hi = q;
  return mb_set_output(b, v->rank, v->shape, index, -1);
}

clcnn_status mb_op_leaky_relu(builder *b) {
  return unary(b, CLCNN_UNARY_LEAKY_RELU, "alpha", 0.01f, NULL, 0);
}

clcnn_status mb_op_hard_sigmoid(builder *b) {
  return unary(b, CLCNN_UNARY_HARD_SIGMOID, "alpha", 0.2f, "beta", 0.5f);
}

clcnn_status mb_op_hard_swish(builder *b) {
  return unary(b, CLCNN_UNARY_HARD_SWISH, NULL, 0, NULL, 0);
}

clcnn_status mb_op_elu(builder *b) {
  return unary(b, CLCNN_UNARY_ELU, "alpha", 1.0f, NULL, 0);
}

clcnn_status mb_op_selu(builder *b) {
  return unary(b, CLCNN_UNARY_SELU, "alpha", 1.67326319217681884765625f, "gamma",
               1.05070102214813232421875f);
}

clcnn_status mb_op_softplus(builder *b) {
  return unary(b, CLCNN_UNARY_SOFTPLUS, NULL, 0, NULL, 0);
}

clcnn_status mb_op_softsign(builder *b) {
  return unary(b, CLCNN_UNARY_SOFTSIGN, NULL, 0, NULL, 0);
}

/* Batch strides of an operand with batch dimensions own[0..rank) (right-aligned to the
   output's out[0..2)) and matrices of `size` elements: contiguous, 0 where it broadcasts. */
static void batch_strides(const size_t own[2], const size_t out[2], size_t size, size_t st[2]) {
  size_t step = size;
  for (int d = 1; d >= 0; d--) {
    st[d] = own[d] == 1 && out[d] != 1 ? 0 : step;
    step *= own[d];
  }
}

clcnn_status mb_products(builder *b, const mb_products_args *p) {
  const mb_operand *A = &p->a, *B = &p->b;
  char ta[64], tb[64];
  if (A->rank == 0 || B->rank == 0)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "a product of %s and %s (matrices needed)",
                   dims_text(A, ta, sizeof ta), dims_text(B, tb, sizeof tb));
  if (A->t && B->t)
    return mb_fail(b, CLCNN_UNSUPPORTED,
                   "both matrices are constants; clcnn computes on tensors computed at run time");
  /* 1-D operands as numpy's matmul takes them: a row of A, a column of B */
  size_t a_rows = A->rank == 1 ? 1 : A->dims[A->rank - 2], a_cols = A->dims[A->rank - 1];
  size_t b_rows = B->rank == 1 ? B->dims[0] : B->dims[B->rank - 2];
  size_t b_cols = B->rank == 1 ? 1 : B->dims[B->rank - 1];
  size_t m = p->trans_a ? a_cols : a_rows, k = p->trans_a ? a_rows : a_cols;
  size_t kb = p->trans_b ? b_cols : b_rows, n = p->trans_b ? b_rows : b_cols;
  if (k != kb)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "A is %s%s and B %s%s: %zu columns against %zu rows",
                   dims_text(A, ta, sizeof ta), p->trans_a ? " (transposed)" : "",
                   dims_text(B, tb, sizeof tb), p->trans_b ? " (transposed)" : "", k, kb);
  int a_batch = A->rank > 2 ? A->rank - 2 : 0, b_batch = B->rank > 2 ? B->rank - 2 : 0;
  int batch_rank = a_batch > b_batch ? a_batch : b_batch;
  if (batch_rank > 2)
    return mb_fail(b, CLCNN_UNSUPPORTED,
                   "%d batch dimensions (A %s, B %s); clcnn's tensors have rank 4 at most",
                   batch_rank, dims_text(A, ta, sizeof ta), dims_text(B, tb, sizeof tb));
  size_t ab[2] = {1, 1}, bb[2] = {1, 1}, yb[2];
  for (int d = 0; d < a_batch; d++) ab[2 - a_batch + d] = A->dims[d];
  for (int d = 0; d < b_batch; d++) bb[2 - b_batch + d] = B->dims[d];
  for (int d = 0; d < 2; d++) {
    if (ab[d] != bb[d] && ab[d] != 1 && bb[d] != 1)
      return mb_fail(b, CLCNN_INVALID_ARGUMENT, "the batch dimensions of A %s and B %s differ",
                     dims_text(A, ta, sizeof ta), dims_text(B, tb, sizeof tb));
    yb[d] = ab[d] == 1 ? bb[d] : ab[d];
  }
  /* the result: the batch dimensions, then m unless A was a row, n unless B was a column */
  size_t y[4] = {1, 1, 1, 1};
  int rank = 0;
  for (int d = 2 - batch_rank; d < 2; d++) y[rank++] = yb[d];
  if (A->rank > 1) y[rank++] = m;
  if (B->rank > 1) y[rank++] = n;
  if (rank == 0)
    return mb_fail(b, CLCNN_UNSUPPORTED,
                   "the product of two vectors is a scalar; clcnn's tensors have rank 1 to 4");
  if (!m || !n || !k) return mb_fail(b, CLCNN_INVALID_ARGUMENT, "an empty matrix");
  size_t c_seen[4] = {1, 1, 1, 1};
  if (p->has_c) { /* C broadcast to the m x n result (Gemm: rank 2) */
    const mb_operand *C = &p->c;
    if (C->rank > 2)
      return mb_fail(b, CLCNN_INVALID_ARGUMENT, "C has rank %d, expected 0 to 2", C->rank);
    aligned(C, 2, c_seen);
    if ((c_seen[0] != 1 && c_seen[0] != m) || (c_seen[1] != 1 && c_seen[1] != n)) {
      char tc[64];
      return mb_fail(b, CLCNN_INVALID_ARGUMENT, "C is %s, it does not broadcast to %zux%zu",
                     dims_text(C, tc, sizeof tc), m, n);
    }
  }
  int index;
  model_layer *l = mb_new_layer(b, LAYER_MATMUL, -1, &index);
  clcnn_matmul_desc *d = &l->matmul;
  *d = (clcnn_matmul_desc){p->trans_a,     p->trans_b, m,      n,       k,
                           {yb[0], yb[1]}, {0, 0},     {0, 0}, p->alpha};
  batch_strides(ab, yb, m * k, d->a_stride);
  batch_strides(bb, yb, k * n, d->b_stride);
  l->beta = p->beta;
  /* the products read A and B as runs of elements */
  size_t a_seen[4] = {A->t ? A->t->count : mb_product(b->m->values[A->v].shape, 0, 4), 1, 1, 1};
  size_t b_seen[4] = {B->t ? B->t->count : mb_product(b->m->values[B->v].shape, 0, 4), 1, 1, 1};
  clcnn_status status = attach(b, l, 0, A, a_seen);
  if (status == CLCNN_OK) status = attach(b, l, 1, B, b_seen);
  if (status == CLCNN_OK && p->has_c) status = attach(b, l, 2, &p->c, c_seen);
  return status == CLCNN_OK ? mb_set_output(b, rank, y, index, -1) : status;
}

/* Operators that become layers with plans or parameters: Conv, Gemm and MatMul (fully
   connected layers as 1x1 convolutions; other products through ops_math.c), pooling (ReduceMean
   over the planes included) and batch normalization (folded into the convolution before it when it
   can be). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/builder.h"
#include "ops/shape.h"

/* The fully connected layer of Gemm and MatMul: y = alpha * A B + beta * C as a 1x1
   convolution of A seen as M x K x 1 x 1 (the leading dimensions of a batched MatMul folded
   into M). B is a constant (bm), or a tensor computed at run time (bv) already laid out as
   N x K (transB, alpha 1); C a constant of N values or one, or a runtime vector of N. */
typedef struct fc_args {
  int x, bv, cv, trans_b;
  const onnx_tensor *bm, *c;
  float alpha, beta;
} fc_args;

/* What Conv and ConvTranspose share: the input, the weights and bias (constants or computed),
   the weight shape and the window attributes, kernel_shape checked against the weights. */
typedef struct conv_node {
  int x, wv, bv;
  const onnx_tensor *w, *bias;
  size_t ws[4];
  int64_t group, stride[2], dil[2], extent[2];
} conv_node;

static clcnn_status read_conv_node(builder *b, conv_node *c) {
  int64_t kernel[2];
  c->bv = -1;
  c->bias = NULL;
  clcnn_status status = mb_act_input(b, 0, 4, &c->x);
  if (status == CLCNN_OK) status = mb_param_input(b, 1, &c->w, &c->wv);
  if (status == CLCNN_OK && mb_has_input(b->node, 2))
    status = mb_param_input(b, 2, &c->bias, &c->bv);
  if (status != CLCNN_OK) return status;
  int w_rank = c->w ? c->w->rank : b->m->values[c->wv].rank;
  if (w_rank != 4)
    return mb_fail(b, CLCNN_UNSUPPORTED, "weights of rank %d: clcnn runs 2-D convolutions (rank 4)",
                   w_rank);
  for (int i = 0; i < 4; i++)
    c->ws[i] = c->w ? (size_t)c->w->dims[i] : b->m->values[c->wv].shape[i];
  if ((status = mb_get_int(b, "group", 1, &c->group)) != CLCNN_OK ||
      (status = mb_get_ints(b, "kernel_shape", 2, 0, 0, 1 << 30, kernel)) != CLCNN_OK ||
      (status = mb_get_ints(b, "strides", 2, 1, 1, 1 << 30, c->stride)) != CLCNN_OK ||
      (status = mb_get_ints(b, "dilations", 2, 1, 1, 1 << 30, c->dil)) != CLCNN_OK)
    return status;
  if (onnx_find_attr(b->node, "kernel_shape") &&
      ((size_t)kernel[0] != c->ws[2] || (size_t)kernel[1] != c->ws[3]))
    return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                   "kernel_shape %lldx%lld differs from the weights' %zux%zu", (long long)kernel[0],
                   (long long)kernel[1], c->ws[2], c->ws[3]);
  for (int i = 0; i < 2; i++) c->extent[i] = c->dil[i] * ((int64_t)c->ws[2 + i] - 1) + 1;
  return CLCNN_OK;
}

/* The convolution of c with pads (ONNX's order: top, left, bottom, right). */
static clcnn_conv2d_desc conv_desc(const conv_node *c, const int64_t pads[4]) {
  return (clcnn_conv2d_desc){(size_t)c->stride[0], (size_t)c->stride[1], (size_t)pads[0],
                             (size_t)pads[2],      (size_t)pads[1],      (size_t)pads[3],
                             (size_t)c->dil[0],    (size_t)c->dil[1],    (size_t)c->group,
                             CLCNN_CONV_AUTO};
}

/* The layer of kind (LAYER_CONV or LAYER_DECONV) for c with descriptor d and output ys: the
   bias must hold ys[1] values; constants are copied for upload. */
static clcnn_status make_conv_layer(builder *b, layer_kind kind, const conv_node *c,
                                    const clcnn_conv2d_desc *d, const size_t ys[4]) {
  size_t bias_count = c->bias      ? c->bias->count
                      : c->bv >= 0 ? mb_product(b->m->values[c->bv].shape, 0, 4)
                                   : 0;
  if ((c->bias || c->bv >= 0) &&
      (bias_count != ys[1] || (c->bv >= 0 && b->m->values[c->bv].rank != 1)))
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "bias has %zu values for %zu output channels",
                   bias_count, ys[1]);
  int index;
  clcnn_status status;
  model_layer *l = mb_new_layer(b, kind, c->x, &index);
  l->w_in = mb_add_param(l, c->wv);
  l->b_in = mb_add_param(l, c->bv);
  l->conv = *d;
  memcpy(l->w_shape, c->ws, sizeof c->ws);
  if (l->b_in >= 0 && (status = mb_set_view(b, l, (size_t)l->b_in, (size_t[4]){1, ys[1], 1, 1})))
    return status;
  l->w_host = c->w ? mb_copy_floats(c->w->f, c->w->count) : NULL;
  l->b_host = c->bias ? mb_copy_floats(c->bias->f, c->bias->count) : NULL;
  if ((c->w && !l->w_host) || (c->bias && !l->b_host))
    return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation of the weights and bias failed");
  return mb_set_output(b, 4, ys, index, -1);
}

clcnn_status mb_op_conv(builder *b) {
  conv_node c;
  int64_t pads[4];
  clcnn_status status = read_conv_node(b, &c);
  if (status != CLCNN_OK) return status;
  const size_t *xs = b->m->values[c.x].shape;
  if (c.group < 1 || c.group > (int64_t)xs[1])
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "group %lld for %zu input channels",
                   (long long)c.group, xs[1]);
  if ((status = mb_spatial_pads(b, 2, xs + 2, c.extent, c.stride, pads)) != CLCNN_OK) return status;
  const clcnn_conv2d_desc d = conv_desc(&c, pads);
  clcnn_conv_geometry g;
  if ((status = clcnn_conv_geometry_make(b->m->ctx, b->where, &d, xs, c.ws, &g)) != CLCNN_OK)
    return status;
  const size_t ys[4] = {g.n, g.k, g.p, g.q};
  return make_conv_layer(b, LAYER_CONV, &c, &d, ys);
}

/* ConvTranspose's padding per axis i (begin pads[i], end pads[i + 2]) and output size out[i]:
   from output_shape or auto_pad SAME_* (the total split as ONNX says, the odd one at the end
   for SAME_UPPER), else from the pads attribute. */
static clcnn_status transposed_pads(builder *b, const size_t in[2], const int64_t stride[2],
                                    const int64_t extent[2], const int64_t out_pad[2],
                                    int64_t pads[4], int64_t out[2]) {
  const onnx_attr *auto_pad, *shape;
  clcnn_status status = mb_attr_of(b, "auto_pad", ONNX_ATTR_STRING, &auto_pad);
  if (status == CLCNN_OK) status = mb_attr_of(b, "output_shape", ONNX_ATTR_INTS, &shape);
  if (status != CLCNN_OK) return status;
  int upper = auto_pad && pb_equals(auto_pad->s, "SAME_UPPER");
  int same = upper || (auto_pad && pb_equals(auto_pad->s, "SAME_LOWER"));
  if (auto_pad && !same && !pb_equals(auto_pad->s, "NOTSET") && !pb_equals(auto_pad->s, "VALID"))
    return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                   "auto_pad '%.*s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID",
                   PB(auto_pad->s));
  if (shape && shape->count != 2)
    return mb_fail(b, CLCNN_UNSUPPORTED, "output_shape has %zu values, expected 2", shape->count);
  if (!shape && !same) {
    if (auto_pad && pb_equals(auto_pad->s, "VALID"))
      pads[0] = pads[1] = pads[2] = pads[3] = 0;
    else if ((status = mb_get_ints(b, "pads", 4, 0, 0, (int64_t)1 << 30, pads)) != CLCNN_OK)
      return status;
    for (int i = 0; i < 2; i++)
      out[i] = stride[i] * ((int64_t)in[i] - 1) + out_pad[i] + extent[i] - pads[i] - pads[i + 2];
    return CLCNN_OK;
  }
  for (int i = 0; i < 2; i++) {
    out[i] = shape ? shape->ints[i] : (int64_t)in[i] * stride[i];
    int64_t total = stride[i] * ((int64_t)in[i] - 1) + out_pad[i] + extent[i] - out[i];
    int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2); /* rounded down, as ONNX's */
    pads[i] = upper ? half : total - half;
    pads[i + 2] = total - pads[i];
    /* an output longer than the windows reach: its last rows or columns, which no window
       covers, stay zero (a negative end pad, like output_padding) */
    if (pads[i + 2] < 0) pads[i + 2] = 0;
    if (pads[i] < 0)
      return mb_fail(b, CLCNN_UNSUPPORTED,
                     "an output of %lld along axis %d needs the padding at its start below 0 "
                     "(%lld)",
                     (long long)out[i], i + 2, (long long)pads[i]);
  }
  return CLCNN_OK;
}

/* ConvTranspose: the input gradient of the convolution that maps its output back to its
   input (weights C_in x C_out/group x R x S are that convolution's K x C/group x R x S), then
   the bias per output channel. */
clcnn_status mb_op_conv_transpose(builder *b) {
  conv_node c;
  int64_t out_pad[2], pads[4], out[2];
  clcnn_status status = read_conv_node(b, &c);
  if (status == CLCNN_OK) status = mb_get_ints(b, "output_padding", 2, 0, 0, 1 << 30, out_pad);
  if (status != CLCNN_OK) return status;
  const size_t *xs = b->m->values[c.x].shape, *ws = c.ws;
  if (ws[0] != xs[1] || c.group < 1 || xs[1] % (size_t)c.group)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                   "weights %zux%zux%zux%zu and group %lld for %zu input channels", ws[0], ws[1],
                   ws[2], ws[3], (long long)c.group, xs[1]);
  for (int i = 0; i < 2; i++)
    if (out_pad[i] >= c.stride[i] && out_pad[i] >= c.dil[i])
      return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                     "output_padding %lld along axis %d: it must be below the stride (%lld) or the "
                     "dilation (%lld)",
                     (long long)out_pad[i], i + 2, (long long)c.stride[i], (long long)c.dil[i]);
  if ((status = transposed_pads(b, xs + 2, c.stride, c.extent, out_pad, pads, out)) != CLCNN_OK)
    return status;
  const size_t ys[4] = {xs[0], ws[1] * (size_t)c.group, (size_t)(out[0] > 0 ? out[0] : 0),
                        (size_t)(out[1] > 0 ? out[1] : 0)};
  /* the convolution from the output back to the input must give the input's size */
  const clcnn_conv2d_desc d = conv_desc(&c, pads);
  clcnn_conv_geometry g;
  if (out[0] < 1 || out[1] < 1 ||
      clcnn_conv_geometry_make(b->m->ctx, b->where, &d, ys, ws, &g) != CLCNN_OK || g.p != xs[2] ||
      g.q != xs[3])
    return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                   "an output of %lldx%lld (pads %lld,%lld,%lld,%lld) does not map back to the "
                   "%zux%zu input",
                   (long long)out[0], (long long)out[1], (long long)pads[0], (long long)pads[1],
                   (long long)pads[2], (long long)pads[3], xs[2], xs[3]);
  return make_conv_layer(b, LAYER_DECONV, &c, &d, ys);
}

static clcnn_status fully_connected(builder *b, const fc_args *a) {
  const model_value *xv = &b->m->values[a->x];
  const size_t *bs = a->bv >= 0 ? b->m->values[a->bv].shape : NULL;
  int b_rank = a->bm ? a->bm->rank : b->m->values[a->bv].rank;
  if (b_rank != 2)
    return mb_fail(b, CLCNN_UNSUPPORTED, "the weight matrix has rank %d, expected 2", b_rank);
  size_t d0 = a->bm ? (size_t)a->bm->dims[0] : bs[0], d1 = a->bm ? (size_t)a->bm->dims[1] : bs[1];
  size_t cin = a->trans_b ? d1 : d0, k = a->trans_b ? d0 : d1;
  size_t rows = mb_product(xv->shape, 0, xv->rank - 1), cols = xv->shape[xv->rank - 1];
  if (xv->rank < 2)
    return mb_fail(b, CLCNN_UNSUPPORTED, "A has rank %d, expected 2 or more", xv->rank);
  if (cin != cols)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                   "A has %zu columns but the weight matrix %zux%zu%s needs %zu", cols, d0, d1,
                   a->trans_b ? " (transposed)" : "", cin);
  if (a->bv >= 0 && (!a->trans_b || a->alpha != 1.0f))
    return mb_fail(
        b, CLCNN_UNSUPPORTED,
        "a weight matrix computed at run time is taken as it is (transB = 1, alpha = 1); "
        "this one has transB = %d, alpha = %g",
        a->trans_b, (double)a->alpha);
  size_t c_count = a->c         ? a->c->count
                   : a->cv >= 0 ? mb_product(b->m->values[a->cv].shape, 0, 4)
                                : 0;
  if ((a->c && c_count != k && c_count != 1) ||
      (a->cv >= 0 && (c_count != k || a->beta != 1.0f ||
                      b->m->values[a->cv].shape[0] != (b->m->values[a->cv].rank == 1 ? k : 1))))
    return mb_fail(
        b, CLCNN_UNSUPPORTED,
        "C has %zu values; clcnn adds a bias of %zu values (or one constant value; beta 1 "
        "when computed at run time)",
        c_count, k);
  if (k == 0 || cin == 0) return mb_fail(b, CLCNN_INVALID_ARGUMENT, "an empty weight matrix");
  int index;
  model_layer *l = mb_new_layer(b, LAYER_CONV, a->x, &index);
  l->w_in = mb_add_param(l, a->bv);
  l->b_in = mb_add_param(l, a->cv);
  l->conv = (clcnn_conv2d_desc){1, 1, 0, 0, 0, 0, 1, 1, 1, CLCNN_CONV_AUTO};
  const size_t ws[4] = {k, cin, 1, 1};
  memcpy(l->w_shape, ws, sizeof ws);
  clcnn_status status = CLCNN_OK;
  if (xv->rank != 2) { /* A and Y seen as matrices */
    status = mb_set_view(b, l, 0, (size_t[4]){rows, cols, 1, 1});
    if (status == CLCNN_OK) status = mb_set_view(b, l, l->n_in, (size_t[4]){rows, k, 1, 1});
  }
  if (status == CLCNN_OK && l->b_in >= 0)
    status = mb_set_view(b, l, (size_t)l->b_in, (size_t[4]){1, k, 1, 1});
  if (status != CLCNN_OK) return status;
  if (a->bm) {
    if (!(l->w_host = malloc(k * cin * sizeof(float))))
      return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation of %zu weights failed", k * cin);
    for (size_t i = 0; i < k; i++)
      for (size_t j = 0; j < cin; j++)
        l->w_host[i * cin + j] = a->alpha * a->bm->f[a->trans_b ? i * cin + j : j * k + i];
  }
  if (a->c) {
    if (!(l->b_host = malloc(k * sizeof(float))))
      return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
    for (size_t i = 0; i < k; i++) l->b_host[i] = a->beta * a->c->f[c_count == 1 ? 0 : i];
  }
  size_t ys[4] = {1, 1, 1, 1};
  memcpy(ys, xv->shape, sizeof ys);
  ys[xv->rank - 1] = k;
  return mb_set_output(b, xv->rank, ys, index, -1);
}

/* Whether the fully connected layer takes the product: A computed at run time with its rows
   as samples, B a constant matrix or one computed already laid out as N x K (transB 1, alpha
   1), C absent, a constant of N values or one, or a computed vector of N (beta 1). */
static int fc_takes(const mb_products_args *p) {
  if (p->a.t || p->a.rank < 2 || p->trans_a || p->b.rank != 2) return 0;
  if (!p->b.t && (!p->trans_b || p->alpha != 1.0f)) return 0;
  if (!p->has_c) return 1;
  size_t n = p->trans_b ? p->b.dims[0] : p->b.dims[1];
  size_t c_count = mb_product(p->c.dims, 0, p->c.rank);
  if (p->c.t) return c_count == n || c_count == 1;
  return c_count == n && p->beta == 1.0f &&
         (p->c.rank == 1 || (p->c.rank == 2 && p->c.dims[0] == 1));
}

static clcnn_status products(builder *b, const mb_products_args *p) {
  if (!fc_takes(p)) return mb_products(b, p);
  fc_args a = {p->a.v,     p->b.v, p->has_c ? p->c.v : -1,
               p->trans_b, p->b.t, p->has_c ? p->c.t : NULL,
               p->alpha,   p->beta};
  return fully_connected(b, &a);
}

clcnn_status mb_op_gemm(builder *b) {
  mb_products_args p = {.alpha = 1.0f, .beta = 1.0f};
  int64_t trans_a, trans_b;
  clcnn_status status = mb_operand_input(b, 0, &p.a);
  if (status == CLCNN_OK) status = mb_operand_input(b, 1, &p.b);
  if (status == CLCNN_OK && (p.has_c = mb_has_input(b->node, 2)))
    status = mb_operand_input(b, 2, &p.c);
  if (status == CLCNN_OK) status = mb_get_int(b, "transA", 0, &trans_a);
  if (status == CLCNN_OK) status = mb_get_int(b, "transB", 0, &trans_b);
  if (status == CLCNN_OK) status = mb_get_float(b, "alpha", 1.0f, &p.alpha);
  if (status == CLCNN_OK) status = mb_get_float(b, "beta", 1.0f, &p.beta);
  if (status != CLCNN_OK) return status;
  if (p.a.rank != 2 || p.b.rank != 2)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "A has rank %d and B rank %d; Gemm takes matrices",
                   p.a.rank, p.b.rank);
  p.trans_a = trans_a != 0;
  p.trans_b = trans_b != 0;
  return products(b, &p);
}

clcnn_status mb_op_matmul(builder *b) {
  mb_products_args p = {.alpha = 1.0f, .beta = 0.0f};
  clcnn_status status = mb_operand_input(b, 0, &p.a);
  if (status == CLCNN_OK) status = mb_operand_input(b, 1, &p.b);
  return status == CLCNN_OK ? products(b, &p) : status;
}

/* MaxPool and AveragePool over 2-D planes, or over the one axis of a rank-3 tensor (N x C x L
   seen as N x C x L x 1: windows of height k). */
clcnn_status mb_op_pool(builder *b) {
  int x, max = pb_equals(b->node->op_type, "MaxPool");
  int64_t kernel[2] = {1, 1}, stride[2] = {1, 1}, dil[2] = {1, 1}, pads[4], ceil_mode, include_pad,
          order;
  clcnn_status status = mb_act_input(b, 0, 0, &x);
  if (status != CLCNN_OK) return status;
  int rank = b->m->values[x].rank, spatial = rank - 2;
  if (rank != 3 && rank != 4)
    return mb_fail(b, CLCNN_UNSUPPORTED,
                   "input of rank %d; clcnn pools over 1 or 2 axes (rank 3 or 4)", rank);
  status = mb_get_ints(b, "kernel_shape", (size_t)spatial, 0, 1, 1 << 30, kernel);
  if (status == CLCNN_OK)
    status = mb_get_ints(b, "strides", (size_t)spatial, 1, 1, 1 << 30, stride);
  if (status == CLCNN_OK) status = mb_get_ints(b, "dilations", (size_t)spatial, 1, 1, 1 << 30, dil);
  if (status == CLCNN_OK) status = mb_get_int(b, "ceil_mode", 0, &ceil_mode);
  if (status == CLCNN_OK) status = mb_get_int(b, "count_include_pad", 0, &include_pad);
  if (status == CLCNN_OK) status = mb_get_int(b, "storage_order", 0, &order);
  if (status != CLCNN_OK) return status;
  if (!onnx_find_attr(b->node, "kernel_shape"))
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "the kernel_shape attribute is missing");
  if (dil[0] != 1 || dil[1] != 1)
    return mb_fail(b, CLCNN_UNSUPPORTED, "dilations %lldx%lld: clcnn pools dense windows",
                   (long long)dil[0], (long long)dil[1]);
  if (order != 0) return mb_fail(b, CLCNN_UNSUPPORTED, "storage_order %lld", (long long)order);
  if ((status = mb_spatial_pads(b, spatial, b->m->values[x].shape + 2, kernel, stride, pads)) !=
      CLCNN_OK)
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
  return mb_make_pool(b, x, &d, rank);
}

clcnn_status mb_op_global_pool(builder *b) {
  int x;
  clcnn_status status = mb_act_input(b, 0, 4, &x);
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
  return mb_make_pool(b, x, &d, 4);
}

/* ReduceMean over the two spatial axes of a 4-D tensor: a global average pooling. */
clcnn_status mb_op_reduce_mean(builder *b) {
  int x;
  int64_t keep;
  const onnx_attr *axes_attr;
  const onnx_tensor *axes_input = NULL;
  clcnn_status status = mb_act_input(b, 0, 0, &x);
  if (status == CLCNN_OK) status = mb_get_int(b, "keepdims", 1, &keep);
  if (status == CLCNN_OK) status = mb_attr_of(b, "axes", ONNX_ATTR_INTS, &axes_attr);
  if (status == CLCNN_OK && mb_has_input(b->node, 1))
    status = mb_const_input(b, 1, ONNX_INT64, &axes_input);
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
    return mb_fail(b, CLCNN_UNSUPPORTED,
                   "clcnn averages over the two spatial axes of a 4-D tensor (axes 2 and 3)");
  clcnn_pool2d_desc d = {CLCNN_POOL_AVG, v->shape[2], v->shape[3], 1, 1, 0, 0, 0, 0, 0, 0};
  return mb_make_pool(b, x, &d, keep ? 4 : 2);
}

clcnn_status mb_op_batchnorm(builder *b) {
  int x, pv[4];
  const onnx_tensor *p[4];
  float eps;
  int64_t training;
  clcnn_status status = mb_act_input(b, 0, 0, &x);
  for (size_t k = 0; k < 4 && status == CLCNN_OK; k++)
    status = mb_param_input(b, k + 1, &p[k], &pv[k]);
  if (status == CLCNN_OK) status = mb_get_float(b, "epsilon", 1e-5f, &eps);
  if (status == CLCNN_OK) status = mb_get_int(b, "training_mode", 0, &training);
  if (status != CLCNN_OK) return status;
  const model_value *v = &b->m->values[x];
  size_t c = v->shape[1];
  int constant = 1;
  if (v->rank < 2)
    return mb_fail(b, CLCNN_INVALID_ARGUMENT,
                   "input of rank %d (it needs channels, rank 2 or more)", v->rank);
  for (int k = 0; k < 4; k++) {
    size_t n = p[k] ? p[k]->count : mb_product(b->m->values[pv[k]].shape, 0, 4);
    if (n != c || (pv[k] >= 0 && b->m->values[pv[k]].rank != 1))
      return mb_fail(b, CLCNN_INVALID_ARGUMENT, "input %d has %zu values for %zu channels", k + 1,
                     n, c);
    constant &= p[k] != NULL;
  }
  if (training) return mb_fail(b, CLCNN_UNSUPPORTED, "training_mode = 1 (clcnn runs inference)");
  if (!(eps >= 0 && isfinite(eps)))
    return mb_fail(b, CLCNN_INVALID_ARGUMENT, "epsilon = %g", (double)eps);
  if ((status = mb_only_first_output(b)) != CLCNN_OK) return status;
  int conv = constant ? mb_foldable_conv(b, x) : -1;
  if (conv >= 0) { /* w' = w * a, b' = (b - mean) * a + shift with a = scale / sqrt(var + eps) */
    model_layer *l = &b->m->layers[conv];
    if (!l->b_host && !(l->b_host = calloc(c, sizeof(float))))
      return mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
    size_t per = l->w_shape[1] * l->w_shape[2] * l->w_shape[3];
    for (size_t k = 0; k < c; k++) {
      double a = p[0]->f[k] / sqrt((double)p[3]->f[k] + eps);
      for (size_t j = 0; j < per; j++) l->w_host[k * per + j] = (float)(l->w_host[k * per + j] * a);
      l->b_host[k] = (float)((l->b_host[k] - (double)p[2]->f[k]) * a + p[1]->f[k]);
    }
    return mb_set_output(b, v->rank, v->shape, -1, x);
  }
  int index;
  model_layer *l = mb_new_layer(b, LAYER_BN, x, &index);
  l->eps = eps;
  for (int k = 0; k < 4; k++) l->bn_in[k] = mb_add_param(l, pv[k]);
  for (int k = 0; k < 4 && status == CLCNN_OK; k++)
    if (l->bn_in[k] >= 0) status = mb_set_view(b, l, (size_t)l->bn_in[k], (size_t[4]){1, c, 1, 1});
  for (int k = 0; k < 4 && status == CLCNN_OK; k++)
    if (p[k] && !(l->bn_host[k] = mb_copy_floats(p[k]->f, c)))
      status = mb_fail(b, CLCNN_OUT_OF_MEMORY, "host allocation failed");
  /* channels are the second dimension at every rank: N x C x (the rest) x 1 */
  if (status == CLCNN_OK && v->rank != 4 && v->rank != 2) {
    const size_t view[4] = {v->shape[0], c, mb_product(v->shape, 2, 4), 1};
    if ((status = mb_set_view(b, l, 0, view)) == CLCNN_OK)
      status = mb_set_view(b, l, l->n_in, view);
  }
  return status == CLCNN_OK ? mb_set_output(b, v->rank, v->shape, index, -1) : status;
}

/* ONNX (protocol buffers) encoding into growable buffers, and LeNet's graph. Field numbers
   are onnx.proto's; repeated integers are written unpacked, as proto2 declares them. */
#include "onnx_writer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pbw {
  unsigned char *data;
  size_t size, cap;
  int failed; /* out of memory: everything after is dropped */
} pbw;

static void put(pbw *b, const void *src, size_t n) {
  if (b->failed) return;
  if (b->size + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->size + n) cap *= 2;
    unsigned char *grown = realloc(b->data, cap);
    if (!grown) {
      b->failed = 1;
      return;
    }
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->size, src, n);
  b->size += n;
}

static void varint(pbw *b, uint64_t v) {
  unsigned char bytes[10];
  size_t n = 0;
  do {
    bytes[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  put(b, bytes, n);
}

static void field_int(pbw *b, unsigned field, int64_t v) {
  varint(b, (uint64_t)field << 3);
  varint(b, (uint64_t)v);
}

static void field_bytes(pbw *b, unsigned field, const void *data, size_t n) {
  varint(b, (uint64_t)field << 3 | 2);
  varint(b, n);
  put(b, data, n);
}

static void field_string(pbw *b, unsigned field, const char *s) {
  field_bytes(b, field, s, strlen(s));
}

/* Appends sub as a length-delimited field and frees it. */
static void field_message(pbw *b, unsigned field, pbw *sub) {
  b->failed |= sub->failed;
  field_bytes(b, field, sub->data, sub->size);
  free(sub->data);
  *sub = (pbw){0};
}

static void attr_ints(pbw *node, const char *name, const int64_t *v, size_t n) {
  pbw a = {0};
  field_string(&a, 1, name);
  field_int(&a, 20, 7); /* INTS */
  for (size_t i = 0; i < n; i++) field_int(&a, 8, v[i]);
  field_message(node, 5, &a);
}

static void attr_int(pbw *node, const char *name, int64_t v) {
  pbw a = {0};
  field_string(&a, 1, name);
  field_int(&a, 20, 2); /* INT */
  field_int(&a, 3, v);
  field_message(node, 5, &a);
}

static void node(pbw *graph, const char *op, const char *name, const char *const *inputs,
                 size_t n_inputs, const char *output, pbw *attrs) {
  pbw n = {0};
  for (size_t i = 0; i < n_inputs; i++) field_string(&n, 1, inputs[i]);
  field_string(&n, 2, output);
  field_string(&n, 3, name);
  field_string(&n, 4, op);
  if (attrs) {
    n.failed |= attrs->failed;
    put(&n, attrs->data, attrs->size);
    free(attrs->data);
  }
  field_message(graph, 1, &n);
}

static void initializer(pbw *graph, const char *name, const size_t *shape, int rank,
                        const float *values) {
  pbw t = {0};
  size_t count = 1;
  for (int i = 0; i < rank; i++) {
    field_int(&t, 1, (int64_t)shape[i]);
    count *= shape[i];
  }
  field_int(&t, 2, 1); /* FLOAT */
  field_string(&t, 8, name);
  field_bytes(&t, 9, values, count * sizeof(float)); /* little-endian hosts */
  field_message(graph, 5, &t);
}

/* ValueInfoProto: a float tensor with a symbolic batch "N" and fixed other dimensions. */
static void value_info(pbw *graph, unsigned field, const char *name, const int64_t *dims,
                       int rank) {
  pbw shape = {0}, tensor = {0}, type = {0}, info = {0};
  for (int i = 0; i < rank; i++) {
    pbw dim = {0};
    if (i == 0)
      field_string(&dim, 2, "N");
    else
      field_int(&dim, 1, dims[i]);
    field_message(&shape, 1, &dim);
  }
  field_int(&tensor, 1, 1); /* FLOAT */
  field_message(&tensor, 2, &shape);
  field_message(&type, 1, &tensor);
  field_string(&info, 1, name);
  field_message(&info, 2, &type);
  field_message(graph, field, &info);
}

static clcnn_status read_param(lenet *net, const clcnn_tensor *t, float **out, size_t shape[4]) {
  clcnn_tensor_shape(t, shape);
  size_t n = shape[0] * shape[1] * shape[2] * shape[3];
  *out = malloc(n * sizeof **out);
  if (!*out) return CLCNN_OUT_OF_MEMORY;
  (void)net;
  return clcnn_tensor_read(t, *out, n);
}

/* The five layers' weights and biases as initializers W0..W4, B0..B4. */
static clcnn_status weights(lenet *net, pbw *graph) {
  for (int i = 0; i < LENET_LAYERS; i++) {
    float *w = NULL, *b = NULL;
    size_t ws[4], bs[4];
    clcnn_status s = read_param(net, net->layer[i].w, &w, ws);
    if (s == CLCNN_OK) s = read_param(net, net->layer[i].b, &b, bs);
    if (s == CLCNN_OK) {
      char wn[8], bn[8];
      snprintf(wn, sizeof wn, "W%d", i);
      snprintf(bn, sizeof bn, "B%d", i);
      initializer(graph, wn, ws, 4, w);
      const size_t k[1] = {bs[1]};
      initializer(graph, bn, k, 1, b);
    }
    free(w);
    free(b);
    if (s != CLCNN_OK) return s;
  }
  return CLCNN_OK;
}

/* conv i (on input, into out): Conv with its pads, then the activation unless last. */
static void conv_layer(pbw *graph, const lenet *net, int i, const char *input, const char *out) {
  char w[8], b[8], name[16], conv_out[16];
  snprintf(w, sizeof w, "W%d", i);
  snprintf(b, sizeof b, "B%d", i);
  snprintf(name, sizeof name, "conv%d", i);
  snprintf(conv_out, sizeof conv_out, "conv%d_out", i);
  const char *ins[3] = {input, w, b};
  pbw attrs = {0};
  const int64_t pad = i == 0 ? 2 : 0, pads[4] = {pad, pad, pad, pad};
  attr_ints(&attrs, "pads", pads, 4);
  node(graph, "Conv", name, ins, 3, i == LENET_LAYERS - 1 ? out : conv_out, &attrs);
  if (i == LENET_LAYERS - 1) return;
  snprintf(name, sizeof name, "act%d", i);
  const char *act_in[1] = {conv_out};
  node(graph, net->act == CLCNN_ACT_RELU ? "Relu" : "Sigmoid", name, act_in, 1, out, NULL);
}

static void pool_layer(pbw *graph, const lenet *net, int i, const char *input, const char *out) {
  char name[16];
  snprintf(name, sizeof name, "pool%d", i);
  const char *ins[1] = {input};
  pbw attrs = {0};
  const int64_t k[2] = {(int64_t)net->pool.kernel_h, (int64_t)net->pool.kernel_w};
  const int64_t s[2] = {(int64_t)net->pool.stride_h, (int64_t)net->pool.stride_w};
  attr_ints(&attrs, "kernel_shape", k, 2);
  attr_ints(&attrs, "strides", s, 2);
  if (net->pool.mode == CLCNN_POOL_AVG) attr_int(&attrs, "count_include_pad", 1);
  node(graph, net->pool.mode == CLCNN_POOL_MAX ? "MaxPool" : "AveragePool", name, ins, 1, out,
       &attrs);
}

clcnn_status lenet_save_onnx(lenet *net, const char *path) {
  pbw graph = {0}, model = {0}, opset = {0};
  conv_layer(&graph, net, 0, "input", "a0");
  pool_layer(&graph, net, 0, "a0", "p0");
  conv_layer(&graph, net, 1, "p0", "a1");
  pool_layer(&graph, net, 1, "a1", "p1");
  conv_layer(&graph, net, 2, "p1", "a2");
  conv_layer(&graph, net, 3, "a2", "a3");
  conv_layer(&graph, net, 4, "a3", "z");
  pbw flatten = {0};
  attr_int(&flatten, "axis", 1);
  const char *z[1] = {"z"};
  node(&graph, "Flatten", "flatten", z, 1, "logits", &flatten);
  field_string(&graph, 2, "clcnn_lenet");
  clcnn_status status = weights(net, &graph);
  const int64_t in_dims[4] = {-1, 1, 28, 28}, out_dims[2] = {-1, 10};
  value_info(&graph, 11, "input", in_dims, 4);
  value_info(&graph, 12, "logits", out_dims, 2);
  field_int(&model, 1, 7); /* ir_version */
  field_string(&model, 2, "clcnn");
  field_string(&model, 3, clcnn_version());
  field_string(&opset, 1, "");
  field_int(&opset, 2, 13);
  field_message(&model, 8, &opset);
  field_message(&model, 7, &graph);
  if (status == CLCNN_OK && model.failed) status = CLCNN_OUT_OF_MEMORY;
  if (status == CLCNN_OK) {
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(model.data, 1, model.size, f) == model.size;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) {
      fprintf(stderr, "clcnn train: cannot write %s\n", path);
      status = CLCNN_INVALID_ARGUMENT;
    }
  }
  free(model.data);
  return status;
}

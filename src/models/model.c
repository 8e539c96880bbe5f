/* clcnn_model: loading (decode, build, memory by lifetime, plans with constant weights),
   shape queries and runs. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/error.h"
#include "device/context.h"
#include "memory/tensor.h"
#include "models/graph.h"
#include "ops/network.h"
#include "ops/pool_plan.h"
#include "ops/shape.h"
#include "program/file_io.h"

void clcnn_model_destroy(clcnn_model *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n_layers; i++) {
    model_layer *l = &m->layers[i];
    clcnn_conv2d_plan_destroy(l->conv_plan);
    clcnn_pool2d_plan_destroy(l->pool_plan);
    clcnn_tensor_destroy(l->w);
    clcnn_tensor_destroy(l->b);
    free(l->w_host);
    free(l->b_host);
    for (size_t k = 0; k < l->n_operands; k++) {
      clcnn_tensor_destroy(l->operand[k]);
      free(l->operand_host[k]);
    }
    free(l->describe);
    for (size_t k = 0; l->view && k <= l->n_in; k++) clcnn_tensor_destroy(l->view[k]);
    free(l->view);
    free(l->view_shape);
    for (int k = 0; k < 4; k++) {
      clcnn_tensor_destroy(l->bn[k]);
      free(l->bn_host[k]);
    }
  }
  for (size_t i = 0; i < m->n_values; i++) {
    clcnn_tensor_destroy(m->values[i].view);
    free(m->values[i].name);
  }
  for (size_t i = 0; i < m->n_slots; i++) clcnn_tensor_destroy(m->slots[i]);
  free(m->slots);
  free(m->values);
  free(m->layers);
  free(m->inputs);
  free(m->outputs);
  pthread_mutex_destroy(&m->lock);
  free(m);
}

static size_t count_of(const size_t s[4]) {
  return s[0] * s[1] * s[2] * s[3];
}

/* The value layer l reads as input k, or writes (k == n_in). */
static int value_of(const model_layer *l, size_t k) {
  return k == l->n_in ? l->out : l->in[k];
}

/* The shape in which layer l sees input k (k == n_in: its output). */
static const size_t *seen_shape(const clcnn_model *m, const model_layer *l, size_t k) {
  if (l->view_shape && l->view_shape[k][0]) return l->view_shape[k];
  return m->values[value_of(l, k)].shape;
}

/* The tensor through which layer l sees input k (k == n_in: its output). */
static clcnn_tensor *seen(const clcnn_model *m, const model_layer *l, size_t k) {
  if (l->view && l->view[k]) return l->view[k];
  return m->values[value_of(l, k)].view;
}

/* A concatenation of one image along channels whose inputs are computed here for it alone
   (read by nothing else, written whole by their layers) is done in place: each input
   becomes the part of the output at its channel offset, so its layer writes there and the
   concatenation has nothing left to copy. Batches of more images would need the parts'
   layers to write with the output's image stride. */
static void place_concats(clcnn_model *m) {
  for (size_t i = 0; i < m->n_layers; i++) {
    model_layer *l = &m->layers[i];
    const model_value *out = &m->values[l->out];
    if (l->kind != LAYER_CONCAT || l->view_shape || out->shape[0] != 1 || out->rank != 4) continue;
    int ok = 1, roots[LAYER_MAX_INPUTS];
    for (size_t k = 0; k < l->n_in && ok; k++) { /* through same-shaped views read once */
      int r = l->in[k];
      while (ok && m->values[r].alias_of >= 0) {
        const model_value *v = &m->values[r];
        ok = v->uses == 1 && !memcmp(v->shape, m->values[v->alias_of].shape, sizeof v->shape);
        r = v->alias_of;
      }
      const model_value *v = &m->values[r];
      const model_layer *p = v->producer >= 0 ? &m->layers[v->producer] : NULL;
      ok = ok && p && v->uses == 1 && v->storage == r && v->rank == 4 && p->out == r &&
           !(p->view_shape && p->view_shape[p->n_in][0]);
      roots[k] = r;
    }
    if (!ok) continue;
    size_t offset = 0;
    for (size_t k = 0; k < l->n_in; k++) {
      for (size_t w = 0; w < m->n_values; w++) /* the part and its views */
        if (m->values[w].storage == roots[k])  /* a part done in place keeps its offset within */
          m->values[w].storage = l->out, m->values[w].offset += offset;
      offset += count_of(m->values[roots[k]].shape);
    }
    l->in_place = 1;
  }
}

/* 1 when the memory of root r may take convolution `conv`'s sum into it for sum layer `add`:
   a computed root (not a graph input or output) written whole before the convolution runs and
   read by no layer from the convolution on except the sum (the convolution's own input
   included). */
static int residual_root_free(const clcnn_model *m, int r, int conv, int add) {
  if (m->values[r].storage != r || m->values[r].producer < 0) return 0;
  for (size_t v = 0; v < m->n_values; v++)
    if (m->values[v].storage == r && m->values[v].producer >= conv) return 0;
  for (size_t i = 0; i < m->n_outputs; i++)
    if (m->values[m->outputs[i]].storage == r) return 0;
  for (size_t j = (size_t)conv; j < m->n_layers; j++)
    for (size_t k = 0; j != (size_t)add && k < m->layers[j].n_in; k++)
      if (m->values[m->layers[j].in[k]].storage == r) return 0;
  return 1;
}

/* A sum of two tensors, one of them computed by a convolution for it alone, is done by that
   convolution as it stores (clcnn_conv2d_plan_set_residual) when the other one's memory is
   free to take the result: the convolution writes into it, the sum's output and any activation
   fused into the sum go with it, and the sum has nothing left to run. ResNet's and
   MobileNetV2's residual connections: one pass over memory and one launch fewer per block. */
static void fuse_residuals(clcnn_model *m) {
  for (size_t i = 0; i < m->n_layers; i++) {
    model_layer *l = &m->layers[i];
    if (l->kind != LAYER_ADD || l->n_in != 2 || l->view_shape || l->in_place ||
        m->values[l->out].storage != l->out)
      continue;
    for (int k = 0; k < 2; k++) {
      int cv = l->in[k], ok = 1; /* the convolution's output, through same-shaped views read once */
      for (; ok && m->values[cv].alias_of >= 0; cv = m->values[cv].alias_of)
        ok = m->values[cv].uses == 1 &&
             !memcmp(m->values[cv].shape, m->values[m->values[cv].alias_of].shape,
                     sizeof m->values[cv].shape);
      const model_value *c = &m->values[cv], *r = &m->values[l->in[1 - k]];
      int root = r->storage;
      if (!ok || c->storage != cv || c->producer < 0 || c->uses != 1 || r->offset != 0 ||
          count_of(m->values[root].shape) != count_of(c->shape))
        continue;
      model_layer *conv = &m->layers[c->producer];
      if (conv->kind != LAYER_CONV || conv->out != cv || conv->act != ACT_NONE ||
          (conv->view_shape && conv->view_shape[conv->n_in][0]) ||
          !residual_root_free(m, root, c->producer, (int)i))
        continue;
      for (size_t v = 0; v < m->n_values; v++) /* the convolution's output, the sum's and views */
        if (m->values[v].storage == cv || m->values[v].storage == l->out)
          m->values[v].storage = root;
      conv->residual = 1;
      conv->act = l->act;
      l->act = ACT_NONE;
      l->in_place = 1;
      break;
    }
  }
}

/* Each storage root gets a buffer slot from the first layer that writes it (its parts'
   layers, for a concatenation done in place) to its last reader: a free slot is reused (the
   smallest that fits, else the largest, grown), so activations share memory by lifetime.
   Graph inputs and outputs keep their slots for the whole run. */
static clcnn_status assign_slots(clcnn_model *m, size_t **sizes) {
  size_t n = m->n_values, n_slots = 0;
  size_t *size = calloc(n ? n : 1, sizeof *size);
  char *busy = calloc(n ? n : 1, 1);
  if (!size || !busy) {
    free(size);
    free(busy);
    return clcnn_fail(m->ctx, CLCNN_OUT_OF_MEMORY, "clcnn_model_load: host allocation failed");
  }
  for (size_t v = 0; v < n; v++) m->values[v].last_use = -1;
  for (size_t i = 0; i < m->n_layers; i++)
    for (size_t k = 0; k < m->layers[i].n_in; k++)
      m->values[m->values[m->layers[i].in[k]].storage].last_use = (int)i;
  for (size_t i = 0; i < m->n_outputs; i++)
    m->values[m->values[m->outputs[i]].storage].last_use = (int)m->n_layers;
  for (size_t i = 0; i < m->n_inputs; i++) m->values[m->inputs[i]].last_use = (int)m->n_layers;
  /* first_write[root]: the first layer that writes into it (n_layers: none) */
  int *first_write = calloc(n ? n : 1, sizeof *first_write);
  if (!first_write) {
    free(size);
    free(busy);
    return clcnn_fail(m->ctx, CLCNN_OUT_OF_MEMORY, "clcnn_model_load: host allocation failed");
  }
  for (size_t v = 0; v < n; v++) first_write[v] = (int)m->n_layers;
  for (size_t v = 0; v < n; v++) {
    const model_value *val = &m->values[v];
    if (val->producer >= 0 && val->producer < first_write[val->storage])
      first_write[val->storage] = val->producer;
  }
  for (int step = -1; step < (int)m->n_layers; step++) {
    /* step -1 places the graph inputs, step i the roots that layer i writes first */
    for (size_t v = 0; v < n; v++) {
      model_value *val = &m->values[v];
      if (val->rank <= 0 || val->storage != (int)v) continue;
      if (step < 0 ? val->producer >= 0 : first_write[v] != step) continue;
      if (step < 0 && !(val->last_use >= 0)) continue;
      size_t need = count_of(val->shape), best = n_slots;
      for (size_t s = 0; s < n_slots; s++) {
        if (busy[s]) continue;
        int fits = size[s] >= need, best_fits = best < n_slots && size[best] >= need;
        if (best == n_slots || (fits && (!best_fits || size[s] < size[best])) ||
            (!fits && !best_fits && size[s] > size[best]))
          best = s;
      }
      if (best == n_slots) n_slots++;
      if (size[best] < need) size[best] = need;
      busy[best] = 1;
      val->slot = (int)best;
    }
    for (size_t k = 0; step >= 0 && k < m->layers[step].n_in; k++) { /* last reads free */
      const model_value *root = &m->values[m->values[m->layers[step].in[k]].storage];
      if (root->last_use == step && root->slot >= 0) busy[root->slot] = 0;
    }
  }
  free(busy);
  free(first_write);
  m->n_slots = n_slots;
  *sizes = size;
  return CLCNN_OK;
}

/* Slot buffers, and a view of its slot for every computed value. */
static clcnn_status make_views(clcnn_model *m) {
  size_t *sizes = NULL;
  place_concats(m);
  fuse_residuals(m);
  clcnn_status status = assign_slots(m, &sizes);
  if (status != CLCNN_OK) return status;
  m->slots = calloc(m->n_slots ? m->n_slots : 1, sizeof *m->slots);
  if (!m->slots)
    status = clcnn_fail(m->ctx, CLCNN_OUT_OF_MEMORY, "clcnn_model_load: host allocation failed");
  for (size_t s = 0; s < m->n_slots && status == CLCNN_OK; s++)
    status = clcnn_tensor_create(m->ctx, 1, sizes[s], 1, 1, &m->slots[s]);
  free(sizes);
  for (size_t v = 0; v < m->n_values && status == CLCNN_OK; v++) {
    model_value *val = &m->values[v];
    if (val->rank <= 0) continue;
    const model_value *root = &m->values[val->storage];
    if (root->slot < 0) continue; /* computed but never read: no layer writes it either */
    status =
        clcnn_tensor_wrap(m->ctx, clcnn_tensor_buffer(m->slots[root->slot]), val->offset,
                          val->shape[0], val->shape[1], val->shape[2], val->shape[3], &val->view);
  }
  for (size_t i = 0; i < m->n_layers && status == CLCNN_OK; i++) { /* the layers' own views */
    model_layer *l = &m->layers[i];
    if (!l->view_shape) continue;
    if (!(l->view = calloc(l->n_in + 1, sizeof *l->view)))
      return clcnn_fail(m->ctx, CLCNN_OUT_OF_MEMORY, "clcnn_model_load: host allocation failed");
    for (size_t k = 0; k <= l->n_in && status == CLCNN_OK; k++) {
      const size_t *s = l->view_shape[k];
      const model_value *root = &m->values[m->values[value_of(l, k)].storage];
      if (s[0] && root->slot >= 0)
        status = clcnn_tensor_wrap(m->ctx, clcnn_tensor_buffer(m->slots[root->slot]), 0, s[0], s[1],
                                   s[2], s[3], &l->view[k]);
    }
  }
  return status;
}

static clcnn_status upload(clcnn_model *m, const size_t shape[4], const float *host,
                           clcnn_tensor **out) {
  clcnn_status status = clcnn_tensor_create(m->ctx, shape[0], shape[1], shape[2], shape[3], out);
  return status == CLCNN_OK ? clcnn_tensor_write(*out, host, count_of(shape)) : status;
}

/* The layer's line for clcnn_model_layer_describe. */
static clcnn_status describe(clcnn_model *m, model_layer *l) {
  char line[512];
  const size_t *s = m->values[l->out].shape;
  switch (l->kind) {
  case LAYER_CONV:
    snprintf(line, sizeof line, "conv %s", clcnn_conv2d_plan_describe(l->conv_plan));
    break;
  case LAYER_POOL:
    snprintf(line, sizeof line, "pool %s", clcnn_pool2d_plan_describe(l->pool_plan));
    break;
  case LAYER_DECONV: /* the plan of the convolution whose input gradient it is */
    snprintf(line, sizeof line, "conv-transpose backward-data of %s%s",
             clcnn_conv2d_plan_describe(l->conv_plan), l->b || l->b_in >= 0 ? " + bias" : "");
    break;
  case LAYER_UNARY: {
    static const char *const ops[] = {"leaky-relu", "hard-sigmoid", "hard-swish", "elu",
                                      "selu",       "softplus",     "softsign"};
    /* the parameters the function takes: LeakyRelu and Elu one, HardSigmoid and Selu two */
    int params = l->unary_op == CLCNN_UNARY_HARD_SIGMOID || l->unary_op == CLCNN_UNARY_SELU ? 2
                 : l->unary_op == CLCNN_UNARY_LEAKY_RELU || l->unary_op == CLCNN_UNARY_ELU  ? 1
                                                                                            : 0;
    char values[64] = "";
    if (params == 1) snprintf(values, sizeof values, " alpha=%g", (double)l->lo);
    if (params == 2)
      snprintf(values, sizeof values, " alpha=%g %s=%g", (double)l->lo,
               l->unary_op == CLCNN_UNARY_SELU ? "gamma" : "beta", (double)l->hi);
    snprintf(line, sizeof line, "activation %s%s -> %zux%zux%zux%zu", ops[l->unary_op], values,
             s[0], s[1], s[2], s[3]);
    break;
  }
  case LAYER_BINARY: {
    static const char *const ops[] = {"add", "sub", "mul", "div", "prelu"};
    const size_t *a = l->operand_shape[0], *b = l->operand_shape[1];
    snprintf(line, sizeof line, "%s %zux%zux%zux%zu%s and %zux%zux%zux%zu%s -> %zux%zux%zux%zu",
             ops[l->binary_op], a[0], a[1], a[2], a[3], l->operand_in[0] < 0 ? " (constant)" : "",
             b[0], b[1], b[2], b[3], l->operand_in[1] < 0 ? " (constant)" : "", s[0], s[1], s[2],
             s[3]);
    break;
  }
  case LAYER_MATMUL: {
    const clcnn_matmul_desc *d = &l->matmul;
    snprintf(line, sizeof line,
             "matmul %zux%zu products of %zux%zu%s%s by %zux%zu%s%s%s -> %zux%zux%zux%zu",
             d->batch[0], d->batch[1], d->m, d->k, d->trans_a ? " (transposed)" : "",
             l->operand_in[0] < 0 ? " (constant)" : "", d->k, d->n,
             d->trans_b ? " (transposed)" : "", l->operand_in[1] < 0 ? " (constant)" : "",
             l->n_operands == 3 ? " plus C" : "", s[0], s[1], s[2], s[3]);
    break;
  }
  default: {
    static const char *const kinds[] = {"conv",   "pool",      "activation", "clip", "add",
                                        "concat", "batchnorm", "softmax",    "pad"};
    int named = l->kind == LAYER_ACT || (l->kind == LAYER_ADD && l->act != ACT_NONE);
    snprintf(line, sizeof line, "%s%s%s %zu input%s -> %zux%zux%zux%zu%s", kinds[l->kind],
             named ? (l->kind == LAYER_ADD ? " act=" : " ") : "",
             named ? clcnn_activation_name(l->act) : "", l->n_in, l->n_in == 1 ? "" : "s", s[0],
             s[1], s[2], s[3],
             !l->in_place           ? ""
             : l->kind == LAYER_ADD ? " summed by the convolution before it"
                                    : " in place");
  }
  }
  if (!(l->describe = malloc(strlen(line) + 1)))
    return clcnn_fail(m->ctx, CLCNN_OUT_OF_MEMORY, "clcnn_model_load: host allocation failed");
  strcpy(l->describe, line);
  return CLCNN_OK;
}

/* Weights to the device and a plan per convolution and pooling layer. */
static clcnn_status make_layers(clcnn_model *m) {
  clcnn_status status = CLCNN_OK;
  for (size_t i = 0; i < m->n_layers && status == CLCNN_OK; i++) {
    model_layer *l = &m->layers[i];
    const size_t *xs = seen_shape(m, l, 0);
    if (l->kind == LAYER_CONV || l->kind == LAYER_DECONV) {
      /* a transposed convolution's plan is the convolution's from its output back to its
         input; its bias is added after, so only constant weights make the plan's constant */
      int deconv = l->kind == LAYER_DECONV;
      const size_t *plan_x = deconv ? seen_shape(m, l, l->n_in) : xs;
      const size_t bs[4] = {1, deconv ? plan_x[1] : l->w_shape[0], 1, 1};
      unsigned flags = l->w_in < 0 && (deconv || l->b_in < 0) ? CLCNN_PLAN_CONSTANT_WEIGHTS : 0;
      if (l->w_host) status = upload(m, l->w_shape, l->w_host, &l->w);
      if (status == CLCNN_OK && l->b_host) status = upload(m, bs, l->b_host, &l->b);
      if (status == CLCNN_OK)
        status =
            clcnn_conv2d_plan_create(m->ctx, &l->conv, plan_x, l->w_shape, flags, &l->conv_plan);
      if (status == CLCNN_OK && l->act != ACT_NONE)
        status = clcnn_conv2d_plan_set_activation(l->conv_plan, l->act);
      if (status == CLCNN_OK && l->residual)
        status = clcnn_conv2d_plan_set_residual(l->conv_plan, 1);
      free(l->w_host);
      free(l->b_host);
      l->w_host = l->b_host = NULL;
    } else if (l->kind == LAYER_POOL) {
      status = clcnn_pool2d_plan_create_rule(m->ctx, "clcnn_model_load", &l->pool, xs,
                                             CLCNN_PADS_BELOW_WINDOW, &l->pool_plan);
    } else if (l->kind == LAYER_BINARY || l->kind == LAYER_MATMUL) {
      for (size_t k = 0; k < l->n_operands && status == CLCNN_OK; k++) {
        if (l->operand_host[k])
          status = upload(m, l->operand_shape[k], l->operand_host[k], &l->operand[k]);
        free(l->operand_host[k]);
        l->operand_host[k] = NULL;
      }
    } else if (l->kind == LAYER_BN) {
      const size_t ps[4] = {1, xs[1], 1, 1};
      for (int k = 0; k < 4 && status == CLCNN_OK; k++) {
        if (l->bn_host[k]) status = upload(m, ps, l->bn_host[k], &l->bn[k]);
        free(l->bn_host[k]);
        l->bn_host[k] = NULL;
      }
    }
    if (status == CLCNN_OK) status = describe(m, l);
  }
  return status;
}

clcnn_status clcnn_model_load_memory(clcnn_context *ctx, const void *data, size_t size,
                                     size_t batch, clcnn_model **out) {
  const char *fn = "clcnn_model_load";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  if (!out) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: out is NULL", fn);
  *out = NULL;
  if (!data || size == 0)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: %s", fn,
                      !data ? "data is NULL" : "the model is 0 bytes");
  if (batch == 0 || batch > ((size_t)1 << 31))
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: batch %zu, expected 1..2^31", fn, batch);
  char error[512];
  onnx_model onnx;
  if (onnx_decode((pb_bytes){data, size}, &onnx, error, sizeof error)) {
    onnx_free(&onnx);
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: not a valid ONNX model: %s", fn, error);
  }
  clcnn_model *m = calloc(1, sizeof *m);
  if (!m) {
    onnx_free(&onnx);
    return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "%s: host allocation failed", fn);
  }
  m->ctx = ctx;
  m->batch = batch;
  pthread_mutex_init(&m->lock, NULL);
  status = model_build(m, &onnx);
  onnx_free(&onnx);
  if (status == CLCNN_OK) status = make_views(m);
  if (status == CLCNN_OK) status = make_layers(m);
  if (status != CLCNN_OK) {
    clcnn_model_destroy(m);
    return status;
  }
  *out = m;
  return CLCNN_OK;
}

clcnn_status clcnn_model_load(clcnn_context *ctx, const char *path, size_t batch,
                              clcnn_model **out) {
  const char *fn = "clcnn_model_load";
  clcnn_status status = clcnn_context_check(ctx, fn);
  if (status != CLCNN_OK) return status;
  if (!path) return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: path is NULL", fn);
  size_t size;
  char *data = clcnn_file_read_all(path, &size);
  if (!data)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: cannot read '%s': %s", fn, path,
                      strerror(errno));
  status = clcnn_model_load_memory(ctx, data, size, batch, out);
  free(data);
  return status;
}

size_t clcnn_model_input_count(const clcnn_model *m) {
  return m ? m->n_inputs : 0;
}
size_t clcnn_model_output_count(const clcnn_model *m) {
  return m ? m->n_outputs : 0;
}

static clcnn_status shape_of(const clcnn_model *m, const int *list, size_t count, size_t i,
                             size_t shape[4], const char *fn) {
  if (!m) return CLCNN_INVALID_ARGUMENT;
  if (!shape) return clcnn_fail(m->ctx, CLCNN_INVALID_ARGUMENT, "%s: shape is NULL", fn);
  if (i >= count)
    return clcnn_fail(m->ctx, CLCNN_INVALID_ARGUMENT, "%s: index %zu, the model has %zu", fn, i,
                      count);
  memcpy(shape, m->values[list[i]].shape, 4 * sizeof *shape);
  return CLCNN_OK;
}

clcnn_status clcnn_model_input_shape(const clcnn_model *m, size_t i, size_t shape[4]) {
  return shape_of(m, m ? m->inputs : NULL, m ? m->n_inputs : 0, i, shape,
                  "clcnn_model_input_shape");
}

clcnn_status clcnn_model_output_shape(const clcnn_model *m, size_t i, size_t shape[4]) {
  return shape_of(m, m ? m->outputs : NULL, m ? m->n_outputs : 0, i, shape,
                  "clcnn_model_output_shape");
}

int clcnn_model_input_rank(const clcnn_model *m, size_t i) {
  return m && i < m->n_inputs ? m->values[m->inputs[i]].rank : 0;
}

int clcnn_model_output_rank(const clcnn_model *m, size_t i) {
  return m && i < m->n_outputs ? m->values[m->outputs[i]].rank : 0;
}

const char *clcnn_model_input_name(const clcnn_model *m, size_t i) {
  return m && i < m->n_inputs ? m->values[m->inputs[i]].name : NULL;
}

const char *clcnn_model_output_name(const clcnn_model *m, size_t i) {
  return m && i < m->n_outputs ? m->values[m->outputs[i]].name : NULL;
}

/* Operand k of a LAYER_BINARY or LAYER_MATMUL: the tensor it sees, or the uploaded constant. */
static const clcnn_tensor *operand(const clcnn_model *m, const model_layer *l, size_t k) {
  return l->operand_in[k] >= 0 ? seen(m, l, (size_t)l->operand_in[k]) : l->operand[k];
}

/* One layer on the tensors it sees. */
static clcnn_status run_layer(clcnn_model *m, const model_layer *l) {
  clcnn_context *ctx = m->ctx;
  clcnn_tensor *y = seen(m, l, l->n_in), *x = seen(m, l, 0);
  clcnn_status status = CLCNN_OK;
  switch (l->kind) {
  case LAYER_CONV:
    return clcnn_conv2d_plan_forward(l->conv_plan, x,
                                     l->w_in >= 0 ? seen(m, l, (size_t)l->w_in) : l->w,
                                     l->b_in >= 0 ? seen(m, l, (size_t)l->b_in) : l->b, y);
  case LAYER_POOL:
    return clcnn_pool2d_plan_forward(l->pool_plan, x, y);
  case LAYER_ACT:
    return clcnn_activation_forward(ctx, l->act, x, y);
  case LAYER_CLIP:
    return clcnn_clip(ctx, x, l->lo, l->hi, y);
  case LAYER_ADD:
    if (l->in_place) return CLCNN_OK; /* summed by the convolution before it */
    /* the fused activation goes with the last sum */
    status = clcnn_add_activation(ctx, x, seen(m, l, 1), l->n_in == 2 ? l->act : ACT_NONE, y);
    for (size_t k = 2; k < l->n_in && status == CLCNN_OK; k++)
      status = clcnn_add_activation(ctx, y, seen(m, l, k), k + 1 == l->n_in ? l->act : ACT_NONE, y);
    return status;
  case LAYER_CONCAT: {
    if (l->in_place) return CLCNN_OK;
    const clcnn_tensor *xs[LAYER_MAX_INPUTS];
    for (size_t k = 0; k < l->n_in; k++) xs[k] = seen(m, l, k);
    return clcnn_concat_channels(ctx, xs, l->n_in, y);
  }
  case LAYER_BN: {
    const clcnn_tensor *p[4];
    for (int k = 0; k < 4; k++)
      p[k] = l->bn_in[k] >= 0 ? seen(m, l, (size_t)l->bn_in[k]) : l->bn[k];
    return clcnn_batchnorm_inference(ctx, x, p[0], p[1], p[2], p[3], l->eps, y);
  }
  case LAYER_SOFTMAX:
    return clcnn_softmax_forward(ctx, x, y);
  case LAYER_PAD:
    return clcnn_pad2d(ctx, x, l->pads[0], l->pads[1], l->pads[2], l->pads[3], y);
  case LAYER_BINARY:
    return clcnn_binary_broadcast(ctx, l->binary_op, operand(m, l, 0), l->operand_shape[0],
                                  operand(m, l, 1), l->operand_shape[1], 1.0f, y, y->shape);
  case LAYER_DECONV: {
    const clcnn_tensor *b = l->b_in >= 0 ? seen(m, l, (size_t)l->b_in) : l->b;
    status = clcnn_conv2d_plan_backward_data(l->conv_plan, x,
                                             l->w_in >= 0 ? seen(m, l, (size_t)l->w_in) : l->w, y);
    if (status == CLCNN_OK && b) {
      const size_t bs[4] = {1, y->shape[1], 1, 1};
      status = clcnn_binary_broadcast(ctx, CLCNN_BINARY_ADD, y, y->shape, b, bs, 1.0f, y, y->shape);
    }
    return status;
  }
  case LAYER_UNARY:
    return clcnn_unary(ctx, l->unary_op, l->lo, l->hi, x, y);
  case LAYER_MATMUL:
    status = clcnn_matmul(ctx, &l->matmul, operand(m, l, 0), operand(m, l, 1), y);
    if (status == CLCNN_OK && l->n_operands == 3) /* C broadcast to the m x n result */
      status = clcnn_binary_broadcast(ctx, CLCNN_BINARY_ADD, y, y->shape, operand(m, l, 2),
                                      l->operand_shape[2], l->beta, y, y->shape);
    return status;
  }
  return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "clcnn_model_run: layer kind %d", (int)l->kind);
}

static clcnn_status copy(clcnn_context *ctx, const clcnn_tensor *src, clcnn_tensor *dst) {
  const size_t f = sizeof(float);
  cl_int err = clEnqueueCopyBuffer(ctx->queue, src->buf, dst->buf, src->offset * f, dst->offset * f,
                                   src->count * f, 0, NULL, NULL);
  return err == CL_SUCCESS ? CLCNN_OK : clcnn_fail_wait(ctx, err, "clEnqueueCopyBuffer (model)");
}

static clcnn_status check_run(clcnn_model *m, const clcnn_tensor *const *inputs,
                              clcnn_tensor *const *outputs) {
  const char *fn = "clcnn_model_run";
  clcnn_context *ctx = m->ctx;
  if (!inputs || !outputs)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                      inputs ? "outputs" : "inputs");
  clcnn_status status = CLCNN_OK;
  char name[64];
  for (size_t i = 0; i < m->n_inputs && status == CLCNN_OK; i++) {
    snprintf(name, sizeof name, "inputs[%zu]", i);
    status = clcnn_check_tensor(ctx, fn, name, inputs[i], m->values[m->inputs[i]].shape);
  }
  for (size_t i = 0; i < m->n_outputs && status == CLCNN_OK; i++) {
    snprintf(name, sizeof name, "outputs[%zu]", i);
    status = clcnn_check_tensor(ctx, fn, name, outputs[i], m->values[m->outputs[i]].shape);
    for (size_t k = 0; k < m->n_inputs && status == CLCNN_OK; k++)
      status = clcnn_check_distinct(ctx, fn, outputs[i], name, inputs[k], "an input");
    for (size_t k = 0; k < i && status == CLCNN_OK; k++)
      status = clcnn_check_distinct(ctx, fn, outputs[i], name, outputs[k], "another output");
  }
  return status;
}

static clcnn_status run(clcnn_model *m, const clcnn_tensor *const *inputs,
                        clcnn_tensor *const *outputs, double *layer_ms) {
  if (!m) return CLCNN_INVALID_ARGUMENT;
  clcnn_context *ctx = m->ctx;
  clcnn_status status = clcnn_context_check(ctx, "clcnn_model_run");
  if (status == CLCNN_OK) status = check_run(m, inputs, outputs);
  if (status != CLCNN_OK) return status;
  pthread_mutex_lock(&m->lock);
  for (size_t i = 0; i < m->n_inputs && status == CLCNN_OK; i++)
    status = CLCNN_LOCKED(ctx, copy(ctx, inputs[i], m->values[m->inputs[i]].view));
  if (layer_ms && status == CLCNN_OK) status = clcnn_context_finish(ctx);
  for (size_t i = 0; i < m->n_layers && status == CLCNN_OK; i++) {
    double t0 = layer_ms ? (clcnn_now_seconds() * 1e3) : 0;
    status = run_layer(m, &m->layers[i]);
    if (layer_ms && status == CLCNN_OK) status = clcnn_context_finish(ctx);
    if (layer_ms) layer_ms[i] = (clcnn_now_seconds() * 1e3) - t0;
  }
  for (size_t i = 0; i < m->n_outputs && status == CLCNN_OK; i++)
    status = CLCNN_LOCKED(ctx, copy(ctx, m->values[m->outputs[i]].view, outputs[i]));
  pthread_mutex_unlock(&m->lock);
  return status;
}

clcnn_status clcnn_model_run(clcnn_model *m, const clcnn_tensor *const *inputs,
                             clcnn_tensor *const *outputs) {
  return run(m, inputs, outputs, NULL);
}

clcnn_status clcnn_model_run_profiled(clcnn_model *m, const clcnn_tensor *const *inputs,
                                      clcnn_tensor *const *outputs, double *layer_ms) {
  if (m && !layer_ms)
    return clcnn_fail(m->ctx, CLCNN_INVALID_ARGUMENT, "clcnn_model_run_profiled: layer_ms is NULL");
  return run(m, inputs, outputs, layer_ms);
}

size_t clcnn_model_layer_count(const clcnn_model *m) {
  return m ? m->n_layers : 0;
}

const char *clcnn_model_layer_describe(const clcnn_model *m, size_t i) {
  return m && i < m->n_layers ? m->layers[i].describe : NULL;
}

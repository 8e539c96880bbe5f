/* Decoding of ONNX's ModelProto (the subset clcnn runs) from the protobuf wire format. Field
   numbers are those of onnx.proto; unknown fields are skipped as protobuf requires. */
#include "models/onnx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct onnx_arena_block {
  onnx_arena_block *next;
  _Alignas(16) unsigned char data[];
};

typedef struct decoder {
  onnx_model *m;
  char *error;
  size_t error_size;
} decoder;

static int bad(decoder *d, const char *where, const char *fmt, ...) {
  int n = snprintf(d->error, d->error_size, "%s: ", where);
  if (n < 0 || (size_t)n >= d->error_size) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->error + n, d->error_size - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

/* Zeroed memory for count items of size bytes, freed with the model; NULL on overflow or
   when the host is out of memory. */
static void *arena_alloc(decoder *d, size_t count, size_t size) {
  if (count == 0) count = 1;
  if (size && count > (SIZE_MAX - sizeof(onnx_arena_block)) / size) return NULL;
  onnx_arena_block *b = calloc(1, sizeof *b + count * size);
  if (!b) return NULL;
  b->next = d->m->arena;
  d->m->arena = b;
  return b->data;
}

#define ALLOC(d, ptr, count, where)                                                                \
  do {                                                                                             \
    if (!((ptr) = arena_alloc((d), (count), sizeof *(ptr))))                                       \
      return bad((d), (where), "out of host memory for %zu items", (size_t)(count));               \
  } while (0)

/* Walks msg's fields; on malformed input reports it at where. Used as
   FOR_FIELDS(d, msg, f, where) { ... } with status checked after. */
static int next_field(decoder *d, pb_reader *r, pb_field *f, const char *where) {
  int got = pb_next(r, f);
  if (got < 0) bad(d, where, "malformed protobuf: %s", r->error);
  return got;
}

static int expect_wire(decoder *d, const pb_field *f, pb_wire wire, const char *where) {
  if (f->wire == wire) return 0;
  return bad(d, where, "field %u has wire type %d, expected %d", f->number, (int)f->wire,
             (int)wire);
}

static int count_fields(decoder *d, pb_bytes msg, uint32_t number, size_t *count,
                        const char *where) {
  pb_reader r = pb_open(msg);
  pb_field f;
  int got;
  *count = 0;
  while ((got = next_field(d, &r, &f, where)) > 0) *count += f.number == number;
  return got;
}

/* Repeated scalar field `number` of msg, packed or one element per field: varints into
 *ints, or fixed32 floats into *floats (exactly one of the two is given). */
static int read_repeated(decoder *d, pb_bytes msg, uint32_t number, int64_t **ints, float **floats,
                         size_t *count, const char *where) {
  pb_reader r = pb_open(msg);
  pb_field f;
  int got;
  size_t n = 0;
  pb_wire single = ints ? PB_VARINT : PB_FIXED32;
  while ((got = next_field(d, &r, &f, where)) > 0) {
    if (f.number != number) continue;
    if (f.wire == single) {
      n++;
    } else if (f.wire != PB_BYTES) {
      return expect_wire(d, &f, single, where);
    } else if (ints) {
      long k = pb_count_varints(f.bytes);
      if (k < 0) return bad(d, where, "malformed packed integers in field %u", number);
      n += (size_t)k;
    } else {
      if (f.bytes.size % 4) return bad(d, where, "packed floats of %zu bytes", f.bytes.size);
      n += f.bytes.size / 4;
    }
  }
  if (got < 0) return -1;
  if (ints)
    ALLOC(d, *ints, n, where);
  else
    ALLOC(d, *floats, n, where);
  *count = n;
  size_t at = 0;
  r = pb_open(msg);
  while (next_field(d, &r, &f, where) > 0) {
    if (f.number != number) continue;
    if (f.wire == single && ints) {
      (*ints)[at++] = (int64_t)f.value;
    } else if (f.wire == single) {
      (*floats)[at++] = pb_float(f.value);
    } else if (ints) {
      size_t k = (size_t)pb_count_varints(f.bytes);
      pb_decode_varints(f.bytes, (uint64_t *)*ints + at, k);
      at += k;
    } else {
      memcpy(*floats + at, f.bytes.data, f.bytes.size); /* little-endian hosts (checked) */
      at += f.bytes.size / 4;
    }
  }
  return 0;
}

static int read_ints(decoder *d, pb_bytes msg, uint32_t number, int64_t **out, size_t *count,
                     const char *where) {
  return read_repeated(d, msg, number, out, NULL, count, where);
}

static int read_floats(decoder *d, pb_bytes msg, uint32_t number, float **out, size_t *count,
                       const char *where) {
  return read_repeated(d, msg, number, NULL, out, count, where);
}

static int tensor_dims(decoder *d, pb_bytes msg, onnx_tensor *t, const char *where) {
  int64_t *dims;
  size_t rank;
  if (read_ints(d, msg, 1, &dims, &rank, where)) return -1;
  if (rank > ONNX_MAX_RANK) return bad(d, where, "rank %zu exceeds %d", rank, ONNX_MAX_RANK);
  t->rank = (int)rank;
  t->count = 1;
  for (size_t i = 0; i < rank; i++) {
    if (dims[i] < 0 || dims[i] > ((int64_t)1 << 40))
      return bad(d, where, "dimension %zu is %lld", i, (long long)dims[i]);
    t->dims[i] = dims[i];
    if (dims[i] && t->count > (SIZE_MAX / 16) / (size_t)dims[i])
      return bad(d, where, "element count overflows");
    t->count *= (size_t)dims[i];
  }
  return 0;
}

static int tensor_data(decoder *d, pb_bytes msg, onnx_tensor *t, pb_bytes raw, int has_raw,
                       const char *where) {
  size_t width = t->type == ONNX_INT64 ? 8 : t->type == ONNX_BOOL ? 1 : 4;
  if (t->type != ONNX_FLOAT && t->type != ONNX_INT64 && t->type != ONNX_INT32 &&
      t->type != ONNX_BOOL)
    return 0;
  if (has_raw) {
    if (raw.size != t->count * width)
      return bad(d, where, "raw data of %zu bytes, the dims need %zu values of %zu bytes", raw.size,
                 t->count, width);
    if (t->type == ONNX_FLOAT) {
      ALLOC(d, t->f, t->count, where);
      memcpy(t->f, raw.data, raw.size);
      return 0;
    }
    ALLOC(d, t->i, t->count, where);
    for (size_t k = 0; k < t->count; k++) {
      uint64_t v = 0;
      for (size_t b = 0; b < width; b++) v |= (uint64_t)raw.data[k * width + b] << (8 * b);
      t->i[k] = width == 8 ? (int64_t)v : width == 4 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
    }
    return 0;
  }
  size_t n = 0;
  if (t->type == ONNX_FLOAT) {
    if (read_floats(d, msg, 4, &t->f, &n, where)) return -1;
  } else if (read_ints(d, msg, t->type == ONNX_INT64 ? 7 : 5, &t->i, &n, where)) {
    return -1;
  }
  if (t->type == ONNX_INT32 || t->type == ONNX_BOOL) /* they travel as int32_data */
    for (size_t k = 0; k < n; k++) t->i[k] = (int32_t)(uint32_t)(uint64_t)t->i[k];
  if (n != t->count) return bad(d, where, "holds %zu values, its dims need %zu", n, t->count);
  return 0;
}

static int decode_tensor(decoder *d, pb_bytes msg, onnx_tensor *t, const char *where) {
  pb_reader r = pb_open(msg);
  pb_field f;
  int got, has_raw = 0;
  pb_bytes raw = {NULL, 0};
  while ((got = next_field(d, &r, &f, where)) > 0) {
    if (f.number == 2 && !expect_wire(d, &f, PB_VARINT, where)) t->type = (int)f.value;
    if (f.number == 8 && !expect_wire(d, &f, PB_BYTES, where)) t->name = f.bytes;
    if (f.number == 9 && !expect_wire(d, &f, PB_BYTES, where)) raw = f.bytes, has_raw = 1;
    if (f.number == 14 && f.value == 1)
      return bad(d, where, "external data (a separate weights file) is not supported");
    if ((f.number == 2 || f.number == 14) && f.wire != PB_VARINT) return -1;
    if ((f.number == 8 || f.number == 9) && f.wire != PB_BYTES) return -1;
  }
  if (got < 0 || tensor_dims(d, msg, t, where)) return -1;
  return tensor_data(d, msg, t, raw, has_raw, where);
}

static int decode_attr(decoder *d, pb_bytes msg, onnx_attr *a, const char *where) {
  pb_reader r = pb_open(msg);
  pb_field f;
  int got;
  while ((got = next_field(d, &r, &f, where)) > 0) {
    pb_wire want = f.number == 2                                     ? PB_FIXED32
                   : f.number == 3 || f.number == 20                 ? PB_VARINT
                   : f.number == 1 || f.number == 4 || f.number == 5 ? PB_BYTES
                                                                     : f.wire;
    if (expect_wire(d, &f, want, where)) return -1;
    if (f.number == 1) a->name = f.bytes;
    if (f.number == 20) a->type = (int)f.value;
    if (f.number == 2) a->f = pb_float(f.value);
    if (f.number == 3) a->i = (int64_t)f.value;
    if (f.number == 4) a->s = f.bytes;
    if (f.number == 5) {
      ALLOC(d, a->t, 1, where);
      if (decode_tensor(d, f.bytes, a->t, where)) return -1;
    }
  }
  if (got < 0) return -1;
  size_t nf = 0, ni = 0;
  float *floats;
  int64_t *ints;
  if (read_floats(d, msg, 7, &floats, &nf, where) || read_ints(d, msg, 8, &ints, &ni, where))
    return -1;
  if (nf) a->floats = floats, a->count = nf;
  if (ni) a->ints = ints, a->count = ni;
  if (a->type == 0) /* written before IR version 3: the type follows from the field present */
    a->type = a->t        ? ONNX_ATTR_TENSOR
              : nf        ? ONNX_ATTR_FLOATS
              : ni        ? ONNX_ATTR_INTS
              : a->s.data ? ONNX_ATTR_STRING
                          : ONNX_ATTR_INT;
  return 0;
}

/* Repeated string field number of msg into a new array. */
static int read_strings(decoder *d, pb_bytes msg, uint32_t number, pb_bytes **out, size_t *count,
                        const char *where) {
  if (count_fields(d, msg, number, count, where)) return -1;
  ALLOC(d, *out, *count, where);
  pb_reader r = pb_open(msg);
  pb_field f;
  size_t at = 0;
  while (next_field(d, &r, &f, where) > 0) {
    if (f.number != number) continue;
    if (expect_wire(d, &f, PB_BYTES, where)) return -1;
    (*out)[at++] = f.bytes;
  }
  return 0;
}

static int decode_node(decoder *d, pb_bytes msg, onnx_node *n, const char *where) {
  if (read_strings(d, msg, 1, &n->inputs, &n->n_inputs, where) ||
      read_strings(d, msg, 2, &n->outputs, &n->n_outputs, where) ||
      count_fields(d, msg, 5, &n->n_attrs, where))
    return -1;
  ALLOC(d, n->attrs, n->n_attrs, where);
  pb_reader r = pb_open(msg);
  pb_field f;
  size_t at = 0;
  while (next_field(d, &r, &f, where) > 0) {
    if (f.number != 3 && f.number != 4 && f.number != 5 && f.number != 7) continue;
    if (expect_wire(d, &f, PB_BYTES, where)) return -1;
    if (f.number == 3) n->name = f.bytes;
    if (f.number == 4) n->op_type = f.bytes;
    if (f.number == 7) n->domain = f.bytes;
    if (f.number == 5) {
      char inner[160];
      snprintf(inner, sizeof inner, "%s.attribute[%zu]", where, at);
      if (decode_attr(d, f.bytes, &n->attrs[at++], inner)) return -1;
    }
  }
  return 0;
}

/* TensorShapeProto into v->dims (symbolic dimensions are -1). */
static int decode_shape(decoder *d, pb_bytes msg, onnx_value_info *v, const char *where) {
  pb_reader r = pb_open(msg);
  pb_field f;
  int got;
  v->rank = 0;
  while ((got = next_field(d, &r, &f, where)) > 0) {
    if (f.number != 1) continue;
    if (expect_wire(d, &f, PB_BYTES, where)) return -1;
    if (v->rank == ONNX_MAX_RANK) return bad(d, where, "rank exceeds %d", ONNX_MAX_RANK);
    int64_t dim = -1;
    pb_reader dr = pb_open(f.bytes);
    pb_field df;
    while ((got = next_field(d, &dr, &df, where)) > 0)
      if (df.number == 1 && df.wire == PB_VARINT) dim = (int64_t)df.value;
    if (got < 0) return -1;
    v->dims[v->rank++] = dim;
  }
  return got;
}

static int decode_value_info(decoder *d, pb_bytes msg, onnx_value_info *v, const char *where) {
  pb_reader r = pb_open(msg);
  pb_field f;
  int got;
  v->rank = -1;
  while ((got = next_field(d, &r, &f, where)) > 0) {
    if (f.number == 1 && !expect_wire(d, &f, PB_BYTES, where)) v->name = f.bytes;
    if (f.number != 2 || expect_wire(d, &f, PB_BYTES, where)) continue;
    pb_reader tr = pb_open(f.bytes); /* TypeProto: tensor_type = 1 */
    pb_field tf;
    while ((got = next_field(d, &tr, &tf, where)) > 0) {
      if (tf.number != 1 || tf.wire != PB_BYTES) continue;
      pb_reader er = pb_open(tf.bytes); /* TypeProto.Tensor: elem_type 1, shape 2 */
      pb_field ef;
      while ((got = next_field(d, &er, &ef, where)) > 0) {
        if (ef.number == 1 && ef.wire == PB_VARINT) v->elem_type = (int)ef.value;
        if (ef.number == 2 && ef.wire == PB_BYTES && decode_shape(d, ef.bytes, v, where)) return -1;
      }
      if (got < 0) return -1;
    }
    if (got < 0) return -1;
  }
  return got < 0 || d->error[0] ? -1 : 0;
}

/* Each field number of msg decoded into an array of items: value infos, tensors or nodes. */
static int decode_graph(decoder *d, pb_bytes msg) {
  onnx_model *m = d->m;
  if (count_fields(d, msg, 1, &m->n_nodes, "graph") ||
      count_fields(d, msg, 5, &m->n_inits, "graph") ||
      count_fields(d, msg, 11, &m->n_inputs, "graph") ||
      count_fields(d, msg, 12, &m->n_outputs, "graph"))
    return -1;
  ALLOC(d, m->nodes, m->n_nodes, "graph");
  ALLOC(d, m->inits, m->n_inits, "graph");
  ALLOC(d, m->inputs, m->n_inputs, "graph");
  ALLOC(d, m->outputs, m->n_outputs, "graph");
  size_t at[16] = {0};
  pb_reader r = pb_open(msg);
  pb_field f;
  int got;
  while ((got = next_field(d, &r, &f, "graph")) > 0) {
    char where[96];
    if (f.number == 15) return bad(d, "graph", "sparse initializers are not supported");
    if (f.number != 1 && f.number != 5 && f.number != 11 && f.number != 12) continue;
    if (expect_wire(d, &f, PB_BYTES, "graph")) return -1;
    size_t i = at[f.number]++;
    if (f.number == 1) {
      snprintf(where, sizeof where, "graph.node[%zu]", i);
      if (decode_node(d, f.bytes, &m->nodes[i], where)) return -1;
    } else if (f.number == 5) {
      snprintf(where, sizeof where, "graph.initializer[%zu]", i);
      if (decode_tensor(d, f.bytes, &m->inits[i], where)) return -1;
    } else {
      snprintf(where, sizeof where, "graph.%s[%zu]", f.number == 11 ? "input" : "output", i);
      if (decode_value_info(d, f.bytes, f.number == 11 ? &m->inputs[i] : &m->outputs[i], where))
        return -1;
    }
  }
  return got;
}

int onnx_decode(pb_bytes bytes, onnx_model *m, char *error, size_t error_size) {
  memset(m, 0, sizeof *m);
  decoder d = {m, error, error_size};
  error[0] = '\0';
  const uint16_t probe = 1;
  if (*(const uint8_t *)&probe != 1) return bad(&d, "model", "big-endian hosts are not supported");
  pb_reader r = pb_open(bytes);
  pb_field f;
  int got, graphs = 0;
  pb_bytes graph = {NULL, 0};
  while ((got = next_field(&d, &r, &f, "model")) > 0) {
    if (f.number == 7 && !expect_wire(&d, &f, PB_BYTES, "model")) graph = f.bytes, graphs++;
    if (f.number != 8 || expect_wire(&d, &f, PB_BYTES, "model")) continue;
    pb_reader or = pb_open(f.bytes); /* OperatorSetIdProto: domain 1, version 2 */
    pb_field of;
    pb_bytes domain = {NULL, 0};
    int64_t version = 0;
    while ((got = next_field(&d, & or, &of, "model.opset_import")) > 0) {
      if (of.number == 1 && of.wire == PB_BYTES) domain = of.bytes;
      if (of.number == 2 && of.wire == PB_VARINT) version = (int64_t)of.value;
    }
    if (got < 0) return -1;
    if (domain.size == 0 || pb_equals(domain, "ai.onnx")) m->opset = version;
  }
  if (got < 0) return -1;
  if (error[0]) return -1;
  if (graphs != 1)
    return bad(&d, "model", "not an ONNX model: %d graph fields (bytes of another format?)",
               graphs);
  return decode_graph(&d, graph);
}

void onnx_free(onnx_model *m) {
  while (m && m->arena) {
    onnx_arena_block *next = m->arena->next;
    free(m->arena);
    m->arena = next;
  }
}

int pb_equals(pb_bytes b, const char *text) {
  size_t n = strlen(text);
  return b.size == n && (n == 0 || memcmp(b.data, text, n) == 0);
}

const onnx_attr *onnx_find_attr(const onnx_node *node, const char *name) {
  for (size_t i = 0; i < node->n_attrs; i++)
    if (pb_equals(node->attrs[i].name, name)) return &node->attrs[i];
  return NULL;
}

/* An ONNX ModelProto decoded into plain structs: the graph's nodes, attributes, initializers,
   inputs and outputs, and the default-domain opset. Strings point into the caller's bytes;
   everything else lives in the model's arena. */
#ifndef CLCNN_MODELS_ONNX_H
#define CLCNN_MODELS_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "models/protobuf.h"

enum { ONNX_MAX_RANK = 8 };
enum { ONNX_FLOAT = 1, ONNX_INT32 = 6, ONNX_INT64 = 7, ONNX_BOOL = 9 }; /* DataType values read */
enum {
  ONNX_ATTR_FLOAT = 1,
  ONNX_ATTR_INT = 2,
  ONNX_ATTR_STRING = 3,
  ONNX_ATTR_TENSOR = 4,
  ONNX_ATTR_FLOATS = 6,
  ONNX_ATTR_INTS = 7
};

typedef struct onnx_tensor {
  pb_bytes name;
  int64_t dims[ONNX_MAX_RANK];
  int rank;
  int type;     /* a TensorProto.DataType */
  size_t count; /* product of dims */
  float *f;     /* FLOAT data, count values; NULL for other types */
  int64_t *i;   /* INT32 / INT64 / BOOL data, count values; NULL for other types */
} onnx_tensor;

typedef struct onnx_attr {
  pb_bytes name;
  int type; /* ONNX_ATTR_*, or another AttributeType value clcnn does not read */
  float f;
  int64_t i;
  pb_bytes s;
  onnx_tensor *t;
  float *floats;
  int64_t *ints;
  size_t count; /* of floats or ints */
} onnx_attr;

typedef struct onnx_node {
  pb_bytes name, op_type, domain;
  pb_bytes *inputs, *outputs;
  size_t n_inputs, n_outputs;
  onnx_attr *attrs;
  size_t n_attrs;
} onnx_node;

typedef struct onnx_value_info {
  pb_bytes name;
  int elem_type;
  int rank;                    /* -1 when the shape is not given */
  int64_t dims[ONNX_MAX_RANK]; /* -1 for a symbolic or missing dimension */
} onnx_value_info;

typedef struct onnx_arena_block onnx_arena_block;

typedef struct onnx_model {
  int64_t opset; /* of the default domain; 0 when not declared */
  onnx_node *nodes;
  size_t n_nodes;
  onnx_tensor *inits;
  size_t n_inits;
  onnx_value_info *inputs, *outputs;
  size_t n_inputs, n_outputs;
  onnx_arena_block *arena;
} onnx_model;

/* Decodes bytes into *m (which must outlive nothing but bytes): 0, or -1 with a message in
   error (what was malformed and where). */
int onnx_decode(pb_bytes bytes, onnx_model *m, char *error, size_t error_size);
void onnx_free(onnx_model *m);

/* The attribute called name, or NULL. */
const onnx_attr *onnx_find_attr(const onnx_node *node, const char *name);
int pb_equals(pb_bytes b, const char *text);

#endif

/* A bounds-checked reader of the protocol buffers wire format: fields one at a time, every
   length checked against what is left, no allocation. */
#ifndef CLCNN_MODELS_PROTOBUF_H
#define CLCNN_MODELS_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct pb_bytes {
  const uint8_t *data;
  size_t size;
} pb_bytes;

typedef enum pb_wire { PB_VARINT = 0, PB_FIXED64 = 1, PB_BYTES = 2, PB_FIXED32 = 5 } pb_wire;

typedef struct pb_field {
  uint32_t number;
  pb_wire wire;
  uint64_t value; /* VARINT, FIXED64, FIXED32 (the raw bits) */
  pb_bytes bytes; /* BYTES: the payload, inside the message being read */
} pb_field;

typedef struct pb_reader {
  const uint8_t *at, *end;
  const char *error; /* static text once malformed; reading stops */
} pb_reader;

pb_reader pb_open(pb_bytes message);
/* 1 with *f filled, 0 at the end of the message, -1 when malformed (r->error says how). */
int pb_next(pb_reader *r, pb_field *f);

/* Packed repeated scalars (BYTES payload), or one unpacked element (VARINT / FIXED32 field):
   the element count, or -1 when the payload is malformed. */
long pb_count_varints(pb_bytes payload);
/* Decodes the first count varints of a payload counted by pb_count_varints into out. */
void pb_decode_varints(pb_bytes payload, uint64_t *out, size_t count);

float pb_float(uint64_t fixed32_bits);

#endif

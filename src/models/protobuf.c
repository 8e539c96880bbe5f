/* Protocol buffers wire format, read field by field with every length checked. */
#include "models/protobuf.h"

#include <string.h>

pb_reader pb_open(pb_bytes message) {
  pb_reader r = {message.data, message.data + message.size, NULL};
  return r;
}

/* Reads one varint at *at (< end); 0 when it runs past end or past 10 bytes. */
static int read_varint(const uint8_t **at, const uint8_t *end, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*at >= end) return 0;
    uint8_t b = *(*at)++;
    if (shift == 63 && b > 1) return 0;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return 1;
    }
  }
  return 0;
}

static int fail(pb_reader *r, const char *why) {
  r->error = why;
  r->at = r->end;
  return -1;
}

int pb_next(pb_reader *r, pb_field *f) {
  if (r->error) return -1;
  if (r->at >= r->end) return 0;
  uint64_t key;
  if (!read_varint(&r->at, r->end, &key)) return fail(r, "truncated field key");
  if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff) return fail(r, "field number out of range");
  f->number = (uint32_t)(key >> 3);
  f->wire = (pb_wire)(key & 7);
  f->value = 0;
  f->bytes.data = NULL;
  f->bytes.size = 0;
  switch (f->wire) {
  case PB_VARINT:
    if (!read_varint(&r->at, r->end, &f->value)) return fail(r, "truncated varint");
    return 1;
  case PB_FIXED64:
  case PB_FIXED32: {
    size_t n = f->wire == PB_FIXED64 ? 8 : 4;
    if ((size_t)(r->end - r->at) < n) return fail(r, "truncated fixed-width value");
    for (size_t i = 0; i < n; i++) f->value |= (uint64_t)r->at[i] << (8 * i);
    r->at += n;
    return 1;
  }
  case PB_BYTES: {
    uint64_t len;
    if (!read_varint(&r->at, r->end, &len)) return fail(r, "truncated length");
    if (len > (uint64_t)(r->end - r->at)) return fail(r, "length runs past the end of its message");
    f->bytes.data = r->at;
    f->bytes.size = (size_t)len;
    r->at += len;
    return 1;
  }
  default:
    return fail(r, "unsupported wire type (groups are not used by ONNX)");
  }
}

long pb_count_varints(pb_bytes payload) {
  const uint8_t *at = payload.data, *end = payload.data + payload.size;
  long count = 0;
  uint64_t v;
  while (at < end) {
    if (!read_varint(&at, end, &v)) return -1;
    count++;
  }
  return count;
}

void pb_decode_varints(pb_bytes payload, uint64_t *out, size_t count) {
  const uint8_t *at = payload.data, *end = payload.data + payload.size;
  for (size_t i = 0; i < count; i++)
    if (!read_varint(&at, end, &out[i])) out[i] = 0;
}

float pb_float(uint64_t fixed32_bits) {
  uint32_t bits = (uint32_t)fixed32_bits;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

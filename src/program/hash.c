/* 64-bit FNV-1a hashing for cache keys and payload checksums. */
#include "program/hash.h"

#include <string.h>

uint64_t clcnn_hash_bytes(uint64_t h, const void *data, size_t size) {
  const unsigned char *p = data;
  for (size_t i = 0; i < size; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t clcnn_hash_field(uint64_t h, const char *text) {
  return clcnn_hash_bytes(h, text, strlen(text) + 1);
}

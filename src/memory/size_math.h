/* Overflow-checked size arithmetic for element and byte counts. */
#ifndef CLCNN_MEMORY_SIZE_MATH_H
#define CLCNN_MEMORY_SIZE_MATH_H

#include <stddef.h>

/* *out = a * b; returns 0 when it overflows size_t. */
static inline int clcnn_mul_ok(size_t a, size_t b, size_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}

/* *out = a + b; returns 0 when it overflows size_t. */
static inline int clcnn_add_ok(size_t a, size_t b, size_t *out) {
  return !__builtin_add_overflow(a, b, out);
}

/* *out = n*c*h*w; returns 0 when it overflows size_t. */
static inline int clcnn_count4_ok(size_t n, size_t c, size_t h, size_t w, size_t *out) {
  size_t nc, hw;
  return clcnn_mul_ok(n, c, &nc) && clcnn_mul_ok(h, w, &hw) && clcnn_mul_ok(nc, hw, out);
}

#endif

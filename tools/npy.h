/* NumPy .npy files of float32 (or float64, converted) in C order: read and write. */
#ifndef CLCNN_TOOLS_NPY_H
#define CLCNN_TOOLS_NPY_H

#include <stddef.h>

typedef struct npy_array {
  size_t shape[8];
  int rank;
  float *data; /* malloc'd, product of shape values */
} npy_array;

/* 0, or -1 with a message in error. */
int npy_read(const char *path, npy_array *out, char *error, size_t error_size);
int npy_write(const char *path, const float *data, const size_t *shape, int rank);
size_t npy_count(const npy_array *a);

#endif

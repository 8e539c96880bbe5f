/* Reading IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or plain. */
#ifndef CLCNN_TOOLS_IDX_READER_H
#define CLCNN_TOOLS_IDX_READER_H

#include <stddef.h>
#include <stdint.h>

typedef struct idx_data {
  uint32_t dims[3]; /* dims[0] items, then rows and columns (1 for labels) */
  int rank;         /* 1 for labels, 3 for images */
  uint8_t *bytes;   /* dims[0] * dims[1] * dims[2] unsigned bytes */
} idx_data;

/* Loads an unsigned-byte IDX file of the given rank (1 or 3). Returns 0, or -1 with a
   message naming the file and what was wrong (missing, magic, dimensions, truncated). */
int idx_load(const char *path, int rank, idx_data *out, char *err, size_t err_size);
void idx_free(idx_data *d);

#endif

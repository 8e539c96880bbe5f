/* Tensors wrapped inside larger buffers with canary values on both sides, for tests. */
#ifndef CLCNN_TESTS_DEVICE_BUFFER_H
#define CLCNN_TESTS_DEVICE_BUFFER_H

#include <clcnn/clcnn.h>

#define CANARY_ELEMS 37
#define CANARY_VALUE 12345.5f

typedef struct guarded_tensor {
  clcnn_tensor *t;
  cl_mem buf;
  size_t count;
} guarded_tensor;

/* A tensor at offset CANARY_ELEMS in a buffer with CANARY_ELEMS canaries after it; its own
   elements hold data (or NaN when data is NULL). */
guarded_tensor guarded_create(clcnn_context *ctx, const size_t shape[4], const float *data);
/* Reads the tensor into out and fails the test if any canary changed. */
void guarded_read(clcnn_context *ctx, const guarded_tensor *g, float *out, const char *what);
void guarded_destroy(guarded_tensor *g);

#endif

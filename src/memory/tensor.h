/* The private layout of clcnn_tensor: a view of n*c*h*w floats at an offset in a cl_mem. */
#ifndef CLCNN_MEMORY_TENSOR_H
#define CLCNN_MEMORY_TENSOR_H

#include <clcnn/clcnn.h>

struct clcnn_tensor {
  clcnn_context *ctx;
  cl_mem buf;
  size_t offset; /* in elements */
  size_t shape[4];
  size_t count;
  int wrapped;
  /* where the elements live in memory: the buffer a sub-buffer was made from (else buf) and
     the byte offset of element 0 in it, so that overlap is found across sub-buffers */
  cl_mem root;
  size_t root_byte;
};

/* clcnn_tensor_fill for a caller that holds the context's lock. */
clcnn_status clcnn_tensor_fill_locked(clcnn_tensor *t, float value);

#endif

/* Host-side helpers for clcnn demo: run one op on small host arrays and print tensors. */
#ifndef CLCNN_TOOLS_DEMO_TENSOR_H
#define CLCNN_TOOLS_DEMO_TENSOR_H

#include <stddef.h>

#include <clcnn/clcnn.h>

/* A small host tensor (NCHW) with its shape. */
typedef struct host_tensor {
  size_t shape[4];
  float *data;
} host_tensor;

host_tensor host_tensor_make(size_t n, size_t c, size_t h, size_t w);
void host_tensor_free(host_tensor *t);
size_t host_tensor_count(const host_tensor *t);

/* y = conv(x, w) on the device; y is allocated. CLCNN_OK or the failing status. */
clcnn_status demo_conv(clcnn_context *ctx, const clcnn_conv2d_desc *d, const host_tensor *x,
                       const host_tensor *w, host_tensor *y);
clcnn_status demo_pool(clcnn_context *ctx, const clcnn_pool2d_desc *d, const host_tensor *x,
                       host_tensor *y);

/* Prints "name = tensor([[...]])" in the tutorial's style (leading size-1 axes dropped). */
void demo_print(const char *name, const host_tensor *t);

#endif

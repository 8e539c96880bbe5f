/* Host-side helpers for clcnn demo: run one op on small host arrays and print tensors. */
#include "demo_tensor.h"

#include <stdio.h>
#include <stdlib.h>

host_tensor host_tensor_make(size_t n, size_t c, size_t h, size_t w) {
  host_tensor t = {{n, c, h, w}, calloc(n * c * h * w, sizeof(float))};
  return t;
}

void host_tensor_free(host_tensor *t) {
  free(t->data);
  t->data = NULL;
}

size_t host_tensor_count(const host_tensor *t) {
  return t->shape[0] * t->shape[1] * t->shape[2] * t->shape[3];
}

static clcnn_status upload(clcnn_context *ctx, const host_tensor *h, clcnn_tensor **out) {
  clcnn_status s =
      clcnn_tensor_create(ctx, h->shape[0], h->shape[1], h->shape[2], h->shape[3], out);
  return s == CLCNN_OK ? clcnn_tensor_write(*out, h->data, host_tensor_count(h)) : s;
}

clcnn_status demo_conv(clcnn_context *ctx, const clcnn_conv2d_desc *d, const host_tensor *x,
                       const host_tensor *w, host_tensor *y) {
  size_t ys[4];
  clcnn_status s = clcnn_conv2d_output_shape(d, x->shape, w->shape, ys);
  if (s != CLCNN_OK) return s;
  *y = host_tensor_make(ys[0], ys[1], ys[2], ys[3]);
  clcnn_tensor *tx = NULL, *tw = NULL, *ty = NULL;
  if ((s = upload(ctx, x, &tx)) == CLCNN_OK && (s = upload(ctx, w, &tw)) == CLCNN_OK &&
      (s = clcnn_tensor_create(ctx, ys[0], ys[1], ys[2], ys[3], &ty)) == CLCNN_OK &&
      (s = clcnn_conv2d_forward(ctx, d, tx, tw, NULL, ty)) == CLCNN_OK)
    s = clcnn_tensor_read(ty, y->data, host_tensor_count(y));
  clcnn_tensor_destroy(tx), clcnn_tensor_destroy(tw), clcnn_tensor_destroy(ty);
  return s;
}

clcnn_status demo_pool(clcnn_context *ctx, const clcnn_pool2d_desc *d, const host_tensor *x,
                       host_tensor *y) {
  size_t ys[4];
  clcnn_status s = clcnn_pool2d_output_shape(d, x->shape, ys);
  if (s != CLCNN_OK) return s;
  *y = host_tensor_make(ys[0], ys[1], ys[2], ys[3]);
  clcnn_tensor *tx = NULL, *ty = NULL;
  if ((s = upload(ctx, x, &tx)) == CLCNN_OK &&
      (s = clcnn_tensor_create(ctx, ys[0], ys[1], ys[2], ys[3], &ty)) == CLCNN_OK &&
      (s = clcnn_pool2d_forward(ctx, d, tx, ty)) == CLCNN_OK)
    s = clcnn_tensor_read(ty, y->data, host_tensor_count(y));
  clcnn_tensor_destroy(tx), clcnn_tensor_destroy(ty);
  return s;
}

/* Prints axes [axis, 4) of the block at data, nested like the tutorial's tensors. */
static void print_block(const host_tensor *t, int axis, const float *data, int indent) {
  size_t stride = 1;
  for (int a = axis + 1; a < 4; a++) stride *= t->shape[a];
  printf("[");
  for (size_t i = 0; i < t->shape[axis]; i++) {
    if (axis == 3) {
      float v = data[i];
      printf(v == (float)(long)v ? "%s%g." : "%s%.4f", i ? ", " : "", v);
      continue;
    }
    if (i) printf(",\n%*s", indent + 1, "");
    print_block(t, axis + 1, data + i * stride, indent + 1);
  }
  printf("]");
}

void demo_print(const char *name, const host_tensor *t) {
  int axis = 0;
  while (axis < 2 && t->shape[axis] == 1) axis++;
  int indent = printf("%s = tensor(", name);
  print_block(t, axis, t->data, indent);
  printf(")\n");
}

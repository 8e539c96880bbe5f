/* The README's example: the tutorial's cross-correlation on the default device. */
#include <stdio.h>

#include <clcnn/clcnn.h>

int main(void) {
  clcnn_context *ctx;
  if (clcnn_context_create(NULL, &ctx) != CLCNN_OK) { /* CLCNN_DEVICE picks another device */
    fprintf(stderr, "no device: %s\n", clcnn_last_error(NULL));
    return 1;
  }
  const float x[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8}, k[4] = {0, 1, 2, 3};
  float y[4];
  clcnn_conv2d_desc d = {.stride_h = 1,
                         .stride_w = 1,
                         .dilation_h = 1,
                         .dilation_w = 1,
                         .groups = 1,
                         .algo = CLCNN_CONV_AUTO}; /* no padding */
  clcnn_tensor *tx = NULL, *tk = NULL, *ty = NULL;
  clcnn_status s = clcnn_tensor_create(ctx, 1, 1, 3, 3, &tx); /* N, C, H, W */
  if (s == CLCNN_OK) s = clcnn_tensor_create(ctx, 1, 1, 2, 2, &tk);
  if (s == CLCNN_OK) s = clcnn_tensor_create(ctx, 1, 1, 2, 2, &ty);
  if (s == CLCNN_OK) s = clcnn_tensor_write(tx, x, 9);
  if (s == CLCNN_OK) s = clcnn_tensor_write(tk, k, 4);
  if (s == CLCNN_OK) s = clcnn_conv2d_forward(ctx, &d, tx, tk, NULL, ty);
  if (s == CLCNN_OK) s = clcnn_tensor_read(ty, y, 4);
  if (s != CLCNN_OK)
    fprintf(stderr, "%s: %s\n", clcnn_status_string(s), clcnn_last_error(ctx));
  else
    printf("corr2d on %s: [[%g, %g], [%g, %g]]\n", clcnn_context_device_name(ctx), y[0], y[1], y[2],
           y[3]);
  clcnn_tensor_destroy(tx), clcnn_tensor_destroy(tk), clcnn_tensor_destroy(ty);
  clcnn_context_destroy(ctx);
  return s == CLCNN_OK ? 0 : 1;
}

/* The README's example: open a context, move a tensor through the device and back. */
#include <stdio.h>

#include <clcnn/clcnn.h>

int main(void) {
  clcnn_context *ctx;
  if (clcnn_context_create(NULL, &ctx) != CLCNN_OK) { /* CLCNN_DEVICE picks another device */
    fprintf(stderr, "no device: %s\n", clcnn_last_error(NULL));
    return 1;
  }
  printf("device: %s\n", clcnn_context_device_name(ctx));
  clcnn_tensor *x;
  float in[6] = {0, 1, 2, 3, 4, 5}, out[6];
  clcnn_status s = clcnn_tensor_create(ctx, 1, 1, 2, 3, &x); /* N, C, H, W */
  if (s == CLCNN_OK) s = clcnn_tensor_write(x, in, 6);
  if (s == CLCNN_OK) s = clcnn_tensor_read(x, out, 6);
  if (s != CLCNN_OK)
    fprintf(stderr, "%s: %s\n", clcnn_status_string(s), clcnn_last_error(ctx));
  else
    printf("round trip: %g %g %g %g %g %g\n", out[0], out[1], out[2], out[3], out[4], out[5]);
  clcnn_tensor_destroy(x);
  clcnn_context_destroy(ctx);
  return s == CLCNN_OK ? 0 : 1;
}

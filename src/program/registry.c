/* Kernel sources: the copies embedded at build time, or files under CLCNN_KERNEL_DIR. */
#include "program/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/context.h"
#include "program/file_io.h"

clcnn_status clcnn_kernel_source_load(clcnn_context *ctx, const char *file,
                                      clcnn_kernel_source *out) {
  out->text = NULL;
  out->owned = NULL;
  if (ctx->kernel_dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->kernel_dir, file);
    size_t size;
    char *text = clcnn_file_read_all(path, &size);
    if (!text)
      return clcnn_fail(ctx, CLCNN_BUILD_FAILED,
                        "kernel source %s (CLCNN_KERNEL_DIR=%s) could not be read: %s", path,
                        ctx->kernel_dir, strerror(errno));
    out->text = out->owned = text;
    return CLCNN_OK;
  }
  for (const clcnn_embedded_kernel *k = clcnn_embedded_kernels; k->name; k++)
    if (strcmp(k->name, file) == 0) {
      out->text = k->source;
      return CLCNN_OK;
    }
  return clcnn_fail(ctx, CLCNN_BUILD_FAILED, "kernel source %s is not embedded in this build",
                    file);
}

void clcnn_kernel_source_free(clcnn_kernel_source *src) {
  free(src->owned);
  src->owned = NULL;
  src->text = NULL;
}

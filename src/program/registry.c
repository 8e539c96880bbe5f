/* Kernel sources: the copies embedded at build time, or files under CLCNN_KERNEL_DIR. */
#define _POSIX_C_SOURCE 200809L
#include "program/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device/context.h"
#include "program/file_io.h"

/* The text of one file, from folder dir (NULL: the embedded copies). */
static clcnn_status load_file(clcnn_context *ctx, const char *dir, const char *file,
                              clcnn_kernel_source *out) {
  out->text = NULL;
  out->owned = NULL;
  if (dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t size;
    char *text = clcnn_file_read_all(path, &size);
    if (!text)
      return clcnn_fail(ctx, CLCNN_BUILD_FAILED,
                        "kernel source %s (CLCNN_KERNEL_DIR=%s) could not be read: %s", path, dir,
                        strerror(errno));
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

/* The prelude (the kernel folder's, or the embedded one when the folder has none), then
   "#line 1" so that compiler messages give the file's own lines, then the file itself. */
clcnn_status clcnn_kernel_source_load(clcnn_context *ctx, const char *file,
                                      clcnn_kernel_source *out) {
  clcnn_kernel_source prelude, body;
  const char *dir = ctx->kernel_dir;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", CLCNN_KERNEL_PRELUDE);
  clcnn_status status =
      load_file(ctx, dir && access(path, F_OK) == 0 ? dir : NULL, CLCNN_KERNEL_PRELUDE, &prelude);
  if (status != CLCNN_OK) return status;
  if ((status = load_file(ctx, dir, file, &body)) != CLCNN_OK) {
    clcnn_kernel_source_free(&prelude);
    return status;
  }
  static const char line_reset[] = "\n#line 1\n";
  size_t a = strlen(prelude.text), b = strlen(body.text);
  char *text = malloc(a + sizeof line_reset + b);
  if (text) {
    memcpy(text, prelude.text, a);
    memcpy(text + a, line_reset, sizeof line_reset - 1);
    memcpy(text + a + sizeof line_reset - 1, body.text, b + 1);
  }
  clcnn_kernel_source_free(&prelude);
  clcnn_kernel_source_free(&body);
  if (!text)
    return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "kernel source %s: host allocation failed", file);
  out->text = out->owned = text;
  return CLCNN_OK;
}

void clcnn_kernel_source_free(clcnn_kernel_source *src) {
  free(src->owned);
  src->owned = NULL;
  src->text = NULL;
}

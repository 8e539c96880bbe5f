/* Kernel sources: the copies embedded at build time, or files under CLCNN_KERNEL_DIR. */
#ifndef CLCNN_PROGRAM_REGISTRY_H
#define CLCNN_PROGRAM_REGISTRY_H

#include <clcnn/clcnn.h>

typedef struct clcnn_embedded_kernel {
  const char *name; /* file name, e.g. "fill.cl" */
  const char *source;
} clcnn_embedded_kernel;

/* Generated from the files of kernels/; ends with {NULL, NULL}. */
extern const clcnn_embedded_kernel clcnn_embedded_kernels[];

typedef struct clcnn_kernel_source {
  const char *text;
  char *owned; /* non-NULL when text was read from disk and must be freed */
} clcnn_kernel_source;

/* The file every kernel source starts with (shared macros and vector types). */
#define CLCNN_KERNEL_PRELUDE "prelude.cl"

/* The source of kernel file `file`, the prelude prepended: from ctx->kernel_dir when set,
   else embedded. A missing or unreadable file is CLCNN_BUILD_FAILED with the path in the
   message. */
clcnn_status clcnn_kernel_source_load(clcnn_context *ctx, const char *file,
                                      clcnn_kernel_source *out);
void clcnn_kernel_source_free(clcnn_kernel_source *src);

#endif

/* Lazily built OpenCL programs: in-memory cache per context, on-disk binary cache, kernels. */
#ifndef CLCNN_PROGRAM_PROGRAM_H
#define CLCNN_PROGRAM_PROGRAM_H

#include <clcnn/clcnn.h>

/* Kernel `kernel_name` of kernels/<file> built with `options` (extra -D flags, may be ""). The
   kernel object belongs to the context's cache: do not release it. */
clcnn_status clcnn_kernel_get(clcnn_context *ctx, const char *file, const char *options,
                              const char *kernel_name, cl_kernel *out);

/* The same for a source string that is not a kernels/ file; label names it in messages and
   must be unique per source. */
clcnn_status clcnn_kernel_from_source(clcnn_context *ctx, const char *label, const char *source,
                                      const char *options, const char *kernel_name, cl_kernel *out);

/* Releases every cached program and kernel of ctx. */
void clcnn_program_cache_release(clcnn_context *ctx);

/* The complete option string every program is built with: the library's base flags, then
   extra. Returns CLCNN_INVALID_ARGUMENT if it does not fit. */
clcnn_status clcnn_build_options(clcnn_context *ctx, const char *extra, char *out, size_t cap);

#endif

/* Lazily built OpenCL programs: in-memory cache per context, on-disk binary cache, kernels. */
#ifndef CLCNN_PROGRAM_PROGRAM_H
#define CLCNN_PROGRAM_PROGRAM_H

#include <clcnn/clcnn.h>

/* Kernel `kernel_name` of kernels/<file> built with `options` (extra -D flags, may be ""). The
   kernel object belongs to the context's cache: do not release it (see the keeper below). */
clcnn_status clcnn_kernel_get(clcnn_context *ctx, const char *file, const char *options,
                              const char *kernel_name, cl_kernel *out);

/* Kernel `kernel_name` of a kernels/ file whose kernels are independent, in a program of its
   own: built with -D ALONE -D WANT_<kernel_name>, and the file keeps each kernel inside
   `#if !defined(ALONE) || defined(WANT_<name>)`. A driver that compiles every kernel of a
   program when its binary is asked for (PoCL, for clcnn's disk cache) then compiles the one
   that runs, not the file's other kernels. */
clcnn_status clcnn_kernel_get_alone(clcnn_context *ctx, const char *file, const char *kernel_name,
                                    cl_kernel *out);

/* The same for a source string that is not a kernels/ file; label names it in messages and
   must be unique per source. */
clcnn_status clcnn_kernel_from_source(clcnn_context *ctx, const char *label, const char *source,
                                      const char *options, const char *kernel_name, cl_kernel *out);

/* Kernels a plan holds on to. The context's program cache keeps at most
   CLCNN_PROGRAM_CACHE_SIZE programs and releases the least recently used one beyond that, so a
   kernel obtained above stays valid only for the call at hand, unless it was obtained while a
   kernel set was the context's keeper: each kernel handed out then is retained into the set
   (a kernel holds its program), and lives until clcnn_kernel_set_release. */
typedef struct clcnn_kernel_set {
  cl_kernel *kernels;
  size_t count, cap;
} clcnn_kernel_set;

/* Makes set (may be NULL) the keeper of ctx and returns the previous one, to be restored. */
clcnn_kernel_set *clcnn_kernel_keep_into(clcnn_context *ctx, clcnn_kernel_set *set);
void clcnn_kernel_set_release(clcnn_kernel_set *set);

/* Releases every cached program and kernel of ctx. */
void clcnn_program_cache_release(clcnn_context *ctx);

/* The complete option string every program is built with: the library's base flags, then
   extra. Returns CLCNN_INVALID_ARGUMENT if it does not fit. */
clcnn_status clcnn_build_options(clcnn_context *ctx, const char *extra, char *out, size_t cap);

#endif

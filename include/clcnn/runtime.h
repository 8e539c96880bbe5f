/* clcnn runtime: status codes, contexts, tensors, program cache helpers. */
#ifndef CLCNN_RUNTIME_H
#define CLCNN_RUNTIME_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stddef.h>
#include <stdint.h>

#include <clcnn/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ---------------------------------------------------------------------------- */

/* "MAJOR.MINOR.PATCH" of the library actually loaded. */
CLCNN_API const char *clcnn_version(void);

/* ---- Status ----------------------------------------------------------------------------- */

typedef enum clcnn_status {
  CLCNN_OK = 0,
  CLCNN_INVALID_ARGUMENT =
      1, /* NULL where not allowed, bad shape or parameter, tensors that don't fit */
  CLCNN_UNSUPPORTED = 2, /* valid request that this algorithm/device/build cannot run */
  CLCNN_OUT_OF_MEMORY =
      3,               /* host or device allocation failed, or over CL_DEVICE_MAX_MEM_ALLOC_SIZE */
  CLCNN_NO_DEVICE = 4, /* no OpenCL platform, or no device matches the selector */
  CLCNN_BUILD_FAILED = 5, /* an OpenCL program failed to build; the build log is in the message */
  CLCNN_OPENCL_ERROR = 6, /* any other OpenCL call failed; the message names the call and error */
  CLCNN_GEMM_ERROR = 7,   /* a CLBlast call failed; the message names the routine and code */
  CLCNN_DEVICE_LOST = 8   /* the device stopped answering; the context is unusable from now on */
} clcnn_status;

typedef struct clcnn_context clcnn_context; /* opaque */

/* Static text, never NULL. */
CLCNN_API const char *clcnn_status_string(clcnn_status s);
/* Last failure in ctx ("" if none): the calling thread's own when its last failure on a
   context was on ctx, else the last one any thread had on ctx. NULL ctx: the message of the
   last failure without a context (clcnn_context_create, shape functions) in this thread. */
CLCNN_API const char *clcnn_last_error(const clcnn_context *ctx);

/* ---- Context ---------------------------------------------------------------------------- */

enum { CLCNN_CONTEXT_PROFILING = 1 }; /* flags */

typedef struct clcnn_context_options {
  const char
      *device; /* NULL: $CLCNN_DEVICE, else the default preference (GPU, then any other type) */
  const char *cache_dir; /* NULL: $CLCNN_CACHE_DIR, else $XDG_CACHE_HOME/clcnn or ~/.cache/clcnn;
                            "off": none */
  unsigned flags;
} clcnn_context_options; /* all-zero means defaults; opts == NULL means the same */

/* Device selector grammar: "gpu", "cpu", "accelerator" (first working device of that type);
   "P:D" (platform index P, device index D in clGetPlatformIDs/clGetDeviceIDs order); any other
      text is a case-insensitive substring of "platform name device name".
      Threads: a context, its tensors and its plans may be used from several threads at once;
   each call behaves as if the calls ran in some serial order. Calls writing a tensor that
   another thread reads at the same time must be ordered by the caller. */
CLCNN_API clcnn_status clcnn_context_create(const clcnn_context_options *opts, clcnn_context **out);
/* Retains, never releases the caller's objects. queue must belong to cl_ctx and dev. */
CLCNN_API clcnn_status clcnn_context_create_from_cl(cl_context cl_ctx, cl_device_id dev,
                                                    cl_command_queue queue, clcnn_context **out);
CLCNN_API void clcnn_context_destroy(clcnn_context *ctx);        /* NULL: no-op */
CLCNN_API clcnn_status clcnn_context_finish(clcnn_context *ctx); /* waits for all enqueued work */
CLCNN_API const char *clcnn_context_device_name(const clcnn_context *ctx);

/* The OpenCL objects behind a context (not retained for the
   caller), for interoperation with other OpenCL code. NULL ctx: NULL. */
CLCNN_API cl_context clcnn_context_cl_context(const clcnn_context *ctx);
CLCNN_API cl_device_id clcnn_context_cl_device(const clcnn_context *ctx);
CLCNN_API cl_command_queue clcnn_context_cl_queue(const clcnn_context *ctx);

/* Program statistics of a context, counted since its creation. */
typedef struct clcnn_program_stats {
  size_t built_from_source; /* programs compiled from OpenCL C source */
  size_t loaded_from_disk;  /* programs created from a binary in the on-disk cache */
  size_t memory_hits;       /* requests answered by the context's in-memory program cache */
  size_t disk_writes;       /* binaries written to the on-disk cache */
  size_t disk_rejects;      /* cache files ignored as corrupt, stale or unloadable */
  double build_seconds;     /* wall time spent creating and building programs */
} clcnn_program_stats;

CLCNN_API clcnn_status clcnn_context_program_stats(const clcnn_context *ctx,
                                                   clcnn_program_stats *out);

/* ---- On-disk program cache -------------------------------------------------------------- */

/* The cache folder for an option value as clcnn_context_create resolves it (NULL: environment,
   then default). Writes "" when the cache is off. INVALID_ARGUMENT when out is too small. */
CLCNN_API clcnn_status clcnn_cache_dir_resolve(const char *cache_dir, char *out, size_t out_size);
/* Number of clcnn cache files in dir and their total size in bytes. A missing dir counts 0. */
CLCNN_API clcnn_status clcnn_cache_usage(const char *dir, size_t *files, uint64_t *bytes);
/* Removes clcnn's cache files (and only those) from dir; *removed (may be NULL) gets the count. */
CLCNN_API clcnn_status clcnn_cache_clear(const char *dir, size_t *removed);
/* Removes the least recently used cache files of dir (a file is used when written or loaded)
   until their total is at most max_bytes; *removed (may be NULL) gets the count. Files being
   written by another process are left alone. */
CLCNN_API clcnn_status clcnn_cache_trim(const char *dir, uint64_t max_bytes, size_t *removed);
/* The bound every context keeps its disk cache under, in bytes: $CLCNN_CACHE_MAX_MB MiB,
   default 256 MiB. */
CLCNN_API uint64_t clcnn_cache_limit(void);

/* ---- Tensors: 4-D, NCHW, float32, in device memory -------------------------------------- */

typedef struct clcnn_tensor clcnn_tensor; /* opaque */

CLCNN_API clcnn_status clcnn_tensor_create(clcnn_context *ctx, size_t n, size_t c, size_t h,
                                           size_t w, clcnn_tensor **out); /* contents undefined */
CLCNN_API clcnn_status clcnn_tensor_wrap(clcnn_context *ctx, cl_mem buf, size_t offset_elems,
                                         size_t n, size_t c, size_t h, size_t w,
                                         clcnn_tensor **out);
CLCNN_API void
clcnn_tensor_destroy(clcnn_tensor *t); /* NULL: no-op; never frees a wrapped cl_mem */
CLCNN_API clcnn_status clcnn_tensor_write(clcnn_tensor *t, const float *src,
                                          size_t count); /* count == n*c*h*w */
CLCNN_API clcnn_status clcnn_tensor_read(const clcnn_tensor *t, float *dst,
                                         size_t count); /* blocking */
CLCNN_API clcnn_status clcnn_tensor_fill(clcnn_tensor *t, float value);
CLCNN_API void clcnn_tensor_shape(const clcnn_tensor *t, size_t shape[4]); /* n, c, h, w */
CLCNN_API cl_mem clcnn_tensor_buffer(const clcnn_tensor *t);
/* Addition: the element offset of the tensor inside its buffer (0 unless wrapped). */
CLCNN_API size_t clcnn_tensor_offset(const clcnn_tensor *t);

#ifdef __cplusplus
}
#endif

#endif

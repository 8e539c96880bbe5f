/* The private layout of clcnn_context and helpers every entry point uses on it. */
#ifndef CLCNN_DEVICE_CONTEXT_H
#define CLCNN_DEVICE_CONTEXT_H

#include <clcnn/clcnn.h>

#include "core/error.h"
#include "core/log.h"
#include "device/caps.h"

struct clcnn_program_entry;
struct clcnn_size_family;
struct clcnn_workspace;
struct clcnn_plan_cache;

/* Which convolution and pooling kernels run (CLCNN_KERNEL_FAMILY): AUTO takes the
   work-group family on GPUs and accelerators, the vector family on CPUs. */
typedef enum clcnn_kernel_family {
  CLCNN_FAMILY_AUTO,
  CLCNN_FAMILY_WORKGROUP,
  CLCNN_FAMILY_VECTOR
} clcnn_kernel_family;

/* What plans do with tuning records (CLCNN_TUNE): USE reads them, OFF ignores them, AUTO
   also tunes a problem that has none at plan creation, within a bounded time. */
typedef enum clcnn_tune_mode { CLCNN_TUNE_USE, CLCNN_TUNE_OFF, CLCNN_TUNE_AUTO } clcnn_tune_mode;

struct clcnn_context {
  clcnn_error_state errors; /* first: core records failures through it */
  cl_platform_id platform;
  cl_device_id device;
  cl_context cl_ctx;
  cl_command_queue queue;
  clcnn_device_caps caps;
  unsigned flags;
  clcnn_kernel_family family;
  clcnn_tune_mode tune;
  size_t tune_ms;       /* CLCNN_TUNE=auto: milliseconds per pass (CLCNN_TUNE_MS) */
  char *cache_dir;      /* on-disk program cache; NULL when off */
  uint64_t cache_limit; /* bytes the disk cache is trimmed to after each write */
  char *kernel_dir;     /* read the kernels/ files from here; NULL: the embedded copies */
                        /* the program layer's in-memory cache */
  struct clcnn_program_entry *programs; /* most recently used first */
  size_t program_count, program_capacity;
  /* sizes compiled into programs of their own, per kernel family (program/sized.c) */
  struct clcnn_size_family *size_families; /* most recently used first */
  size_t size_family_count, sizes_per_family;
  struct clcnn_kernel_set *keeper; /* retains every kernel handed out while set (plans) */
  clcnn_program_stats stats;
  /* the memory layer's scratch buffers (created on first use) */
  struct clcnn_workspace *workspace;
  size_t workspace_limit;  /* chunk work so that one workspace stays below this */
  size_t stream_min_bytes; /* outputs this large may be stored past the caches */
  /* plans behind the one-shot calls: owned by the ops layer, released through the hook */
  struct clcnn_plan_cache *plan_cache;
  void (*plan_cache_release)(clcnn_context *ctx);
  size_t plan_cache_capacity;
  int lost;
  /* held by every call that uses the context's kernels, caches or workspace (host side
     only: the device work is ordered by the queue anyway) */
  pthread_mutex_t lock;
};

/* 1 when the work-group kernel family runs on ctx (CLCNN_KERNEL_FAMILY, else the device
   type). */
int clcnn_workgroup_family(const clcnn_context *ctx);

/* The context's lock (see struct clcnn_context). */
void clcnn_context_lock(clcnn_context *ctx);
void clcnn_context_unlock(clcnn_context *ctx);

static inline clcnn_status clcnn_unlock_with(clcnn_context *ctx, clcnn_status status) {
  clcnn_context_unlock(ctx);
  return status;
}

/* Evaluates `call` (a clcnn_status expression) with ctx's lock held. */
#define CLCNN_LOCKED(ctx, call) (clcnn_context_lock(ctx), clcnn_unlock_with((ctx), (call)))

/* CLCNN_INVALID_ARGUMENT for a NULL ctx (message to the thread), CLCNN_DEVICE_LOST for a lost
   one; fn names the entry point in the message. */
clcnn_status clcnn_context_check(clcnn_context *ctx, const char *fn);

/* Like clcnn_fail_cl, but a lost device (CL_DEVICE_NOT_AVAILABLE, CL_INVALID_COMMAND_QUEUE,
   CL_OUT_OF_RESOURCES while waiting) marks the context lost and returns CLCNN_DEVICE_LOST. */
clcnn_status clcnn_fail_wait(clcnn_context *ctx, cl_int code, const char *call);

#endif

#define _POSIX_C_SOURCE 200809L
/* Context creation and teardown, assembling the layers below: settings from the
   environment, device selection (device), the probe kernel and program cache (program), the
   workspace (memory), and the hook through which the ops layer releases its plans. */
#include "device/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/env.h"
#include "device/enumerate.h"
#include "device/selector.h"
#include "program/cache_dir.h"
#include "program/probe.h"
#include "program/program.h"
#include "program/sized.h"
#include "memory/workspace.h"

static void release_cl_objects(clcnn_context *ctx) {
  if (ctx->plan_cache_release) ctx->plan_cache_release(ctx);
  clcnn_workspace_release(ctx);
  clcnn_program_cache_release(ctx);
  clcnn_size_families_release(ctx);
  if (ctx->queue) clReleaseCommandQueue(ctx->queue);
  if (ctx->cl_ctx) clReleaseContext(ctx->cl_ctx);
  ctx->queue = NULL;
  ctx->cl_ctx = NULL;
}

#define DEFAULT_PLAN_CACHE_SIZE 64
/* Time CLCNN_TUNE=auto may spend on one pass of a plan without a record. */
#define DEFAULT_TUNE_MS 2000
/* Programs kept in memory per context beyond those plans hold. One call uses a handful of
   kernels between fetching and launching them, so the least is 8. */
#define DEFAULT_PROGRAM_CACHE_SIZE 128
#define MIN_PROGRAM_CACHE_SIZE 8
/* Input sizes per kernel family compiled into programs of their own (program/sized.h). */
#define DEFAULT_SPECIALIZED_SIZES 4
/* Longest cache folder path kept; a longer one runs without the disk cache (and says so). */
#define CACHE_DIR_CAPACITY 4096

/* Log level, cache folder and kernel folder: the environment is read here, once. */
static clcnn_status init_runtime_settings(clcnn_context *ctx, const char *cache_option) {
  ctx->errors.log_level = clcnn_log_level_from_env();
  ctx->workspace_limit = clcnn_workspace_limit_from_env(ctx->errors.log_level);
  ctx->stream_min_bytes =
      clcnn_env_size("CLCNN_STREAM_BYTES", 0, CLCNN_STREAM_DEFAULT_BYTES, ctx->errors.log_level);
  ctx->plan_cache_capacity =
      clcnn_env_size("CLCNN_PLAN_CACHE_SIZE", 0, DEFAULT_PLAN_CACHE_SIZE, ctx->errors.log_level);
  ctx->cache_limit = clcnn_cache_limit_from_env(ctx->errors.log_level);
  ctx->program_capacity = clcnn_env_size("CLCNN_PROGRAM_CACHE_SIZE", MIN_PROGRAM_CACHE_SIZE,
                                         DEFAULT_PROGRAM_CACHE_SIZE, ctx->errors.log_level);
  ctx->sizes_per_family = clcnn_env_size("CLCNN_SPECIALIZED_SIZES", 0, DEFAULT_SPECIALIZED_SIZES,
                                         ctx->errors.log_level);
  static const char *const families[] = {"auto", "workgroup", "vector"};
  static const char *const tune_modes[] = {"use", "off", "auto"};
  int family = clcnn_env_choice("CLCNN_KERNEL_FAMILY", families, 3);
  int tune = clcnn_env_choice("CLCNN_TUNE", tune_modes, 3);
  if (family < 0)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT,
                      "context: CLCNN_KERNEL_FAMILY='%.80s' is none of auto, workgroup, vector",
                      clcnn_env("CLCNN_KERNEL_FAMILY"));
  if (tune < 0)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT,
                      "context: CLCNN_TUNE='%.80s' is none of use, off, auto",
                      clcnn_env("CLCNN_TUNE"));
  ctx->family = (clcnn_kernel_family)family;
  ctx->tune = (clcnn_tune_mode)tune;
  ctx->tune_ms = clcnn_env_size("CLCNN_TUNE_MS", 0, DEFAULT_TUNE_MS, ctx->errors.log_level);
  char dir[CACHE_DIR_CAPACITY];
  if (clcnn_cache_dir_resolve(cache_option, dir, sizeof dir) != CLCNN_OK) {
    clcnn_log(ctx->errors.log_level, CLCNN_LOG_WARN,
              "the program cache folder is longer than %d characters; running without the disk "
              "cache (%s)",
              CACHE_DIR_CAPACITY - 1, clcnn_last_error(NULL));
    dir[0] = '\0';
  }
  if (dir[0] && !(ctx->cache_dir = clcnn_strdup(dir)))
    return clcnn_fail(NULL, CLCNN_OUT_OF_MEMORY, "context: host allocation failed");
  const char *kernel_dir = clcnn_env("CLCNN_KERNEL_DIR");
#ifdef CLCNN_SOURCE_KERNEL_DIR
  if (!kernel_dir) kernel_dir = CLCNN_SOURCE_KERNEL_DIR;
#endif
  if (kernel_dir && !(ctx->kernel_dir = clcnn_strdup(kernel_dir)))
    return clcnn_fail(NULL, CLCNN_OUT_OF_MEMORY, "context: host allocation failed");
  return CLCNN_OK;
}

static clcnn_context *context_alloc(void) {
  clcnn_context *ctx = calloc(1, sizeof(clcnn_context));
  if (!ctx) return NULL;
  if (clcnn_error_state_init(&ctx->errors, clcnn_log_level_from_env()) != 0) {
    free(ctx);
    return NULL;
  }
  if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
    clcnn_error_state_destroy(&ctx->errors);
    free(ctx);
    return NULL;
  }
  clcnn_error_clear(ctx); /* a thread's message about an earlier context at this address */
  return ctx;
}

static void context_free(clcnn_context *ctx) {
  release_cl_objects(ctx);
  free(ctx->cache_dir);
  free(ctx->kernel_dir);
  clcnn_error_clear(ctx);
  pthread_mutex_destroy(&ctx->lock);
  clcnn_error_state_destroy(&ctx->errors);
  free(ctx);
}

/* Opens one candidate device: OpenCL context, queue, capabilities and the probe kernel. */
static clcnn_status open_device(clcnn_context *ctx, const clcnn_device_entry *entry) {
  cl_int err;
  ctx->platform = entry->platform;
  ctx->device = entry->device;
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)entry->platform, 0};
  ctx->cl_ctx = clCreateContext(props, 1, &entry->device, NULL, NULL, &err);
  if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clCreateContext", NULL);
  cl_command_queue_properties qprops =
      (ctx->flags & CLCNN_CONTEXT_PROFILING) ? CL_QUEUE_PROFILING_ENABLE : 0;
  ctx->queue = clCreateCommandQueue(ctx->cl_ctx, entry->device, qprops, &err);
  if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clCreateCommandQueue", NULL);
  clcnn_status status = clcnn_device_caps_query(ctx, entry->platform, entry->device, &ctx->caps);
  if (status != CLCNN_OK) return status;
  return clcnn_device_probe(ctx);
}

static void append(char *buf, size_t cap, const char *fmt, const char *a, const char *b) {
  size_t used = strlen(buf);
  if (used + 1 < cap) snprintf(buf + used, cap - used, fmt, a, b);
}

/* Tries each candidate in order; the first that opens and passes the probe wins. */
static clcnn_status open_first_working(clcnn_context *ctx, const clcnn_device_list *list,
                                       const size_t *order, size_t count, char *reasons,
                                       size_t cap) {
  for (size_t i = 0; i < count; i++) {
    const clcnn_device_entry *entry = &list->items[order[i]];
    clcnn_status status = open_device(ctx, entry);
    if (status == CLCNN_OK) {
      clcnn_log(ctx->errors.log_level, CLCNN_LOG_INFO, "using device %u:%u %s",
                entry->platform_index, entry->device_index, entry->label);
      return CLCNN_OK;
    }
    clcnn_log(ctx->errors.log_level, CLCNN_LOG_WARN, "skipping device %s: %s", entry->label,
              ctx->errors.last_error);
    append(reasons, cap, "\n  skipped %.300s: %.1500s", entry->label, ctx->errors.last_error);
    release_cl_objects(ctx);
    clcnn_error_clear(ctx);
  }
  return CLCNN_NO_DEVICE;
}

/* PoCL builds every kernel through its own cache folder and reports a plain build failure
   when it cannot write there (a read-only home in a container). When a PoCL device failed
   and that folder (or the nearest existing folder above it) is not writable, the hint
   names it and the fix; else "". (PoCL then also lists its platform without devices.) */
static int pocl_installed(void) {
  cl_platform_id platforms[16];
  cl_uint n = 0;
  if (clGetPlatformIDs(16, platforms, &n) != CL_SUCCESS) return 0;
  for (cl_uint i = 0; i < n && i < 16; i++) {
    char name[256] = "";
    clGetPlatformInfo(platforms[i], CL_PLATFORM_NAME, sizeof name, name, NULL);
    if (strstr(name, "Portable Computing Language")) return 1;
  }
  return 0;
}

static void pocl_cache_hint(char *out, size_t cap) {
  out[0] = '\0';
  if (!pocl_installed()) return;
  char dir[1024];
  if (clcnn_env("POCL_CACHE_DIR"))
    snprintf(dir, sizeof dir, "%s", clcnn_env("POCL_CACHE_DIR"));
  else if (clcnn_env("XDG_CACHE_HOME"))
    snprintf(dir, sizeof dir, "%s/pocl", clcnn_env("XDG_CACHE_HOME"));
  else if (clcnn_env("HOME"))
    snprintf(dir, sizeof dir, "%s/.cache/pocl", clcnn_env("HOME"));
  else
    return;
  char probe[1024];
  snprintf(probe, sizeof probe, "%s", dir);
  while (access(probe, F_OK) != 0 && strrchr(probe, '/') && strrchr(probe, '/') != probe)
    *strrchr(probe, '/') = '\0';
  if (access(probe, W_OK) == 0) return;
  snprintf(out, cap,
           "\n PoCL cannot write its kernel cache '%.300s' (%.300s is not writable), which makes "
           "every build fail: set POCL_CACHE_DIR to a writable folder",
           dir, probe);
}

/* The selector as messages quote it: a very long one is cut so that the list of devices
   still fits. */
static const char *quoted_selector(const char *selector_text, char *buf, size_t cap) {
  if (!selector_text) return "default: GPU, accelerator, CPU";
  size_t len = strlen(selector_text);
  if (len < 200) return selector_text;
  snprintf(buf, cap, "%.160s... (%zu characters)", selector_text, len);
  return buf;
}

static clcnn_status select_device(clcnn_context *ctx, const char *selector_text) {
  clcnn_device_list list;
  clcnn_status status = clcnn_device_list_get(&list);
  if (status != CLCNN_OK) return status;
  clcnn_selector sel = clcnn_selector_parse(selector_text);
  size_t *order = calloc(list.count ? list.count : 1, sizeof *order);
  if (!order) {
    clcnn_device_list_free(&list);
    return clcnn_fail(NULL, CLCNN_OUT_OF_MEMORY, "context: host allocation failed");
  }
  size_t count = clcnn_selector_candidates(&sel, &list, order);
  char reasons[CLCNN_ERROR_CAPACITY] = "";
  status = open_first_working(ctx, &list, order, count, reasons, sizeof reasons);
  if (status != CLCNN_OK) {
    char devices[CLCNN_ERROR_CAPACITY / 2] = "", hint[768], quoted[200];
    clcnn_device_list_describe(&list, devices, sizeof devices);
    pocl_cache_hint(hint, sizeof hint);
    clcnn_fail(NULL, CLCNN_NO_DEVICE,
               "no working OpenCL device matches selector '%s' (%s)%.1200s%s%s%s",
               quoted_selector(selector_text, quoted, sizeof quoted),
               count ? "every match failed its check" : "nothing matches", reasons, hint,
               "\n devices found:", devices);
  }
  free(order);
  clcnn_device_list_free(&list);
  return status;
}

clcnn_status clcnn_context_create(const clcnn_context_options *opts, clcnn_context **out) {
  static const clcnn_context_options defaults = {NULL, NULL, 0};
  if (!out) return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "clcnn_context_create: out is NULL");
  *out = NULL;
  if (!opts) opts = &defaults;
  if (opts->flags & ~(unsigned)CLCNN_CONTEXT_PROFILING)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT,
                      "clcnn_context_create: unknown flags 0x%x (known: 0x%x)", opts->flags,
                      (unsigned)CLCNN_CONTEXT_PROFILING);
  clcnn_context *ctx = context_alloc();
  if (!ctx) return clcnn_fail(NULL, CLCNN_OUT_OF_MEMORY, "clcnn_context_create: no host memory");
  ctx->flags = opts->flags;
  clcnn_status status = init_runtime_settings(ctx, opts->cache_dir);
  if (status == CLCNN_OK)
    status = select_device(ctx, opts->device ? opts->device : clcnn_env("CLCNN_DEVICE"));
  if (status != CLCNN_OK) {
    context_free(ctx);
    return status;
  }
  *out = ctx;
  return CLCNN_OK;
}

static clcnn_status check_queue_matches(cl_context cl_ctx, cl_device_id dev,
                                        cl_command_queue queue) {
  cl_context queue_ctx = NULL;
  cl_device_id queue_dev = NULL;
  cl_int err = clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof queue_ctx, &queue_ctx, NULL);
  if (err == CL_SUCCESS)
    err = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof queue_dev, &queue_dev, NULL);
  if (err != CL_SUCCESS)
    return clcnn_fail_cl(NULL, err, "clcnn_context_create_from_cl: clGetCommandQueueInfo",
                         "queue is not a valid command queue");
  if (queue_ctx != cl_ctx)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT,
                      "clcnn_context_create_from_cl: queue belongs to another cl_context");
  if (queue_dev != dev)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT,
                      "clcnn_context_create_from_cl: queue is for another device than dev");
  /* every operation enqueues several kernels that depend on each other in order */
  cl_command_queue_properties props = 0;
  err = clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof props, &props, NULL);
  if (err == CL_SUCCESS && (props & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE))
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT,
                      "clcnn_context_create_from_cl: queue has "
                      "CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE; clcnn needs an in-order queue "
                      "(its kernels depend on each other in enqueue order)");
  return CLCNN_OK;
}

static clcnn_status find_platform(cl_device_id dev, cl_platform_id *platform) {
  cl_int err = clGetDeviceInfo(dev, CL_DEVICE_PLATFORM, sizeof *platform, platform, NULL);
  if (err != CL_SUCCESS)
    return clcnn_fail_cl(NULL, err, "clcnn_context_create_from_cl: clGetDeviceInfo",
                         "dev is not a valid device");
  return CLCNN_OK;
}

clcnn_status clcnn_context_create_from_cl(cl_context cl_ctx, cl_device_id dev,
                                          cl_command_queue queue, clcnn_context **out) {
  const char *fn = "clcnn_context_create_from_cl";
  if (!out) return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: out is NULL", fn);
  *out = NULL;
  if (!cl_ctx || !dev || !queue)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                      !cl_ctx ? "cl_ctx"
                      : !dev  ? "dev"
                              : "queue");
  cl_platform_id platform;
  clcnn_status status = find_platform(dev, &platform);
  if (status == CLCNN_OK) status = check_queue_matches(cl_ctx, dev, queue);
  if (status != CLCNN_OK) return status;
  clcnn_context *ctx = context_alloc();
  if (!ctx) return clcnn_fail(NULL, CLCNN_OUT_OF_MEMORY, "%s: no host memory", fn);
  status = init_runtime_settings(ctx, NULL);
  if (status == CLCNN_OK) status = clcnn_device_caps_query(ctx, platform, dev, &ctx->caps);
  if (status != CLCNN_OK) {
    if (ctx->errors.last_error[0]) clcnn_fail(NULL, status, "%s: %s", fn, ctx->errors.last_error);
    context_free(ctx);
    return status;
  }
  cl_command_queue_properties qprops = 0;
  clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof qprops, &qprops, NULL);
  if (qprops & CL_QUEUE_PROFILING_ENABLE) ctx->flags |= CLCNN_CONTEXT_PROFILING;
  clRetainContext(cl_ctx);
  clRetainCommandQueue(queue);
  ctx->platform = platform;
  ctx->device = dev;
  ctx->cl_ctx = cl_ctx;
  ctx->queue = queue;
  *out = ctx;
  return CLCNN_OK;
}

void clcnn_context_destroy(clcnn_context *ctx) {
  if (!ctx) return;
  if (ctx->queue && !ctx->lost) clFinish(ctx->queue);
  context_free(ctx);
}

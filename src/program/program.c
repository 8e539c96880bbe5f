/* Lazily built OpenCL programs: in-memory cache per context, on-disk binary cache, kernels. */
#define _POSIX_C_SOURCE 200809L
#include "program/program.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_error_names.h"
#include "core/clock.h"
#include "core/env.h"
#include "device/context.h"
#include "program/disk_cache.h"
#include "program/hash.h"
#include "program/registry.h"

#define BASE_BUILD_OPTIONS "-cl-std=CL1.2"
#define BUILD_LOG_EXCERPT 2000

typedef struct kernel_slot {
  char *name;
  cl_kernel kernel;
} kernel_slot;

typedef struct clcnn_program_entry {
  struct clcnn_program_entry *next;
  char *label;
  char *options;
  cl_program program;
  kernel_slot *kernels;
  size_t kernel_count;
} clcnn_program_entry;

clcnn_status clcnn_build_options(clcnn_context *ctx, const char *extra, char *out, size_t cap) {
  /* -D CLCNN_CLANG_CPU lets the prelude's PREFETCH use clang's builtin */
  int n = snprintf(out, cap, "%s%s%s%s", BASE_BUILD_OPTIONS,
                   ctx && ctx->caps.clang_cpu ? " -DCLCNN_CLANG_CPU" : "",
                   extra && extra[0] ? " " : "", extra ? extra : "");
  if (n < 0 || (size_t)n >= cap)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "build options need %d bytes, limit %zu", n + 1,
                      cap);
  return CLCNN_OK;
}

/* The disk key covers everything that can change the binary. */
static uint64_t disk_key(const clcnn_context *ctx, const char *source, const char *options) {
  uint64_t h = clcnn_hash_field(CLCNN_HASH_SEED, "clcnn program cache v1");
  h = clcnn_hash_field(h, clcnn_version());
  h = clcnn_hash_field(h, ctx->caps.platform_name);
  h = clcnn_hash_field(h, ctx->caps.platform_version);
  h = clcnn_hash_field(h, ctx->caps.name);
  h = clcnn_hash_field(h, ctx->caps.driver_version);
  h = clcnn_hash_field(h, ctx->caps.device_version);
  h = clcnn_hash_field(h, ctx->caps.cache_objects ? "compiled object" : "executable");
  h = clcnn_hash_field(h, options);
  return clcnn_hash_field(h, source);
}

static clcnn_status build_failure(clcnn_context *ctx, cl_program program, cl_int err,
                                  const char *label, const char *options) {
  char log[BUILD_LOG_EXCERPT + 1] = "";
  size_t log_size = 0;
  clGetProgramBuildInfo(program, ctx->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &log_size);
  char *full = log_size ? malloc(log_size + 1) : NULL;
  if (full && clGetProgramBuildInfo(program, ctx->device, CL_PROGRAM_BUILD_LOG, log_size, full,
                                    NULL) == CL_SUCCESS) {
    full[log_size] = '\0';
    snprintf(log, sizeof log, "%s", full);
  }
  free(full);
  return clcnn_fail(ctx, CLCNN_BUILD_FAILED,
                    "building %s with options '%s' failed: %s (%d); build log:\n%s%s", label,
                    options, clcnn_cl_error_name(err), (int)err, log,
                    log_size > BUILD_LOG_EXCERPT ? "\n[log truncated]" : "");
}

/* Tries the on-disk binary; NULL on a miss or any problem (which only counts as a reject). */
static cl_program load_from_disk(clcnn_context *ctx, uint64_t key, const char *options,
                                 const char *label) {
  unsigned char *binary = NULL;
  size_t size = 0;
  clcnn_disk_lookup found = clcnn_disk_cache_load(ctx->cache_dir, key, &binary, &size);
  if (found == CLCNN_DISK_MISS) return NULL;
  cl_program program = NULL;
  if (found == CLCNN_DISK_HIT) {
    cl_int err, binary_status;
    const unsigned char *bins[1] = {binary};
    program =
        clCreateProgramWithBinary(ctx->cl_ctx, 1, &ctx->device, &size, bins, &binary_status, &err);
    if (err == CL_SUCCESS && binary_status != CL_SUCCESS) err = binary_status;
    if (err == CL_SUCCESS && ctx->caps.cache_objects) {
      cl_program object = program;
      program = clLinkProgram(ctx->cl_ctx, 1, &ctx->device, "", 1, &object, NULL, NULL, &err);
      clReleaseProgram(object);
    } else if (err == CL_SUCCESS) {
      err = clBuildProgram(program, 1, &ctx->device, options, NULL, NULL);
    }
    /* a binary of the other kind can "build" into a program without kernels (PoCL) */
    size_t kernels = 0;
    if (err == CL_SUCCESS)
      err = clGetProgramInfo(program, CL_PROGRAM_NUM_KERNELS, sizeof kernels, &kernels, NULL);
    if (err == CL_SUCCESS && kernels == 0) err = CL_INVALID_BINARY;
    if (err != CL_SUCCESS && program) {
      clReleaseProgram(program);
      program = NULL;
    }
  }
  free(binary);
  if (program) {
    ctx->stats.loaded_from_disk++;
    clcnn_log(ctx->errors.log_level, CLCNN_LOG_DEBUG,
              "program %s: loaded from disk cache key %016llx", label, (unsigned long long)key);
  } else {
    ctx->stats.disk_rejects++;
    clcnn_log(ctx->errors.log_level, CLCNN_LOG_WARN,
              "program %s: cache file for key %016llx rejected, building from source", label,
              (unsigned long long)key);
  }
  return program;
}

/* Keeps the disk cache under its bound, least recently used files first. */
static void trim_disk(clcnn_context *ctx) {
  size_t removed = 0;
  if (clcnn_cache_trim(ctx->cache_dir, ctx->cache_limit, &removed) != CLCNN_OK)
    clcnn_log(ctx->errors.log_level, CLCNN_LOG_WARN, "program cache: %s", clcnn_last_error(NULL));
  else if (removed)
    clcnn_log(ctx->errors.log_level, CLCNN_LOG_DEBUG,
              "program cache: removed %zu least recently used files to stay under %llu bytes",
              removed, (unsigned long long)ctx->cache_limit);
}

static void store_to_disk(clcnn_context *ctx, cl_program program, uint64_t key, const char *label) {
  size_t size = 0;
  if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) != CL_SUCCESS ||
      size == 0)
    return;
  unsigned char *binary = malloc(size);
  unsigned char *bins[1] = {binary};
  if (binary &&
      clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS) {
    if (clcnn_disk_cache_store(ctx->cache_dir, key, binary, size) == 0) {
      ctx->stats.disk_writes++;
      clcnn_log(ctx->errors.log_level, CLCNN_LOG_DEBUG, "program %s: wrote disk cache key %016llx",
                label, (unsigned long long)key);
      trim_disk(ctx);
    } else {
      clcnn_log(ctx->errors.log_level, CLCNN_LOG_WARN, "program %s: cannot write cache in %s: %s",
                label, ctx->cache_dir, strerror(errno));
    }
  }
  free(binary);
}

/* Builds from source. With object_key, compiles and links in two steps and stores the
   compiled object in the disk cache under *object_key before linking. */
static clcnn_status build_from_source(clcnn_context *ctx, const char *source, const char *options,
                                      const char *label, const uint64_t *object_key,
                                      cl_program *out) {
  cl_int err;
  cl_program program = clCreateProgramWithSource(ctx->cl_ctx, 1, &source, NULL, &err);
  if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clCreateProgramWithSource", label);
  if (object_key) {
    err = clCompileProgram(program, 1, &ctx->device, options, 0, NULL, NULL, NULL, NULL);
    if (err == CL_SUCCESS) {
      store_to_disk(ctx, program, *object_key, label);
      cl_program compiled = program;
      program = clLinkProgram(ctx->cl_ctx, 1, &ctx->device, "", 1, &compiled, NULL, NULL, &err);
      if (err != CL_SUCCESS && program == NULL) { /* the log is the compiled object's */
        program = compiled;
      } else {
        clReleaseProgram(compiled);
      }
    }
  } else {
    err = clBuildProgram(program, 1, &ctx->device, options, NULL, NULL);
  }
  if (err != CL_SUCCESS) {
    clcnn_status status = build_failure(ctx, program, err, label, options);
    clReleaseProgram(program);
    return status;
  }
  ctx->stats.built_from_source++;
  clcnn_log(ctx->errors.log_level, CLCNN_LOG_DEBUG, "program %s: built from source", label);
  *out = program;
  return CLCNN_OK;
}

/* Disk cache first (when on), then source; a source build is written back to the cache, as a
   compiled object where the device's caps say so (linked here and at each load). */
static clcnn_status create_program(clcnn_context *ctx, const char *label, const char *source,
                                   const char *options, cl_program *out) {
  double start = clcnn_now_seconds();
  uint64_t key = disk_key(ctx, source, options);
  cl_program program = ctx->cache_dir ? load_from_disk(ctx, key, options, label) : NULL;
  clcnn_status status = CLCNN_OK;
  if (!program) {
    int objects = ctx->cache_dir && ctx->caps.cache_objects;
    status = build_from_source(ctx, source, options, label, objects ? &key : NULL, &program);
    if (status == CLCNN_OK && ctx->cache_dir && !objects) store_to_disk(ctx, program, key, label);
  }
  ctx->stats.build_seconds += clcnn_now_seconds() - start;
  *out = program;
  return status;
}

static void entry_free(clcnn_program_entry *e) {
  for (size_t i = 0; i < e->kernel_count; i++) {
    clReleaseKernel(e->kernels[i].kernel);
    free(e->kernels[i].name);
  }
  free(e->kernels);
  clReleaseProgram(e->program);
  free(e->label);
  free(e->options);
  free(e);
}

/* The entry for (label, options), moved to the front as the most recently used. */
static clcnn_program_entry *find_entry(clcnn_context *ctx, const char *label, const char *options) {
  for (clcnn_program_entry **link = &ctx->programs; *link; link = &(*link)->next) {
    clcnn_program_entry *e = *link;
    if (strcmp(e->label, label) != 0 || strcmp(e->options, options) != 0) continue;
    *link = e->next;
    e->next = ctx->programs;
    ctx->programs = e;
    return e;
  }
  return NULL;
}

/* Drops least recently used programs beyond the capacity. Kernels kept by plans hold their
   programs, so only the cache's references go. */
static void evict_beyond_capacity(clcnn_context *ctx) {
  while (ctx->program_count > ctx->program_capacity) {
    clcnn_program_entry **link = &ctx->programs;
    while ((*link)->next) link = &(*link)->next;
    clcnn_program_entry *last = *link;
    *link = NULL;
    ctx->program_count--;
    clcnn_log(ctx->errors.log_level, CLCNN_LOG_DEBUG,
              "program %s (%s): released, least recently used of %zu", last->label, last->options,
              ctx->program_capacity + 1);
    entry_free(last);
  }
}

clcnn_kernel_set *clcnn_kernel_keep_into(clcnn_context *ctx, clcnn_kernel_set *set) {
  clcnn_kernel_set *previous = ctx->keeper;
  ctx->keeper = set;
  return previous;
}

void clcnn_kernel_set_release(clcnn_kernel_set *set) {
  for (size_t i = 0; i < set->count; i++) clReleaseKernel(set->kernels[i]);
  free(set->kernels);
  *set = (clcnn_kernel_set){0};
}

static clcnn_status keep_kernel(clcnn_context *ctx, cl_kernel kernel) {
  clcnn_kernel_set *set = ctx->keeper;
  if (!set) return CLCNN_OK;
  for (size_t i = 0; i < set->count; i++)
    if (set->kernels[i] == kernel) return CLCNN_OK;
  if (set->count == set->cap) {
    size_t cap = set->cap ? 2 * set->cap : 8;
    cl_kernel *grown = realloc(set->kernels, cap * sizeof *grown);
    if (!grown) return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "kernel set: host allocation failed");
    set->kernels = grown;
    set->cap = cap;
  }
  cl_int err = clRetainKernel(kernel);
  if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clRetainKernel", "kernel set");
  set->kernels[set->count++] = kernel;
  return CLCNN_OK;
}

static clcnn_status add_entry(clcnn_context *ctx, const char *label, const char *options,
                              cl_program program, clcnn_program_entry **out) {
  clcnn_program_entry *e = calloc(1, sizeof *e);
  if (e) {
    e->label = clcnn_strdup(label);
    e->options = clcnn_strdup(options);
  }
  if (!e || !e->label || !e->options) {
    if (e) free(e->label), free(e->options), free(e);
    clReleaseProgram(program);
    return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "program cache: host allocation failed");
  }
  e->program = program;
  e->next = ctx->programs;
  ctx->programs = e;
  ctx->program_count++;
  *out = e;
  return CLCNN_OK;
}

static clcnn_status entry_kernel(clcnn_context *ctx, clcnn_program_entry *e, const char *name,
                                 cl_kernel *out) {
  for (size_t i = 0; i < e->kernel_count; i++)
    if (strcmp(e->kernels[i].name, name) == 0) {
      *out = e->kernels[i].kernel;
      return CLCNN_OK;
    }
  kernel_slot *grown = realloc(e->kernels, (e->kernel_count + 1) * sizeof *grown);
  if (!grown) return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "kernel cache: host allocation failed");
  e->kernels = grown;
  cl_int err;
  cl_kernel kernel = clCreateKernel(e->program, name, &err);
  if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clCreateKernel", name);
  char *copy = clcnn_strdup(name);
  if (!copy) {
    clReleaseKernel(kernel);
    return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "kernel cache: host allocation failed");
  }
  e->kernels[e->kernel_count++] = (kernel_slot){copy, kernel};
  *out = kernel;
  return CLCNN_OK;
}

/* Looks up (label, options); on a miss obtains the source through get_source and builds. */
typedef clcnn_status (*source_getter)(clcnn_context *ctx, const void *arg,
                                      clcnn_kernel_source *src);

static clcnn_status get_kernel(clcnn_context *ctx, const char *label, source_getter get_source,
                               const void *arg, const char *extra_options, const char *kernel_name,
                               cl_kernel *out) {
  char options[2048];
  clcnn_status status = clcnn_build_options(ctx, extra_options, options, sizeof options);
  if (status != CLCNN_OK) return status;
  clcnn_program_entry *e = find_entry(ctx, label, options);
  if (e) {
    ctx->stats.memory_hits++;
  } else {
    clcnn_kernel_source src;
    status = get_source(ctx, arg, &src);
    if (status != CLCNN_OK) return status;
    cl_program program;
    status = create_program(ctx, label, src.text, options, &program);
    clcnn_kernel_source_free(&src);
    if (status == CLCNN_OK) status = add_entry(ctx, label, options, program, &e);
    if (status != CLCNN_OK) return status;
    evict_beyond_capacity(ctx); /* the new entry is the most recent: never the one evicted */
  }
  cl_kernel kernel = NULL;
  status = entry_kernel(ctx, e, kernel_name, &kernel);
  if (status == CLCNN_OK) status = keep_kernel(ctx, kernel);
  if (status == CLCNN_OK) *out = kernel;
  return status;
}

static clcnn_status source_from_registry(clcnn_context *ctx, const void *file,
                                         clcnn_kernel_source *src) {
  return clcnn_kernel_source_load(ctx, file, src);
}

static clcnn_status source_from_string(clcnn_context *ctx, const void *text,
                                       clcnn_kernel_source *src) {
  src->text = text;
  src->owned = NULL;
  return CLCNN_OK;
}

clcnn_status clcnn_kernel_get(clcnn_context *ctx, const char *file, const char *options,
                              const char *kernel_name, cl_kernel *out) {
  return get_kernel(ctx, file, source_from_registry, file, options, kernel_name, out);
}

clcnn_status clcnn_kernel_get_alone(clcnn_context *ctx, const char *file, const char *kernel_name,
                                    cl_kernel *out) {
  char options[160];
  int n = snprintf(options, sizeof options, "-DALONE -DWANT_%s", kernel_name);
  if (n < 0 || (size_t)n >= sizeof options)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "internal: kernel name %s is too long",
                      kernel_name);
  return clcnn_kernel_get(ctx, file, options, kernel_name, out);
}

clcnn_status clcnn_kernel_from_source(clcnn_context *ctx, const char *label, const char *source,
                                      const char *options, const char *kernel_name,
                                      cl_kernel *out) {
  return get_kernel(ctx, label, source_from_string, source, options, kernel_name, out);
}

void clcnn_program_cache_release(clcnn_context *ctx) {
  clcnn_program_entry *e = ctx->programs;
  while (e) {
    clcnn_program_entry *next = e->next;
    entry_free(e);
    e = next;
  }
  ctx->programs = NULL;
  ctx->program_count = 0;
}

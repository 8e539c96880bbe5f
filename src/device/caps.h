/* What the library needs to know about a device, queried once per context. */
#ifndef CLCNN_DEVICE_CAPS_H
#define CLCNN_DEVICE_CAPS_H

#include <clcnn/clcnn.h>

typedef struct clcnn_device_caps {
  char name[256];
  char vendor[256];
  char driver_version[128];
  char device_version[128];
  char platform_name[256];
  char platform_version[256];
  cl_device_type type;
  cl_uint compute_units;
  cl_uint preferred_vector_float;
  size_t max_work_group_size;
  cl_ulong max_alloc_bytes;
  cl_ulong global_mem_bytes;
  cl_ulong global_cache_bytes; /* CL_DEVICE_GLOBAL_MEM_CACHE_SIZE (0: none reported) */
  cl_ulong local_mem_bytes;
  /* the device's OpenCL C compiler is clang with its x86/Arm backends (PoCL on a CPU), so
     kernels may use clang's builtins such as __builtin_prefetch */
  int clang_cpu;
  /* the program cache keeps compiled objects and links them at load, not executables: PoCL's
     CPU driver generates every kernel's generic work-group code when an executable's binary is
     read back, a second code generation beside the specialized one at each kernel's first
     launch (ResNet-18 at batch 1, both caches cold: 18.4 s to load and run once with
     executables, 8.9 s with objects; warm, linking costs 5-6 ms per program: 0.23 -> 0.27 s) */
  int cache_objects;
} clcnn_device_caps;

/* Fills caps for device (of platform); failures are recorded on ctx (may be NULL). */
clcnn_status clcnn_device_caps_query(clcnn_context *ctx, cl_platform_id platform,
                                     cl_device_id device, clcnn_device_caps *caps);

/* "CPU", "GPU", "accelerator", "custom" or "other". */
const char *clcnn_device_type_name(cl_device_type type);

#endif

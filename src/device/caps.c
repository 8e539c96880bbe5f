/* Device capability queries. */
#include "device/caps.h"

#include <string.h>

#include "core/error.h"

#define QUERY_DEVICE(param, field)                                                                 \
  do {                                                                                             \
    cl_int err = clGetDeviceInfo(device, param, sizeof(field), &(field), NULL);                    \
    if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clGetDeviceInfo(" #param ")", NULL);    \
  } while (0)

static clcnn_status query_platform_text(clcnn_context *ctx, cl_platform_id platform,
                                        cl_platform_info param, char *out, size_t cap) {
  cl_int err = clGetPlatformInfo(platform, param, cap, out, NULL);
  if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clGetPlatformInfo", NULL);
  out[cap - 1] = '\0';
  return CLCNN_OK;
}

clcnn_status clcnn_device_caps_query(clcnn_context *ctx, cl_platform_id platform,
                                     cl_device_id device, clcnn_device_caps *caps) {
  memset(caps, 0, sizeof *caps);
  QUERY_DEVICE(CL_DEVICE_NAME, caps->name);
  QUERY_DEVICE(CL_DEVICE_VENDOR, caps->vendor);
  QUERY_DEVICE(CL_DRIVER_VERSION, caps->driver_version);
  QUERY_DEVICE(CL_DEVICE_VERSION, caps->device_version);
  QUERY_DEVICE(CL_DEVICE_TYPE, caps->type);
  QUERY_DEVICE(CL_DEVICE_MAX_COMPUTE_UNITS, caps->compute_units);
  QUERY_DEVICE(CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, caps->preferred_vector_float);
  QUERY_DEVICE(CL_DEVICE_MAX_WORK_GROUP_SIZE, caps->max_work_group_size);
  QUERY_DEVICE(CL_DEVICE_MAX_MEM_ALLOC_SIZE, caps->max_alloc_bytes);
  QUERY_DEVICE(CL_DEVICE_GLOBAL_MEM_SIZE, caps->global_mem_bytes);
  QUERY_DEVICE(CL_DEVICE_GLOBAL_MEM_CACHE_SIZE, caps->global_cache_bytes);
  QUERY_DEVICE(CL_DEVICE_LOCAL_MEM_SIZE, caps->local_mem_bytes);
  caps->name[sizeof caps->name - 1] = '\0';
  caps->vendor[sizeof caps->vendor - 1] = '\0';
  caps->driver_version[sizeof caps->driver_version - 1] = '\0';
  caps->device_version[sizeof caps->device_version - 1] = '\0';
  clcnn_status status = query_platform_text(ctx, platform, CL_PLATFORM_NAME, caps->platform_name,
                                            sizeof caps->platform_name);
  if (status != CLCNN_OK) return status;
  status = query_platform_text(ctx, platform, CL_PLATFORM_VERSION, caps->platform_version,
                               sizeof caps->platform_version);
  caps->clang_cpu = (caps->type & CL_DEVICE_TYPE_CPU) &&
                    strstr(caps->platform_name, "Portable Computing Language") != NULL;
  caps->cache_objects = caps->clang_cpu;
  return status;
}

const char *clcnn_device_type_name(cl_device_type type) {
  if (type & CL_DEVICE_TYPE_GPU) return "GPU";
  if (type & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  if (type & CL_DEVICE_TYPE_CPU) return "CPU";
  if (type & CL_DEVICE_TYPE_CUSTOM) return "custom";
  return "other";
}

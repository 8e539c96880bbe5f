/* What `clcnn devices` shows of each OpenCL device, read straight from the driver. */
#include "device_query.h"

#include <stdlib.h>
#include <string.h>

static const char *type_name(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU) return "GPU";
  if (t & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  if (t & CL_DEVICE_TYPE_CPU) return "CPU";
  return "other";
}

static void text(cl_device_id d, cl_device_info what, char *out, size_t cap) {
  out[0] = '\0';
  clGetDeviceInfo(d, what, cap - 1, out, NULL);
  out[cap - 1] = '\0';
}

static int has_extension(cl_device_id d, const char *ext) {
  size_t size = 0;
  if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &size) != CL_SUCCESS) return 0;
  char *all = calloc(size + 1, 1);
  int found = all && clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, size, all, NULL) == CL_SUCCESS &&
              strstr(all, ext) != NULL;
  free(all);
  return found;
}

static void describe(device_report *r, cl_platform_id p, cl_device_id d) {
  memset(r, 0, sizeof *r);
  r->id = d;
  clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof r->platform_name - 1, r->platform_name, NULL);
  clGetPlatformInfo(p, CL_PLATFORM_VERSION, sizeof r->platform_version - 1, r->platform_version,
                    NULL);
  text(d, CL_DEVICE_NAME, r->name, sizeof r->name);
  text(d, CL_DEVICE_VENDOR, r->vendor, sizeof r->vendor);
  text(d, CL_DRIVER_VERSION, r->driver_version, sizeof r->driver_version);
  text(d, CL_DEVICE_VERSION, r->device_version, sizeof r->device_version);
  text(d, CL_DEVICE_OPENCL_C_VERSION, r->c_version, sizeof r->c_version);
  cl_device_type type = 0;
  cl_device_fp_config fp64 = 0;
  clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof r->compute_units, &r->compute_units, NULL);
  clGetDeviceInfo(d, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof r->clock_mhz, &r->clock_mhz, NULL);
  clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof r->max_work_group, &r->max_work_group,
                  NULL);
  clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof r->local_mem, &r->local_mem, NULL);
  clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof r->global_mem, &r->global_mem, NULL);
  clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof r->max_alloc, &r->max_alloc, NULL);
  clGetDeviceInfo(d, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64, &fp64, NULL);
  r->type = type_name(type);
  r->fp64 = fp64 != 0;
  r->fp16 = has_extension(d, "cl_khr_fp16");
}

int device_reports_collect(device_report **out) {
  *out = NULL;
  cl_uint np = 0;
  if (clGetPlatformIDs(0, NULL, &np) != CL_SUCCESS || np == 0) return -1;
  cl_platform_id *platforms = calloc(np, sizeof *platforms);
  if (!platforms || clGetPlatformIDs(np, platforms, NULL) != CL_SUCCESS) {
    free(platforms);
    return -1;
  }
  int count = 0;
  for (cl_uint p = 0; p < np; p++) {
    cl_uint nd = 0;
    if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS) continue;
    cl_device_id *ids = calloc(nd, sizeof *ids);
    device_report *grown = realloc(*out, (count + nd) * sizeof *grown);
    if (!ids || !grown ||
        clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, nd, ids, NULL) != CL_SUCCESS) {
      free(ids);
      if (grown) *out = grown;
      continue;
    }
    *out = grown;
    for (cl_uint d = 0; d < nd; d++) {
      describe(&grown[count], platforms[p], ids[d]);
      grown[count].platform_index = p;
      grown[count].device_index = d;
      count++;
    }
    free(ids);
  }
  free(platforms);
  return count;
}

/* What `clcnn devices` shows of each OpenCL device, read straight from the driver. */
#ifndef CLCNN_TOOLS_DEVICE_QUERY_H
#define CLCNN_TOOLS_DEVICE_QUERY_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

typedef struct device_report {
  unsigned platform_index, device_index;
  char platform_name[256], platform_version[256];
  char name[256], vendor[256], driver_version[128], device_version[128], c_version[128];
  const char *type;
  cl_uint compute_units, clock_mhz;
  size_t max_work_group;
  cl_ulong local_mem, global_mem, max_alloc;
  int fp16, fp64;
  cl_device_id id;
} device_report;

/* Fills *out (malloc'd, free() it) with every device of every platform; returns the count or
   -1 when no platform answers. */
int device_reports_collect(device_report **out);

#endif

/* Platform and device enumeration. */
#include "device/enumerate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "device/caps.h"

#define NO_PLATFORM_ADVICE                                                                         \
  "no OpenCL platform found (clGetPlatformIDs: %s). Install a driver, e.g. "                       \
  "'apt-get install pocl-opencl-icd' for CPUs, check that /etc/OpenCL/vendors lists an .icd "      \
  "file, and for PoCL make sure its cache folder ($POCL_CACHE_DIR or $XDG_CACHE_HOME/pocl) is "    \
  "writable"

static clcnn_status add_platform_devices(clcnn_device_list *list, cl_platform_id platform,
                                         unsigned platform_index) {
  cl_uint count = 0;
  cl_int err = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, NULL, &count);
  if (err == CL_DEVICE_NOT_FOUND || count == 0) return CLCNN_OK;
  if (err != CL_SUCCESS) return clcnn_fail_cl(NULL, err, "clGetDeviceIDs", NULL);
  cl_device_id *ids = calloc(count, sizeof *ids);
  clcnn_device_entry *grown = realloc(list->items, (list->count + count) * sizeof *grown);
  if (!ids || !grown) {
    free(ids);
    if (grown) list->items = grown;
    return clcnn_fail(NULL, CLCNN_OUT_OF_MEMORY, "device enumeration: host allocation failed");
  }
  list->items = grown;
  err = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, count, ids, NULL);
  if (err != CL_SUCCESS) {
    free(ids);
    return clcnn_fail_cl(NULL, err, "clGetDeviceIDs", NULL);
  }
  char platform_name[256] = "";
  clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof platform_name - 1, platform_name, NULL);
  for (cl_uint d = 0; d < count; d++) {
    clcnn_device_entry *entry = &list->items[list->count++];
    memset(entry, 0, sizeof *entry);
    entry->platform = platform;
    entry->device = ids[d];
    entry->platform_index = platform_index;
    entry->device_index = d;
    char device_name[256] = "";
    clGetDeviceInfo(ids[d], CL_DEVICE_NAME, sizeof device_name - 1, device_name, NULL);
    clGetDeviceInfo(ids[d], CL_DEVICE_TYPE, sizeof entry->type, &entry->type, NULL);
    snprintf(entry->label, sizeof entry->label, "%s %s", platform_name, device_name);
  }
  free(ids);
  return CLCNN_OK;
}

clcnn_status clcnn_device_list_get(clcnn_device_list *out) {
  memset(out, 0, sizeof *out);
  cl_uint platform_count = 0;
  cl_int err = clGetPlatformIDs(0, NULL, &platform_count);
  if (err != CL_SUCCESS || platform_count == 0) {
    const char *why = err == CL_SUCCESS ? "0 platforms" : "CL_PLATFORM_NOT_FOUND_KHR or error";
    return clcnn_fail(NULL, CLCNN_NO_DEVICE, NO_PLATFORM_ADVICE, why);
  }
  cl_platform_id *platforms = calloc(platform_count, sizeof *platforms);
  if (!platforms) return clcnn_fail(NULL, CLCNN_OUT_OF_MEMORY, "device enumeration: no memory");
  err = clGetPlatformIDs(platform_count, platforms, NULL);
  clcnn_status status = CLCNN_OK;
  if (err != CL_SUCCESS) status = clcnn_fail_cl(NULL, err, "clGetPlatformIDs", NULL);
  for (cl_uint p = 0; status == CLCNN_OK && p < platform_count; p++)
    status = add_platform_devices(out, platforms[p], p);
  free(platforms);
  out->platform_count = platform_count;
  if (status != CLCNN_OK) clcnn_device_list_free(out);
  return status;
}

void clcnn_device_list_free(clcnn_device_list *list) {
  free(list->items);
  memset(list, 0, sizeof *list);
}

void clcnn_device_list_describe(const clcnn_device_list *list, char *buf, size_t cap) {
  size_t used = strlen(buf);
  if (list->count == 0 && used < cap)
    snprintf(buf + used, cap - used, "\n  (%zu platforms, no devices)", list->platform_count);
  for (size_t i = 0; i < list->count; i++) {
    const clcnn_device_entry *e = &list->items[i];
    used = strlen(buf);
    if (used + 1 >= cap) return;
    snprintf(buf + used, cap - used, "\n  %u:%u [%s] %s", e->platform_index, e->device_index,
             clcnn_device_type_name(e->type), e->label);
  }
}

/* Every OpenCL device of every platform, in the order the selector's "P:D" indices use. */
#ifndef CLCNN_DEVICE_ENUMERATE_H
#define CLCNN_DEVICE_ENUMERATE_H

#include <clcnn/clcnn.h>

typedef struct clcnn_device_entry {
  cl_platform_id platform;
  cl_device_id device;
  unsigned platform_index, device_index;
  cl_device_type type;
  char label[512]; /* "platform name device name" */
} clcnn_device_entry;

typedef struct clcnn_device_list {
  clcnn_device_entry *items;
  size_t count;
  size_t platform_count;
} clcnn_device_list;

/* Enumerates all devices. No platform is CLCNN_NO_DEVICE with advice on getting one; failures
   are recorded for the thread (ctx is NULL during creation). */
clcnn_status clcnn_device_list_get(clcnn_device_list *out);
void clcnn_device_list_free(clcnn_device_list *list);

/* Appends one line per device ("  0:0 [CPU] platform device") to buf. */
void clcnn_device_list_describe(const clcnn_device_list *list, char *buf, size_t cap);

#endif

/* clcnn devices [--json]: every OpenCL device, and the one the library would pick now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clcnn/clcnn.h>

#include "commands.h"
#include "device_query.h"
#include "json_writer.h"

static void usage(FILE *out) {
  fprintf(out, "usage: clcnn devices [--json]\n"
               "  Lists every OpenCL platform and device with the fields clinfo shows. '*' marks\n"
               "  the device clcnn would use now (CLCNN_DEVICE, else GPU, accelerator, CPU).\n"
               "  Exits 1 when no device matches CLCNN_DEVICE or none works.\n");
}

static double mib(cl_ulong bytes) {
  return (double)bytes / (1024.0 * 1024.0);
}

static void print_text(const device_report *r, int n, cl_device_id picked) {
  for (int i = 0; i < n; i++) {
    if (i == 0 || r[i].platform_index != r[i - 1].platform_index)
      printf("Platform %u: %s (%s)\n", r[i].platform_index, r[i].platform_name,
             r[i].platform_version);
    printf("%s Device %u:%u  %s\n", r[i].id == picked ? "*" : " ", r[i].platform_index,
           r[i].device_index, r[i].name);
    printf("      vendor %s, type %s, driver %s\n", r[i].vendor, r[i].type, r[i].driver_version);
    printf("      %s, %s\n", r[i].device_version, r[i].c_version);
    printf("      compute units %u, clock %u MHz, max work-group %zu\n", r[i].compute_units,
           r[i].clock_mhz, r[i].max_work_group);
    printf("      global memory %.0f MiB, local memory %.0f KiB, max allocation %.0f MiB\n",
           mib(r[i].global_mem), r[i].local_mem / 1024.0, mib(r[i].max_alloc));
    printf("      fp16 %s, fp64 %s\n", r[i].fp16 ? "yes" : "no", r[i].fp64 ? "yes" : "no");
  }
}

static void print_json_device(const device_report *r, int picked) {
  printf("{\"index\": \"%u:%u\"", r->platform_index, r->device_index);
  const char *keys[] = {"platform",       "platform_version", "name", "vendor", "driver_version",
                        "opencl_version", "opencl_c_version"};
  const char *values[] = {r->platform_name,  r->platform_version, r->name,     r->vendor,
                          r->driver_version, r->device_version,   r->c_version};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    printf(", \"%s\": ", keys[i]);
    json_string(stdout, values[i]);
  }
  printf(", \"type\": \"%s\", \"compute_units\": %u, \"clock_mhz\": %u, "
         "\"max_work_group_size\": %zu, \"local_mem_bytes\": %llu, \"global_mem_bytes\": %llu, "
         "\"max_alloc_bytes\": %llu, \"fp16\": %s, \"fp64\": %s, \"selected\": %s}",
         r->type, r->compute_units, r->clock_mhz, r->max_work_group,
         (unsigned long long)r->local_mem, (unsigned long long)r->global_mem,
         (unsigned long long)r->max_alloc, r->fp16 ? "true" : "false", r->fp64 ? "true" : "false",
         picked ? "true" : "false");
}

static void print_json(const device_report *r, int n, cl_device_id picked, const char *error) {
  printf("{\"devices\": [");
  for (int i = 0; i < n; i++) {
    printf(i ? ",\n  " : "\n  ");
    print_json_device(&r[i], r[i].id == picked);
  }
  printf("],\n \"selector\": ");
  json_string(stdout, getenv("CLCNN_DEVICE"));
  printf(",\n \"error\": ");
  json_string(stdout, error);
  printf("}\n");
}

int clcnn_cmd_devices(int argc, char **argv) {
  if (clcnn_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  int json = argc == 2 && strcmp(argv[1], "--json") == 0;
  if (argc > 2 || (argc == 2 && !json)) {
    usage(stderr);
    return 2;
  }
  device_report *reports;
  int n = device_reports_collect(&reports);
  clcnn_context *ctx = NULL;
  clcnn_status status = clcnn_context_create(NULL, &ctx);
  cl_device_id picked = clcnn_context_cl_device(ctx);
  const char *error = status == CLCNN_OK ? NULL : clcnn_last_error(NULL);
  if (json)
    print_json(reports, n < 0 ? 0 : n, picked, error);
  else if (n > 0)
    print_text(reports, n, picked);
  if (error) fprintf(stderr, "clcnn devices: %s: %s\n", clcnn_status_string(status), error);
  clcnn_context_destroy(ctx);
  free(reports);
  return status == CLCNN_OK ? 0 : 1;
}

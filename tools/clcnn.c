/* The clcnn command: entry point and subcommand dispatch. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clcnn/clcnn.h>

#include "commands.h"

static void usage(FILE *out) {
  fprintf(out, "usage: clcnn <command> [options]\n"
               "\n"
               "commands:\n"
               "  demo               walk the CNN tutorial on the selected device\n"
               "  train [options]    train LeNet on Fashion-MNIST\n"
               "  run MODEL.onnx     run an ONNX model (--input/--output .npy, --bench)\n"
               "  devices [--json]   list OpenCL platforms and devices, mark the one clcnn picks\n"
               "  cache [clear]      show or empty the on-disk program cache and tuning records\n"
               "  bench [SHAPE ...]  time convolution and pooling against CLBlast Convgemm\n"
               "  tune [SHAPE ...|--table] [--budget S]  measure and record the fastest kernels\n"
               "  version            print the library version\n"
               "\n"
               "environment: CLCNN_DEVICE (gpu|cpu|accelerator|P:D|name text), CLCNN_CACHE_DIR\n"
               "(folder or 'off'), CLCNN_LOG (error|warn|info|debug), CLCNN_KERNEL_DIR,\n"
               "CLCNN_KERNEL_FAMILY (auto|workgroup|vector), CLCNN_TUNE (use|off|auto).\n"
               "'clcnn <command> --help' describes each command.\n");
}

int clcnn_wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
  return 0;
}

int main(int argc, char **argv) {
  /* PoCL's worker threads float between cores unless pinned; on 2 cores that halved the
     speed of about one run in three (both workers on one core). The tool pins them unless
     the user decided otherwise; the library leaves the environment alone. */
  setenv("POCL_AFFINITY", "1", 0);
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "devices") == 0) return clcnn_cmd_devices(argc - 1, argv + 1);
  if (strcmp(cmd, "cache") == 0) return clcnn_cmd_cache(argc - 1, argv + 1);
  if (strcmp(cmd, "bench") == 0) return clcnn_cmd_bench(argc - 1, argv + 1);
  if (strcmp(cmd, "demo") == 0) return clcnn_cmd_demo(argc - 1, argv + 1);
  if (strcmp(cmd, "train") == 0) return clcnn_cmd_train(argc - 1, argv + 1);
  if (strcmp(cmd, "tune") == 0) return clcnn_cmd_tune(argc - 1, argv + 1);
  if (strcmp(cmd, "run") == 0) return clcnn_cmd_run(argc - 1, argv + 1);
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
    printf("clcnn %s\n", clcnn_version());
    return 0;
  }
  fprintf(stderr, "clcnn: unknown command '%s'\n\n", cmd);
  usage(stderr);
  return 2;
}

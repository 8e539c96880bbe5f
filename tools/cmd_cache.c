/* clcnn cache [clear|trim]: where the program cache is, how big, its bound, and emptying it. */
#include <stdio.h>
#include <string.h>

#include <clcnn/clcnn.h>

#include "commands.h"

static void usage(FILE *out) {
  fprintf(out, "usage: clcnn cache [clear|trim]\n"
               "  Shows the on-disk program cache folder (CLCNN_CACHE_DIR, else\n"
               "  $XDG_CACHE_HOME/clcnn or ~/.cache/clcnn) with its file count, size and\n"
               "  bound (CLCNN_CACHE_MAX_MB, default 256; every build that writes a file\n"
               "  trims the folder to it, least recently used files first).\n"
               "  'clear' removes clcnn's cache files from it, and nothing else.\n"
               "  'trim' removes least recently used files until the bound holds.\n");
}

int clcnn_cmd_cache(int argc, char **argv) {
  if (clcnn_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  int clear = argc == 2 && strcmp(argv[1], "clear") == 0;
  int trim = argc == 2 && strcmp(argv[1], "trim") == 0;
  if (argc > 2 || (argc == 2 && !clear && !trim)) {
    usage(stderr);
    return 2;
  }
  char dir[4096];
  if (clcnn_cache_dir_resolve(NULL, dir, sizeof dir) != CLCNN_OK) {
    fprintf(stderr, "clcnn cache: %s\n", clcnn_last_error(NULL));
    return 1;
  }
  if (!dir[0]) {
    printf("cache: off (CLCNN_CACHE_DIR=off or no HOME)\n");
    return 0;
  }
  size_t files = 0, removed = 0;
  uint64_t bytes = 0;
  uint64_t limit = clcnn_cache_limit();
  clcnn_status status = clear  ? clcnn_cache_clear(dir, &removed)
                        : trim ? clcnn_cache_trim(dir, limit, &removed)
                               : CLCNN_OK;
  if (status == CLCNN_OK) status = clcnn_cache_usage(dir, &files, &bytes);
  if (status != CLCNN_OK) {
    fprintf(stderr, "clcnn cache: %s\n", clcnn_last_error(NULL));
    return 1;
  }
  printf("cache: %s\n", dir);
  if (clear || trim) printf("removed %zu files\n", removed);
  printf("files: %zu\nsize:  %.1f KiB (%llu bytes)\nbound: %.1f MiB (%llu bytes; "
         "CLCNN_CACHE_MAX_MB)\n",
         files, bytes / 1024.0, (unsigned long long)bytes, limit / 1048576.0,
         (unsigned long long)limit);
  return 0;
}

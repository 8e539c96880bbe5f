/* clcnn cache [clear]: where the program cache is, how big, and emptying it. */
#include <stdio.h>
#include <string.h>

#include <clcnn/clcnn.h>

#include "commands.h"

static void usage(FILE *out) {
  fprintf(out, "usage: clcnn cache [clear]\n"
               "  Shows the on-disk program cache folder (CLCNN_CACHE_DIR, else\n"
               "  $XDG_CACHE_HOME/clcnn or ~/.cache/clcnn) with its file count and size.\n"
               "  'clear' removes clcnn's cache files from it, and nothing else.\n");
}

int clcnn_cmd_cache(int argc, char **argv) {
  if (clcnn_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  int clear = argc == 2 && strcmp(argv[1], "clear") == 0;
  if (argc > 2 || (argc == 2 && !clear)) {
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
  clcnn_status status =
      clear ? clcnn_cache_clear(dir, &removed) : clcnn_cache_usage(dir, &files, &bytes);
  if (status != CLCNN_OK) {
    fprintf(stderr, "clcnn cache: %s\n", clcnn_last_error(NULL));
    return 1;
  }
  if (clear)
    printf("cache: %s\nremoved %zu files\n", dir, removed);
  else
    printf("cache: %s\nfiles: %zu\nsize:  %.1f KiB (%llu bytes)\n", dir, files, bytes / 1024.0,
           (unsigned long long)bytes);
  return 0;
}

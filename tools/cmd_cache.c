/* clcnn cache [clear|trim|clear-records]: where the program cache is, how big, its bound, the
   tuning records in it, and emptying it. */
#include <stdio.h>
#include <string.h>

#include <clcnn/clcnn.h>

#include "commands.h"

static void usage(FILE *out) {
  fprintf(out, "usage: clcnn cache [clear|trim|clear-records]\n"
               "  Shows the on-disk program cache folder (CLCNN_CACHE_DIR, else\n"
               "  $XDG_CACHE_HOME/clcnn or ~/.cache/clcnn) with its file count, size and\n"
               "  bound (CLCNN_CACHE_MAX_MB, default 256; every build that writes a file\n"
               "  trims the folder to it, least recently used files first).\n"
               "  'clear' removes clcnn's cache files from it, and nothing else.\n"
               "  'trim' removes least recently used files until the bound holds.\n"
               "  The tuning records ('clcnn tune') in its tune/ folder are listed one per\n"
               "  line (op, problem, choice, measured ms, the heuristics' ms, device);\n"
               "  'clear-records' removes them.\n");
}

/* One line per record: its op, problem, choice, times and device fields. */
static void print_record(const char *record, void *user) {
  (void)user;
  static const char *const fields[] = {"op", "problem", "choice", "ms", "device"};
  printf("  record:");
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    size_t len = strlen(fields[i]);
    for (const char *line = record; line; line = strchr(line, '\n'), line = line ? line + 1 : 0)
      if (strncmp(line, fields[i], len) == 0 && line[len] == ' ') {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) - len - 1 : strlen(line + len + 1);
        printf(" %s=%.*s", fields[i], (int)n, line + len + 1);
        break;
      }
  }
  printf("\n");
}

int clcnn_cmd_cache(int argc, char **argv) {
  if (clcnn_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  int clear = argc == 2 && strcmp(argv[1], "clear") == 0;
  int trim = argc == 2 && strcmp(argv[1], "trim") == 0;
  int records = argc == 2 && strcmp(argv[1], "clear-records") == 0;
  if (argc > 2 || (argc == 2 && !clear && !trim && !records)) {
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
  size_t count = 0;
  if (clcnn_tune_records(dir, records, records ? NULL : print_record, NULL, &count) != CLCNN_OK) {
    fprintf(stderr, "clcnn cache: %s\n", clcnn_last_error(NULL));
    return 1;
  }
  printf(records ? "removed %zu tuning records\n" : "tuning records: %zu\n", count);
  return 0;
}

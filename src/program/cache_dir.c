/* Resolving, measuring and clearing the on-disk program cache folder. */
#define _DEFAULT_SOURCE
#include "program/cache_dir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/env.h"
#include "core/error.h"

clcnn_status clcnn_cache_dir_resolve(const char *cache_dir, char *out, size_t out_size) {
  if (!out || out_size == 0)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT,
                      "clcnn_cache_dir_resolve: out is NULL or 0 bytes");
  const char *chosen = cache_dir && cache_dir[0] ? cache_dir : clcnn_env("CLCNN_CACHE_DIR");
  int n;
  if (chosen && strcmp(chosen, "off") == 0)
    n = snprintf(out, out_size, "%s", "");
  else if (chosen)
    n = snprintf(out, out_size, "%s", chosen);
  else if (clcnn_env("XDG_CACHE_HOME"))
    n = snprintf(out, out_size, "%s/clcnn", clcnn_env("XDG_CACHE_HOME"));
  else if (clcnn_env("HOME"))
    n = snprintf(out, out_size, "%s/.cache/clcnn", clcnn_env("HOME"));
  else
    n = snprintf(out, out_size, "%s", ""); /* nowhere to put it: off */
  if (n < 0 || (size_t)n >= out_size)
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT,
                      "clcnn_cache_dir_resolve: path needs %d bytes, out has %zu", n + 1, out_size);
  return CLCNN_OK;
}

int clcnn_cache_file_name_matches(const char *name) {
  for (int i = 0; i < 16; i++)
    if (!isxdigit((unsigned char)name[i])) return 0;
  const char *rest = name + 16;
  size_t suffix = strlen(CLCNN_CACHE_SUFFIX);
  if (strncmp(rest, CLCNN_CACHE_SUFFIX, suffix) != 0) return 0;
  return rest[suffix] == '\0' || strncmp(rest + suffix, ".tmp.", 5) == 0;
}

typedef int (*cache_file_visitor)(const char *path, const struct stat *st, void *user);

/* Calls visit for each clcnn cache file in dir; a missing dir has none. */
static clcnn_status for_each_cache_file(const char *fn, const char *dir, cache_file_visitor visit,
                                        void *user) {
  if (!dir || !dir[0])
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: dir is NULL or empty", fn);
  DIR *d = opendir(dir);
  if (!d) {
    if (errno == ENOENT) return CLCNN_OK;
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: cannot open %s: %s", fn, dir,
                      strerror(errno));
  }
  struct dirent *ent;
  char path[4400];
  while ((ent = readdir(d)) != NULL) {
    if (!clcnn_cache_file_name_matches(ent->d_name)) continue;
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) visit(path, &st, user);
  }
  closedir(d);
  return CLCNN_OK;
}

typedef struct usage_totals {
  size_t files;
  uint64_t bytes;
} usage_totals;

static int add_usage(const char *path, const struct stat *st, void *user) {
  usage_totals *t = user;
  t->files++;
  t->bytes += (uint64_t)st->st_size;
  return 0;
}

clcnn_status clcnn_cache_usage(const char *dir, size_t *files, uint64_t *bytes) {
  usage_totals totals = {0, 0};
  clcnn_status status = for_each_cache_file("clcnn_cache_usage", dir, add_usage, &totals);
  if (files) *files = totals.files;
  if (bytes) *bytes = totals.bytes;
  return status;
}

static int remove_file(const char *path, const struct stat *st, void *user) {
  if (unlink(path) == 0) ++*(size_t *)user;
  return 0;
}

clcnn_status clcnn_cache_clear(const char *dir, size_t *removed) {
  size_t count = 0;
  clcnn_status status = for_each_cache_file("clcnn_cache_clear", dir, remove_file, &count);
  if (removed) *removed = count;
  return status;
}

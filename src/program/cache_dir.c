/* Resolving, measuring, bounding and clearing the on-disk program cache folder. */
#define _DEFAULT_SOURCE
#include "program/cache_dir.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/env.h"
#include "core/error.h"
#include "core/log.h"

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

uint64_t clcnn_cache_limit_from_env(int level) {
  size_t mib = clcnn_env_size("CLCNN_CACHE_MAX_MB", 1, CLCNN_DEFAULT_CACHE_MAX_MB, level);
  return mib > UINT64_MAX / (1024 * 1024) ? UINT64_MAX : (uint64_t)mib * 1024 * 1024;
}

uint64_t clcnn_cache_limit(void) {
  return clcnn_cache_limit_from_env(clcnn_log_level_from_env());
}

typedef struct cache_file {
  char name[32];
  uint64_t bytes;
  struct timespec used; /* mtime: set on write and on every load */
} cache_file;

typedef struct cache_listing {
  cache_file *files;
  size_t count, cap;
  uint64_t bytes;
  int failed;
} cache_listing;

/* Complete cache files only: a ".tmp." file may be another process's write in progress. */
static int list_file(const char *path, const struct stat *st, void *user) {
  cache_listing *l = user;
  const char *name = strrchr(path, '/') + 1;
  if (strstr(name, ".tmp.")) return 0;
  if (l->count == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    cache_file *grown = realloc(l->files, cap * sizeof *grown);
    if (!grown) {
      l->failed = 1;
      return 0;
    }
    l->files = grown;
    l->cap = cap;
  }
  cache_file *f = &l->files[l->count++];
  snprintf(f->name, sizeof f->name, "%s", name);
  f->bytes = (uint64_t)st->st_size;
  f->used = st->st_mtim;
  l->bytes += f->bytes;
  return 0;
}

/* Least recently used first; the name breaks ties so the order is total. */
static int older_first(const void *a, const void *b) {
  const cache_file *x = a, *y = b;
  if (x->used.tv_sec != y->used.tv_sec) return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
  if (x->used.tv_nsec != y->used.tv_nsec) return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
  return strcmp(x->name, y->name);
}

clcnn_status clcnn_cache_trim(const char *dir, uint64_t max_bytes, size_t *removed) {
  if (removed) *removed = 0;
  cache_listing l = {0};
  clcnn_status status = for_each_cache_file("clcnn_cache_trim", dir, list_file, &l);
  if (status == CLCNN_OK && l.failed)
    status = clcnn_fail(NULL, CLCNN_OUT_OF_MEMORY, "clcnn_cache_trim: host allocation failed");
  if (status == CLCNN_OK && l.bytes > max_bytes) {
    qsort(l.files, l.count, sizeof *l.files, older_first);
    char path[4400];
    for (size_t i = 0; i < l.count && l.bytes > max_bytes; i++) {
      snprintf(path, sizeof path, "%s/%s", dir, l.files[i].name);
      /* Another process may have removed it already: either way it no longer counts. */
      if (unlink(path) == 0 && removed) ++*removed;
      l.bytes -= l.files[i].bytes;
    }
  }
  free(l.files);
  return status;
}

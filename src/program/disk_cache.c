/* Program binaries on disk: one file per key, checked on load, written atomically. */
#define _POSIX_C_SOURCE 200809L
#include "program/disk_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program/cache_dir.h"
#include "program/file_io.h"
#include "program/hash.h"

static const char cache_magic[8] = {'C', 'L', 'C', 'N', 'N', 'P', 'B', '1'};

typedef struct cache_header {
  char magic[8];
  uint64_t key;
  uint64_t payload_size;
  uint64_t payload_hash;
} cache_header;

void clcnn_disk_cache_path(const char *dir, uint64_t key, char *out, size_t cap) {
  snprintf(out, cap, "%s/%016llx%s", dir, (unsigned long long)key, CLCNN_CACHE_SUFFIX);
}

clcnn_disk_lookup clcnn_disk_cache_load(const char *dir, uint64_t key, unsigned char **binary,
                                        size_t *size) {
  char path[4200];
  clcnn_disk_cache_path(dir, key, path, sizeof path);
  size_t file_size;
  char *data = clcnn_file_read_all(path, &file_size);
  if (!data) return errno == ENOENT ? CLCNN_DISK_MISS : CLCNN_DISK_REJECT;
  cache_header h;
  int ok = file_size >= sizeof h;
  if (ok) memcpy(&h, data, sizeof h);
  ok = ok && memcmp(h.magic, cache_magic, sizeof cache_magic) == 0 && h.key == key &&
       h.payload_size == file_size - sizeof h && h.payload_size > 0 &&
       clcnn_hash_bytes(CLCNN_HASH_SEED, data + sizeof h, h.payload_size) == h.payload_hash;
  if (!ok) {
    free(data);
    return CLCNN_DISK_REJECT;
  }
  memmove(data, data + sizeof h, h.payload_size);
  /* A load counts as a use: the bound evicts by modification time, least recent first. */
  utimensat(AT_FDCWD, path, NULL, 0);
  *binary = (unsigned char *)data;
  *size = h.payload_size;
  return CLCNN_DISK_HIT;
}

int clcnn_disk_cache_store(const char *dir, uint64_t key, const unsigned char *binary,
                           size_t size) {
  if (clcnn_mkdir_p(dir) != 0) return -1;
  cache_header h;
  memcpy(h.magic, cache_magic, sizeof cache_magic);
  h.key = key;
  h.payload_size = size;
  h.payload_hash = clcnn_hash_bytes(CLCNN_HASH_SEED, binary, size);
  char path[4200];
  clcnn_disk_cache_path(dir, key, path, sizeof path);
  return clcnn_file_write_atomic(path, &h, sizeof h, binary, size);
}

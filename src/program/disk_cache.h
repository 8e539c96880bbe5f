/* Program binaries on disk: one file per key, checked on load, written atomically. */
#ifndef CLCNN_PROGRAM_DISK_CACHE_H
#define CLCNN_PROGRAM_DISK_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef enum clcnn_disk_lookup {
  CLCNN_DISK_MISS,  /* no file for this key */
  CLCNN_DISK_HIT,   /* *binary holds the checked payload (malloc'd) */
  CLCNN_DISK_REJECT /* a file exists but is corrupt or for another key */
} clcnn_disk_lookup;

clcnn_disk_lookup clcnn_disk_cache_load(const char *dir, uint64_t key, unsigned char **binary,
                                        size_t *size);
/* 0 on success, -1 with errno set. Creates dir when needed. */
int clcnn_disk_cache_store(const char *dir, uint64_t key, const unsigned char *binary, size_t size);
/* The file path for key (for messages and tests). */
void clcnn_disk_cache_path(const char *dir, uint64_t key, char *out, size_t cap);

#endif

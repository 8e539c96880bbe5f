/* 64-bit FNV-1a hashing for cache keys and payload checksums. */
#ifndef CLCNN_PROGRAM_HASH_H
#define CLCNN_PROGRAM_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CLCNN_HASH_SEED 0xcbf29ce484222325ull

/* Continues hash h over size bytes of data. */
uint64_t clcnn_hash_bytes(uint64_t h, const void *data, size_t size);
/* Continues h over the string and its terminating NUL (so fields cannot run together). */
uint64_t clcnn_hash_field(uint64_t h, const char *text);

#endif

/* Where the on-disk program cache lives, and what counts as one of its files. */
#ifndef CLCNN_PROGRAM_CACHE_DIR_H
#define CLCNN_PROGRAM_CACHE_DIR_H

#include <clcnn/clcnn.h>

#define CLCNN_CACHE_SUFFIX ".clbin"
/* The disk cache bound when CLCNN_CACHE_MAX_MB is unset. */
#define CLCNN_DEFAULT_CACHE_MAX_MB 256

/* The bound in bytes from CLCNN_CACHE_MAX_MB (MiB, at least 1), bad values warned about at
   `level` and replaced by the default. */
uint64_t clcnn_cache_limit_from_env(int level);

/* 1 when name is "<16 hex digits>.clbin" or a leftover "<that>.tmp.XXXXXX". */
int clcnn_cache_file_name_matches(const char *name);

#endif

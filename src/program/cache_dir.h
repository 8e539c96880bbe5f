/* Where the on-disk program cache lives, and what counts as one of its files. */
#ifndef CLCNN_PROGRAM_CACHE_DIR_H
#define CLCNN_PROGRAM_CACHE_DIR_H

#include <clcnn/clcnn.h>

#define CLCNN_CACHE_SUFFIX ".clbin"

/* 1 when name is "<16 hex digits>.clbin" or a leftover "<that>.tmp.XXXXXX". */
int clcnn_cache_file_name_matches(const char *name);

#endif

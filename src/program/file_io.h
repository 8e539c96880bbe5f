/* Whole-file reads and atomic whole-file writes. */
#ifndef CLCNN_PROGRAM_FILE_IO_H
#define CLCNN_PROGRAM_FILE_IO_H

#include <stddef.h>

/* The file's bytes plus a NUL (malloc'd), or NULL with errno set. */
char *clcnn_file_read_all(const char *path, size_t *size);

/* Writes to a unique temporary name in the same folder, then renames over path.
   Returns 0 on success, -1 with errno set. */
int clcnn_file_write_atomic(const char *path, const void *head, size_t head_size, const void *body,
                            size_t body_size);

/* mkdir -p with mode 0755; 0 on success or when it exists. */
int clcnn_mkdir_p(const char *path);

#endif

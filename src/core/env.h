/* Environment variable access shared by the runtime. */
#ifndef CLCNN_CORE_ENV_H
#define CLCNN_CORE_ENV_H

#include <stddef.h>

/* getenv(name), or NULL when unset or empty. */
const char *clcnn_env(const char *name);

/* A malloc'd copy of s (NULL for NULL or on allocation failure). */
char *clcnn_strdup(const char *s);

/* The whole number in $name when it is one of at least `min` (digits only: no sign, no
   exponent, no suffix, no overflow); else `fallback`, with a warning on stderr at
   CLCNN_LOG=warn (level) when the variable is set to something else. */
size_t clcnn_env_size(const char *name, size_t min, size_t fallback, int level);

/* The index in values[0..count) of the word in $name: 0 (the first, the default) when unset,
   -1 when it is none of them. */
int clcnn_env_choice(const char *name, const char *const *values, int count);

#endif

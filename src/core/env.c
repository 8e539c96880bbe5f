/* Environment variable access shared by the runtime. */
#include "core/env.h"

#include <stdlib.h>
#include <string.h>

const char *clcnn_env(const char *name) {
  const char *value = getenv(name);
  return value && value[0] ? value : NULL;
}

char *clcnn_strdup(const char *s) {
  if (!s) return NULL;
  size_t len = strlen(s) + 1;
  char *copy = malloc(len);
  if (copy) memcpy(copy, s, len);
  return copy;
}

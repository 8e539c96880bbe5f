/* Environment variable access shared by the runtime. */
#include "core/env.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

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

size_t clcnn_env_size(const char *name, size_t min, size_t fallback, int level) {
  const char *text = clcnn_env(name);
  if (!text) return fallback;
  int digits = 1;
  for (const char *c = text; *c; c++) digits &= isdigit((unsigned char)*c) != 0;
  errno = 0;
  char *end = NULL;
  unsigned long long value = digits ? strtoull(text, &end, 10) : 0;
  if (digits && errno == 0 && end && *end == '\0' && value >= min && value <= SIZE_MAX)
    return (size_t)value;
  clcnn_log((clcnn_log_level)level, CLCNN_LOG_WARN,
            "%s='%.80s' is not a whole number of at least %zu; using the default %zu", name, text,
            min, fallback);
  return fallback;
}

int clcnn_env_choice(const char *name, const char *const *values, int count) {
  const char *text = clcnn_env(name);
  if (!text) return 0;
  for (int i = 0; i < count; i++)
    if (strcmp(text, values[i]) == 0) return i;
  return -1;
}

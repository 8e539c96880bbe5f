/* CLCNN_LOG parsing and the stderr log writer. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "core/env.h"

clcnn_log_level clcnn_log_level_from_env(void) {
  static const char *const names[] = {"off", "error", "warn", "info", "debug"};
  const char *value = clcnn_env("CLCNN_LOG");
  if (!value) return CLCNN_LOG_OFF;
  for (int i = 0; i < 5; i++)
    if (strcasecmp(value, names[i]) == 0) return (clcnn_log_level)i;
  return CLCNN_LOG_OFF;
}

void clcnn_log(clcnn_log_level threshold, clcnn_log_level level, const char *fmt, ...) {
  static const char *const labels[] = {"", "error", "warn", "info", "debug"};
  if (level == CLCNN_LOG_OFF || level > threshold) return;
  char line[2048];
  va_list args;
  va_start(args, fmt);
  vsnprintf(line, sizeof line, fmt, args);
  va_end(args);
  fprintf(stderr, "clcnn %s: %s\n", labels[level], line);
}

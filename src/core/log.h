/* Opt-in diagnostics on stderr, controlled by CLCNN_LOG=error|warn|info|debug. */
#ifndef CLCNN_CORE_LOG_H
#define CLCNN_CORE_LOG_H

typedef enum clcnn_log_level {
  CLCNN_LOG_OFF = 0,
  CLCNN_LOG_ERROR = 1,
  CLCNN_LOG_WARN = 2,
  CLCNN_LOG_INFO = 3,
  CLCNN_LOG_DEBUG = 4
} clcnn_log_level;

/* The threshold named by $CLCNN_LOG; OFF when unset or unknown. */
clcnn_log_level clcnn_log_level_from_env(void);

/* Writes "clcnn <level>: message" to stderr when level <= threshold. */
void clcnn_log(clcnn_log_level threshold, clcnn_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

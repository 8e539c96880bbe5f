/* Environment variable access shared by the runtime. */
#ifndef CLCNN_CORE_ENV_H
#define CLCNN_CORE_ENV_H

/* getenv(name), or NULL when unset or empty. */
const char *clcnn_env(const char *name);

/* A malloc'd copy of s (NULL for NULL or on allocation failure). */
char *clcnn_strdup(const char *s);

#endif

/* Recording failures: one message per context, one per thread for failed context creation. */
#ifndef CLCNN_CORE_ERROR_H
#define CLCNN_CORE_ERROR_H

#include <clcnn/clcnn.h>
#include <pthread.h>

#include "core/log.h"

#define CLCNN_ERROR_CAPACITY 4096

/* What core needs of a context to record a failure. struct clcnn_context begins with it, so
   that core reaches it through the context pointer without knowing the rest. Each thread
   also keeps its own last message (with the context it was about), so that threads sharing
   a context read their own failures; `lock` guards the shared copy. */
typedef struct clcnn_error_state {
  clcnn_log_level log_level;
  pthread_mutex_t lock;
  char last_error[CLCNN_ERROR_CAPACITY];
} clcnn_error_state;

/* 0 on success. */
int clcnn_error_state_init(clcnn_error_state *s, clcnn_log_level level);
void clcnn_error_state_destroy(clcnn_error_state *s);
/* Forgets ctx's messages (its shared one and the calling thread's copy). */
void clcnn_error_clear(clcnn_context *ctx);

/* Records the formatted message on ctx (or the calling thread when ctx is NULL), logs it at
   error level, and returns status. */
clcnn_status clcnn_fail(clcnn_context *ctx, clcnn_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* For a failed OpenCL call: "<call>: CL_NAME (code)[: detail]". Allocation failures map to
   CLCNN_OUT_OF_MEMORY, the rest to CLCNN_OPENCL_ERROR. */
clcnn_status clcnn_fail_cl(clcnn_context *ctx, cl_int code, const char *call, const char *detail);

#endif

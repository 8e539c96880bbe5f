/* Recording failures: one message per context, one per thread for failed context creation. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cl_error_names.h"

/* The calling thread's last message without a context (context creation, shape functions),
   and its last message about a context, with that context. */
static _Thread_local char thread_error[CLCNN_ERROR_CAPACITY];
static _Thread_local char thread_ctx_error[CLCNN_ERROR_CAPACITY];
static _Thread_local const clcnn_context *thread_error_ctx;

/* The error state a context begins with. */
static clcnn_error_state *state_of(const clcnn_context *ctx) {
  return (clcnn_error_state *)ctx;
}

int clcnn_error_state_init(clcnn_error_state *s, clcnn_log_level level) {
  s->log_level = level;
  s->last_error[0] = '\0';
  return pthread_mutex_init(&s->lock, NULL);
}

void clcnn_error_state_destroy(clcnn_error_state *s) {
  pthread_mutex_destroy(&s->lock);
}

void clcnn_error_clear(clcnn_context *ctx) {
  if (thread_error_ctx == ctx) thread_error_ctx = NULL;
  clcnn_error_state *s = state_of(ctx);
  pthread_mutex_lock(&s->lock);
  s->last_error[0] = '\0';
  pthread_mutex_unlock(&s->lock);
}

static void record(clcnn_context *ctx, const char *fmt, va_list args) {
  char *buffer = ctx ? thread_ctx_error : thread_error;
  vsnprintf(buffer, CLCNN_ERROR_CAPACITY, fmt, args);
  if (ctx) {
    thread_error_ctx = ctx;
    clcnn_error_state *s = state_of(ctx);
    pthread_mutex_lock(&s->lock);
    memcpy(s->last_error, buffer, CLCNN_ERROR_CAPACITY);
    pthread_mutex_unlock(&s->lock);
  }
  clcnn_log(ctx ? state_of(ctx)->log_level : clcnn_log_level_from_env(), CLCNN_LOG_ERROR, "%s",
            buffer);
}

clcnn_status clcnn_fail(clcnn_context *ctx, clcnn_status status, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  record(ctx, fmt, args);
  va_end(args);
  return status;
}

clcnn_status clcnn_fail_cl(clcnn_context *ctx, cl_int code, const char *call, const char *detail) {
  clcnn_status status = (code == CL_MEM_OBJECT_ALLOCATION_FAILURE || code == CL_OUT_OF_HOST_MEMORY)
                            ? CLCNN_OUT_OF_MEMORY
                            : CLCNN_OPENCL_ERROR;
  return clcnn_fail(ctx, status, "%s failed: %s (%d)%s%s", call, clcnn_cl_error_name(code),
                    (int)code, detail ? ": " : "", detail ? detail : "");
}

/* NULL: the thread's last failure without a context. Else the thread's own message when its
   last failure on a context was on ctx, or the last message any thread recorded on ctx. */
const char *clcnn_last_error(const clcnn_context *ctx) {
  if (!ctx) return thread_error;
  return thread_error_ctx == ctx ? thread_ctx_error : state_of(ctx)->last_error;
}

/* Recording failures: one message per context, one per thread for failed context creation. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/cl_error_names.h"

static _Thread_local char thread_error[CLCNN_ERROR_CAPACITY];

/* The error state a context begins with. */
static clcnn_error_state *state_of(const clcnn_context *ctx) {
  return (clcnn_error_state *)ctx;
}

static void record(clcnn_context *ctx, const char *fmt, va_list args) {
  char *buffer = ctx ? state_of(ctx)->last_error : thread_error;
  vsnprintf(buffer, CLCNN_ERROR_CAPACITY, fmt, args);
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

const char *clcnn_last_error(const clcnn_context *ctx) {
  return ctx ? state_of(ctx)->last_error : thread_error;
}

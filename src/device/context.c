/* The device-level helpers of a context: checks, lost-device handling, finish, accessors. */
#include "device/context.h"

void clcnn_context_lock(clcnn_context *ctx) {
  pthread_mutex_lock(&ctx->lock);
}

void clcnn_context_unlock(clcnn_context *ctx) {
  pthread_mutex_unlock(&ctx->lock);
}

clcnn_status clcnn_context_check(clcnn_context *ctx, const char *fn) {
  if (!ctx) return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: ctx is NULL", fn);
  if (ctx->lost)
    return clcnn_fail(ctx, CLCNN_DEVICE_LOST,
                      "%s: the device was lost earlier; destroy the context", fn);
  return CLCNN_OK;
}

clcnn_status clcnn_fail_wait(clcnn_context *ctx, cl_int code, const char *call) {
  if (code == CL_DEVICE_NOT_AVAILABLE || code == CL_INVALID_COMMAND_QUEUE ||
      code == CL_OUT_OF_RESOURCES || code == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST) {
    ctx->lost = 1;
    clcnn_fail_cl(ctx, code, call, "the device stopped answering; the context is unusable");
    return CLCNN_DEVICE_LOST;
  }
  return clcnn_fail_cl(ctx, code, call, NULL);
}

clcnn_status clcnn_context_finish(clcnn_context *ctx) {
  clcnn_status status = clcnn_context_check(ctx, "clcnn_context_finish");
  if (status != CLCNN_OK) return status;
  cl_int err = clFinish(ctx->queue);
  return err == CL_SUCCESS ? CLCNN_OK : clcnn_fail_wait(ctx, err, "clFinish");
}

const char *clcnn_context_device_name(const clcnn_context *ctx) {
  return ctx ? ctx->caps.name : "";
}

cl_context clcnn_context_cl_context(const clcnn_context *ctx) {
  return ctx ? ctx->cl_ctx : NULL;
}
cl_device_id clcnn_context_cl_device(const clcnn_context *ctx) {
  return ctx ? ctx->device : NULL;
}
cl_command_queue clcnn_context_cl_queue(const clcnn_context *ctx) {
  return ctx ? ctx->queue : NULL;
}

clcnn_status clcnn_context_program_stats(const clcnn_context *ctx, clcnn_program_stats *out) {
  if (!ctx || !out)
    return clcnn_fail((clcnn_context *)ctx, CLCNN_INVALID_ARGUMENT,
                      "clcnn_context_program_stats: %s is NULL", !ctx ? "ctx" : "out");
  clcnn_context_lock((clcnn_context *)ctx);
  *out = ctx->stats;
  clcnn_context_unlock((clcnn_context *)ctx);
  return CLCNN_OK;
}

int clcnn_workgroup_family(const clcnn_context *ctx) {
  if (ctx->family != CLCNN_FAMILY_AUTO) return ctx->family == CLCNN_FAMILY_WORKGROUP;
  return (ctx->caps.type & CL_DEVICE_TYPE_CPU) == 0;
}

/* Scratch device buffers kept on the context and reused across calls (in-order queue). */
#include "memory/workspace.h"

#include <stdlib.h>

#include "core/env.h"
#include "device/context.h"

size_t clcnn_workspace_limit_from_env(void) {
  const char *text = clcnn_env("CLCNN_WORKSPACE_BYTES");
  char *end = NULL;
  unsigned long long value = text ? strtoull(text, &end, 10) : 0;
  return value > 0 && end && *end == '\0' ? (size_t)value : CLCNN_WORKSPACE_DEFAULT_LIMIT;
}

clcnn_status clcnn_workspace_get(clcnn_context *ctx, clcnn_workspace_slot slot, size_t bytes,
                                 cl_mem *out) {
  if (bytes == 0) bytes = sizeof(float);
  if (bytes > ctx->caps.max_alloc_bytes)
    return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY,
                      "workspace of %zu bytes is over CL_DEVICE_MAX_MEM_ALLOC_SIZE %llu", bytes,
                      (unsigned long long)ctx->caps.max_alloc_bytes);
  if (ctx->workspace[slot] && ctx->workspace_bytes[slot] >= bytes) {
    *out = ctx->workspace[slot];
    return CLCNN_OK;
  }
  if (ctx->workspace[slot]) clReleaseMemObject(ctx->workspace[slot]); /* freed after its users */
  ctx->workspace[slot] = NULL;
  ctx->workspace_bytes[slot] = 0;
  cl_int err;
  cl_mem buf = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
  if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clCreateBuffer", "workspace");
  ctx->workspace[slot] = buf;
  ctx->workspace_bytes[slot] = bytes;
  *out = buf;
  return CLCNN_OK;
}

void clcnn_workspace_release(clcnn_context *ctx) {
  for (int i = 0; i < CLCNN_WS_SLOTS; i++) {
    if (ctx->workspace[i]) clReleaseMemObject(ctx->workspace[i]);
    ctx->workspace[i] = NULL;
    ctx->workspace_bytes[i] = 0;
  }
}

size_t clcnn_workspace_items(const clcnn_context *ctx, size_t item_bytes, size_t wanted) {
  size_t limit = ctx->workspace_limit;
  if (limit > ctx->caps.max_alloc_bytes) limit = (size_t)ctx->caps.max_alloc_bytes;
  size_t fit = item_bytes ? limit / item_bytes : wanted;
  if (fit == 0 && item_bytes <= ctx->caps.max_alloc_bytes) fit = 1; /* one, over the soft limit */
  return fit < wanted ? fit : wanted;
}

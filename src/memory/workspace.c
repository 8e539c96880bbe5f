/* Scratch device buffers kept on the context and reused across calls (in-order queue). */
#include "memory/workspace.h"

#include <stdlib.h>

#include "core/env.h"
#include "device/context.h"

size_t clcnn_workspace_limit_from_env(int log_level) {
  return clcnn_env_size("CLCNN_WORKSPACE_BYTES", 1, CLCNN_WORKSPACE_DEFAULT_LIMIT, log_level);
}

/* The buffers of one context, one per slot, grown on demand. */
struct clcnn_workspace {
  cl_mem buf[CLCNN_WS_SLOTS];
  size_t bytes[CLCNN_WS_SLOTS];
};

clcnn_status clcnn_workspace_get(clcnn_context *ctx, clcnn_workspace_slot slot, size_t bytes,
                                 cl_mem *out) {
  if (bytes == 0) bytes = sizeof(float);
  if (bytes > ctx->caps.max_alloc_bytes)
    return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY,
                      "workspace of %zu bytes is over CL_DEVICE_MAX_MEM_ALLOC_SIZE %llu", bytes,
                      (unsigned long long)ctx->caps.max_alloc_bytes);
  if (!ctx->workspace && !(ctx->workspace = calloc(1, sizeof *ctx->workspace)))
    return clcnn_fail(ctx, CLCNN_OUT_OF_MEMORY, "workspace: host allocation failed");
  struct clcnn_workspace *ws = ctx->workspace;
  if (ws->buf[slot] && ws->bytes[slot] >= bytes) {
    *out = ws->buf[slot];
    return CLCNN_OK;
  }
  if (ws->buf[slot]) clReleaseMemObject(ws->buf[slot]); /* freed after its users */
  ws->buf[slot] = NULL;
  ws->bytes[slot] = 0;
  cl_int err;
  cl_mem buf = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
  if (err != CL_SUCCESS) return clcnn_fail_cl(ctx, err, "clCreateBuffer", "workspace");
  ws->buf[slot] = buf;
  ws->bytes[slot] = bytes;
  *out = buf;
  return CLCNN_OK;
}

void clcnn_workspace_release(clcnn_context *ctx) {
  struct clcnn_workspace *ws = ctx->workspace;
  if (!ws) return;
  for (int i = 0; i < CLCNN_WS_SLOTS; i++)
    if (ws->buf[i]) clReleaseMemObject(ws->buf[i]);
  free(ws);
  ctx->workspace = NULL;
}

size_t clcnn_workspace_items(const clcnn_context *ctx, size_t item_bytes, size_t wanted) {
  size_t limit = ctx->workspace_limit;
  if (limit > ctx->caps.max_alloc_bytes) limit = (size_t)ctx->caps.max_alloc_bytes;
  size_t fit = item_bytes ? limit / item_bytes : wanted;
  if (fit == 0 && item_bytes <= ctx->caps.max_alloc_bytes) fit = 1; /* one, over the soft limit */
  return fit < wanted ? fit : wanted;
}

/* Scratch device buffers kept on the context and reused across calls (in-order queue). */
#ifndef CLCNN_MEMORY_WORKSPACE_H
#define CLCNN_MEMORY_WORKSPACE_H

#include <clcnn/clcnn.h>

typedef enum clcnn_workspace_slot {
  CLCNN_WS_PADDED_INPUT,
  CLCNN_WS_BLOCKED_WEIGHTS,
  CLCNN_WS_COLUMNS,
  CLCNN_WS_SLOTS
} clcnn_workspace_slot;

/* Largest single workspace the library allocates by choice: work is chunked below it. */
#define CLCNN_WORKSPACE_SOFT_LIMIT ((size_t)256 << 20)

/* A buffer of at least bytes (grown when needed); owned by ctx. */
clcnn_status clcnn_workspace_get(clcnn_context *ctx, clcnn_workspace_slot slot, size_t bytes,
                                 cl_mem *out);
void clcnn_workspace_release(clcnn_context *ctx);

/* How many items of item_bytes fit in one workspace (at most the soft limit and the device's
   max allocation); 0 when not even one does. */
size_t clcnn_workspace_items(const clcnn_context *ctx, size_t item_bytes, size_t wanted);

#endif

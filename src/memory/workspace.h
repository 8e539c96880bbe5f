/* Scratch device buffers kept on the context and reused across calls (in-order queue). */
#ifndef CLCNN_MEMORY_WORKSPACE_H
#define CLCNN_MEMORY_WORKSPACE_H

#include <clcnn/clcnn.h>

typedef enum clcnn_workspace_slot {
  CLCNN_WS_PADDED_INPUT,
  CLCNN_WS_BLOCKED_WEIGHTS,
  CLCNN_WS_COLUMNS,
  CLCNN_WS_LOSSES,
  CLCNN_WS_TRANSFORMED_WEIGHTS,
  CLCNN_WS_GRADIENT_ROWS,
  CLCNN_WS_PARTIALS,
  CLCNN_WS_BIAS_PARTIALS,
  CLCNN_WS_POOL_POSITIONS,
  CLCNN_WS_POOL_MAXIMA,
  CLCNN_WS_SLOTS
} clcnn_workspace_slot;

/* Default for the largest workspace the library allocates by choice (work is chunked below
   it); $CLCNN_WORKSPACE_BYTES overrides it per context. */
#define CLCNN_WORKSPACE_DEFAULT_LIMIT ((size_t)256 << 20)

/* Default for the output size from which the kernels that can store outputs past the caches
   (STREAM_STORE in kernels/prelude.cl) do so, and from which the indexed max-pooling
   backward gathers: half this CPU's 32 MiB last-level cache, past which an output leaves the
   cache before anything reads it again (measured where it is used). $CLCNN_STREAM_BYTES
   overrides it per context (ctx->stream_min_bytes). */
#define CLCNN_STREAM_DEFAULT_BYTES ((size_t)16 << 20)

/* The limit for a new context: $CLCNN_WORKSPACE_BYTES when it is a positive whole number
   (anything else is warned about at log_level and ignored). */
size_t clcnn_workspace_limit_from_env(int log_level);

/* A buffer of at least bytes (grown when needed); owned by ctx. */
clcnn_status clcnn_workspace_get(clcnn_context *ctx, clcnn_workspace_slot slot, size_t bytes,
                                 cl_mem *out);
void clcnn_workspace_release(clcnn_context *ctx);

/* How many items of item_bytes fit in one workspace (at most the context's limit and the
   device's max allocation; one item may exceed the limit); 0 when not even one fits the
   device's max allocation. */
size_t clcnn_workspace_items(const clcnn_context *ctx, size_t item_bytes, size_t wanted);

#endif

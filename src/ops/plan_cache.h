/* The bounded per-context cache of plans behind the one-shot calls (least recently used
   evicted first). */
#ifndef CLCNN_OPS_PLAN_CACHE_H
#define CLCNN_OPS_PLAN_CACHE_H

#include <clcnn/clcnn.h>

#define CLCNN_PLAN_KEY_WORDS 20

/* What identifies a plan: its kind and every number of its problem (unused words zero). */
typedef struct clcnn_plan_key {
  size_t words[CLCNN_PLAN_KEY_WORDS];
} clcnn_plan_key;

typedef void (*clcnn_plan_destroy_fn)(void *plan);

/* The cached plan for key (now the most recently used), or NULL. */
void *clcnn_plan_cache_find(clcnn_context *ctx, const clcnn_plan_key *key);
/* Hands plan to the cache, evicting the least recently used plan when full, and returns 1.
   Returns 0 when the cache does not take it (capacity 0, or no memory for the cache): the
   caller destroys the plan after use. */
int clcnn_plan_cache_insert(clcnn_context *ctx, const clcnn_plan_key *key, void *plan,
                            clcnn_plan_destroy_fn destroy);

#endif

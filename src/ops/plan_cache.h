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
/* Hands plan to the cache, evicting the least recently used plan when full. With a capacity
   of 0 the plan is not kept: *kept is 0 and the caller destroys it after use. */
clcnn_status clcnn_plan_cache_insert(clcnn_context *ctx, const clcnn_plan_key *key, void *plan,
                                     clcnn_plan_destroy_fn destroy, int *kept);

#endif

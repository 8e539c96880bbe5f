/* The bounded per-context cache of plans behind the one-shot calls (least recently used
   evicted first). A linear scan: the bound is small and a lookup costs far less than a
   kernel launch. */
#include "ops/plan_cache.h"

#include <stdlib.h>
#include <string.h>

#include "device/context.h"

typedef struct cache_entry {
  clcnn_plan_key key;
  void *plan;
  clcnn_plan_destroy_fn destroy;
  unsigned long long last_use;
} cache_entry;

struct clcnn_plan_cache {
  cache_entry *entries;
  size_t count;
  unsigned long long clock;
  clcnn_plan_cache_stats stats;
};

static void release(clcnn_context *ctx) {
  struct clcnn_plan_cache *cache = ctx->plan_cache;
  for (size_t i = 0; i < cache->count; i++) cache->entries[i].destroy(cache->entries[i].plan);
  free(cache->entries);
  free(cache);
  ctx->plan_cache = NULL;
}

static struct clcnn_plan_cache *cache_of(clcnn_context *ctx) {
  if (ctx->plan_cache || ctx->plan_cache_capacity == 0) return ctx->plan_cache;
  struct clcnn_plan_cache *cache = calloc(1, sizeof *cache);
  cache_entry *entries = calloc(ctx->plan_cache_capacity, sizeof *entries);
  if (!cache || !entries) {
    free(cache), free(entries);
    return NULL;
  }
  cache->entries = entries;
  ctx->plan_cache = cache;
  ctx->plan_cache_release = release;
  return cache;
}

void *clcnn_plan_cache_find(clcnn_context *ctx, const clcnn_plan_key *key) {
  struct clcnn_plan_cache *cache = cache_of(ctx);
  if (!cache) return NULL;
  for (size_t i = 0; i < cache->count; i++)
    if (memcmp(&cache->entries[i].key, key, sizeof *key) == 0) {
      cache->entries[i].last_use = ++cache->clock;
      cache->stats.hits++;
      return cache->entries[i].plan;
    }
  cache->stats.misses++;
  return NULL;
}

int clcnn_plan_cache_insert(clcnn_context *ctx, const clcnn_plan_key *key, void *plan,
                            clcnn_plan_destroy_fn destroy) {
  struct clcnn_plan_cache *cache = cache_of(ctx);
  if (!cache) return 0; /* capacity 0, or no memory for the cache: run uncached */
  size_t slot = cache->count;
  if (cache->count == ctx->plan_cache_capacity) {
    slot = 0;
    for (size_t i = 1; i < cache->count; i++)
      if (cache->entries[i].last_use < cache->entries[slot].last_use) slot = i;
    cache->entries[slot].destroy(cache->entries[slot].plan);
    cache->stats.evictions++;
  } else {
    cache->count++;
  }
  cache->entries[slot] = (cache_entry){*key, plan, destroy, ++cache->clock};
  return 1;
}

clcnn_status clcnn_context_plan_cache_stats(const clcnn_context *ctx, clcnn_plan_cache_stats *out) {
  if (!ctx || !out)
    return clcnn_fail((clcnn_context *)ctx, CLCNN_INVALID_ARGUMENT,
                      "clcnn_context_plan_cache_stats: %s is NULL", !ctx ? "ctx" : "out");
  clcnn_context_lock((clcnn_context *)ctx);
  *out = ctx->plan_cache ? ctx->plan_cache->stats : (clcnn_plan_cache_stats){0};
  out->plans = ctx->plan_cache ? ctx->plan_cache->count : 0;
  out->capacity = ctx->plan_cache_capacity;
  clcnn_context_unlock((clcnn_context *)ctx);
  return CLCNN_OK;
}

/* Per-family bookkeeping of the sizes that have programs of their own. */
#include "program/sized.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/env.h"
#include "device/context.h"

/* Families remembered per context; the least recently used one beyond is forgotten (its
   sizes may then be specialized again: the count stays bounded per family in use). */
#define FAMILIES_REMEMBERED 256

typedef struct clcnn_size_family {
  struct clcnn_size_family *next;
  char *key; /* the family string */
  char **sizes;
  size_t count;
} clcnn_size_family;

static void family_free(clcnn_size_family *f) {
  for (size_t i = 0; i < f->count; i++) free(f->sizes[i]);
  free(f->sizes);
  free(f->key);
  free(f);
}

void clcnn_size_families_release(clcnn_context *ctx) {
  while (ctx->size_families) {
    clcnn_size_family *next = ctx->size_families->next;
    family_free(ctx->size_families);
    ctx->size_families = next;
  }
  ctx->size_family_count = 0;
}

/* The record of key, moved to the front; created (forgetting the oldest beyond the bound)
   when missing. NULL only when the host is out of memory. */
static clcnn_size_family *family_get(clcnn_context *ctx, const char *key) {
  clcnn_size_family **link = &ctx->size_families;
  for (; *link; link = &(*link)->next) {
    clcnn_size_family *f = *link;
    if (strcmp(f->key, key) != 0) continue;
    *link = f->next;
    f->next = ctx->size_families;
    return ctx->size_families = f;
  }
  clcnn_size_family *f = calloc(1, sizeof *f);
  if (!f || !(f->key = clcnn_strdup(key)) ||
      !(f->sizes = calloc(ctx->sizes_per_family ? ctx->sizes_per_family : 1, sizeof *f->sizes))) {
    if (f) free(f->key), free(f);
    return NULL;
  }
  f->next = ctx->size_families;
  ctx->size_families = f;
  if (++ctx->size_family_count > FAMILIES_REMEMBERED) {
    link = &ctx->size_families;
    while ((*link)->next) link = &(*link)->next;
    family_free(*link);
    *link = NULL;
    ctx->size_family_count--;
  }
  return f;
}

/* Whether sizes has (or now gets) one of the family's specialized programs. */
static int claims_program(clcnn_size_family *f, size_t limit, const char *sizes) {
  for (size_t i = 0; i < f->count; i++)
    if (strcmp(f->sizes[i], sizes) == 0) return 1;
  if (f->count >= limit) return 0;
  char *copy = clcnn_strdup(sizes);
  if (!copy) return 0; /* out of host memory: the shared program serves */
  f->sizes[f->count++] = copy;
  return 1;
}

int clcnn_sizes_claim(clcnn_context *ctx, const char *family, const char *sizes) {
  clcnn_size_family *f = family_get(ctx, family);
  return f ? claims_program(f, ctx->sizes_per_family, sizes) : 0; /* out of memory: shared */
}

clcnn_status clcnn_size_options(clcnn_context *ctx, int specialized, const clcnn_kernel_size *sizes,
                                size_t n, char *options, size_t cap) {
  size_t used = strlen(options);
  for (size_t i = 0; i < n; i++) {
    int w = specialized
                ? snprintf(options + used, cap - used, " -D%s=%zu", sizes[i].macro, sizes[i].value)
                : snprintf(options + used, cap - used, " -D%s=%s", sizes[i].macro, sizes[i].arg);
    if (w < 0 || (size_t)w >= cap - used)
      return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "build options need more than %zu bytes", cap);
    used += (size_t)w;
  }
  return CLCNN_OK;
}

clcnn_status clcnn_sizes_claim_options(clcnn_context *ctx, const char *family,
                                       const clcnn_kernel_size *sizes, size_t n, char *options,
                                       size_t cap, int *specialized) {
  char key[256] = "";
  for (size_t i = 0, used = 0; i < n && used < sizeof key; i++) {
    int w = snprintf(key + used, sizeof key - used, "%zu ", sizes[i].value);
    if (w < 0) break;
    used += (size_t)w;
  }
  *specialized = clcnn_sizes_claim(ctx, family, key);
  return clcnn_size_options(ctx, *specialized, sizes, n, options, cap);
}

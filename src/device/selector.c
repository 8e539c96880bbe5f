/* The device selector grammar: gpu | cpu | accelerator | P:D | name substring. */
#include "device/selector.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_index_pair(const char *text, unsigned *p, unsigned *d) {
  const char *colon = strchr(text, ':');
  if (!colon || colon == text || colon[1] == '\0') return 0;
  for (const char *c = text; *c; c++)
    if (c != colon && !isdigit((unsigned char)*c)) return 0;
  unsigned long pl = strtoul(text, NULL, 10), dl = strtoul(colon + 1, NULL, 10);
  if (pl > 0xFFFFu || dl > 0xFFFFu) return 0;
  *p = (unsigned)pl;
  *d = (unsigned)dl;
  return 1;
}

clcnn_selector clcnn_selector_parse(const char *text) {
  clcnn_selector sel = {CLCNN_SELECT_DEFAULT, 0, 0, 0, NULL};
  if (!text || !text[0]) return sel;
  sel.text = text;
  if (strcasecmp(text, "gpu") == 0) {
    sel.kind = CLCNN_SELECT_TYPE;
    sel.type = CL_DEVICE_TYPE_GPU;
  } else if (strcasecmp(text, "cpu") == 0) {
    sel.kind = CLCNN_SELECT_TYPE;
    sel.type = CL_DEVICE_TYPE_CPU;
  } else if (strcasecmp(text, "accelerator") == 0) {
    sel.kind = CLCNN_SELECT_TYPE;
    sel.type = CL_DEVICE_TYPE_ACCELERATOR;
  } else if (parse_index_pair(text, &sel.platform_index, &sel.device_index)) {
    sel.kind = CLCNN_SELECT_INDEX;
  } else {
    sel.kind = CLCNN_SELECT_NAME;
  }
  return sel;
}

static int contains_ignoring_case(const char *haystack, const char *needle) {
  size_t n = strlen(needle);
  for (; *haystack; haystack++)
    if (strncasecmp(haystack, needle, n) == 0) return 1;
  return n == 0;
}

static int default_rank(cl_device_type type) {
  if (type & CL_DEVICE_TYPE_GPU) return 0;
  if (type & CL_DEVICE_TYPE_ACCELERATOR) return 1;
  if (type & CL_DEVICE_TYPE_CPU) return 2;
  return 3;
}

static int accepts(const clcnn_selector *sel, const clcnn_device_entry *e) {
  switch (sel->kind) {
  case CLCNN_SELECT_DEFAULT:
    return 1;
  case CLCNN_SELECT_TYPE:
    return (e->type & sel->type) != 0;
  case CLCNN_SELECT_INDEX:
    return e->platform_index == sel->platform_index && e->device_index == sel->device_index;
  case CLCNN_SELECT_NAME:
    return contains_ignoring_case(e->label, sel->text);
  }
  return 0;
}

size_t clcnn_selector_candidates(const clcnn_selector *sel, const clcnn_device_list *list,
                                 size_t *order) {
  size_t count = 0;
  int ranks = sel->kind == CLCNN_SELECT_DEFAULT ? 4 : 1;
  for (int rank = 0; rank < ranks; rank++)
    for (size_t i = 0; i < list->count; i++) {
      const clcnn_device_entry *e = &list->items[i];
      if (!accepts(sel, e)) continue;
      if (sel->kind == CLCNN_SELECT_DEFAULT && default_rank(e->type) != rank) continue;
      order[count++] = i;
    }
  return count;
}

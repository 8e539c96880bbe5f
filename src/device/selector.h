/* The device selector grammar: gpu | cpu | accelerator | P:D | name substring. */
#ifndef CLCNN_DEVICE_SELECTOR_H
#define CLCNN_DEVICE_SELECTOR_H

#include <stddef.h>

#include "device/enumerate.h"

typedef enum clcnn_selector_kind {
  CLCNN_SELECT_DEFAULT, /* GPU, then accelerator, then CPU, then anything else */
  CLCNN_SELECT_TYPE,
  CLCNN_SELECT_INDEX,
  CLCNN_SELECT_NAME
} clcnn_selector_kind;

typedef struct clcnn_selector {
  clcnn_selector_kind kind;
  cl_device_type type;
  unsigned platform_index, device_index;
  const char *text; /* as given; NULL for DEFAULT */
} clcnn_selector;

/* NULL or empty text is DEFAULT. Never fails: unknown text is a name substring. */
clcnn_selector clcnn_selector_parse(const char *text);

/* Writes the indices (into list->items) of the devices the selector accepts, best first.
   Returns how many; order has room for list->count entries. */
size_t clcnn_selector_candidates(const clcnn_selector *sel, const clcnn_device_list *list,
                                 size_t *order);

#endif

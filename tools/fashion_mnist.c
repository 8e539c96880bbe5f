/* Fashion-MNIST (or MNIST) from its four IDX files, as floats in [0, 1] and class labels. */
#include "fashion_mnist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idx_reader.h"

/* <dir>/<stem>-ubyte.gz when it exists, else <dir>/<stem>-ubyte. */
static void find_file(const char *dir, const char *stem, char *path, size_t cap) {
  snprintf(path, cap, "%s/%s-ubyte.gz", dir, stem);
  if (access(path, R_OK) != 0) snprintf(path, cap, "%s/%s-ubyte", dir, stem);
}

static int check_pair(const idx_data *images, const idx_data *labels, const char *ipath,
                      const char *lpath, char *err, size_t err_size) {
  if (images->dims[1] != 28 || images->dims[2] != 28) {
    snprintf(err, err_size, "%s: images are %ux%u, expected 28x28", ipath, images->dims[1],
             images->dims[2]);
    return -1;
  }
  if (images->dims[0] != labels->dims[0]) {
    snprintf(err, err_size, "%s has %u images but %s has %u labels", ipath, images->dims[0], lpath,
             labels->dims[0]);
    return -1;
  }
  for (uint32_t i = 0; i < labels->dims[0]; i++)
    if (labels->bytes[i] > 9) {
      snprintf(err, err_size, "%s: label %u of item %u is not a class 0..9", lpath,
               labels->bytes[i], i);
      return -1;
    }
  return 0;
}

int dataset_load(const char *dir, int train, dataset *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  char ipath[4096], lpath[4096];
  find_file(dir, train ? "train-images-idx3" : "t10k-images-idx3", ipath, sizeof ipath);
  find_file(dir, train ? "train-labels-idx1" : "t10k-labels-idx1", lpath, sizeof lpath);
  idx_data images, labels = {{0}, 0, NULL};
  int rc = idx_load(ipath, 3, &images, err, err_size);
  if (rc == 0) rc = idx_load(lpath, 1, &labels, err, err_size);
  if (rc == 0) rc = check_pair(&images, &labels, ipath, lpath, err, err_size);
  if (rc == 0) {
    out->count = images.dims[0];
    out->images = malloc(out->count * 784 * sizeof(float));
    out->labels = malloc(out->count * sizeof(float));
    if (!out->images || !out->labels) {
      snprintf(err, err_size, "%s: out of memory", ipath);
      rc = -1;
    }
  }
  for (size_t i = 0; rc == 0 && i < out->count * 784; i++)
    out->images[i] = (float)images.bytes[i] / 255.0f;
  for (size_t i = 0; rc == 0 && i < out->count; i++) out->labels[i] = (float)labels.bytes[i];
  idx_free(&images);
  idx_free(&labels);
  if (rc != 0) dataset_free(out);
  return rc;
}

void dataset_free(dataset *d) {
  free(d->images);
  free(d->labels);
  memset(d, 0, sizeof *d);
}

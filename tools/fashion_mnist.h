/* Fashion-MNIST (or MNIST) from its four IDX files, as floats in [0, 1] and class labels. */
#ifndef CLCNN_TOOLS_FASHION_MNIST_H
#define CLCNN_TOOLS_FASHION_MNIST_H

#include <stddef.h>

#define FASHION_MNIST_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"

typedef struct dataset {
  size_t count;
  float *images; /* count x 28 x 28 */
  float *labels; /* count class indices 0..9 */
} dataset;

/* Loads <dir>/train-* (train != 0) or <dir>/t10k-*, .gz or plain; 0, or -1 with a message
   naming the file and the problem. */
int dataset_load(const char *dir, int train, dataset *out, char *err, size_t err_size);
void dataset_free(dataset *d);

#endif

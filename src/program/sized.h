/* Which problem sizes get programs of their own: a bounded number per kernel family. */
#ifndef CLCNN_PROGRAM_SIZED_H
#define CLCNN_PROGRAM_SIZED_H

#include <clcnn/clcnn.h>

/* Kernels whose size-dependent values are kernel arguments may also have them compiled in
   (-D), which runs up to ~10% faster on PoCL's CPU device but costs a program build per
   size. The first ctx->sizes_per_family distinct `sizes` seen for one `family` (a string
   naming the kernel and every option that does not depend on the sizes) are claimed: 1, build
   them their own program. Later ones get 0: use the family's shared program, sizes as
   arguments (and choose tile parameters from a small fixed set, so that they share it). A
   layer fed ever new input sizes thus builds a bounded number of programs. */
int clcnn_sizes_claim(clcnn_context *ctx, const char *family, const char *sizes);

/* A size a kernel reads through the macro `macro`: compiled in as `value`, or the kernel
   argument named `arg` that carries it. */
typedef struct clcnn_kernel_size {
  const char *macro, *arg;
  size_t value;
} clcnn_kernel_size;

/* Appends " -DMACRO=value" (specialized) or " -DMACRO=arg" for each of sizes[0..n) to
   options, a string of cap bytes; CLCNN_INVALID_ARGUMENT if it does not fit. */
clcnn_status clcnn_size_options(clcnn_context *ctx, int specialized, const clcnn_kernel_size *sizes,
                                size_t n, char *options, size_t cap);

/* For kernels whose tiling does not depend on the claim: claims with the sizes' values as
   the key, within `family` (which should name the kernel file and hold its other options),
   then appends their options as above. *specialized gets the claim. */
clcnn_status clcnn_sizes_claim_options(clcnn_context *ctx, const char *family,
                                       const clcnn_kernel_size *sizes, size_t n, char *options,
                                       size_t cap, int *specialized);

/* Forgets every family (at context destruction). */
void clcnn_size_families_release(clcnn_context *ctx);

#endif

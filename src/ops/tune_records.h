/* Tuning records: the measured best choice for one problem and pass on one device, kept as
   small text files in the tune/ folder of the program cache and trusted only when they check
   out (their own checksum, this device, driver and library version, a well-formed choice). */
#ifndef CLCNN_OPS_TUNE_RECORDS_H
#define CLCNN_OPS_TUNE_RECORDS_H

#include <clcnn/clcnn.h>

#include "ops/conv_paths.h"

/* What runs one pass of a problem: an algorithm (convolution forward; CLCNN_CONV_DIRECT for
   the other passes and for pooling) on the vector family, or the work-group family with p. */
typedef struct clcnn_tune_choice {
  int algo;
  int workgroup;
  clcnn_wg_params p;
} clcnn_tune_choice;

/* "algo=direct family=workgroup tile=64x64x16 group=16x16 vec=4" (or family=vector). */
void clcnn_tune_choice_format(const clcnn_tune_choice *c, char *out, size_t cap);
/* The inverse; 0 when text is not exactly such a line. */
int clcnn_tune_choice_parse(const char *text, clcnn_tune_choice *out);

/* The record for (op, problem) on ctx's device: 1 with *out filled when one exists and checks
   out; 0 otherwise (a rejected file is logged at debug level and left alone). op names the
   pass: "conv2d-forward", "conv2d-data", "conv2d-weights", or "pool2d" (one
   choice for both pooling passes). */
int clcnn_tune_record_find(clcnn_context *ctx, const char *op, const char *problem,
                           clcnn_tune_choice *out);
/* Writes (replaces) the record; ms and default_ms are the measured medians of the choice and
   of the heuristic's, kept for `clcnn cache`. 0, or -1 with errno set (and a warning logged);
   nothing is written when the disk cache is off. */
int clcnn_tune_record_store(clcnn_context *ctx, const char *op, const char *problem,
                            const clcnn_tune_choice *c, double ms, double default_ms);
/* The folder the records of ctx live in ("" when the disk cache is off). */
void clcnn_tune_record_dir(const clcnn_context *ctx, char *out, size_t cap);

#endif

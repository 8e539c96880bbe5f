/* What pool_plan.c shares with pool_indexed.c: the plan itself, its kernel choices and the
   constants they use. */
#ifndef CLCNN_OPS_POOL_PLAN_INTERNAL_H
#define CLCNN_OPS_POOL_PLAN_INTERNAL_H

#include "device/context.h"
#include "ops/shape.h"
#include "program/program.h"

/* Windows up to this many taps get the unrolled row kernel (forward) or scatter (backward). */
#define MAX_UNROLLED_TAPS 64
/* Outputs per vector of the row kernels (float8; the forward one takes two, one float16,
   on rows of 16 outputs or more: 3x3 s2 max 8x64x112x112 1.21-1.32 -> 1.06-1.27 ms). */
#define ROW_VECTOR 8
/* Bands of input rows per work-item in the overlapping backward kernel: the windows that
   reach a group's first band from above are searched twice, so larger groups search less
   again and leave fewer work-items. */
#define BAND_GROUP 16
/* The backward kernel for tiling windows takes rows of 4 or more outputs: float8 from 8. */
#define TILE_VECTOR_MIN 4

typedef enum backward_kind {
  BACKWARD_TILES,   /* stride = window, no padding: vector rows written whole */
  BACKWARD_SCATTER, /* windows that do not overlap: each output writes its window */
  BACKWARD_BANDS,   /* overlapping windows: bands of input rows summed in registers */
  BACKWARD_PLANES,  /* large overlapping windows: one work-item per (n, c) plane */
  BACKWARD_GATHER   /* large windows, few planes: one work-item per input element */
} backward_kind;

struct clcnn_pool2d_plan {
  clcnn_context *ctx;
  clcnn_pool2d_desc desc;
  clcnn_pool_geometry g;
  size_t x_shape[4], y_shape[4];
  int workgroup;      /* the work-group family: patch forward, gather backward in groups */
  int tq, tp;         /* workgroup: outputs per work-group, columns x rows */
  const char *source; /* of the family choice: "heuristic" or "record" */
  int rows;           /* forward: the row kernel */
  int global;         /* forward: one window covers each whole plane (global pooling) */
  cl_kernel forward_kernel;
  backward_kind backward;
  cl_kernel backward_kernel;                   /* NULL until the first backward call */
  cl_kernel indexed_forward, indexed_backward; /* NULL until the first indexed call */
  clcnn_kernel_set kept;                       /* holds the two kernels while the plan lives */
  char describe[256];
};

/* The row kernel's program (forward) or the bands kernel's (backward), the window and mode
   compiled in; `indexed`: the build that writes or reads the maxima's positions. */
clcnn_status clcnn_pool_rows_kernel(clcnn_pool2d_plan *plan, int backward, int indexed,
                                    cl_kernel *out);
/* Obtains a kernel with the plan as its keeper, so that it outlives the program cache's copy. */
clcnn_status clcnn_pool_plan_keep(clcnn_pool2d_plan *plan,
                                  clcnn_status (*obtain)(clcnn_pool2d_plan *));
/* A plan and its context fit for a call of fn. */
clcnn_status clcnn_pool_plan_check(const clcnn_pool2d_plan *plan, const char *fn);

/* The indexed passes (pool_indexed.c), the context's lock held by the caller. */
clcnn_status clcnn_pool_forward_indexed(clcnn_pool2d_plan *plan, const char *fn,
                                        const clcnn_tensor *x, clcnn_tensor *y,
                                        clcnn_tensor *indices);
clcnn_status clcnn_pool_backward_indexed(clcnn_pool2d_plan *plan, const char *fn,
                                         const clcnn_tensor *indices, const clcnn_tensor *dy,
                                         clcnn_tensor *dx);
/* Whether the plain max-pooling backward of overlapping windows goes through the indexed
   passes: where the gathering backward applies (dx past the caches). Then
   clcnn_pool_backward_from_positions records the maxima's positions in a workspace and
   gathers dx from them (tensors checked by the caller): the windows' maxima found once, by
   the row kernel, instead of again for every band. Measured against oneDNN's backward from
   its workspace (3x3 s2 p1 max, 8x64x112x112): 0.24-0.31x -> 0.39-0.46x. */
int clcnn_pool_backward_gathers(const clcnn_pool2d_plan *plan);
clcnn_status clcnn_pool_backward_from_positions(clcnn_pool2d_plan *plan, const clcnn_tensor *x,
                                                const clcnn_tensor *dy, clcnn_tensor *dx);

#endif

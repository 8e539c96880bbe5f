/* The convolution algorithms behind the plans: each one set up once per problem (parameters
   chosen, programs built), weights packed into its own layout, then run many times. */
#ifndef CLCNN_OPS_CONV_PATHS_H
#define CLCNN_OPS_CONV_PATHS_H

#include "memory/tensor.h"
#include "ops/shape.h"

/* A device buffer and an element offset into it: weights as a path reads them. */
typedef struct clcnn_buffer_view {
  cl_mem buf;
  size_t offset;
} clcnn_buffer_view;

/* Vector width along output channels: the device's preference, no wider than kg needs. */
int clcnn_conv_vector_width(const clcnn_context *ctx, size_t kg);

/* What the forward kernels apply to each output before storing it: a bias (NULL: none), the
   output's previous value when residual is 1 (y = act(conv + bias + y)) and an activation
   (CLCNN_EPI_NONE or a clcnn_activation). */
typedef struct clcnn_epilogue {
  const clcnn_tensor *bias;
  int act;
  int residual;
} clcnn_epilogue;
#define CLCNN_EPI_NONE (-1)
#define CLCNN_NO_EPILOGUE ((clcnn_epilogue){NULL, CLCNN_EPI_NONE, 0})
/* The int the kernels take (kernels/prelude.cl): bit 0 bias, bits 1..3 activation + 1, bit 4
   residual. */
#define CLCNN_EPI_FLAGS(e) (((e).bias != NULL) | (((e).act + 1) << 1) | ((e).residual ? 16 : 0))
/* Bit 5: the output may be stored past the caches (STREAM_STORE in kernels/prelude.cl), set
   by the paths whose kernels do so for outputs of the context's stream_min_bytes or more
   without a residual sum. */
#define CLCNN_EPI_STREAM 32

/* ---- Direct: vectorized register tiles on zero-padded input, or a generic kernel ---------- */

typedef struct clcnn_direct_conv {
  clcnn_conv_geometry g;
  int fast;            /* 1: register-tiled kernel on blocked weights; 0: generic kernel on w */
  int wide;            /* fast: 1 vectors along output columns, 0 along output channels */
  int depthwise;       /* fast: the depthwise kernel (one channel per group, unpadded input) */
  int flat;            /* wide, 1x1: each plane seen as rows of 16 columns (g is that view) */
  int vec, kv, th, tw; /* kv vectors of vec channels times a th x tw tile per work-item; wide:
                          vec columns (= tw) times th rows for `block` channels */
  int block;           /* output channels per block of packed weights */
  int images_outer;    /* tiled: NDRange (tile, block, image) rather than (tile, image, block) */
  size_t kb, tiles_p, tiles_q;
  size_t xh, xw;                      /* rows and row pitch of the input the kernel reads */
  int needs_pad;                      /* 0: the kernel reads x itself */
  size_t chunk;                       /* images per padded-input workspace */
  size_t packed_floats;               /* size of the blocked weights (0 for the generic kernel) */
  size_t out_plane, out_row, out_col; /* y[plane * out_plane + p * out_row + q * out_col] */
  int specialized;                    /* the kernel has the sizes compiled in (program/sized.h) */
  cl_kernel kernel;
} clcnn_direct_conv;

clcnn_status clcnn_direct_setup(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                clcnn_direct_conv *dc);
/* The same, writing output (p, q) of channel plane i (n * K + k) at element
   i * out_plane + p * out_row + q * out_col of y (strided outputs; the fast kernel only:
   dc->fast is 0 when it cannot run the problem). */
clcnn_status clcnn_direct_setup_strided(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                        size_t out_plane, size_t out_row, size_t out_col,
                                        clcnn_direct_conv *dc);
/* Blocked weights [G][KB][CG][R][S][KV*VEC] from w (K x CG x R x S) into packed; with
   flipped, w holds the filters of the stride-1 convolution whose input gradient dc computes
   (CG x K x R x S per group), turned and transposed on the way. */
clcnn_status clcnn_direct_pack(clcnn_context *ctx, const clcnn_direct_conv *dc, clcnn_buffer_view w,
                               int flipped, clcnn_buffer_view packed);
/* The same blocks for geometry g: kb blocks of `block` output channels per group. */
clcnn_status clcnn_conv_block_pack(clcnn_context *ctx, const clcnn_conv_geometry *g, size_t kb,
                                   int block, int flipped, clcnn_buffer_view w,
                                   clcnn_buffer_view packed);
/* y = act(x (*) w + bias); w is the packed buffer for the fast kernel, the plain filters
   otherwise. */
clcnn_status clcnn_direct_run(clcnn_context *ctx, const clcnn_direct_conv *dc,
                              const clcnn_tensor *x, clcnn_buffer_view w, clcnn_epilogue epi,
                              clcnn_tensor *y);
void clcnn_direct_describe(const clcnn_direct_conv *dc, char *out, size_t cap);

/* ---- Winograd F(4x4, 3x3): 3x3, stride 1, dilation 1, one group ------------------------ */

typedef struct clcnn_winograd_conv {
  clcnn_conv_geometry g;
  int vec, kv;          /* the product kernel: kv vectors of vec filters x 8 tiles */
  size_t kpad;          /* filters padded to whole blocks of kv * vec */
  size_t tp, tq;        /* 4x4 output tiles per image: rows, columns */
  size_t chunk;         /* images per transformed-input workspace */
  int taps;             /* 1: the product transforms the filters itself, from their taps
                           blocked as the direct kernel's (filters that change per call) */
  size_t packed_floats; /* 36 x C x kpad transformed filters, or 9 x C x kpad taps */
  cl_kernel input, gemm, output;
} clcnn_winograd_conv;

/* 1 when the problem has the shape Winograd F(4x4, 3x3) handles. */
int clcnn_winograd_applies(const clcnn_conv_geometry *g);
clcnn_status clcnn_winograd_setup(clcnn_context *ctx, const char *fn, const clcnn_conv_geometry *g,
                                  int taps, clcnn_winograd_conv *wc);
/* Transformed filters U = G w G^T as [36][C][kpad] into packed, or with wc->taps the filters
   blocked as [kpad / (kv * vec)][C][9][kv * vec]. flipped: w holds the filters of the
   convolution whose input gradient this problem is (C x K x 3 x 3), to be transposed and
   rotated on the way. */
clcnn_status clcnn_winograd_pack(clcnn_context *ctx, const clcnn_winograd_conv *wc,
                                 clcnn_buffer_view w, int flipped, cl_mem packed);
clcnn_status clcnn_winograd_run(clcnn_context *ctx, const clcnn_winograd_conv *wc,
                                const clcnn_tensor *x, cl_mem packed, clcnn_epilogue epi,
                                clcnn_tensor *y);
/* The input transform alone: V = B^T d B for the tiles of `images` images from n0 into v
   ([36][tpad / 8][C][8], tiles past the images' zero), tpad = clcnn_winograd_tpad(tiles). */
size_t clcnn_winograd_tpad(size_t tiles);
clcnn_status clcnn_winograd_input(clcnn_context *ctx, const clcnn_winograd_conv *wc,
                                  const clcnn_tensor *x, size_t n0, size_t images, cl_mem v);

/* ---- Backward data: a transposed convolution ------------------------------------------ */

typedef enum clcnn_data_mode {
  CLCNN_DATA_GATHER,   /* one work-item per input element, any descriptor */
  CLCNN_DATA_FLIPPED,  /* stride 1: the forward direct path on flipped, transposed filters */
  CLCNN_DATA_PHASES,   /* stride > 1: one stride-1 direct convolution per output phase */
  CLCNN_DATA_DEPTHWISE /* depthwise at column stride 2: both column phases in one gather */
} clcnn_data_mode;

/* Phases of a strided input gradient: at most this many (stride_h * stride_w). */
#define CLCNN_MAX_DATA_PHASES 16

/* The input rows ih with (ih + pad_top) mod stride_h == a and the columns likewise with b
   receive only filter taps r = a + stride_h*j, s = b + stride_w*i: a stride-1 correlation of
   dy with those taps flipped, written to every stride-th element of dx. */
typedef struct clcnn_data_phase {
  int a, b, ja, jb;     /* the phase and its taps per axis */
  size_t dx_offset;     /* its first element in each dx plane */
  size_t packed_offset; /* its blocked filters in the packed buffer */
  clcnn_direct_conv dc;
} clcnn_data_phase;

typedef struct clcnn_backward_data_conv {
  clcnn_conv_geometry g;
  clcnn_data_mode mode;
  clcnn_conv_geometry tg; /* FLIPPED: the transposed problem (dy -> dx) */
  int winograd;           /* FLIPPED: the transposed problem runs on Winograd, else direct */
  clcnn_winograd_conv wc; /* FLIPPED with winograd */
  clcnn_direct_conv dc;   /* FLIPPED on the direct path */
  size_t phase_count;     /* PHASES */
  int zero_first;         /* PHASES: some dx elements get no tap and are zeroed first */
  clcnn_data_phase phase[CLCNN_MAX_DATA_PHASES];
  size_t flipped_floats; /* flipped filters before blocking (the largest phase's) */
  cl_kernel kernel;      /* the gather kernel, or the filter flip */
} clcnn_backward_data_conv;

clcnn_status clcnn_backward_data_setup(clcnn_context *ctx, const char *fn,
                                       const clcnn_conv_geometry *g, clcnn_backward_data_conv *bd);
/* Floats of packed filters the path reads (0: it reads w itself), and of the scratch buffer
   packing needs (0: none). */
size_t clcnn_backward_data_packed_floats(const clcnn_backward_data_conv *bd);
size_t clcnn_backward_data_scratch_floats(const clcnn_backward_data_conv *bd);
/* The filters packing the path reads: for the phases of a strided problem each phase's taps
   flipped into scratch (flipped_floats), then blocked into packed; otherwise flipped (and for
   the fast kernel blocked in the same pass) straight into packed. */
clcnn_status clcnn_backward_data_pack(clcnn_context *ctx, const clcnn_backward_data_conv *bd,
                                      clcnn_buffer_view w, cl_mem scratch, cl_mem packed);
/* w: the packed filters when packed_floats > 0, else the plain ones. */
clcnn_status clcnn_backward_data_run(clcnn_context *ctx, const clcnn_backward_data_conv *bd,
                                     const clcnn_tensor *dy, clcnn_buffer_view w, clcnn_tensor *dx);

/* ---- Backward weights: per-image partials then a sum, or one GEMM per group ------------- */

typedef struct clcnn_backward_weights_conv {
  clcnn_conv_geometry g;
  int tiled;            /* 1: the register-tiled kernel; 0: im2col + CLBlast GEMM */
  int rows;             /* 1: the column-vector kernel (vec columns x kt filters x S taps) */
  int vec, kv, ct, rt;  /* kv vectors of vec filters x ct channels x rt rows x S taps */
  int kt;               /* rows: filters per work-item (and ct channels) */
  int phases;           /* rows at column stride 2: the padded input's rows in 2 phases */
  int swapped;          /* tiles on the swapped problem: g is a pointwise layer's with input
                           and output exchanged (see swap_pointwise in conv2d_backward.c) */
  size_t kb, kgp, ns;   /* filter blocks, padded filters per group, reduction splits */
  size_t items;         /* work-items per split */
  size_t pr, pb;        /* output rows per reduction unit, units per image */
  int needs_pad;        /* 0: the kernel reads x itself (no padding) */
  size_t xh, xw, chunk; /* rows and row pitch of the input it reads; images per workspace */
  int specialized;      /* the sizes are compiled in (program/sized.h) */
  cl_kernel kernel;     /* the tiled or column-vector kernel */
  /* winograd: through Winograd's transforms (conv2d_winograd_weights.cl), wc's input
     transform and tiles, then the gradients' transform, the products and the output's */
  int winograd;
  clcnn_winograd_conv wc;
  cl_kernel dy_kernel, gemm_kernel, out_kernel;
} clcnn_backward_weights_conv;

clcnn_status clcnn_backward_weights_setup(clcnn_context *ctx, const char *fn,
                                          const clcnn_conv_geometry *g,
                                          clcnn_backward_weights_conv *bw);
clcnn_status clcnn_backward_weights_run(clcnn_context *ctx, const clcnn_backward_weights_conv *bw,
                                        const clcnn_tensor *x, const clcnn_tensor *dy,
                                        clcnn_tensor *dw, clcnn_tensor *dbias);

/* ---- Work-group family (GPUs): each pass as an implicit GEMM in local-memory tiles ------ */

typedef enum clcnn_conv_pass {
  CLCNN_PASS_FORWARD,
  CLCNN_PASS_DATA,
  CLCNN_PASS_WEIGHTS
} clcnn_conv_pass;

/* Output tile tm x tn, reduction slab tk, work-group wm x wn (wm along the rows), columns in
   vectors of vec. */
typedef struct clcnn_wg_params {
  int tm, tn, tk, wm, wn, vec;
} clcnn_wg_params;

typedef struct clcnn_wg_conv {
  clcnn_conv_geometry g;
  clcnn_conv_pass pass;
  clcnn_wg_params p;
  size_t rows, cols, kred; /* the GEMM: C is rows x cols, a sum of kred products */
  size_t splits;           /* backward weights: reduction splits summed after */
  int packed;              /* forward, backward data: filters read from a packed copy */
  int specialized;         /* the plane sizes are compiled in (program/sized.h) */
  cl_kernel kernel, pack;
} clcnn_wg_conv;

/* The family's parameter table (the tuner's candidates): its size and entry i. */
size_t clcnn_wg_param_count(void);
const clcnn_wg_params *clcnn_wg_param_at(size_t i);
/* 1 when p is well formed (tiles divisible by the work-group, vec dividing a work-item's
   columns, at most 64 accumulators) and fits the device's work-group and local memory. */
int clcnn_wg_params_fit(const clcnn_context *ctx, const clcnn_wg_params *p);
/* 1 when every tensor of the problem has fewer than 2^31 elements (the kernels' int math). */
int clcnn_wg_applies(const clcnn_conv_geometry *g);
/* The table entry the cost estimate prefers for this pass on ctx's device. */
void clcnn_wg_heuristic(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                        clcnn_conv_pass pass, clcnn_wg_params *out);
/* Builds the pass's kernel with params (NULL: the heuristic's, or with the sizes not compiled
   in a fixed set shared by every size). packed (forward, backward data): the kernel reads the
   filters from the copy clcnn_wg_pack makes (rows x kred floats per group). */
clcnn_status clcnn_wg_setup(clcnn_context *ctx, const clcnn_conv_geometry *g, clcnn_conv_pass pass,
                            const clcnn_wg_params *params, int packed, clcnn_wg_conv *wc);
clcnn_status clcnn_wg_pack(clcnn_context *ctx, const clcnn_wg_conv *wc, clcnn_buffer_view w,
                           cl_mem packed);
/* w: the filters, or their packed copy when wc->packed. */
clcnn_status clcnn_wg_forward(clcnn_context *ctx, const clcnn_wg_conv *wc, const clcnn_tensor *x,
                              clcnn_buffer_view w, clcnn_epilogue epi, clcnn_tensor *y);
clcnn_status clcnn_wg_backward_data(clcnn_context *ctx, const clcnn_wg_conv *wc,
                                    const clcnn_tensor *dy, clcnn_buffer_view w, clcnn_tensor *dx);
clcnn_status clcnn_wg_backward_weights(clcnn_context *ctx, const clcnn_wg_conv *wc,
                                       const clcnn_tensor *x, const clcnn_tensor *dy,
                                       clcnn_tensor *dw, clcnn_tensor *dbias);
void clcnn_wg_describe(const clcnn_wg_conv *wc, char *out, size_t cap);

/* out (+)= the sum of `arrays` arrays of count floats in part (accumulate: added to out). */
clcnn_status clcnn_conv_sum_partials(clcnn_context *ctx, cl_mem part, size_t arrays, size_t count,
                                     clcnn_tensor *out, int accumulate);
/* dbias (+)= the bias gradient of images n0 .. n0+images of dy (added after the first). */
clcnn_status clcnn_conv_bias_gradient(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                      const clcnn_tensor *dy, size_t n0, size_t images,
                                      clcnn_tensor *dbias);

/* ---- CLBlast GEMM paths ------------------------------------------------------------------ */

/* CLCNN_UNSUPPORTED (message prefixed with fn) unless algo can run the problem. */
clcnn_status clcnn_gemm_conv_check(clcnn_context *ctx, const char *fn, const clcnn_conv_geometry *g,
                                   clcnn_conv_algo algo);
clcnn_status clcnn_conv_im2col_gemm(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                    const clcnn_tensor *x, const clcnn_tensor *w,
                                    clcnn_epilogue epi, clcnn_tensor *y);
clcnn_status clcnn_conv_gemm_1x1(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                 const clcnn_tensor *x, const clcnn_tensor *w, clcnn_epilogue epi,
                                 clcnn_tensor *y);

/* 1 when the 1x1 GEMM path applies: 1x1 filter, stride 1, no padding. */
int clcnn_conv_is_plain_1x1(const clcnn_conv_geometry *g);
/* Images per im2col workspace; 0 when one image's columns exceed the device allocation. */
size_t clcnn_conv_im2col_chunk(const clcnn_context *ctx, const clcnn_conv_geometry *g);

/* 1 when Winograd applies and is expected to beat the direct kernel (AUTO's rule), with its
   filters transformed once (constant_weights: kept by the plan, so only while they fit a
   share of ctx's device memory) or at every call. */
int clcnn_conv_winograd_pays(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                             int constant_weights);
/* 1 when Winograd with filters that change at every call should transform them inside its
   product (clcnn_winograd_conv.taps): on a CPU (private memory is its cache), where too few
   tiles share the transformed filters to pay for storing and reading them back. */
int clcnn_winograd_taps_pay(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                            int constant_weights);
/* The algorithm AUTO runs for this problem on ctx's device. */
clcnn_conv_algo clcnn_conv_auto_pick(const clcnn_context *ctx, const clcnn_conv_geometry *g,
                                     int constant_weights);

typedef enum clcnn_columns_layout {
  CLCNN_COLUMNS_PER_IMAGE,   /* [image][CG*R*S][P*Q]: one GEMM operand per image */
  CLCNN_COLUMNS_SIDE_BY_SIDE /* [CG*R*S][image][P*Q]: the images as one long reduction */
} clcnn_columns_layout;

/* Columns of group gi for images n0 .. n0+images of x into col. */
clcnn_status clcnn_conv_im2col(clcnn_context *ctx, const clcnn_conv_geometry *g,
                               const clcnn_tensor *x, size_t gi, size_t n0, size_t images,
                               clcnn_columns_layout layout, cl_mem col);

/* Zero-padded copy of images n0 .. n0+images of x: xh x xw per channel, x placed at
   (pad_top, pad_left), zeros elsewhere. phases > 1: each padded row stored as its columns of
   each residue mod phases in turn (xw / phases each). */
clcnn_status clcnn_conv_pad_input(clcnn_context *ctx, const clcnn_tensor *x,
                                  const clcnn_conv_geometry *g, size_t n0, size_t images, size_t xh,
                                  size_t xw, int phases, cl_mem xp);

/* y[n][k][..] = act(y + bias[k]) in place (GEMM paths); nothing when epi is empty. */
clcnn_status clcnn_conv_epilogue(clcnn_context *ctx, const clcnn_conv_geometry *g,
                                 clcnn_epilogue epi, clcnn_tensor *y);

#endif

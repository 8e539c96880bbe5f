/* Max pooling's backward from recorded positions (clcnn_pool2d_backward_indices, and the plain
   backward over overlapping windows once it has recorded them), gathering:
   every dx element is written once, by the work-item that owns its row, as the sum of the
   gradients of the windows that cover it and whose recorded maximum it is. The windows that
   can cover an element are CAND_ROWS output rows times CAND_COLS output columns around it.
   A row is computed LANES columns at a time from column w0: one vector load of each output
   row's positions and gradients from column (w0 + pl) / SW - (CAND_COLS - 1) on (0 at
   least) serves every lane, each candidate column picked from it with a shuffle. Nothing is zeroed
   first and nothing is read back, and aligned rows of outputs that reach past the caches are stored
   there directly (STREAM_STORE). Required -D: KH KW SH SW LANES (8 or 16, with (LANES - 1 + SW - 1)
   / SW + CAND_COLS <= 16: the picked columns fit one load). */
#define CAND_ROWS ((KH + SH - 1) / SH)
#define CAND_COLS ((KW + SW - 1) / SW)
#define floatL CAT(float, LANES)
#define intL CAT(int, LANES)
#define vloadL CAT(vload, LANES)
#define convert_floatL CAT(convert_float, LANES)
#define convert_intL CAT(convert_int, LANES)

/* 0, 1, ..., LANES - 1 */
INLINE intL lane_ids(void) {
  int ids[LANES];
#pragma unroll
  for (int t = 0; t < LANES; t++) ids[t] = t;
  return vloadL(0, ids);
}

/* The 16 values of row from column lb, 0 outside [0, Q): for the loads near the tensor's
   ends (the others read straight; values outside the row are never picked). A call, so that
   its masks stay off the common path. */
__attribute__((noinline)) float16 load_outputs_masked(__global const float *row, const int lb,
                                                      const int Q) {
  float v[16];
  for (int e = 0; e < 16; e++) v[e] = lb + e >= 0 && lb + e < Q ? row[lb + e] : 0.0f;
  return vload16(0, v);
}

/* Lane t's candidate j in the load from lb: output column (w0 + pl + t) / SW - j, where w0 is
   a multiple of LANES and so of SW, is lb + (PL_PHASE + t) / SW + CAND_COLS - 1 - j with
   PL_PHASE = pl % SW: the same constant picks for every tile. */
#define PICK(j, t) ((PL_PHASE + (t)) / SW + CAND_COLS - 1 - (j))
#if LANES == 16
#define PICKS(j)                                                                                   \
  ((uint16)(PICK(j, 0), PICK(j, 1), PICK(j, 2), PICK(j, 3), PICK(j, 4), PICK(j, 5), PICK(j, 6),    \
            PICK(j, 7), PICK(j, 8), PICK(j, 9), PICK(j, 10), PICK(j, 11), PICK(j, 12),             \
            PICK(j, 13), PICK(j, 14), PICK(j, 15)))
#else
#define PICKS(j)                                                                                   \
  ((uint8)(PICK(j, 0), PICK(j, 1), PICK(j, 2), PICK(j, 3), PICK(j, 4), PICK(j, 5), PICK(j, 6),     \
           PICK(j, 7)))
#endif
/* Whether lane t's candidate j covers the lane's column: (PL_PHASE + t) % SW + j * SW < KW. */
#define COVERS(j, t) (((PL_PHASE + (t)) % SW + (j)*SW < KW) ? -1 : 0)
#if LANES == 16
#define COVER_MASK(j)                                                                              \
  ((int16)(COVERS(j, 0), COVERS(j, 1), COVERS(j, 2), COVERS(j, 3), COVERS(j, 4), COVERS(j, 5),     \
           COVERS(j, 6), COVERS(j, 7), COVERS(j, 8), COVERS(j, 9), COVERS(j, 10), COVERS(j, 11),   \
           COVERS(j, 12), COVERS(j, 13), COVERS(j, 14), COVERS(j, 15)))
#else
#define COVER_MASK(j)                                                                              \
  ((int8)(COVERS(j, 0), COVERS(j, 1), COVERS(j, 2), COVERS(j, 3), COVERS(j, 4), COVERS(j, 5),      \
          COVERS(j, 6), COVERS(j, 7)))
#endif

/* The output rows that can reach one dx row: CAND_ROWS of them, the first `first` not (before
   the plane, or their windows end above it), `count` in all; `at` each one's first element
   counted from the tensor's start. */
typedef struct source_rows {
  int first, count;
  long at[CAND_ROWS];
} source_rows;

/* dx row h's LANES columns from w0, a multiple of LANES (lanes past W are computed but not
   stored by the caller), from output rows src; `total`: elements in the tensor of positions. */
INLINE floatL gather_tile(__global const float *ind, __global const float *dy,
                          const source_rows *src, const int W, const int Q, const int pl,
                          const int h, const int w0, const long total) {
  const int lb = (w0 + pl) / SW - (CAND_COLS - 1);
  const floatL here = convert_floatL((intL)(h * W + w0) + lane_ids());
  /* every pick is a column of the row: no masks but the constant ones */
  const int inside = lb >= 0 && lb + PICK(0, LANES - 1) < Q;
  floatL acc = (floatL)(0.0f);
#pragma unroll
  for (int i = 0; i < CAND_ROWS; i++) {
    if (i < src->first || i >= src->count) continue;
    const long at = src->at[i] + lb;
    const int fits = at >= 0 && at + 16 <= total;
    const float16 pos = fits ? vload16(0, ind + at) : load_outputs_masked(ind + src->at[i], lb, Q);
    const float16 grad = fits ? vload16(0, dy + at) : load_outputs_masked(dy + src->at[i], lb, Q);
#pragma unroll
    for (int j = CAND_COLS - 1; j >= 0; j--) {
      /* the candidate counts if its window reaches the lane's column and exists */
      intL live = COVER_MASK(j);
      if (!inside) {
        const intL q = (intL)lb + convert_intL(PICKS(j));
        live &= (q >= 0) & (q < Q);
      }
      const floatL hit_pos = shuffle(pos, PICKS(j)), hit_grad = shuffle(grad, PICKS(j));
      acc += select((floatL)(0.0f), hit_grad, live & isequal(hit_pos, here));
    }
  }
  return acc;
}

/* Work-item (g, nc): dx rows g * rows .. g * rows + rows - 1 of plane nc. `stream`: dx may be
   stored past the caches. */
__kernel void pool2d_backward_gather(__global const float *ind, const ulong ind_off,
                                     __global const float *dy, const ulong dy_off,
                                     __global float *dx, const ulong dx_off, const int NC,
                                     const int H, const int W, const int P, const int Q,
                                     const int pt, const int pl, const int rows, const int stream) {
  const int nc = get_global_id(1), h0 = get_global_id(0) * rows;
  if (nc >= NC || h0 >= H) return;
  ind += ind_off;
  dy += dy_off;
  __global float *dxc = dx + dx_off + (size_t)nc * H * W;
  const long total = (long)NC * P * Q;
  for (int h = h0; h < min(h0 + rows, H); h++) {
    /* candidate i is output row (h + pt) / SH - (CAND_ROWS - 1) + i: ascending, as the
       reference sums */
    source_rows src;
    const int p0 = (h + pt) / SH - (CAND_ROWS - 1);
    src.first = CAND_ROWS;
    src.count = 0;
#pragma unroll
    for (int i = 0; i < CAND_ROWS; i++) {
      const int p = p0 + i;
      src.at[i] = ((long)nc * P + p) * Q;
      /* row p reaches h when h + pt - p * SH < KH */
      if (p >= 0 && p < P && h + pt - p * SH < KH) {
        src.first = min(src.first, i);
        src.count = i + 1;
      }
    }
    __global float *out = dxc + (size_t)h * W;
    int w0 = 0;
    for (; w0 + LANES <= W; w0 += LANES)
      STREAM_STORE(LANES, gather_tile(ind, dy, &src, W, Q, pl, h, w0, total), out + w0, stream);
    if (w0 < W) { /* the last columns, stored one by one */
      float lanes[LANES];
      CAT(vstore, LANES)(gather_tile(ind, dy, &src, W, Q, pl, h, w0, total), 0, lanes);
      for (int t = 0; t < W - w0; t++) out[w0 + t] = lanes[t];
    }
  }
}

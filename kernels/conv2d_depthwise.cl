/* Depthwise convolution (one input and one output channel per group) straight from the
   unpadded input: a work-item computes TH rows of VEC output columns of one channel plane.
   Taps outside the input read zero, as from a zero-padded copy: each tap is one vector load
   (every other element of two at column stride 2); where a row of VEC outputs reaches past
   the row's borders, the load reads on into the neighbouring rows and the lanes outside are
   zeroed, and only at the tensor's first and last elements is the row's span first copied
   with bounds checks (zero outside).
   Required -D: VEC TH R S SH SW (1 or 2) DH DW C, and the sizes H W P Q PT PL TILES_P TILES_Q
   as numbers or as the names of the kernel arguments that carry them (in_h in_w out_h out_w
   pad_t pad_l tiles_p tiles_q). w: C x R x S; x and y: planes of N x C. */

/* The input columns one row of VEC outputs reads over all taps, and the input rows a tile
   of TH output rows reads. */
#define SPAN ((S - 1) * DW + VEC * SW)
#define IN_ROWS ((TH - 1) * SH + (R - 1) * DH + 1)

/* VEC outputs' inputs of one tap from p: consecutive, or every other of 2 * VEC. */
#if SW == 1
#define TAP_VECTOR(p) vloadV(0, (p))
#elif VEC == 8
#define TAP_VECTOR(p) vload16(0, (p)).even
#else
#define TAP_VECTOR(p) (float16)(vload16(0, (p)).even, vload16(0, (p) + 16).even)
#endif
INLINE floatV tap_vector(__global const float *p) {
  return TAP_VECTOR(p);
}
INLINE floatV tap_vector_private(const float *p) {
  return TAP_VECTOR(p);
}

#if VEC == 8
#define LANES ((int8)(0, 1, 2, 3, 4, 5, 6, 7))
#else
#define LANES ((int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#endif
/* A tap's vector for outputs from input column a of the row at p (p[0] is column 0) read
   across the row's borders (into the neighbouring rows, inside the tensor), the lanes of
   columns outside 0..W-1 then zeroed. */
INLINE floatV border_tap(__global const float *p, const int a) {
  const intV column = (intV)(a) + LANES * SW;
  return select(tap_vector(p + a), (floatV)(0.0f), column < 0 | column >= W);
}

/* Whether the span of row ih of plane from column lo lies inside the N*C planes of x (the
   NDRange's dim 1), so that border_tap may read past the row. */
INLINE bool reach_ok(const int plane, const int ih, const int lo) {
  const long first = ((long)plane * H + ih) * W + lo;
  return first >= 0 && first + SPAN <= (long)get_global_size(1) * H * W;
}

__kernel void conv2d_depthwise(__global const float *x, const ulong x_off, __global const float *w,
                               const ulong w_off, __global const float *bias, const ulong bias_off,
                               const int epi, __global float *y, const ulong y_off, const int in_h,
                               const int in_w, const int out_h, const int out_w, const int pad_t,
                               const int pad_l, const int tiles_p, const int tiles_q) {
  const int t = get_global_id(0), plane = get_global_id(1);
  if (t >= TILES_P * TILES_Q) return;
  const int p0 = (t / TILES_Q) * TH, q0 = (t % TILES_Q) * VEC, c = plane % C;
  __global const float *xc = x + x_off + (size_t)plane * H * W;
  __global const float *wc = w + w_off + (size_t)c * R * S;
  /* the input column of output q0's first tap, and whether every tap's vector is inside */
  const int lo = q0 * SW - PL;
  const bool inside = lo >= 0 && lo + SPAN <= W;
  floatV acc[TH];
#pragma unroll
  for (int th = 0; th < TH; th++) acc[th] = (floatV)(0.0f);
  float wr[R][S];
#pragma unroll
  for (int r = 0; r < R; r++)
#pragma unroll
    for (int s = 0; s < S; s++) wr[r][s] = wc[r * S + s];
      /* Input row by input row: each row's S tap vectors are loaded once and feed every output
         row of the tile that reads the row (i = th * SH + r * DH, known at compile time once
         unrolled), in the order r = 0, 1, ... of each output row. */
#pragma unroll
  for (int i = 0; i < IN_ROWS; i++) {
    const int ih = p0 * SH - PT + i;
    if (ih < 0 || ih >= H) continue; /* a row of zeros adds nothing */
    __global const float *row = xc + (size_t)ih * W + lo;
    floatV tap[S];
    if (inside) {
#pragma unroll
      for (int s = 0; s < S; s++) tap[s] = tap_vector(row + s * DW);
    } else if (reach_ok(plane, ih, lo)) { /* vectors across the border, outside lanes zeroed */
#pragma unroll
      for (int s = 0; s < S; s++) tap[s] = border_tap(row - lo, lo + s * DW);
    } else { /* at the tensor's first or last elements: the span this row's taps read, zero
                outside the input, then vectors from it */
      float span[SPAN];
      for (int k = 0; k < SPAN; k++) span[k] = lo + k >= 0 && lo + k < W ? row[k] : 0.0f;
#pragma unroll
      for (int s = 0; s < S; s++) tap[s] = tap_vector_private(span + s * DW);
    }
#pragma unroll
    for (int r = 0; r < R; r++) {
      const int d = i - r * DH; /* th * SH for the output row that reads row i with filter row r */
      if (d < 0 || d % SH != 0 || d / SH >= TH) continue;
#pragma unroll
      for (int s = 0; s < S; s++) acc[d / SH] = fma(tap[s], (floatV)(wr[r][s]), acc[d / SH]);
    }
  }
  /* Whole rows of VEC columns are stored here, act(acc + bias), plus what y holds with a
     residual; a last column tile's rows are kept for EPI_STORE_LANES below, so that their
     code and the activation's appear once more, not TH times (inlined at every unrolled store, once
     per path and residual variant, they took most of the compile time). */
  const float b = EPI_HAS_BIAS(epi) ? bias[bias_off + c] : 0.0f;
  __global float *yc = y + y_off + (size_t)plane * P * Q + q0;
  float part[TH][VEC];
#pragma unroll
  for (int th = 0; th < TH; th++) {
    const int p = p0 + th;
    if (p >= P) break;
    floatV o = acc[th] + b;
    if (q0 + VEC <= Q) {
      if (EPI_RESIDUAL(epi)) o += vloadV(0, yc + p * Q);
      vstoreV(EPI_ACT(floatV, o, epi), 0, yc + p * Q);
    } else {
      vstoreV(o, 0, part[th]);
    }
  }
  if (q0 + VEC <= Q) return;
#pragma unroll 1
  for (int th = 0; th < TH && p0 + th < P; th++)
    EPI_STORE_LANES(VEC, part[th], yc + (p0 + th) * Q, 0, Q - q0, 1, epi);
}

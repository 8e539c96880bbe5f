/* Direct convolution for few output channels (column stride 1 or 2): vectors of VW output
   columns instead of output channels. A work-item computes KC output channels times TH rows
   of VW columns; per input channel and tap it loads one input vector per row (contiguous:
   the input is zero-padded) and broadcasts each channel's weight.
   Required -D: VW KC TH R S SH SW DH DW CG KG G KCB P Q XH XW TILES_P TILES_Q OUT_PLANE
   OUT_ROW OUT_COL FLAT (KCB counts blocks of KC channels; weights blocked as
   [G][KCB][CG][R][S][KC], zero past KG). The sizes P to OUT_ROW are numbers or the names of
   the kernel arguments that carry them, as in conv2d_direct.cl. NDRange: (tile, image,
   group * KCB + block).
   FLAT: a 1x1 layer at stride 1 without padding, each plane of OUT_PLANE elements (input and
   output alike) seen as P rows of VW: row p starts at min(p * VW, OUT_PLANE - VW), so that a
   ragged last row is read whole from inside the plane (its first lanes again) and stores
   only its new lanes, and rows past P read the last one again; NDRange (group * KCB + block,
   tile, image), so that the blocks of one tile run one after another while its input is in
   cache. */
#if FLAT
#define ROW_START(p) min((p)*VW, OUT_PLANE - VW)
#define IN_PLANE OUT_PLANE
#else
#define IN_PLANE (XH * XW)
#endif
#define floatW CAT(float, VW)
#define vloadW CAT(vload, VW)
#define vstoreW CAT(vstore, VW)
#define K (G * KG)
/* the lanes of a partial row: column lanes within the output (FLAT rows end inside the plane) */
#if FLAT
#define LANE_INSIDE(l) 1
#define OUT_STEP 1
#else
#define LANE_INSIDE(l) (q0 + (l) < Q)
#define OUT_STEP OUT_COL
#endif

/* VW output columns' inputs from p: contiguous, or every other one of 2 * VW (stride 2;
   the input is padded one column past what the outputs need) */
#if SW == 1
#define LOAD_COLUMNS(p) vloadW(0, (p))
#elif VW == 8
#define LOAD_COLUMNS(p) (vload16(0, (p)).even)
#else
#define LOAD_COLUMNS(p) ((float16)(vload16(0, (p)).even, vload16(0, (p) + 16).even))
#endif

/* Stores output row p's VW columns from q0, act(v), plus what y holds first with residual (a
   uniform flag). The activation's code appears once: inlined at each of the KC x TH unrolled
   stores, once per path and residual variant it took most of the compile time (1x1 layers 5-8
   s per program). The parameters named as the kernel's size arguments serve the size macros
   that name them. */
INLINE void store_row(__global float *yk, floatW v, const int p, const int q0, const int epi,
                      const int out_w, const int out_plane, const int out_row, const int residual) {
#if FLAT
  const int start = ROW_START(p), fresh = p * VW - start; /* lanes before fresh: row p - 1's */
  __global float *at = yk + start;
  /* whole rows only (a constant where the plane is a multiple of VW), or this one */
  const int whole = OUT_PLANE % VW == 0 || fresh == 0;
#else
  __global float *at = yk + p * OUT_ROW + q0 * OUT_COL;
  const int fresh = 0, whole = OUT_COL == 1 && q0 + VW <= Q;
#endif
  float lanes[VW];
  if (residual) {
    if (whole) {
      v += vloadW(0, at);
    } else { /* only the lanes this row stores: the others may be another work-item's */
      vstoreW(v, 0, lanes);
      for (int l = fresh; l < VW && LANE_INSIDE(l); l++) lanes[l] += at[l * OUT_STEP];
      v = vloadW(0, lanes);
    }
  }
  v = EPI_ACT(floatW, v, epi);
  if (whole) {
    STREAM_STORE(VW, v, at, EPI_STREAM(epi));
  } else {
    vstoreW(v, 0, lanes);
    for (int l = fresh; l < VW && LANE_INSIDE(l); l++) at[l * OUT_STEP] = lanes[l];
  }
}

__kernel void conv2d_direct_wide(__global const float *xp, const ulong xp_off,
                                 __global const float *wr, const ulong wr_off,
                                 __global const float *bias, const ulong bias_off, const int epi,
                                 __global float *y, const ulong y_off, const int out_h,
                                 const int out_w, const int in_h, const int in_w, const int tiles_p,
                                 const int tiles_q, const int out_plane, const int out_row) {
#if FLAT
  const int t = get_global_id(1), n = get_global_id(2), block = get_global_id(0);
#else
  const int t = get_global_id(0), n = get_global_id(1), block = get_global_id(2);
#endif
  if (t >= TILES_P * TILES_Q) return;
  const int tq = t % TILES_Q, tp = t / TILES_Q;
  const int kcb = block % KCB, g = block / KCB;
  const int p0 = tp * TH, q0 = tq * VW;
  floatW acc[KC][TH];
#pragma unroll
  for (int kc = 0; kc < KC; kc++)
#pragma unroll
    for (int th = 0; th < TH; th++) acc[kc][th] = (floatW)(0.0f);
#if FLAT
  __global const float *xc = xp + xp_off + (size_t)(n * G + g) * CG * IN_PLANE;
#else
  __global const float *xc =
      xp + xp_off + ((size_t)(n * G + g) * CG * XH + (size_t)p0 * SH) * XW + q0 * SW;
#endif
  __global const float *wc = wr + wr_off + (size_t)(g * KCB + kcb) * CG * (R * S * KC);
#if FLAT
  /* rows of the channel this many ahead are prefetched: about 64 KB of input, at most 16
     channels (SqueezeNet's 1x1 layers at batch 1, the network 4.36 -> 4.10 ms; 512->1000 at
     13x13 alone 0.75 -> 0.68 ms); none on planes past 8192 elements */
  const int ahead = min(16, (int)(16384 / IN_PLANE));
#endif
  for (int c = 0; c < CG; c++) {
#if FLAT
    if (ahead >= 2 && c + ahead < CG)
#pragma unroll
      for (int th = 0; th < TH; th++) PREFETCH(xc + ahead * IN_PLANE + ROW_START(p0 + th));
#endif
#pragma unroll
    for (int r = 0; r < R; r++)
#pragma unroll
      for (int s = 0; s < S; s++) {
        float wk[KC];
#pragma unroll
        for (int kc = 0; kc < KC; kc++) wk[kc] = wc[(r * S + s) * KC + kc];
#pragma unroll
        for (int th = 0; th < TH; th++) {
#if FLAT
          const floatW xv = vloadW(0, xc + ROW_START(p0 + th));
#else
          const floatW xv = LOAD_COLUMNS(xc + (th * SH + r * DH) * XW + s * DW);
#endif
#pragma unroll
          for (int kc = 0; kc < KC; kc++) acc[kc][th] = fma(xv, (floatW)(wk[kc]), acc[kc][th]);
        }
      }
    xc += IN_PLANE;
    wc += R * S * KC;
  }
#pragma unroll
  for (int kc = 0; kc < KC; kc++) {
    const int k = kcb * KC + kc;
    if (k >= KG) break;
    const float b = EPI_HAS_BIAS(epi) ? bias[bias_off + g * KG + k] : 0.0f;
    __global float *yk = y + y_off + ((size_t)n * K + g * KG + k) * OUT_PLANE;
#pragma unroll
    for (int th = 0; th < TH; th++) {
      const int p = p0 + th;
      if (p >= P) break;
      store_row(yk, acc[kc][th] + b, p, q0, epi, out_w, out_plane, out_row, EPI_RESIDUAL(epi));
    }
  }
}

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
/* Where output row p's VW columns from q0 start in output plane yk; whether the row is whole;
   which of its lanes it stores, ROW_FRESH to ROW_END - 1 (FLAT: a ragged last row starts
   inside the previous row, whose lanes it leaves alone; otherwise a last column tile stops at
   Q), and their step. */
#if FLAT
#define ROW_AT(yk, p, q0) ((yk) + ROW_START(p))
#define ROW_FRESH(p) ((p)*VW - ROW_START(p))
#define ROW_END(q0) VW
#define ROW_WHOLE(p, q0) (OUT_PLANE % VW == 0 || ROW_FRESH(p) == 0)
#define OUT_STEP 1
#else
#define ROW_AT(yk, p, q0) ((yk) + (p)*OUT_ROW + (q0)*OUT_COL)
#define ROW_FRESH(p) 0
#define ROW_END(q0) min(VW, Q - (q0))
#define ROW_WHOLE(p, q0) (OUT_COL == 1 && (q0) + VW <= Q)
#define OUT_STEP OUT_COL
#endif

/* Where tap s of a row's output column 0 lies in its input row. At column stride 2 the
   padded rows hold their even columns, then their odd ones (pad_input with two phases), so
   that VW output columns read VW contiguous inputs for every tap (rather than every other one
   of 2 * VW and a shuffle). */
#if SW == 2
#define TAP_COLUMN(s) ((s)*DW % 2 * (XW / 2) + (s)*DW / 2)
#else
#define TAP_COLUMN(s) ((s)*DW)
#endif

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
      xp + xp_off + ((size_t)(n * G + g) * CG * XH + (size_t)p0 * SH) * XW + q0;
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
          const floatW xv = vloadW(0, xc + (th * SH + r * DH) * XW + TAP_COLUMN(s));
#endif
#pragma unroll
          for (int kc = 0; kc < KC; kc++) acc[kc][th] = fma(xv, (floatW)(wk[kc]), acc[kc][th]);
        }
      }
    xc += IN_PLANE;
    wc += R * S * KC;
  }
  /* Whole rows are stored here, act(acc + bias), plus what y holds with a residual; partial
     rows are kept for EPI_STORE_LANES below, so that their code and the activation's appear
     once more, not KC x TH times (inlined at every unrolled store, they took most of the
     compile time: 1x1 layers 5-8 s per program). */
  float part[KC][TH][VW];
  int parts = 0;
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
      floatW v = acc[kc][th] + b;
      __global float *at = ROW_AT(yk, p, q0);
      if (ROW_WHOLE(p, q0)) {
        if (EPI_RESIDUAL(epi)) v += vloadW(0, at);
        STREAM_STORE(VW, EPI_ACT(floatW, v, epi), at, EPI_STREAM(epi));
      } else {
        vstoreW(v, 0, &part[kc][th][0]);
        parts = 1;
      }
    }
  }
  if (!parts) return;
#pragma unroll 1
  for (int i = 0; i < KC * TH; i++) {
    const int kc = i / TH, th = i % TH, k = kcb * KC + kc, p = p0 + th;
    if (k >= KG || p >= P || ROW_WHOLE(p, q0)) continue;
    __global float *at = ROW_AT(y + y_off + ((size_t)n * K + g * KG + k) * OUT_PLANE, p, q0);
    EPI_STORE_LANES(VW, part[kc][th], at, ROW_FRESH(p), ROW_END(q0), OUT_STEP, epi);
  }
}

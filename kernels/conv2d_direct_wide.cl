/* Direct convolution for few output channels (column stride 1 or 2): vectors of VW output
   columns instead of output channels. A work-item computes KC output channels times TH rows
   of VW columns; per input channel and tap it loads one input vector per row (contiguous:
   the input is zero-padded) and broadcasts each channel's weight.
   Required -D: VW KC TH R S SH SW DH DW CG KG G KCB P Q XH XW TILES_P TILES_Q OUT_PLANE
   OUT_ROW OUT_COL (KCB counts blocks of KC channels; weights blocked as
   [G][KCB][CG][R][S][KC], zero past KG). The sizes P to OUT_ROW are numbers or the names of
   the kernel arguments that carry them, as in conv2d_direct.cl. */
#define floatW CAT(float, VW)
#define vloadW CAT(vload, VW)
#define vstoreW CAT(vstore, VW)
#define K (G * KG)

/* VW output columns' inputs from p: contiguous, or every other one of 2 * VW (stride 2;
   the input is padded one column past what the outputs need) */
#if SW == 1
#define LOAD_COLUMNS(p) vloadW(0, (p))
#elif VW == 8
#define LOAD_COLUMNS(p) (vload16(0, (p)).even)
#else
#define LOAD_COLUMNS(p) ((float16)(vload16(0, (p)).even, vload16(0, (p) + 16).even))
#endif

__kernel void conv2d_direct_wide(__global const float *xp, const ulong xp_off,
                                 __global const float *wr, const ulong wr_off,
                                 __global const float *bias, const ulong bias_off, const int epi,
                                 __global float *y, const ulong y_off, const int out_h,
                                 const int out_w, const int in_h, const int in_w, const int tiles_p,
                                 const int tiles_q, const int out_plane, const int out_row) {
  const int t = get_global_id(0);
  if (t >= TILES_P * TILES_Q) return;
  const int tq = t % TILES_Q, tp = t / TILES_Q;
  const int n = get_global_id(1), kcb = get_global_id(2) % KCB, g = get_global_id(2) / KCB;
  const int p0 = tp * TH, q0 = tq * VW;
  floatW acc[KC][TH];
#pragma unroll
  for (int kc = 0; kc < KC; kc++)
#pragma unroll
    for (int th = 0; th < TH; th++) acc[kc][th] = (floatW)(0.0f);
  __global const float *xc =
      xp + xp_off + ((size_t)(n * G + g) * CG * XH + (size_t)p0 * SH) * XW + q0 * SW;
  __global const float *wc = wr + wr_off + (size_t)(g * KCB + kcb) * CG * (R * S * KC);
  for (int c = 0; c < CG; c++) {
#pragma unroll
    for (int r = 0; r < R; r++)
#pragma unroll
      for (int s = 0; s < S; s++) {
        float wk[KC];
#pragma unroll
        for (int kc = 0; kc < KC; kc++) wk[kc] = wc[(r * S + s) * KC + kc];
#pragma unroll
        for (int th = 0; th < TH; th++) {
          const floatW xv = LOAD_COLUMNS(xc + (th * SH + r * DH) * XW + s * DW);
#pragma unroll
          for (int kc = 0; kc < KC; kc++) acc[kc][th] = fma(xv, (floatW)(wk[kc]), acc[kc][th]);
        }
      }
    xc += XH * XW;
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
      const floatW v = EPI_ACT(floatW, acc[kc][th] + b, epi);
      if (OUT_COL == 1 && q0 + VW <= Q) {
        vstoreW(v, 0, yk + p * OUT_ROW + q0);
      } else {
        float lanes[VW];
        vstoreW(v, 0, lanes);
        for (int l = 0; l < VW && q0 + l < Q; l++) yk[p * OUT_ROW + (q0 + l) * OUT_COL] = lanes[l];
      }
    }
  }
}

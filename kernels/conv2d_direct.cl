/* Fast direct convolution: VEC output channels in one vector, a TH x TW output tile per
   work-item, zero-padded input (no bounds checks inside), shape constants compiled in.
   Required -D: VEC TH TW R S SH SW DH DW CG KG G KB P Q XH XW TILES_P TILES_Q HAS_BIAS. */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define floatV CAT(float, VEC)
#define vloadV CAT(vload, VEC)
#define vstoreV CAT(vstore, VEC)
#define IN_TW ((TW - 1) * SW + (S - 1) * DW + 1)
#define K (G * KG)

/* xp: padded input [N][G*CG][XH][XW]; wr: weights [G][KB][CG][R][S][VEC], zero beyond KG. */
__kernel void conv2d_direct(__global const float *xp, const ulong xp_off, __global const float *wr,
                            __global const float *bias, const ulong bias_off, __global float *y,
                            const ulong y_off) {
  const int tq = get_global_id(0), tp = get_global_id(1);
  if (tq >= TILES_Q || tp >= TILES_P) return;
  const int z = get_global_id(2);
  const int kb = z % KB, g = (z / KB) % G, n = z / (KB * G);
  const int p0 = tp * TH, q0 = tq * TW;
  floatV acc[TH][TW];
#pragma unroll
  for (int th = 0; th < TH; th++)
#pragma unroll
    for (int tw = 0; tw < TW; tw++) acc[th][tw] = (floatV)(0.0f);

  __global const float *xc =
      xp + xp_off + ((size_t)(n * G + g) * CG * XH + (size_t)p0 * SH) * XW + (size_t)q0 * SW;
  __global const float *wc = wr + (size_t)(g * KB + kb) * CG * (R * S * VEC);
  for (int c = 0; c < CG; c++) {
#pragma unroll
    for (int r = 0; r < R; r++) {
      floatV wv[S];
#pragma unroll
      for (int s = 0; s < S; s++) wv[s] = vloadV(0, wc + (r * S + s) * VEC);
#pragma unroll
      for (int th = 0; th < TH; th++) {
        __global const float *row = xc + (th * SH + r * DH) * XW;
        float xin[IN_TW];
#pragma unroll
        for (int i = 0; i < IN_TW; i++) xin[i] = row[i];
#pragma unroll
        for (int s = 0; s < S; s++)
#pragma unroll
          for (int tw = 0; tw < TW; tw++)
            acc[th][tw] = fma((floatV)(xin[tw * SW + s * DW]), wv[s], acc[th][tw]);
      }
    }
    xc += XH * XW;
    wc += R * S * VEC;
  }

  float lanes[TH][TW][VEC];
#pragma unroll
  for (int th = 0; th < TH; th++)
#pragma unroll
    for (int tw = 0; tw < TW; tw++) vstoreV(acc[th][tw], 0, &lanes[th][tw][0]);
  const int k0 = kb * VEC;
#pragma unroll
  for (int l = 0; l < VEC; l++) {
    const int k = k0 + l;
    if (k >= KG) break;
    const float b = HAS_BIAS ? bias[bias_off + g * KG + k] : 0.0f;
    __global float *yk = y + y_off + ((size_t)n * K + g * KG + k) * P * Q;
#pragma unroll
    for (int th = 0; th < TH; th++) {
      const int p = p0 + th;
#pragma unroll
      for (int tw = 0; tw < TW; tw++) {
        const int q = q0 + tw;
        if (p < P && q < Q) yk[p * Q + q] = lanes[th][tw][l] + b;
      }
    }
  }
}

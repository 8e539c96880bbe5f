/* Fast direct convolution: KV vectors of VEC output channels times a TH x TW output tile
   per work-item, zero-padded input (no bounds checks inside), filter and channel shapes
   compiled in. Required -D: VEC KV TH TW R S SH SW DH DW CG KG G KB (blocks of KV*VEC
   channels) IMAGES_OUTER, and where output (p, q) of channel plane i goes:
   y[i * OUT_PLANE + p * OUT_ROW + q * OUT_COL] (P*Q, Q, 1 for a plain N x K x P x Q y).
   P Q XH XW TILES_P TILES_Q OUT_PLANE OUT_ROW are numbers, or the names of the kernel
   arguments that carry them (out_h out_w in_h in_w tiles_p tiles_q out_plane out_row). */
EPI_CALL_FUNCTIONS
#define IN_TW ((TW - 1) * SW + (S - 1) * DW + 1)
#define K (G * KG)
#define BLOCK (KV * VEC)

/* Stores channel l of the tile (from lanes), act(lanes + b), plus what y holds with residual:
   a constant at each call, so that the plain stores load nothing. The parameters named as the
   kernel's size arguments serve the size macros that name them. */
INLINE void store_channel(__global float *yk, float lanes[TH][TW][VEC], const int l, const float b,
                          const int epi, const int p0, const int q0, const int out_h,
                          const int out_w, const int out_row, const int residual) {
#if OUT_COL == 1 && TW % 4 == 0
  if (q0 + TW <= Q) { /* whole rows of the tile: vector stores */
#pragma unroll
    for (int th = 0; th < TH; th++) {
      if (p0 + th >= P) break;
#pragma unroll
      for (int tw = 0; tw < TW; tw += 4) {
        __global float *at = yk + (p0 + th) * OUT_ROW + q0 + tw;
        float4 o = (float4)(lanes[th][tw][l], lanes[th][tw + 1][l], lanes[th][tw + 2][l],
                            lanes[th][tw + 3][l]) +
                   b;
        if (residual) o += vload4(0, at);
        vstore4(EPI_ACT_CALLS(float4, o, epi), 0, at);
      }
    }
    return;
  }
#endif
#pragma unroll
  for (int th = 0; th < TH; th++) {
    const int p = p0 + th;
#pragma unroll
    for (int tw = 0; tw < TW; tw++) {
      const int q = q0 + tw;
      if (p >= P || q >= Q) continue;
      __global float *at = yk + p * OUT_ROW + q * OUT_COL;
      const float o = lanes[th][tw][l] + b;
      *at = EPI_ACT_CALLS(float, residual ? o + *at : o, epi);
    }
  }
}

/* xp: input [images][G*CG][XH][XW]; wr: weights [G][KB][CG][R][S][KV*VEC], zero beyond KG.
   NDRange: (output tile, image, group * KB + weight block), so that work-items sharing a
   weight block run one after another and the block stays in cache; with IMAGES_OUTER 1,
   (output tile, group * KB + weight block, image), so that an image's input does. */
__kernel void conv2d_direct(__global const float *xp, const ulong xp_off, __global const float *wr,
                            const ulong wr_off, __global const float *bias, const ulong bias_off,
                            const int epi, __global float *y, const ulong y_off, const int out_h,
                            const int out_w, const int in_h, const int in_w, const int tiles_p,
                            const int tiles_q, const int out_plane, const int out_row) {
  const int t = get_global_id(0);
  if (t >= TILES_P * TILES_Q) return;
  const int tq = t % TILES_Q, tp = t / TILES_Q;
#if IMAGES_OUTER
  const int n = get_global_id(2), kb = get_global_id(1) % KB, g = get_global_id(1) / KB;
#else
  const int n = get_global_id(1), kb = get_global_id(2) % KB, g = get_global_id(2) / KB;
#endif
  const int p0 = tp * TH, q0 = tq * TW;
  floatV acc[KV][TH][TW];
#pragma unroll
  for (int v = 0; v < KV; v++)
#pragma unroll
    for (int th = 0; th < TH; th++)
#pragma unroll
      for (int tw = 0; tw < TW; tw++) acc[v][th][tw] = (floatV)(0.0f);

  __global const float *xc =
      xp + xp_off + ((size_t)(n * G + g) * CG * XH + (size_t)p0 * SH) * XW + (size_t)q0 * SW;
  __global const float *wc = wr + wr_off + (size_t)(g * KB + kb) * CG * (R * S * BLOCK);
  for (int c = 0; c < CG; c++) {
#pragma unroll
    for (int r = 0; r < R; r++) {
      floatV wv[KV][S];
#pragma unroll
      for (int s = 0; s < S; s++)
#pragma unroll
        for (int v = 0; v < KV; v++) wv[v][s] = vloadV(0, wc + (r * S + s) * BLOCK + v * VEC);
#pragma unroll
      for (int th = 0; th < TH; th++) {
        __global const float *row = xc + (th * SH + r * DH) * XW;
        float xin[IN_TW];
#pragma unroll
        for (int i = 0; i < IN_TW; i++) xin[i] = row[i];
#pragma unroll
        for (int s = 0; s < S; s++)
#pragma unroll
          for (int tw = 0; tw < TW; tw++) {
            const floatV xv = (floatV)(xin[tw * SW + s * DW]);
#pragma unroll
            for (int v = 0; v < KV; v++) acc[v][th][tw] = fma(xv, wv[v][s], acc[v][th][tw]);
          }
      }
    }
    xc += XH * XW;
    wc += R * S * BLOCK;
  }

#pragma unroll
  for (int v = 0; v < KV; v++) {
    float lanes[TH][TW][VEC];
#pragma unroll
    for (int th = 0; th < TH; th++)
#pragma unroll
      for (int tw = 0; tw < TW; tw++) vstoreV(acc[v][th][tw], 0, &lanes[th][tw][0]);
    const int k0 = kb * BLOCK + v * VEC;
    /* One channel at a time, not unrolled: the activation's code once per tile, not VEC times
       (an unrolled loop took most of the compile time of this program). */
#pragma unroll 1
    for (int l = 0; l < VEC; l++) {
      const int k = k0 + l;
      if (k >= KG) break;
      const float b = EPI_HAS_BIAS(epi) ? bias[bias_off + g * KG + k] : 0.0f;
      __global float *yk = y + y_off + ((size_t)n * K + g * KG + k) * OUT_PLANE;
      if (EPI_RESIDUAL(epi))
        store_channel(yk, lanes, l, b, epi, p0, q0, out_h, out_w, out_row, 1);
      else
        store_channel(yk, lanes, l, b, epi, p0, q0, out_h, out_w, out_row, 0);
    }
  }
}

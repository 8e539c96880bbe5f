/* The filter gradient of a 3x3, stride-1 convolution through Winograd F(4x4, 3x3), the
   forward transforms' transpose: per 4x4 output tile t (numbered as in conv2d_winograd.cl)
   dw = G^T [(B^T x_t B) . (A dy_t A^T)] G summed over the tiles, so the product is 36
   multiplications per tile, filter and channel instead of 144, and the sum over tiles is one
   product of matrices per position.
      winograd_input (conv2d_winograd.cl): V[36][TPAD/8][C][8] = B^T x_t B.
      winograd_dy:        E[36][TPAD][KPAD] = A dy_t A^T, scaled by G's divisors (zero past K,
                          past the tiles, and for dy outside P x Q), VEC filters per work-item.
      winograd_dw_gemm:   M[36][C][KPAD] (+)= sum over t of V[e][t][c] E[e][t][k]: TT channels
                          times KV vectors of VEC filters per work-item and position.
      winograd_dw_output: dw[k][c][a][b] = G'^T M G' for VEC filters of one channel.
   With G = N / D as in the prelude, G's divisors are applied to E, so that the last step
   sums M with N's small integers. Required -D: VEC KV TT. */

/* A (6 x 4) applied to four values, row e over D[e] (4, -6, -6, 24, 24, 1). */
#define DY_T(d0, d1, d2, d3, o0, o1, o2, o3, o4, o5)                                               \
  o0 = 0.25f * d0;                                                                                 \
  o1 = (-1.0f / 6.0f) * (d0 + d1 + d2 + d3);                                                       \
  o2 = (-1.0f / 6.0f) * (d0 - d1 + d2 - d3);                                                       \
  o3 = (1.0f / 24.0f) * (d0 + 2.0f * d1 + 4.0f * d2 + 8.0f * d3);                                  \
  o4 = (1.0f / 24.0f) * (d0 - 2.0f * d1 + 4.0f * d2 - 8.0f * d3);                                  \
  o5 = d3

/* N^T (3 x 6) applied to six values: N's columns {1,1,1,1,1,0} {0,1,-1,2,-2,0} {0,1,1,4,4,1}. */
#define DW_T(m0, m1, m2, m3, m4, m5, o0, o1, o2)                                                   \
  o0 = m0 + m1 + m2 + m3 + m4;                                                                     \
  o1 = m1 - m2 + 2.0f * (m3 - m4);                                                                 \
  o2 = m1 + m2 + 4.0f * (m3 + m4) + m5

__kernel void winograd_dy(__global const float *dy, const ulong dy_off, __global float *e_out,
                          const int tiles, const int tpad, const int K, const int KPAD, const int P,
                          const int Q, const int TP, const int TQ) {
  const int t = get_global_id(0), k0 = get_global_id(1) * VEC;
  if (t >= tpad || k0 >= KPAD) return;
  const int tq = t % TQ, tp = (t / TQ) % TP, n = t / (TQ * TP), p0 = tp * 4, q0 = tq * 4;
  float g[4][4][VEC];
  for (int l = 0; l < VEC; l++) {
    const int k = k0 + l;
    __global const float *dk = dy + dy_off + ((size_t)n * K + k) * P * Q;
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
      for (int j = 0; j < 4; j++)
        g[i][j][l] =
            t < tiles && k < K && p0 + i < P && q0 + j < Q ? dk[(p0 + i) * Q + q0 + j] : 0.0f;
  }
  floatV a[4][4], b[6][4], c[6][6];
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++) a[i][j] = vloadV(0, g[i][j]);
#pragma unroll
  for (int j = 0; j < 4; j++) {
    DY_T(a[0][j], a[1][j], a[2][j], a[3][j], b[0][j], b[1][j], b[2][j], b[3][j], b[4][j], b[5][j]);
  }
#pragma unroll
  for (int i = 0; i < 6; i++) {
    DY_T(b[i][0], b[i][1], b[i][2], b[i][3], c[i][0], c[i][1], c[i][2], c[i][3], c[i][4], c[i][5]);
  }
#pragma unroll
  for (int e = 0; e < 36; e++)
    vstoreV(c[e / 6][e % 6], 0, e_out + ((size_t)e * tpad + t) * KPAD + k0);
}

/* C must be a multiple of TT (the host takes this path only then). */
__kernel void winograd_dw_gemm(__global const float *v, __global const float *e_in,
                               __global float *m, const int tpad, const int C, const int KPAD,
                               const int accumulate) {
  const int c0 = get_global_id(0) * TT, kb = get_global_id(1), e = get_global_id(2);
  if (c0 >= C || kb * KV * VEC >= KPAD || e >= 36) return;
  __global float *me = m + ((size_t)e * C + c0) * KPAD + kb * KV * VEC;
  floatV acc[TT][KV];
#pragma unroll
  for (int tt = 0; tt < TT; tt++)
#pragma unroll
    for (int kv = 0; kv < KV; kv++)
      acc[tt][kv] = accumulate ? vloadV(kv, me + (size_t)tt * KPAD) : (floatV)(0.0f);
  __global const float *ee = e_in + (size_t)e * tpad * KPAD + kb * KV * VEC;
  __global const float *ve = v + (size_t)e * (tpad / 8) * C * 8 + (size_t)c0 * 8;
  for (int t8 = 0; t8 < tpad; t8 += 8) {
    __global const float *vb = ve + (size_t)(t8 / 8) * C * 8; /* [TT channels][8 tiles] */
#pragma unroll
    for (int l = 0; l < 8; l++) {
      floatV ek[KV];
#pragma unroll
      for (int kv = 0; kv < KV; kv++) ek[kv] = vloadV(kv, ee + (size_t)(t8 + l) * KPAD);
#pragma unroll
      for (int tt = 0; tt < TT; tt++) {
        const floatV xv = (floatV)(vb[tt * 8 + l]);
#pragma unroll
        for (int kv = 0; kv < KV; kv++) acc[tt][kv] = fma(xv, ek[kv], acc[tt][kv]);
      }
    }
  }
#pragma unroll
  for (int tt = 0; tt < TT; tt++)
#pragma unroll
    for (int kv = 0; kv < KV; kv++) vstoreV(acc[tt][kv], kv, me + (size_t)tt * KPAD);
}

__kernel void winograd_dw_output(__global const float *m, __global float *dw, const ulong dw_off,
                                 const int C, const int K, const int KPAD) {
  const int c = get_global_id(0), k0 = get_global_id(1) * VEC;
  if (c >= C || k0 >= K) return;
  floatV a[6][6], b[3][6], o[3][3];
#pragma unroll
  for (int e = 0; e < 36; e++) a[e / 6][e % 6] = vloadV(0, m + ((size_t)e * C + c) * KPAD + k0);
#pragma unroll
  for (int j = 0; j < 6; j++) {
    DW_T(a[0][j], a[1][j], a[2][j], a[3][j], a[4][j], a[5][j], b[0][j], b[1][j], b[2][j]);
  }
#pragma unroll
  for (int i = 0; i < 3; i++) {
    DW_T(b[i][0], b[i][1], b[i][2], b[i][3], b[i][4], b[i][5], o[i][0], o[i][1], o[i][2]);
  }
  float lanes[3][3][VEC];
#pragma unroll
  for (int i = 0; i < 3; i++)
#pragma unroll
    for (int j = 0; j < 3; j++) vstoreV(o[i][j], 0, lanes[i][j]);
  for (int l = 0; l < VEC && k0 + l < K; l++) {
    __global float *wk = dw + dw_off + ((size_t)(k0 + l) * C + c) * 9;
#pragma unroll
    for (int ab = 0; ab < 9; ab++) wk[ab] = lanes[ab / 3][ab % 3][l];
  }
}

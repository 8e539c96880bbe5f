/* Winograd F(4x4, 3x3) convolution in three kernels. Tiles: output 4x4 blocks numbered
   t = (n * TP + tp) * TQ + tq over the images of one chunk; their 6x6 input patches start
   at row tp*4 - PT and column tq*4 - PL (zero outside x).
      winograd_input:  V[36][TPAD/8][C][8] = B^T d B per tile and channel, 8 tiles per
                    work-item as the lanes of float8 vectors (so that the product reads each
                    block of 8 tiles contiguously).
   winograd_gemm:   M[TPAD][36][KPAD] = V^T times U[36][C][KPAD] (filters transformed once
                    per plan), per position: KV vectors of VEC filters times TT tiles per
                    work-item, the channel loop in registers, whole vectors stored.
   winograd_gemm_taps: the same M from the untransformed filters, blocked [KPAD/(KV*VEC)][C]
                    [9][KV*VEC] (block_weights): for filters that change at every call, where
                    U would cost four times their size in memory traffic, each work-item
                    transforms CU channels of its block for its position at a time into
                    private memory and multiplies them with its tiles, the partial sums of
                    one slice after another accumulating in M.
   winograd_output: Y = A^T M A per tile for VEC filters at once, plus bias.
   Required -D: VEC KV TT TB CB TAPS CU, and C K KPAD PT PL H W P Q TP TQ as the names of the
   kernel arguments that carry them (chans filters kpad pad_t pad_l in_h in_w out_h out_w
   tiles_p tiles_q), so that one program serves every layer of the same vector widths (sizes
   compiled in measured no faster). TAPS picks the one product kernel a program holds: 1
   winograd_gemm_taps (CU channels per slice), 0 winograd_gemm. */

EPI_CALL_FUNCTIONS

/* The 1-D input transform B^T applied to six values. */
#define INPUT_T(d0, d1, d2, d3, d4, d5, o0, o1, o2, o3, o4, o5)                                    \
  o0 = 4.0f * d0 - 5.0f * d2 + d4;                                                                 \
  o1 = -4.0f * (d1 + d2) + d3 + d4;                                                                \
  o2 = 4.0f * (d1 - d2) - d3 + d4;                                                                 \
  o3 = 2.0f * (d3 - d1) - d2 + d4;                                                                 \
  o4 = 2.0f * (d1 - d3) - d2 + d4;                                                                 \
  o5 = 4.0f * d1 - 5.0f * d3 + d5

/* The 1-D output transform A^T applied to six values. */
#define OUTPUT_T(m0, m1, m2, m3, m4, m5, o0, o1, o2, o3)                                           \
  o0 = m0 + m1 + m2 + m3 + m4;                                                                     \
  o1 = m1 - m2 + 2.0f * (m3 - m4);                                                                 \
  o2 = m1 + m2 + 4.0f * (m3 + m4);                                                                 \
  o3 = m1 - m2 + 8.0f * (m3 - m4) + m5

/* The transform of 8 tiles (lanes) of channel c. */
INLINE void input_tiles(__global const float *x, const int t0, const int c, const int tiles,
                        const int tpad, const int chans, const int pad_t, const int pad_l,
                        const int in_h, const int in_w, const int tiles_p, const int tiles_q,
                        __global float *v) {
  float d[6][6][8];
  for (int l = 0; l < 8; l++) {
    const int t = t0 + l, tq = t % TQ, tp = (t / TQ) % TP, n = t / (TQ * TP);
    const int ih0 = tp * 4 - PT, iw0 = tq * 4 - PL;
    __global const float *xc = x + ((size_t)n * C + c) * H * W;
#pragma unroll
    for (int i = 0; i < 6; i++)
#pragma unroll
      for (int j = 0; j < 6; j++) {
        const int ih = ih0 + i, iw = iw0 + j;
        d[i][j][l] = t < tiles && ih >= 0 && ih < H && iw >= 0 && iw < W ? xc[ih * W + iw] : 0.0f;
      }
  }
  float8 a[6][6], b[6][6];
#pragma unroll
  for (int i = 0; i < 6; i++)
#pragma unroll
    for (int j = 0; j < 6; j++) a[i][j] = vload8(0, d[i][j]);
#pragma unroll
  for (int j = 0; j < 6; j++) {
    INPUT_T(a[0][j], a[1][j], a[2][j], a[3][j], a[4][j], a[5][j], b[0][j], b[1][j], b[2][j],
            b[3][j], b[4][j], b[5][j]);
  }
#pragma unroll
  for (int i = 0; i < 6; i++) {
    INPUT_T(b[i][0], b[i][1], b[i][2], b[i][3], b[i][4], b[i][5], a[i][0], a[i][1], a[i][2],
            a[i][3], a[i][4], a[i][5]);
  }
#pragma unroll
  for (int e = 0; e < 36; e++)
    vstore8(a[e / 6][e % 6], 0, v + (((size_t)e * (tpad / 8) + t0 / 8) * C + c) * 8);
}

/* 8 tiles times CB consecutive channels per work-item: for each position its stores form
   one contiguous run. */
__kernel void winograd_input(__global const float *x, const ulong x_off, __global float *v,
                             const int tiles, const int tpad, const int chans, const int pad_t,
                             const int pad_l, const int in_h, const int in_w, const int tiles_p,
                             const int tiles_q) {
  const int t0 = get_global_id(0) * 8, c0 = get_global_id(1) * CB;
  if (t0 >= tpad || c0 >= C) return;
  for (int c = c0; c < min(c0 + CB, C); c++)
    input_tiles(x + x_off, t0, c, tiles, tpad, chans, pad_t, pad_l, in_h, in_w, tiles_p, tiles_q,
                v);
}

#if !TAPS
__kernel void winograd_gemm(__global const float *u, __global const float *v, __global float *m,
                            const int tpad, const int chans, const int kpad) {
  const int kb = get_global_id(1), e = get_global_id(2);
  if (kb * KV * VEC >= KPAD || e >= 36) return;
  __global const float *ue = u + (size_t)e * C * KPAD + kb * KV * VEC;
  /* TB blocks of TT tiles one after another, the filters' slice staying in cache */
  for (int tb = 0; tb < TB; tb++) {
    const int t0 = (get_global_id(0) * TB + tb) * TT;
    if (t0 >= tpad) return;
    floatV acc[KV][TT];
#pragma unroll
    for (int kv = 0; kv < KV; kv++)
#pragma unroll
      for (int tt = 0; tt < TT; tt++) acc[kv][tt] = (floatV)(0.0f);
    __global const float *uc = ue;
    __global const float *vc = v + ((size_t)e * (tpad / 8) + t0 / 8) * C * 8;
    for (int c = 0; c < C; c++) {
      floatV uk[KV];
#pragma unroll
      for (int kv = 0; kv < KV; kv++) uk[kv] = vloadV(kv, uc);
#pragma unroll
      for (int tt = 0; tt < TT; tt++) {
        const floatV vt = (floatV)(vc[tt]);
#pragma unroll
        for (int kv = 0; kv < KV; kv++) acc[kv][tt] = fma(vt, uk[kv], acc[kv][tt]);
      }
      uc += KPAD;
      vc += 8;
    }
#pragma unroll
    for (int tt = 0; tt < TT; tt++)
#pragma unroll
      for (int kv = 0; kv < KV; kv++)
        vstoreV(acc[kv][tt], 0, m + ((size_t)(t0 + tt) * 36 + e) * KPAD + (kb * KV + kv) * VEC);
  }
}

#else
__kernel void winograd_gemm_taps(__global const float *w, __global const float *v,
                                 __global float *m, const int tpad, const int chans,
                                 const int kpad) {
  const int e = get_global_id(0), kb = get_global_id(1), tfirst = get_global_id(2) * TB * TT;
  if (e >= 36 || kb * KV * VEC >= KPAD || tfirst >= tpad) return;
  float cf[9];
  const float scale = winograd_coefficients(e, cf);
  __global const float *wk = w + (size_t)kb * C * 9 * KV * VEC;
  float us[CU * KV * VEC];
  for (int c0 = 0; c0 < C; c0 += CU) {
    const int cn = min(CU, C - c0);
    for (int c = 0; c < cn; c++) {
      __global const float *wc = wk + (size_t)(c0 + c) * 9 * KV * VEC;
#pragma unroll
      for (int kv = 0; kv < KV; kv++) {
        floatV u;
#define TAP(ab) vloadV((ab)*KV + kv, wc)
        WINOGRAD_TAP_SUM(floatV, u, cf, scale, TAP);
#undef TAP
        vstoreV(u, c * KV + kv, us);
      }
    }
    for (int tb = 0; tb < TB; tb++) {
      const int t0 = tfirst + tb * TT;
      if (t0 >= tpad) break;
      __global float *mt = m + ((size_t)t0 * 36 + e) * KPAD + kb * KV * VEC;
      floatV acc[KV][TT];
#pragma unroll
      for (int tt = 0; tt < TT; tt++)
#pragma unroll
        for (int kv = 0; kv < KV; kv++)
          acc[kv][tt] = c0 ? vloadV(kv, mt + (size_t)tt * 36 * KPAD) : (floatV)(0.0f);
      __global const float *vc = v + (((size_t)e * (tpad / 8) + t0 / 8) * C + c0) * 8;
      for (int c = 0; c < cn; c++) {
        floatV uk[KV];
#pragma unroll
        for (int kv = 0; kv < KV; kv++) uk[kv] = vloadV(c * KV + kv, us);
#pragma unroll
        for (int tt = 0; tt < TT; tt++) {
          const floatV vt = (floatV)(vc[tt]);
#pragma unroll
          for (int kv = 0; kv < KV; kv++) acc[kv][tt] = fma(vt, uk[kv], acc[kv][tt]);
        }
        vc += 8;
      }
#pragma unroll
      for (int tt = 0; tt < TT; tt++)
#pragma unroll
        for (int kv = 0; kv < KV; kv++) vstoreV(acc[kv][tt], kv, mt + (size_t)tt * 36 * KPAD);
    }
  }
}

#endif

__kernel void winograd_output(__global const float *m, __global const float *bias,
                              const ulong bias_off, const int epi, __global float *y,
                              const ulong y_off, const int tiles, const int tpad, const int filters,
                              const int kpad, const int out_h, const int out_w, const int tiles_p,
                              const int tiles_q) {
  const int t = get_global_id(0), k0 = get_global_id(1) * VEC;
  if (t >= tiles || k0 >= K) return;
  floatV a[6][6], b[4][6];
#pragma unroll
  for (int e = 0; e < 36; e++) a[e / 6][e % 6] = vloadV(0, m + ((size_t)t * 36 + e) * KPAD + k0);
#pragma unroll
  for (int j = 0; j < 6; j++) {
    OUTPUT_T(a[0][j], a[1][j], a[2][j], a[3][j], a[4][j], a[5][j], b[0][j], b[1][j], b[2][j],
             b[3][j]);
  }
  float out[VEC][4][4];
#pragma unroll
  for (int i = 0; i < 4; i++) {
    floatV o[4];
    OUTPUT_T(b[i][0], b[i][1], b[i][2], b[i][3], b[i][4], b[i][5], o[0], o[1], o[2], o[3]);
#pragma unroll
    for (int j = 0; j < 4; j++) {
      float lanes[VEC];
      vstoreV(o[j], 0, lanes);
#pragma unroll
      for (int l = 0; l < VEC; l++) out[l][i][j] = lanes[l];
    }
  }
  const int tq = t % TQ, tp = (t / TQ) % TP, n = t / (TQ * TP), p0 = tp * 4, q0 = tq * 4;
  for (int l = 0; l < VEC && k0 + l < K; l++) {
    const int k = k0 + l;
    const float bk = EPI_HAS_BIAS(epi) ? bias[bias_off + k] : 0.0f;
    __global float *yk = y + y_off + ((size_t)n * K + k) * P * Q + p0 * Q + q0;
    if (p0 + 4 <= P && q0 + 4 <= Q) {
#pragma unroll
      for (int i = 0; i < 4; i++) {
        float4 o = vload4(0, out[l][i]) + bk;
        if (EPI_RESIDUAL(epi)) o += vload4(0, yk + i * Q);
        vstore4(EPI_ACT_CALLS(float4, o, epi), 0, yk + i * Q);
      }
    } else {
      for (int i = 0; i < 4 && p0 + i < P; i++)
        for (int j = 0; j < 4 && q0 + j < Q; j++) {
          const float o = out[l][i][j] + bk;
          yk[i * Q + j] = EPI_ACT_CALLS(float, EPI_RESIDUAL(epi) ? o + yk[i * Q + j] : o, epi);
        }
    }
  }
}

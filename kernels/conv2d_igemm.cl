/* The work-group family (written for GPUs): a convolution pass as an implicit GEMM,
   C[m][col] = sum over kk of A[m][kk] * B[kk][col] with A and B never formed: a work-group
   reads TM x TK of A and TK x TN of B from the tensors into local memory, each work-item
   keeps RM x RN outputs in registers (rows ty, ty + WM, ...; columns as RN/VEC vectors of
   VEC neighbours), and the tiles advance along the reduction.

   PASS 0, forward:          A = w [KG][CG*R*S], B = columns of x [CG*R*S][N*P*Q], C = y
   PASS 1, backward data:    A = w^T [CG][KG*R*S], B = dy scattered [KG*R*S][N*H*W], C = dx
   PASS 2, backward weights: A = dy [KG][N*P*Q], B = columns of x [N*P*Q][CG*R*S], C = dw
   one GEMM per group (get_group_id(2) = group * splits + split; backward weights splits its
   reduction that many ways into part[split], summed after). With PACKED_A (constant filters,
   forward and backward data) A is read from a copy laid out [G][reduction][rows], made once
   by conv2d_igemm_pack: neighbouring work-items then read neighbouring rows. Required -D: TM
   TN TK WM WN VEC, the problem C K R S G SH SW DH DW PT PL, and PASS; H W P Q are numbers or
   the lanes of the argument sz that carries them (sz.s0 .. sz.s3). Element indices are
   ints: the host uses this family only when every tensor has fewer than 2^31 elements. */

#if PASS == 0
EPI_CALL_FUNCTIONS
#endif

#define RM (TM / WM)
#define RN (TN / WN)
#define CG (C / G)
#define KG (K / G)
#define RS (R * S)

#if PASS == 0
#define ROWS KG
#define PIX (P * Q)
#define KRED (CG * RS)
#elif PASS == 1
#define ROWS CG
#define PIX (H * W)
#define KRED (KG * RS)
#else
#define ROWS KG
#define PIX (P * Q)
#endif

/* x[n][g*CG + c][p*SH - PT + r*DH][q*SW - PL + s*DW], 0 in the padding. */
INLINE float x_tap(const int4 sz, __global const float *x, int g, int n, int c, int r, int s, int p,
                   int q) {
  const int h = p * SH - PT + r * DH, w = q * SW - PL + s * DW;
  return h >= 0 && h < H && w >= 0 && w < W ? x[((n * C + g * CG + c) * H + h) * W + w] : 0.0f;
}

/* A[m][kk] of group g from the filters as the caller holds them; kk < kred. */
INLINE float a_plain(const int4 sz, __global const float *a, int g, int m, int kk) {
#if PASS == 0
  return a[(g * KG + m) * (CG * RS) + kk];
#elif PASS == 1
  const int k = kk / RS, rs = kk % RS;
  return a[((g * KG + k) * CG + m) * RS + rs];
#else
  const int n = kk / PIX, pq = kk % PIX;
  return a[(n * K + g * KG + m) * PIX + pq];
#endif
}

#ifdef PACKED_A
#define a_at(sz, a, g, m, kk) (a)[((g)*KRED + (kk)) * ROWS + (m)]
#else
#define a_at a_plain
#endif

/* B[kk][col] of group g; col < cols, kk < kred. */
INLINE float b_at(const int4 sz, __global const float *b, int g, int kk, int col) {
#if PASS == 0
  const int c = kk / RS, r = (kk % RS) / S, s = kk % S;
  const int n = col / PIX, pq = col % PIX;
  return x_tap(sz, b, g, n, c, r, s, pq / Q, pq % Q);
#elif PASS == 1
  /* dx[n][c][h][w] receives dy[n][k][p][q] * w[k][c][r][s] where h = p*SH - PT + r*DH */
  const int k = kk / RS, r = (kk % RS) / S, s = kk % S;
  const int n = col / PIX, hw = col % PIX;
  const int ph = hw / W + PT - r * DH, pw = hw % W + PL - s * DW;
  if (ph < 0 || pw < 0 || ph % SH || pw % SW || ph / SH >= P || pw / SW >= Q) return 0.0f;
  return b[((n * K + g * KG + k) * P + ph / SH) * Q + pw / SW];
#else
  const int n = kk / PIX, pq = kk % PIX;
  const int c = col / RS, r = (col % RS) / S, s = col % S;
  return x_tap(sz, b, g, n, c, r, s, pq / Q, pq % Q);
#endif
}

/* Where C[m][col] of group g goes. */
INLINE int c_index(const int4 sz, int g, int m, int col) {
#if PASS == 0
  return ((col / PIX) * K + g * KG + m) * PIX + col % PIX;
#elif PASS == 1
  return ((col / PIX) * C + g * CG + m) * PIX + col % PIX;
#else
  return (g * KG + m) * (CG * RS) + col;
#endif
}

/* cols: columns of C (images times pixels, or CG*R*S); kred: the reduction's length; out: the
   output, or (splits > 1) that many arrays of K*CG*R*S partial sums. */
__kernel __attribute__((reqd_work_group_size(WN, WM, 1))) void
conv2d_igemm(__global const float *a, const ulong a_off, __global const float *b, const ulong b_off,
             __global const float *bias, const ulong bias_off, const int epi, __global float *out,
             const ulong out_off, const int cols, const int kred, const int splits, const int4 sz) {
  __local float as[TK][TM];
  __local float bs[TK][TN];
  const int tx = get_local_id(0), ty = get_local_id(1), tid = ty * WN + tx;
  const int col0 = get_group_id(0) * TN, m0 = get_group_id(1) * TM;
  const int g = get_group_id(2) / splits, split = get_group_id(2) % splits;
  a += a_off;
  b += b_off;
  /* the split's share of the reduction, in whole slabs */
  const int per = (kred + splits * TK - 1) / (splits * TK) * TK;
  const int k_begin = split * per, k_end = min(kred, k_begin + per);
  floatV acc[RM][RN / VEC];
#pragma unroll
  for (int i = 0; i < RM; i++)
#pragma unroll
    for (int j = 0; j < RN / VEC; j++) acc[i][j] = (floatV)(0.0f);
  for (int k0 = k_begin; k0 < k_end; k0 += TK) {
    for (int e = tid; e < TM * TK; e += WM * WN) {
#ifdef PACKED_A
      const int kk = e / TM, m = e % TM; /* neighbours along rows: the packed layout's order */
#else
      const int m = e / TK, kk = e % TK;   /* neighbours along the reduction */
#endif
      as[kk][m] = m0 + m < ROWS && k0 + kk < k_end ? a_at(sz, a, g, m0 + m, k0 + kk) : 0.0f;
    }
    for (int e = tid; e < TK * TN; e += WM * WN) {
#if PASS == 2
      const int col = e / TK, kk = e % TK; /* neighbours along pixels: x is read in rows */
#else
      const int kk = e / TN, col = e % TN; /* neighbours along output columns */
#endif
      bs[kk][col] =
          col0 + col < cols && k0 + kk < k_end ? b_at(sz, b, g, k0 + kk, col0 + col) : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int kk = 0; kk < TK; kk++) {
      floatV bv[RN / VEC];
#pragma unroll
      for (int j = 0; j < RN / VEC; j++) bv[j] = vloadV((j * WN + tx), &bs[kk][0]);
#pragma unroll
      for (int i = 0; i < RM; i++) {
        const floatV av = (floatV)(as[kk][ty + i * WM]);
#pragma unroll
        for (int j = 0; j < RN / VEC; j++) acc[i][j] = fma(av, bv[j], acc[i][j]);
      }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  out += out_off;
  out += split * (K * CG * RS); /* backward weights' partial sums; split is 0 otherwise */
#pragma unroll
  for (int i = 0; i < RM; i++) {
    const int m = m0 + ty + i * WM;
    if (m >= ROWS) continue;
#if PASS == 0
    const float add = EPI_HAS_BIAS(epi) ? bias[bias_off + g * KG + m] : 0.0f;
#endif
#pragma unroll
    for (int j = 0; j < RN / VEC; j++) {
      float lanes[VEC];
      vstoreV(acc[i][j], 0, lanes);
#pragma unroll 1
      for (int l = 0; l < VEC; l++) {
        const int col = col0 + (j * WN + tx) * VEC + l;
        if (col >= cols) break;
#if PASS == 0
        const float o = lanes[l] + add;
        __global float *at = out + c_index(sz, g, m, col);
        *at = EPI_ACT_CALLS(float, EPI_RESIDUAL(epi) ? o + *at : o, epi);
#else
        out[c_index(sz, g, m, col)] = lanes[l];
#endif
      }
    }
  }
}

#if PASS < 2
/* The filters as A, [G][KRED][ROWS] (see PACKED_A); global size ROWS x KRED x G. */
__kernel void conv2d_igemm_pack(__global const float *w, const ulong w_off,
                                __global float *packed) {
  const int m = get_global_id(0), kk = get_global_id(1), g = get_global_id(2);
  if (m >= ROWS || kk >= KRED) return;
  packed[(g * KRED + kk) * ROWS + m] = a_plain((int4)(0), w + w_off, g, m, kk);
}
#endif

/* Data rearrangements for the convolution paths: zero-padded input copies, vector-blocked
   weights, im2col matrices, bias addition, and for the backward passes flipped weights,
   transposed output gradients and bias gradients. Each kernel is built in a program of its
   own (the ALONE / WANT_ guards: see clcnn_kernel_get_alone). */

/* xp[n][c][i][j] = x[n][c][i - pt][j - pl], zero outside x; xp is XH x XW per channel. One
   work-item per padded row: zeros, the row of x, zeros. With phases > 1 the padded row is
   stored as its columns of each residue mod `phases` in turn (column j at j % phases * PW +
   j / phases, PW = XW / phases), for kernels that read a row at that column stride as
   contiguous vectors. */
#if !defined(ALONE) || defined(WANT_pad_input)
__kernel void pad_input(__global const float *x, const ulong x_off, __global float *xp, const int H,
                        const int W, const int XH, const int XW, const int pt, const int pl,
                        const int planes, const int phases) {
  const int i = get_global_id(0), plane = get_global_id(1);
  if (i >= XH || plane >= planes) return;
  __global float *out = xp + ((size_t)plane * XH + i) * XW;
  const int ih = i - pt;
  if (ih < 0 || ih >= H) {
    for (int j = 0; j < XW; j++) out[j] = 0.0f;
    return;
  }
  __global const float *row = x + x_off + ((size_t)plane * H + ih) * W - pl;
  if (phases > 1) {
    const int PW = XW / phases;
    for (int ph = 0; ph < phases; ph++) {
      /* this phase's columns m * phases + ph from x: pl <= m * phases + ph < pl + W */
      __global float *o = out + ph * PW;
      const int m0 = clamp((pl - ph + phases - 1) / phases, 0, PW);
      const int m1 = clamp((pl + W - ph + phases - 1) / phases, m0, PW);
      for (int m = 0; m < m0; m++) o[m] = 0.0f;
      for (int m = m0; m < m1; m++) o[m] = row[m * phases + ph];
      for (int m = m1; m < PW; m++) o[m] = 0.0f;
    }
    return;
  }
  const int j0 = clamp(pl, 0, XW), j1 = clamp(pl + W, j0, XW); /* x's columns in this row */
  for (int j = 0; j < j0; j++) out[j] = 0.0f;
  for (int j = j0; j < j1; j++) out[j] = row[j];
  for (int j = j1; j < XW; j++) out[j] = 0.0f;
}
#endif

/* wr[g][kb][j][l] (j = c*RS + rs, l < VEC) = tap rs of the filter of output channel
   k = kb*VEC + l and input channel c in group g, zero when k >= KG: w[g*KG + k][j]. Per
   block the transpose of VEC rows of w, one work-item per 4 consecutive j: 4 x 4 transposes
   of float4 loads along the rows into float4 stores along the block (where VEC is a multiple
   of 4; element by element otherwise). */
#if !defined(ALONE) || defined(WANT_block_weights)
__kernel void block_weights(__global const float *w, const ulong w_off, __global float *wr,
                            const ulong wr_off, const int G, const int KG, const int KB,
                            const int CG, const int RS, const int VEC) {
  const int J = CG * RS, J4 = (J + 3) / 4;
  const size_t item = get_global_id(0);
  if (item >= (size_t)G * KB * J4) return;
  const int j0 = (int)(item % J4) * 4, block = (int)(item / J4);
  const int kb = block % KB, g = block / KB, n = min(4, J - j0);
  __global const float *in = w + w_off + (size_t)g * KG * J + j0;
  __global float *out = wr + wr_off + ((size_t)block * J + j0) * VEC;
  if (n < 4 || VEC % 4 != 0) {
    for (int e = 0; e < n; e++)
      for (int l = 0; l < VEC; l++) {
        const int k = kb * VEC + l;
        out[e * VEC + l] = k < KG ? in[(size_t)k * J + e] : 0.0f;
      }
    return;
  }
  for (int l = 0; l < VEC; l += 4) {
    const int k = kb * VEC + l;
    const float4 r0 = k < KG ? vload4(0, in + (size_t)k * J) : (float4)(0.0f);
    const float4 r1 = k + 1 < KG ? vload4(0, in + (size_t)(k + 1) * J) : (float4)(0.0f);
    const float4 r2 = k + 2 < KG ? vload4(0, in + (size_t)(k + 2) * J) : (float4)(0.0f);
    const float4 r3 = k + 3 < KG ? vload4(0, in + (size_t)(k + 3) * J) : (float4)(0.0f);
    vstore4((float4)(r0.x, r1.x, r2.x, r3.x), 0, out + l);
    vstore4((float4)(r0.y, r1.y, r2.y, r3.y), 0, out + VEC + l);
    vstore4((float4)(r0.z, r1.z, r2.z, r3.z), 0, out + 2 * VEC + l);
    vstore4((float4)(r0.w, r1.w, r2.w, r3.w), 0, out + 3 * VEC + l);
  }
}
#endif

/* The same blocks from the filters of the convolution whose input gradient this one computes
   (turned and transposed in the same pass): wr[g][kb][c][rs][l] = w[g*CG + c][k][RS-1-rs]
   for k = kb*VEC + l < KG. One work-item per (channel, block, group): the VEC x RS floats it
   reads are contiguous, and so are the RS x VEC it writes. */
#if !defined(ALONE) || defined(WANT_block_flipped_weights)
__kernel void block_flipped_weights(__global const float *w, const ulong w_off, __global float *wr,
                                    const ulong wr_off, const int G, const int KG, const int KB,
                                    const int CG, const int RS, const int VEC) {
  const size_t item = get_global_id(0);
  if (item >= (size_t)G * KB * CG) return;
  const int c = (int)(item % CG), kb = (int)(item / CG % KB), g = (int)(item / CG / KB);
  __global const float *in = w + w_off + ((size_t)g * CG + c) * KG * RS + RS - 1;
  __global float *out = wr + wr_off + (((size_t)g * KB + kb) * CG + c) * RS * VEC;
  for (int rs = 0; rs < RS; rs++)
    for (int l = 0; l < VEC; l++) {
      const int k = kb * VEC + l;
      out[rs * VEC + l] = k < KG ? in[(size_t)k * RS - rs] : 0.0f;
    }
}
#endif

/* Column matrix of group g for images n0..: element (row (c*R + r)*S + s, image n, pixel
   p*Q + q) at col[n * image_stride + row * row_stride + p*Q + q]. Forward GEMM uses
   image_stride = CG*R*S*P*Q, row_stride = P*Q; the weight gradient uses image_stride = P*Q,
   row_stride = images*P*Q (the images side by side in each row). */
#if !defined(ALONE) || defined(WANT_im2col)
__kernel void im2col(__global const float *x, const ulong x_off, __global float *col,
                     const ulong image_stride, const ulong row_stride, const int C, const int H,
                     const int W, const int R, const int S, const int P, const int Q, const int CG,
                     const int g, const int sh, const int sw, const int dh, const int dw,
                     const int pt, const int pl) {
  const int pq = get_global_id(0), crs = get_global_id(1), n = get_global_id(2);
  if (pq >= P * Q || crs >= CG * R * S) return;
  const int s = crs % S, r = (crs / S) % R, c = crs / (R * S);
  const int p = pq / Q, q = pq % Q;
  const int ih = p * sh - pt + r * dh, iw = q * sw - pl + s * dw;
  float v = 0.0f;
  if (ih >= 0 && ih < H && iw >= 0 && iw < W)
    v = x[x_off + (((size_t)n * C + (size_t)g * CG + c) * H + ih) * W + iw];
  col[n * image_stride + crs * row_stride + pq] = v;
}
#endif

/* The epilogue of the GEMM paths, in place: y[n][k][i] = act(y + bias[k]) for i < PQ. */
#if !defined(ALONE) || defined(WANT_epilogue)
__kernel void epilogue(__global float *y, const ulong y_off, __global const float *bias,
                       const ulong bias_off, const int epi, const int K, const int PQ,
                       const int N) {
  const int i = get_global_id(0), k = get_global_id(1), n = get_global_id(2);
  if (i >= PQ || k >= K || n >= N) return;
  const size_t at = y_off + ((size_t)n * K + k) * PQ + i;
  y[at] = EPI_ACT(float, y[at] + (EPI_HAS_BIAS(epi) ? bias[bias_off + k] : 0.0f), epi);
}
#endif

/* wf[g*CG + c][kk][R-1-r][S-1-s] = w[g*KG + kk][c][r][s]: the filters of the transposed
   convolution that gives the input gradient of a stride-1 convolution. */
#if !defined(ALONE) || defined(WANT_flip_weights)
__kernel void flip_weights(__global const float *w, const ulong w_off, __global float *wf,
                           const int G, const int KG, const int CG, const int R, const int S) {
  /* one work-item per filter row pair: R*S floats read and written contiguously */
  const int c_all = get_global_id(0), kk = get_global_id(1); /* c_all = g*CG + c */
  if (c_all >= G * CG || kk >= KG) return;
  const int g = c_all / CG, c = c_all % CG, RS = R * S;
  __global const float *in = w + w_off + (((size_t)g * KG + kk) * CG + c) * RS;
  __global float *out = wf + ((size_t)c_all * KG + kk) * RS;
  for (int e = 0; e < RS; e++) out[RS - 1 - e] = in[e];
}
#endif

/* dyt[k][n][i] = dy[n0 + n][k][i] for i < PQ: each filter's gradient rows side by side. */
#if !defined(ALONE) || defined(WANT_transpose_images)
__kernel void transpose_images(__global const float *dy, const ulong dy_off, __global float *dyt,
                               const int K, const int PQ, const int images) {
  const int i = get_global_id(0), n = get_global_id(1), k = get_global_id(2);
  if (i >= PQ || n >= images || k >= K) return;
  dyt[((size_t)k * images + n) * PQ + i] = dy[dy_off + ((size_t)n * K + k) * PQ + i];
}
#endif

/* db[k] = (accumulate ? db[k] : 0) + sum of row k of dyt (images * PQ values). */
#if !defined(ALONE) || defined(WANT_sum_rows)
__kernel void sum_rows(__global const float *dyt, __global float *db, const ulong db_off,
                       const ulong row_length, const int K, const int accumulate) {
  const int k = get_global_id(0);
  if (k >= K) return;
  __global const float *row = dyt + (size_t)k * row_length;
  float sum = 0.0f;
  for (size_t i = 0; i < row_length; i++) sum += row[i];
  db[db_off + k] = accumulate ? db[db_off + k] + sum : sum;
}
#endif

/* Winograd F(4x4, 3x3) filter transform U = G w G^T (as the prelude's sums over taps, the
   same floats the taps product makes), stored u[e][c][k] (e = i*6 + j the position, k < KPAD
   with zeros past K) so that the product kernel reads whole vectors of filters. One
   work-item per (block of 16 filters, channel), the 16 as vector lanes. With `flipped` the
   source is the filters of the convolution whose input gradient this is (C x K x 3 x 3),
   read transposed and rotated by 180 degrees. */
#if !defined(ALONE) || defined(WANT_winograd_filter)
__kernel void winograd_filter(__global const float *w, const ulong w_off, __global float *u,
                              const int K, const int C, const int KPAD, const int flipped) {
  const int k0 = get_global_id(0) * 16, c = get_global_id(1);
  if (k0 >= KPAD || c >= C) return;
  float raw[9][16];
  for (int l = 0; l < 16; l++)
    for (int i = 0; i < 9; i++)
      raw[i][l] = k0 + l >= K ? 0.0f
                  : flipped   ? w[w_off + ((size_t)c * K + k0 + l) * 9 + 8 - i]
                              : w[w_off + ((size_t)(k0 + l) * C + c) * 9 + i];
  float16 g[9];
  for (int i = 0; i < 9; i++) g[i] = vload16(0, raw[i]);
  const int n = min(16, KPAD - k0);
  /* unrolled: every position's coefficients fold into constants */
#pragma unroll
  for (int e = 0; e < 36; e++) {
    float cf[9];
    float16 r;
    const float scale = winograd_coefficients(e, cf);
#define TAP(ab) g[ab]
    WINOGRAD_TAP_SUM(float16, r, cf, scale, TAP);
#undef TAP
    __global float *out = u + ((size_t)e * C + c) * KPAD + k0;
    if (n == 16) {
      vstore16(r, 0, out);
    } else {
      float lanes[16];
      vstore16(r, 0, lanes);
      for (int l = 0; l < n; l++) out[l] = lanes[l];
    }
  }
}
#endif

/* The flipped, transposed filters of one output phase (a, b) of a strided convolution's
   input gradient: wf[g*CG + c][kk][j][i] = w[g*KG + kk][c][a + SH*(JA-1-j)][b + SW*(JB-1-i)]
   for j < JA, i < JB (see src/ops/conv2d_backward.c). */
#if !defined(ALONE) || defined(WANT_flip_phase_weights)
__kernel void flip_phase_weights(__global const float *w, const ulong w_off, __global float *wf,
                                 const int G, const int KG, const int CG, const int R, const int S,
                                 const int a, const int b, const int sh, const int sw, const int JA,
                                 const int JB) {
  const size_t e = get_global_id(0);
  if (e >= (size_t)G * CG * KG * JA * JB) return;
  const int i = e % JB, j = (e / JB) % JA;
  const size_t rest = e / ((size_t)JA * JB); /* (g*CG + c) * KG + kk */
  const int kk = rest % KG, c_all = rest / KG, g = c_all / CG, c = c_all % CG;
  const int r = a + sh * (JA - 1 - j), s = b + sw * (JB - 1 - i);
  wf[e] = w[w_off + (((size_t)(g * KG + kk) * CG + c) * R + r) * S + s];
}
#endif

/* dyt[g][n][i][k] = dy[n][g*KG + k][i] for k < KG, zero for KG <= k < KGP: each group's
   output gradient channels-last, padded to whole vectors. One work-item transposes a block
   of 16 pixels x 16 channels: whole-row loads, then contiguous stores. */
#if !defined(ALONE) || defined(WANT_channels_last)
__kernel void channels_last(__global const float *dy, const ulong dy_off, __global float *dyt,
                            const int G, const int KG, const int KGP, const int PQ,
                            const int images) {
  const int i0 = get_global_id(0) * 16, k0 = get_global_id(1) * 16, gn = get_global_id(2);
  if (i0 >= PQ || k0 >= KGP || gn >= G * images) return;
  const int g = gn / images, n = gn % images;
  float t[16][16]; /* t[k][i] */
  for (int kk = 0; kk < 16; kk++) {
    const int k = k0 + kk;
    __global const float *row = dy + dy_off + ((size_t)n * G * KG + (size_t)g * KG + k) * PQ;
    if (k < KG && i0 + 16 <= PQ) {
      vstore16(vload16(0, row + i0), 0, t[kk]);
    } else {
      for (int ii = 0; ii < 16; ii++) t[kk][ii] = k < KG && i0 + ii < PQ ? row[i0 + ii] : 0.0f;
    }
  }
  const int kn = min(16, KGP - k0);
  for (int ii = 0; ii < 16 && i0 + ii < PQ; ii++) {
    __global float *out = dyt + ((size_t)gn * PQ + i0 + ii) * KGP + k0;
    if (kn == 16) {
      vstore16((float16)(t[0][ii], t[1][ii], t[2][ii], t[3][ii], t[4][ii], t[5][ii], t[6][ii],
                         t[7][ii], t[8][ii], t[9][ii], t[10][ii], t[11][ii], t[12][ii], t[13][ii],
                         t[14][ii], t[15][ii]),
               0, out);
    } else {
      for (int kk = 0; kk < kn; kk++) out[kk] = t[kk][ii];
    }
  }
}
#endif

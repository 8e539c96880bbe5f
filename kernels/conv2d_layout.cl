/* Data rearrangements for the convolution paths: zero-padded input copies, vector-blocked
   weights, im2col matrices and bias addition. */

/* xp[n][c][i][j] = x[n][c][i - pt][j - pl], zero outside x; xp is XH x XW per channel. */
__kernel void pad_input(__global const float *x, const ulong x_off, __global float *xp, const int H,
                        const int W, const int XH, const int XW, const int pt, const int pl) {
  const int j = get_global_id(0), i = get_global_id(1);
  const size_t plane = get_global_id(2); /* n * C + c within the chunk */
  if (j >= XW || i >= XH) return;
  const int ih = i - pt, iw = j - pl;
  float v = 0.0f;
  if (ih >= 0 && ih < H && iw >= 0 && iw < W) v = x[x_off + (plane * H + ih) * W + iw];
  xp[(plane * XH + i) * XW + j] = v;
}

/* wr[g][kb][c][r][s][l] = w[g*KG + kb*VEC + l][c][r][s], zero when kb*VEC + l >= KG. */
__kernel void block_weights(__global const float *w, const ulong w_off, __global float *wr,
                            const int G, const int KG, const int KB, const int CG, const int RS,
                            const int VEC) {
  const size_t i = get_global_id(0);
  const size_t total = (size_t)G * KB * CG * RS * VEC;
  if (i >= total) return;
  const int l = i % VEC;
  size_t rest = i / VEC;
  const int rs = rest % RS;
  rest /= RS;
  const int c = rest % CG;
  rest /= CG;
  const int kb = rest % KB;
  const int g = rest / KB;
  const int k = kb * VEC + l;
  wr[i] = k < KG ? w[w_off + (((size_t)g * KG + k) * CG + c) * RS + rs] : 0.0f;
}

/* col[n][(c*R + r)*S + s][p*Q + q] for the CG channels of group g of images n0.. */
__kernel void im2col(__global const float *x, const ulong x_off, __global float *col, const int C,
                     const int H, const int W, const int R, const int S, const int P, const int Q,
                     const int CG, const int g, const int sh, const int sw, const int dh,
                     const int dw, const int pt, const int pl) {
  const int pq = get_global_id(0), crs = get_global_id(1), n = get_global_id(2);
  if (pq >= P * Q || crs >= CG * R * S) return;
  const int s = crs % S, r = (crs / S) % R, c = crs / (R * S);
  const int p = pq / Q, q = pq % Q;
  const int ih = p * sh - pt + r * dh, iw = q * sw - pl + s * dw;
  float v = 0.0f;
  if (ih >= 0 && ih < H && iw >= 0 && iw < W)
    v = x[x_off + (((size_t)n * C + (size_t)g * CG + c) * H + ih) * W + iw];
  col[((size_t)n * CG * R * S + crs) * P * Q + pq] = v;
}

/* y[n][k][i] += bias[k] for i < PQ. */
__kernel void add_bias(__global float *y, const ulong y_off, __global const float *bias,
                       const ulong bias_off, const int K, const int PQ, const int N) {
  const int i = get_global_id(0), k = get_global_id(1), n = get_global_id(2);
  if (i >= PQ || k >= K || n >= N) return;
  y[y_off + ((size_t)n * K + k) * PQ + i] += bias[bias_off + k];
}

/* Weight and bias gradients of a convolution: per-image partial weight gradients (vectors
   along output columns), their sum over the images, and the bias gradient. */
#ifdef WEIGHT_PARTIALS
/* Weight gradient of one image: part[n][k][c][r][s] = sum over p, q of dy[n][k][p][q] times
   xp[n][g*CG + c][p*SH + r*DH][q*SW + s*DW], VQ output columns at a time as one vector.
   xp is the zero-padded input, wide enough for the last tile's overhang; dy lanes past Q
   count zero. Required -D: VQ R S SH SW DH DW P Q XH XW CG KG G TILES_Q. */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define floatQ CAT(float, VQ)
#define vloadQ CAT(vload, VQ)
#define vstoreQ CAT(vstore, VQ)
#define K (G * KG)

inline floatQ load_strided(__global const float *row) {
#if SW == 1
  return vloadQ(0, row);
#else
  float v[VQ];
#pragma unroll
  for (int t = 0; t < VQ; t++) v[t] = row[t * SW];
  return vloadQ(0, v);
#endif
}

/* dy row values q0 .. q0+VQ, zero past Q. */
inline floatQ load_dy(__global const float *row, const int q0) {
  if (q0 + VQ <= Q) return vloadQ(0, row + q0);
  float v[VQ];
#pragma unroll
  for (int t = 0; t < VQ; t++) v[t] = q0 + t < Q ? row[q0 + t] : 0.0f;
  return vloadQ(0, v);
}

__kernel void conv2d_weight_partials(__global const float *xp, __global const float *dy,
                                     const ulong dy_off, __global float *part) {
  const int kc = get_global_id(0), n = get_global_id(1);
  if (kc >= K * CG) return;
  const int k = kc / CG, c = kc % CG, g = k / KG;
  floatQ acc[R][S];
#pragma unroll
  for (int r = 0; r < R; r++)
#pragma unroll
    for (int s = 0; s < S; s++) acc[r][s] = (floatQ)(0.0f);
  __global const float *dyk = dy + dy_off + ((size_t)n * K + k) * P * Q;
  __global const float *xc = xp + ((size_t)n * G * CG + (size_t)g * CG + c) * XH * XW;
  for (int p = 0; p < P; p++)
    for (int t = 0; t < TILES_Q; t++) {
      const int q0 = t * VQ;
      const floatQ d = load_dy(dyk + p * Q, q0);
#pragma unroll
      for (int r = 0; r < R; r++) {
        __global const float *row = xc + (p * SH + r * DH) * XW + q0 * SW;
#pragma unroll
        for (int s = 0; s < S; s++) acc[r][s] = fma(d, load_strided(row + s * DW), acc[r][s]);
      }
    }
  __global float *out = part + (((size_t)n * K + k) * CG + c) * (R * S);
#pragma unroll
  for (int r = 0; r < R; r++)
#pragma unroll
    for (int s = 0; s < S; s++) {
      float lanes[VQ];
      vstoreQ(acc[r][s], 0, lanes);
      float sum = 0.0f;
#pragma unroll
      for (int t = 0; t < VQ; t++) sum += lanes[t];
      out[r * S + s] = sum;
    }
}
#endif

/* dw[i] = (accumulate ? dw[i] : 0) + sum over the images of part[n][i]. */
__kernel void sum_partials(__global const float *part, __global float *dw, const ulong dw_off,
                           const ulong count, const int images, const int accumulate) {
  const size_t i = get_global_id(0);
  if (i >= count) return;
  float sum = accumulate ? dw[dw_off + i] : 0.0f;
  for (int n = 0; n < images; n++) sum += part[(size_t)n * count + i];
  dw[dw_off + i] = sum;
}

/* db[k] = (accumulate ? db[k] : 0) + sum of dy[n][k][..] over the images and pixels. */
__kernel void bias_gradient(__global const float *dy, const ulong dy_off, __global float *db,
                            const ulong db_off, const int filters, const int PQ, const int images,
                            const int accumulate) {
  const int k = get_global_id(0);
  if (k >= filters) return;
  float8 acc = (float8)(0.0f);
  float tail = 0.0f;
  for (int n = 0; n < images; n++) {
    __global const float *row = dy + dy_off + ((size_t)n * filters + k) * PQ;
    int i = 0;
    for (; i + 8 <= PQ; i += 8) acc += vload8(0, row + i);
    for (; i < PQ; i++) tail += row[i];
  }
  const float sum = acc.s0 + acc.s1 + acc.s2 + acc.s3 + acc.s4 + acc.s5 + acc.s6 + acc.s7 + tail;
  db[db_off + k] = accumulate ? db[db_off + k] + sum : sum;
}

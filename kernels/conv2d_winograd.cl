/* Winograd F(2x2, 3x3) convolution, fused: per work-item one 2x2 output tile for VEC output
   channels; per input channel the 4x4 input patch is transformed (V = B^T d B), multiplied
   elementwise with the 16 transformed filter vectors, and after the channel loop the 16
   accumulators are transformed back (Y = A^T M A). Zero-padded input, no bounds checks.
   Required -D: VEC C K KB XH XW P Q TILES_P TILES_Q. */

/* xp: input [images][C][XH][XW]; u: [KB][C][16][VEC]. NDRange (tile, image, KB). */
__kernel void conv2d_winograd(__global const float *xp, const ulong xp_off, __global const float *u,
                              __global const float *bias, const ulong bias_off, const int has_bias,
                              __global float *y, const ulong y_off) {
  const int t = get_global_id(0);
  if (t >= TILES_P * TILES_Q) return;
  const int tq = t % TILES_Q, tp = t / TILES_Q;
  const int n = get_global_id(1), kb = get_global_id(2);
  floatV m[16];
#pragma unroll
  for (int i = 0; i < 16; i++) m[i] = (floatV)(0.0f);
  __global const float *xc = xp + xp_off + (size_t)n * C * XH * XW + (2 * tp) * XW + 2 * tq;
  __global const float *uc = u + (size_t)kb * C * 16 * VEC;
  for (int c = 0; c < C; c++) {
    float d[4][4], b[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
      for (int j = 0; j < 4; j++) d[i][j] = xc[i * XW + j];
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const float d0 = d[0][j], d1 = d[1][j], d2 = d[2][j], d3 = d[3][j];
      d[0][j] = d0 - d2, d[1][j] = d1 + d2, d[2][j] = d2 - d1, d[3][j] = d1 - d3;
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
      b[i][0] = d[i][0] - d[i][2], b[i][1] = d[i][1] + d[i][2];
      b[i][2] = d[i][2] - d[i][1], b[i][3] = d[i][1] - d[i][3];
    }
#pragma unroll
    for (int i = 0; i < 16; i++) m[i] = fma((floatV)(b[i / 4][i % 4]), vloadV(i, uc), m[i]);
    xc += XH * XW;
    uc += 16 * VEC;
  }
  /* Y = A^T M A with A^T = [1 1 1 0; 0 1 -1 -1] */
  floatV s0[4], s1[4];
#pragma unroll
  for (int j = 0; j < 4; j++) {
    s0[j] = m[j] + m[4 + j] + m[8 + j];
    s1[j] = m[4 + j] - m[8 + j] - m[12 + j];
  }
  float out[4][VEC];
  vstoreV(s0[0] + s0[1] + s0[2], 0, out[0]);
  vstoreV(s0[1] - s0[2] - s0[3], 0, out[1]);
  vstoreV(s1[0] + s1[1] + s1[2], 0, out[2]);
  vstoreV(s1[1] - s1[2] - s1[3], 0, out[3]);
  const int p0 = 2 * tp, q0 = 2 * tq;
#pragma unroll
  for (int l = 0; l < VEC; l++) {
    const int k = kb * VEC + l;
    if (k >= K) break;
    const float bk = has_bias ? bias[bias_off + k] : 0.0f;
    __global float *yk = y + y_off + ((size_t)n * K + k) * P * Q;
#pragma unroll
    for (int o = 0; o < 4; o++) {
      const int p = p0 + o / 2, q = q0 + o % 2;
      if (p < P && q < Q) yk[p * Q + q] = out[o][l] + bk;
    }
  }
}

/* Input gradient of a convolution for any descriptor: one work-item per dx element gathers
   the dy elements whose windows covered it. With -D DEPTHWISE_DATA: the depthwise kernel
   below instead. */
#ifndef DEPTHWISE_DATA
__kernel void conv2d_backward_data(__global const float *dy, const ulong dy_off,
                                   __global const float *w, const ulong w_off, __global float *dx,
                                   const ulong dx_off, const int N, const int C, const int H,
                                   const int W, const int K, const int R, const int S, const int P,
                                   const int Q, const int groups, const int sh, const int sw,
                                   const int dh, const int dw, const int pt, const int pl) {
  const int iw = get_global_id(0), ih = get_global_id(1);
  const size_t nc = get_global_id(2);
  if (iw >= W || ih >= H || nc >= (size_t)N * C) return;
  const int c = (int)(nc % C), n = (int)(nc / C);
  const int cg = C / groups, kg = K / groups, g = c / cg, ci = c % cg;
  float acc = 0.0f;
  for (int r = 0; r < R; r++) {
    const int th = ih + pt - r * dh;
    if (th < 0 || th % sh != 0 || th / sh >= P) continue;
    for (int s = 0; s < S; s++) {
      const int tw = iw + pl - s * dw;
      if (tw < 0 || tw % sw != 0 || tw / sw >= Q) continue;
      const size_t pq = (size_t)(th / sh) * Q + tw / sw;
      for (int kk = 0; kk < kg; kk++) {
        const int k = g * kg + kk;
        acc = fma(dy[dy_off + ((size_t)n * K + k) * P * Q + pq],
                  w[w_off + (((size_t)k * cg + ci) * R + r) * S + s], acc);
      }
    }
  }
  dx[dx_off + nc * H * W + (size_t)ih * W + iw] = acc;
}
#else

/* Input gradient of a depthwise convolution (one channel per group, one filter each) at
   column stride 2, dilation 1 (-D R S SH PT PL VW, VW 8 or 16): a work-item owns 2 * VW
   consecutive columns of one dx row as its two column phases, VW columns each. Columns
   iw0 + 2t + b of phase b take only the taps s of the phase's parity, each from dy columns
   j0 + t (j0 = (iw0 + b + PL - s) / 2): one contiguous vector per tap row and tap, lanes
   outside dy zeroed. The phases are interleaved on the way out. */
#define floatW CAT(float, VW)
#define vloadW CAT(vload, VW)
#define vstoreW CAT(vstore, VW)

INLINE floatW dy_run(__global const float *row, const int j0, const int Q) {
  if (j0 >= 0 && j0 + VW <= Q) return vloadW(0, row + j0);
  float v[VW];
  for (int t = 0; t < VW; t++) v[t] = j0 + t >= 0 && j0 + t < Q ? row[j0 + t] : 0.0f;
  return vloadW(0, v);
}

__kernel void conv2d_depthwise_backward_data(__global const float *dy, const ulong dy_off,
                                             __global const float *w, const ulong w_off,
                                             __global float *dx, const ulong dx_off, const int NC,
                                             const int C, const int H, const int W, const int P,
                                             const int Q) {
  const int iw0 = get_global_id(0) * 2 * VW, ih = get_global_id(1), nc = get_global_id(2);
  if (iw0 >= W || ih >= H || nc >= NC) return;
  __global const float *dyc = dy + dy_off + (size_t)nc * P * Q;
  __global const float *wc = w + w_off + (size_t)(nc % C) * R * S;
  floatW acc[2] = {(floatW)(0.0f), (floatW)(0.0f)};
#pragma unroll
  for (int r = 0; r < R; r++) {
    const int th = ih + PT - r;
    if (th < 0 || th % SH != 0 || th / SH >= P) continue;
    __global const float *row = dyc + (size_t)(th / SH) * Q;
#pragma unroll
    for (int b = 0; b < 2; b++)
#pragma unroll
      for (int s = 0; s < S; s++) {
        const int tw0 = iw0 + b + PL - s; /* even: the phase's lanes take tap s */
        if (tw0 & 1) continue;
        acc[b] = fma((floatW)(wc[r * S + s]), dy_run(row, tw0 / 2, Q), acc[b]);
      }
  }
  __global float *out = dx + dx_off + ((size_t)nc * H + ih) * W + iw0;
  float lanes[2 * VW];
#if VW == 16
  vstore16(
      shuffle2(acc[0], acc[1], (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)), 0,
      lanes);
  vstore16(shuffle2(acc[0], acc[1],
                    (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)),
           0, lanes + 16);
#else
  vstore16(shuffle2(acc[0], acc[1], (uint16)(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15)),
           0, lanes);
#endif
  if (iw0 + 2 * VW <= W) {
    vstoreW(vloadW(0, lanes), 0, out);
    vstoreW(vloadW(0, lanes + VW), 0, out + VW);
    return;
  }
  for (int e = 0; e < W - iw0; e++) out[e] = lanes[e];
}
#endif

/* Input gradient of a convolution for any descriptor: one work-item per dx element gathers
   the dy elements whose windows covered it. */
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

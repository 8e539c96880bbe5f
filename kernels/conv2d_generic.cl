/* Direct convolution for any descriptor: one work-item per output element, bounds-checked. */
__kernel void conv2d_generic(__global const float *x, const ulong x_off, __global const float *w,
                             const ulong w_off, __global const float *bias, const ulong bias_off,
                             const int epi, __global float *y, const ulong y_off, const int N,
                             const int C, const int H, const int W, const int K, const int R,
                             const int S, const int P, const int Q, const int groups, const int sh,
                             const int sw, const int dh, const int dw, const int pt, const int pl) {
  const int q = get_global_id(0), p = get_global_id(1);
  const size_t nk = get_global_id(2);
  if (q >= Q || p >= P || nk >= (size_t)N * K) return;
  const int k = (int)(nk % K), n = (int)(nk / K);
  const int cg = C / groups, kg = K / groups, g = k / kg;
  __global const float *xn = x + x_off + ((size_t)n * C + (size_t)g * cg) * H * W;
  __global const float *wk = w + w_off + (size_t)k * cg * R * S;
  float acc = EPI_HAS_BIAS(epi) ? bias[bias_off + k] : 0.0f;
  const int ih0 = p * sh - pt, iw0 = q * sw - pl;
  for (int c = 0; c < cg; c++) {
    for (int r = 0; r < R; r++) {
      const int ih = ih0 + r * dh;
      if (ih < 0 || ih >= H) continue;
      for (int s = 0; s < S; s++) {
        const int iw = iw0 + s * dw;
        if (iw < 0 || iw >= W) continue;
        acc = fma(xn[((size_t)c * H + ih) * W + iw], wk[(c * R + r) * S + s], acc);
      }
    }
  }
  __global float *at = y + y_off + nk * P * Q + (size_t)p * Q + q;
  *at = EPI_ACT(float, EPI_RESIDUAL(epi) ? acc + *at : acc, epi);
}

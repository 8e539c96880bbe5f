/* Max and average pooling per channel, one work-item per output element (PyTorch semantics).
   Built generic (window and mode as arguments) or, with -D FIXED_WINDOW, with the window size
   and mode compiled in so that the loops unroll and PoCL can vectorize across work-items. */
#ifdef FIXED_WINDOW
#define KH_ FIXED_KH
#define KW_ FIXED_KW
#define MODE_ FIXED_MODE
#define INCLUDE_PAD_ FIXED_INCLUDE_PAD
#define UNROLL _Pragma("unroll")
#else
#define KH_ kh
#define KW_ kw
#define MODE_ mode
#define INCLUDE_PAD_ include_pad
#define UNROLL
#endif

__kernel void pool2d(__global const float *x, const ulong x_off, __global float *y,
                     const ulong y_off, const int NC, const int H, const int W, const int P,
                     const int Q, const int kh, const int kw, const int sh, const int sw,
                     const int pt, const int pl, const int pb, const int pr, const int mode,
                     const int include_pad) {
  const int q = get_global_id(0), p = get_global_id(1), nc = get_global_id(2);
  if (q >= Q || p >= P || nc >= NC) return;
  const int hstart = p * sh - pt, wstart = q * sw - pl;
  __global const float *xc = x + x_off + (size_t)nc * H * W;
  float result;
  if (MODE_ == 0) {
    float m = -INFINITY;
    UNROLL for (int i = 0; i < KH_; i++) {
      const int ih = hstart + i;
      UNROLL for (int j = 0; j < KW_; j++) {
        const int iw = wstart + j;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
          const float v = xc[ih * W + iw];
          m = (v > m || isnan(v)) ? v : m;
        }
      }
    }
    result = m;
  } else {
    float sum = 0.0f;
    int count = 0;
    UNROLL for (int i = 0; i < KH_; i++) {
      const int ih = hstart + i;
      UNROLL for (int j = 0; j < KW_; j++) {
        const int iw = wstart + j;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
          sum += xc[ih * W + iw];
          count++;
        }
      }
    }
    const int padded = (min(hstart + KH_, H + pb) - hstart) * (min(wstart + KW_, W + pr) - wstart);
    result = sum / (float)(INCLUDE_PAD_ ? padded : count);
  }
  y[y_off + ((size_t)nc * P + p) * Q + q] = result;
}

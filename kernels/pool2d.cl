/* Max and average pooling per channel with PyTorch's semantics: padding never wins a max,
   NaN propagates, the average divides by the window clipped to the padded input
   (include_pad) or by the in-input count.
   pool2d: one output per work-item, window as arguments (any size).
   pool2d_global: one output per work-item from its whole plane (global pooling).
   pool2d_rows (built with -D ROWS_KERNEL KH KW SW MODE INCLUDE_PAD VQ): one output row per
   work-item, VQ outputs at a time as one vector with the window unrolled; the few windows
   that reach into the left or right padding take the scalar path. */

/* The window kh x kw from (hstart, wstart), clipped to the H x W plane xc: the index i*W + j
   of its first maximum in row-major order (a later NaN takes over, as in PyTorch; -1 for an
   empty window), and the divisor of its average (the window clipped to the padded input, or
   its in-input count). */
int window_argmax(__global const float *xc, const int H, const int W, const int hstart,
                  const int wstart, const int kh, const int kw) {
  float m = -INFINITY;
  int best = -1;
  for (int i = max(hstart, 0); i < min(hstart + kh, H); i++)
    for (int j = max(wstart, 0); j < min(wstart + kw, W); j++) {
      const float v = xc[i * W + j];
      if (v > m || isnan(v) || best < 0) m = v, best = i * W + j;
    }
  return best;
}

float window_divisor(const int H, const int W, const int hstart, const int wstart, const int kh,
                     const int kw, const int pb, const int pr, const int include_pad) {
  if (include_pad)
    return (float)((min(hstart + kh, H + pb) - hstart) * (min(wstart + kw, W + pr) - wstart));
  return (float)((min(hstart + kh, H) - max(hstart, 0)) * (min(wstart + kw, W) - max(wstart, 0)));
}

float pool_window(__global const float *xc, const int H, const int W, const int hstart,
                  const int wstart, const int kh, const int kw, const int pb, const int pr,
                  const int mode, const int include_pad) {
  if (mode == 0) {
    const int best = window_argmax(xc, H, W, hstart, wstart, kh, kw);
    return best >= 0 ? xc[best] : -INFINITY;
  }
  float sum = 0.0f;
  for (int i = max(hstart, 0); i < min(hstart + kh, H); i++)
    for (int j = max(wstart, 0); j < min(wstart + kw, W); j++) sum += xc[i * W + j];
  return sum / window_divisor(H, W, hstart, wstart, kh, kw, pb, pr, include_pad);
}

__kernel void pool2d(__global const float *x, const ulong x_off, __global float *y,
                     const ulong y_off, const int NC, const int H, const int W, const int P,
                     const int Q, const int kh, const int kw, const int sh, const int sw,
                     const int pt, const int pl, const int pb, const int pr, const int mode,
                     const int include_pad) {
  const int q = get_global_id(0), p = get_global_id(1), nc = get_global_id(2);
  if (q >= Q || p >= P || nc >= NC) return;
  y[y_off + ((size_t)nc * P + p) * Q + q] =
      pool_window(x + x_off + (size_t)nc * H * W, H, W, p * sh - pt, q * sw - pl, kh, kw, pb, pr,
                  mode, include_pad);
}

/* Global pooling, one plane of HW elements per work-item: the max (NaN if any element is
   NaN) or the mean, accumulated in the lanes of float8 loads. */
__kernel void pool2d_global(__global const float *x, const ulong x_off, __global float *y,
                            const ulong y_off, const int NC, const int HW, const int mode) {
  const int nc = get_global_id(0);
  if (nc >= NC) return;
  __global const float *xc = x + x_off + (size_t)nc * HW;
  float8 acc = mode == 0 ? (float8)(-INFINITY) : (float8)(0.0f);
  int i = 0;
  for (; i + 8 <= HW; i += 8) {
    const float8 v = vload8(0, xc + i);
    acc = mode == 0 ? select(acc, v, isgreater(v, acc) | isnan(v)) : acc + v;
  }
  float values[8 + 7]; /* the lanes, then the tail */
  vstore8(acc, 0, values);
  int count = 8;
  for (; i < HW; i++) values[count++] = xc[i];
  float r = mode == 0 ? -INFINITY : 0.0f;
  for (int l = 0; l < count; l++)
    r = mode != 0 ? r + values[l] : values[l] > r || isnan(values[l]) ? values[l] : r;
  y[y_off + nc] = mode == 0 ? r : r / (float)HW;
}

/* dx for one input element: the gradients of every window that covers it, to the first
   maximum of the window in row-major order (later NaNs take over, as in PyTorch) or spread
   with the forward divisor. */
__kernel void pool2d_backward(__global const float *x, const ulong x_off, __global const float *dy,
                              const ulong dy_off, __global float *dx, const ulong dx_off,
                              const int NC, const int H, const int W, const int P, const int Q,
                              const int kh, const int kw, const int sh, const int sw, const int pt,
                              const int pl, const int pb, const int pr, const int mode,
                              const int include_pad) {
  const int iw = get_global_id(0), ih = get_global_id(1), nc = get_global_id(2);
  if (iw >= W || ih >= H || nc >= NC) return;
  __global const float *xc = x + x_off + (size_t)nc * H * W;
  __global const float *dyc = dy + dy_off + (size_t)nc * P * Q;
  const int p_lo = max(0, (ih + pt - kh + sh) / sh), p_hi = min(P - 1, (ih + pt) / sh);
  const int q_lo = max(0, (iw + pl - kw + sw) / sw), q_hi = min(Q - 1, (iw + pl) / sw);
  float acc = 0.0f;
  for (int p = p_lo; p <= p_hi; p++)
    for (int q = q_lo; q <= q_hi; q++) {
      const int hstart = p * sh - pt, wstart = q * sw - pl;
      if (mode != 0)
        acc += dyc[p * Q + q] / window_divisor(H, W, hstart, wstart, kh, kw, pb, pr, include_pad);
      else if (window_argmax(xc, H, W, hstart, wstart, kh, kw) == ih * W + iw)
        acc += dyc[p * Q + q];
    }
  dx[dx_off + (size_t)nc * H * W + (size_t)ih * W + iw] = acc;
}

/* Backward for overlapping windows, one (n, c) plane per work-item: the plane's dx is zeroed,
   then each output in row-major order adds its gradient to its window's first maximum (a
   later NaN takes over, as in PyTorch) or spreads it with the forward divisor. One owner per
   plane: no two work-items touch the same element, and every element sums its windows in
   output order. */
__kernel void pool2d_backward_plane(__global const float *x, const ulong x_off,
                                    __global const float *dy, const ulong dy_off,
                                    __global float *dx, const ulong dx_off, const int NC,
                                    const int H, const int W, const int P, const int Q,
                                    const int kh, const int kw, const int sh, const int sw,
                                    const int pt, const int pl, const int pb, const int pr,
                                    const int mode, const int include_pad) {
  const int nc = get_global_id(0);
  if (nc >= NC) return;
  __global const float *xc = x + x_off + (size_t)nc * H * W;
  __global const float *dyc = dy + dy_off + (size_t)nc * P * Q;
  __global float *dxc = dx + dx_off + (size_t)nc * H * W;
  for (int i = 0; i < H * W; i++) dxc[i] = 0.0f;
  for (int p = 0; p < P; p++) {
    const int hstart = p * sh - pt, i0 = max(hstart, 0), i1 = min(hstart + kh, H);
    for (int q = 0; q < Q; q++) {
      const int wstart = q * sw - pl, j0 = max(wstart, 0), j1 = min(wstart + kw, W);
      const float g = dyc[p * Q + q];
      if (mode == 0) {
        const int best = window_argmax(xc, H, W, hstart, wstart, kh, kw);
        if (best >= 0) dxc[best] += g;
      } else {
        const float share = g / window_divisor(H, W, hstart, wstart, kh, kw, pb, pr, include_pad);
        for (int i = i0; i < i1; i++)
          for (int j = j0; j < j1; j++) dxc[i * W + j] += share;
      }
    }
  }
}

#ifdef SCATTER_KERNEL
/* Backward for windows that do not overlap (stride >= window): each output writes its own
   window's share of dx, so no two work-items write the same element. Elements outside every
   window were zeroed before. Required -D: KH KW MODE INCLUDE_PAD. */
__kernel void pool2d_backward_scatter(__global const float *x, const ulong x_off,
                                      __global const float *dy, const ulong dy_off,
                                      __global float *dx, const ulong dx_off, const int NC,
                                      const int H, const int W, const int P, const int Q,
                                      const int sh, const int sw, const int pt, const int pl,
                                      const int pb, const int pr) {
  const int q = get_global_id(0), p = get_global_id(1), nc = get_global_id(2);
  if (q >= Q || p >= P || nc >= NC) return;
  const size_t plane = (size_t)nc * H * W;
  __global const float *xc = x + x_off + plane;
  __global float *dxc = dx + dx_off + plane;
  const int hstart = p * sh - pt, wstart = q * sw - pl;
  const float g = dy[dy_off + ((size_t)nc * P + p) * Q + q];
  if (MODE == 0) {
    const int best = window_argmax(xc, H, W, hstart, wstart, KH, KW);
#pragma unroll
    for (int i = 0; i < KH; i++)
#pragma unroll
      for (int j = 0; j < KW; j++) {
        const int ih = hstart + i, iw = wstart + j;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W)
          dxc[ih * W + iw] = ih * W + iw == best ? g : 0.0f;
      }
  } else {
    const float share = g / window_divisor(H, W, hstart, wstart, KH, KW, pb, pr, INCLUDE_PAD);
#pragma unroll
    for (int i = 0; i < KH; i++)
#pragma unroll
      for (int j = 0; j < KW; j++) {
        const int ih = hstart + i, iw = wstart + j;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W) dxc[ih * W + iw] = share;
      }
  }
}
#endif

#ifdef TILES_BACKWARD
/* Backward for windows that tile the input (stride = window, no padding), one output row per
   work-item: VQ outputs at a time, the window's values loaded as vectors, the first maximum
   (a later NaN takes over) chosen with vector selects, and the row's KH input rows written
   whole: each output's gradient at its maximum (or spread evenly), zeros elsewhere, and the
   rows and columns no window covers zeroed. Required -D: KH KW MODE VQ. */

/* row[t * KW + j] for t < VQ and every j < KW, as KW vectors. */
inline void load_window_row(__global const float *row, floatQ v[KW]) {
#if KW == 2 && VQ == 8
  const float16 pair = vload16(0, row);
  v[0] = pair.even, v[1] = pair.odd;
#elif KW == 2 && VQ == 4
  const float8 pair = vload8(0, row);
  v[0] = pair.even, v[1] = pair.odd;
#else
  float t[KW][VQ];
#pragma unroll
  for (int e = 0; e < VQ * KW; e++) t[e % KW][e / KW] = row[e];
#pragma unroll
  for (int j = 0; j < KW; j++) v[j] = vloadQ(0, t[j]);
#endif
}

/* dx for the VQ windows from column q * KW: KH rows of VQ * KW values. */
inline void tile_backward(__global const float *xc, __global const float *dyr, __global float *dxc,
                          const int W, const int q) {
  const floatQ g = vloadQ(0, dyr + q);
  floatQ share[KH][KW];
#if MODE == 0
  floatQ v[KH][KW];
#pragma unroll
  for (int i = 0; i < KH; i++) load_window_row(xc + i * W + q * KW, v[i]);
  floatQ best = v[0][0];
  intQ idx = (intQ)(0);
#pragma unroll
  for (int t = 1; t < KH * KW; t++) {
    const floatQ c = v[t / KW][t % KW];
    const intQ take = isgreater(c, best) | isnan(c);
    best = select(best, c, take);
    idx = select(idx, (intQ)(t), take);
  }
#pragma unroll
  for (int t = 0; t < KH * KW; t++) share[t / KW][t % KW] = select((floatQ)(0.0f), g, idx == t);
#else
#pragma unroll
  for (int t = 0; t < KH * KW; t++) share[t / KW][t % KW] = g / (float)(KH * KW);
#endif
#pragma unroll
  for (int i = 0; i < KH; i++) {
    float out[VQ * KW];
#pragma unroll
    for (int j = 0; j < KW; j++) {
      float lanes[VQ];
      vstoreQ(share[i][j], 0, lanes);
#pragma unroll
      for (int t = 0; t < VQ; t++) out[t * KW + j] = lanes[t];
    }
#pragma unroll
    for (int e = 0; e < VQ * KW; e++) dxc[i * W + q * KW + e] = out[e];
  }
}

/* Q >= VQ: whole tiles, the last one overlapping its neighbour when Q is not a multiple. */
__kernel void pool2d_backward_tiles(__global const float *x, const ulong x_off,
                                    __global const float *dy, const ulong dy_off,
                                    __global float *dx, const ulong dx_off, const int NC,
                                    const int H, const int W, const int P, const int Q) {
  const int p = get_global_id(0), nc = get_global_id(1);
  if (p >= P || nc >= NC) return;
  __global const float *xc = x + x_off + ((size_t)nc * H + p * KH) * W;
  __global const float *dyr = dy + dy_off + ((size_t)nc * P + p) * Q;
  __global float *dxc = dx + dx_off + ((size_t)nc * H + p * KH) * W;
  for (int q = 0; q + VQ <= Q; q += VQ) tile_backward(xc, dyr, dxc, W, q);
  if (Q % VQ) tile_backward(xc, dyr, dxc, W, Q - VQ);
  for (int i = 0; i < KH; i++) /* columns right of the last window */
    for (int j = Q * KW; j < W; j++) dxc[i * W + j] = 0.0f;
  if (p == P - 1) /* rows below the last window */
    for (int e = KH * W; e < (H - p * KH) * W; e++) dxc[e] = 0.0f;
}
#endif

#ifdef ROWS_KERNEL

/* VQ values row[t * SW] for t < VQ. */
inline floatQ load_strided(__global const float *row) {
#if SW == 1
  return vloadQ(0, row);
#elif SW == 2 && VQ == 8
  return vload16(0, row).even;
#else
  float v[VQ];
#pragma unroll
  for (int t = 0; t < VQ; t++) v[t] = row[t * SW];
  return vloadQ(0, v);
#endif
}

/* Elements a tile needs from each row, and the elements its loads touch (vload16 for
   stride 2 reads one past the last needed one). */
#define NEEDED_SPAN ((VQ - 1) * SW + KW)
#if SW == 2 && VQ == 8
#define READ_SPAN (KW - 1 + 16)
#else
#define READ_SPAN NEEDED_SPAN
#endif

inline floatQ combine(const floatQ acc, const floatQ v) {
  return MODE == 0 ? select(acc, v, isgreater(v, acc) | isnan(v)) : acc + v;
}

/* VQ outputs from q0 whose windows lie inside the row; rows outside the input are skipped
   (uniformly for the whole tile). */
inline void vector_tile(__global const float *xc, __global float *yr, const int H, const int W,
                        const int hstart, const int q0, const int pl, const float divisor) {
  floatQ acc = MODE == 0 ? (floatQ)(-INFINITY) : (floatQ)(0.0f);
#pragma unroll
  for (int i = 0; i < KH; i++) {
    const int ih = hstart + i;
    if (ih < 0 || ih >= H) continue;
    __global const float *row = xc + ih * W + q0 * SW - pl;
#pragma unroll
    for (int j = 0; j < KW; j++) acc = combine(acc, load_strided(row + j));
  }
  if (MODE != 0) acc /= (floatQ)(divisor);
  vstoreQ(acc, 0, yr + q0);
}

__kernel void pool2d_rows(__global const float *x, const ulong x_off, __global float *y,
                          const ulong y_off, const int NC, const int H, const int W, const int P,
                          const int Q, const int sh, const int pt, const int pl, const int pb,
                          const int pr) {
  const int p = get_global_id(0), nc = get_global_id(1);
  if (p >= P || nc >= NC) return;
  __global const float *xc = x + x_off + (size_t)nc * H * W;
  __global float *yr = y + y_off + ((size_t)nc * P + p) * Q;
  const int hstart = p * sh - pt;
  /* every window of this row that lies inside the columns has the same divisor */
  const float divisor = window_divisor(H, W, hstart, 0, KH, KW, pb, pr, INCLUDE_PAD);
  /* the overread past the needed span may leave the tensor only on its very last row */
  const int at_end = nc == NC - 1 && hstart + KH >= H;
  const int span = at_end ? READ_SPAN : NEEDED_SPAN;
  const int q_lo = min((pl + SW - 1) / SW, Q); /* first window clear of the left padding */
  int q = 0;
  for (; q < q_lo; q++)
    yr[q] = pool_window(xc, H, W, hstart, q * SW - pl, KH, KW, pb, pr, MODE, INCLUDE_PAD);
  for (; q + VQ <= Q && q * SW - pl + span <= W; q += VQ)
    vector_tile(xc, yr, H, W, hstart, q, pl, divisor);
  if (q < Q && Q - VQ >= q_lo && (Q - VQ) * SW - pl + span <= W) { /* overlapping last tile */
    vector_tile(xc, yr, H, W, hstart, Q - VQ, pl, divisor);
    q = Q;
  }
  for (; q < Q; q++)
    yr[q] = pool_window(xc, H, W, hstart, q * SW - pl, KH, KW, pb, pr, MODE, INCLUDE_PAD);
}

/* dx += the gradient g of one window (scalar): to its first maximum, or spread. */
inline void window_backward(__global const float *xc, __global float *dxc, const int H, const int W,
                            const int hstart, const int wstart, const int pb, const int pr,
                            const float g) {
  if (MODE == 0) {
    const int best = window_argmax(xc, H, W, hstart, wstart, KH, KW);
    if (best >= 0) dxc[best] += g;
    return;
  }
  const int i0 = max(hstart, 0), i1 = min(hstart + KH, H);
  const int j0 = max(wstart, 0), j1 = min(wstart + KW, W);
  const float share = g / window_divisor(H, W, hstart, wstart, KH, KW, pb, pr, INCLUDE_PAD);
  for (int i = i0; i < i1; i++)
    for (int j = j0; j < j1; j++) dxc[i * W + j] += share;
}

/* dx += the gradients of VQ windows from q0 that lie inside the row: each window's share
   added in registers first (neighbouring windows overlap), then once to each dx row. */
inline void vector_tile_backward(__global const float *xc, __global float *dxc,
                                 __global const float *dyr, const int H, const int W,
                                 const int hstart, const int q0, const int pl,
                                 const float divisor) {
  const floatQ g = vloadQ(0, dyr + q0);
#if MODE == 0
  floatQ best = (floatQ)(-INFINITY);
  intQ idx = (intQ)(-1);
#pragma unroll
  for (int i = 0; i < KH; i++) {
    const int ih = hstart + i;
    if (ih < 0 || ih >= H) continue;
    __global const float *row = xc + ih * W + q0 * SW - pl;
#pragma unroll
    for (int j = 0; j < KW; j++) {
      const floatQ c = load_strided(row + j);
      const intQ take = isgreater(c, best) | isnan(c) | (idx < 0);
      best = select(best, c, take);
      idx = select(idx, (intQ)(i * KW + j), take);
    }
  }
#else
  const floatQ share = g / (floatQ)(divisor);
#endif
#pragma unroll
  for (int i = 0; i < KH; i++) {
    const int ih = hstart + i;
    if (ih < 0 || ih >= H) continue;
    __global float *out = dxc + ih * W + q0 * SW - pl;
#if SW == 2 && KW == 3 && VQ == 8
    /* 3-wide windows at stride 2: tap 1 lands on the odd elements, taps 0 and 2 (of the next
       window to the left) share the even ones; put together with shuffles, added as one
       vector plus the last element */
#if MODE == 0
    const floatQ c0 = select((floatQ)(0.0f), g, idx == i * 3);
    const floatQ c1 = select((floatQ)(0.0f), g, idx == i * 3 + 1);
    const floatQ c2 = select((floatQ)(0.0f), g, idx == i * 3 + 2);
#else
    const floatQ c0 = share, c1 = share, c2 = share;
#endif
    const float8 even = c0 + shuffle2((float8)(0.0f), c2, (uint8)(0, 8, 9, 10, 11, 12, 13, 14));
    const float16 both =
        shuffle2(even, c1, (uint16)(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
    vstore16(vload16(0, out) + both, 0, out);
    out[16] += c2.s7;
#else
    float r[NEEDED_SPAN];
#pragma unroll
    for (int e = 0; e < NEEDED_SPAN; e++) r[e] = 0.0f;
#pragma unroll
    for (int j = 0; j < KW; j++) {
      float lanes[VQ];
#if MODE == 0
      vstoreQ(select((floatQ)(0.0f), g, idx == i * KW + j), 0, lanes);
#else
      vstoreQ(share, 0, lanes);
#endif
#pragma unroll
      for (int t = 0; t < VQ; t++) r[t * SW + j] += lanes[t];
    }
#pragma unroll
    for (int e = 0; e < NEEDED_SPAN; e++) out[e] += r[e];
#endif
  }
}

/* Backward for overlapping windows, one output row per work-item, dx zeroed before. The
   rows run in `phases` launches (phase = p mod phases) whose windows share no input row, so
   no two work-items add to the same element; each element sums its windows in output
   order. */
__kernel void pool2d_backward_rows(__global const float *x, const ulong x_off,
                                   __global const float *dy, const ulong dy_off, __global float *dx,
                                   const ulong dx_off, const int NC, const int H, const int W,
                                   const int P, const int Q, const int sh, const int pt,
                                   const int pl, const int pb, const int pr, const int phase,
                                   const int phases) {
  const int p = phase + phases * get_global_id(0), nc = get_global_id(1);
  if (p >= P || nc >= NC) return;
  __global const float *xc = x + x_off + (size_t)nc * H * W;
  __global const float *dyr = dy + dy_off + ((size_t)nc * P + p) * Q;
  __global float *dxc = dx + dx_off + (size_t)nc * H * W;
  const int hstart = p * sh - pt;
  /* every window of this row that lies inside the columns has the same divisor */
  const float divisor = window_divisor(H, W, hstart, 0, KH, KW, pb, pr, INCLUDE_PAD);
  const int at_end = nc == NC - 1 && hstart + KH >= H;
  const int span = at_end ? READ_SPAN : NEEDED_SPAN;
  const int q_lo = min((pl + SW - 1) / SW, Q);
  int q = 0;
  for (; q < q_lo; q++) window_backward(xc, dxc, H, W, hstart, q * SW - pl, pb, pr, dyr[q]);
  for (; q + VQ <= Q && q * SW - pl + span <= W; q += VQ)
    vector_tile_backward(xc, dxc, dyr, H, W, hstart, q, pl, divisor);
  for (; q < Q; q++) window_backward(xc, dxc, H, W, hstart, q * SW - pl, pb, pr, dyr[q]);
}
#endif

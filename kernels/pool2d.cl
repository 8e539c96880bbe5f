/* Max and average pooling per channel with PyTorch's semantics: padding never wins a max,
   NaN propagates, the average divides by the window clipped to the padded input
   (include_pad) or by the in-input count.
   pool2d: one output per work-item, window as arguments (any size).
   pool2d_global: one output per work-item from its whole plane (global pooling).
   pool2d_rows (built with -D ROWS_KERNEL KH KW SW MODE INCLUDE_PAD VQ): one output row per
   work-item, VQ outputs at a time as one vector with the window unrolled; the few windows
   that reach into the left or right padding take the scalar path.
   With -D INDEXED (max only) the forward kernels also store, per output, the position of its
   window's maximum in the input plane (h * W + w, as a float), and the backward kernels read
   those positions instead of searching x: pool2d_indexed and pool2d_backward_indexed (the
   generic program), pool2d_rows and pool2d_backward_bands built with INDEXED. */

/* The window kh x kw from (hstart, wstart), clipped to the H x W plane xc: the index i*W + j
   of its first maximum in row-major order (a later NaN takes over, as in PyTorch; -1 for an
   empty window), and the divisor of its average (the window clipped to the padded input, or
   its in-input count). */
INLINE int window_argmax(__global const float *xc, const int H, const int W, const int hstart,
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

INLINE float window_divisor(const int H, const int W, const int hstart, const int wstart,
                            const int kh, const int kw, const int pb, const int pr,
                            const int include_pad) {
  if (include_pad)
    return (float)((min(hstart + kh, H + pb) - hstart) * (min(wstart + kw, W + pr) - wstart));
  return (float)((min(hstart + kh, H) - max(hstart, 0)) * (min(wstart + kw, W) - max(wstart, 0)));
}

INLINE float pool_window(__global const float *xc, const int H, const int W, const int hstart,
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

#ifdef WORKGROUP_POOL
/* The work-group family's forward (-D WORKGROUP_POOL TQ TP KH KW SH SW MODE INCLUDE_PAD): a
   work-group of TQ x TP work-items computes a TQ x TP block of outputs of one plane; it first
   copies the input patch all their windows cover into local memory, neighbouring work-items
   reading neighbouring elements (padding as -infinity for max, 0 for average), then each
   work-item reduces its window from there. */
#define PATCH_ROWS ((TP - 1) * SH + KH)
#define PATCH_COLS ((TQ - 1) * SW + KW)
__kernel __attribute__((reqd_work_group_size(TQ, TP, 1))) void
pool2d_patch(__global const float *x, const ulong x_off, __global float *y, const ulong y_off,
             const int NC, const int H, const int W, const int P, const int Q, const int pt,
             const int pl, const int pb, const int pr) {
  __local float patch[PATCH_ROWS][PATCH_COLS];
  const int q0 = get_group_id(0) * TQ, p0 = get_group_id(1) * TP, nc = get_group_id(2);
  const int h0 = p0 * SH - pt, w0 = q0 * SW - pl;
  __global const float *xc = x + x_off + (size_t)nc * H * W;
  const float outside = MODE == 0 ? -INFINITY : 0.0f;
  for (int e = get_local_id(1) * TQ + get_local_id(0); e < PATCH_ROWS * PATCH_COLS; e += TQ * TP) {
    const int h = h0 + e / PATCH_COLS, w = w0 + e % PATCH_COLS;
    patch[e / PATCH_COLS][e % PATCH_COLS] =
        h >= 0 && h < H && w >= 0 && w < W ? xc[h * W + w] : outside;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  const int q = q0 + get_local_id(0), p = p0 + get_local_id(1);
  if (q >= Q || p >= P) return;
  const int i0 = get_local_id(1) * SH, j0 = get_local_id(0) * SW;
  float acc = outside;
  for (int i = 0; i < KH; i++)
    for (int j = 0; j < KW; j++) {
      const float v = patch[i0 + i][j0 + j];
      acc = MODE != 0 ? acc + v : v > acc || isnan(v) ? v : acc;
    }
  if (MODE != 0) acc /= window_divisor(H, W, p * SH - pt, q * SW - pl, KH, KW, pb, pr, INCLUDE_PAD);
  y[y_off + ((size_t)nc * P + p) * Q + q] = acc;
}
#endif

/* The generic kernels, each in a program of its own (the ALONE / WANT_ guards: see
   clcnn_kernel_get_alone); a program specialized for one window (rows, bands, tiles, scatter,
   patches) compiles its own kernel alone. */
#if !defined(ROWS_KERNEL) && !defined(BANDS_BACKWARD) && !defined(TILES_BACKWARD) &&               \
    !defined(SCATTER_KERNEL) && !defined(WORKGROUP_POOL)
#if !defined(ALONE) || defined(WANT_pool2d)
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
#endif

/* Global pooling, one plane of HW elements per work-item: the max (NaN if any element is
   NaN) or the mean, accumulated in the lanes of float8 loads. */
#if !defined(ALONE) || defined(WANT_pool2d_global)
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
#endif

/* dx for one input element: the gradients of every window that covers it, to the first
   maximum of the window in row-major order (later NaNs take over, as in PyTorch) or spread
   with the forward divisor. */
#if !defined(ALONE) || defined(WANT_pool2d_backward)
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
#endif

/* Max pooling that records where each maximum is: y as pool2d, ind the maximum's position
   in its plane (-1 for a window without input elements). */
#if !defined(ALONE) || defined(WANT_pool2d_indexed)
__kernel void pool2d_indexed(__global const float *x, const ulong x_off, __global float *y,
                             const ulong y_off, __global float *ind, const ulong ind_off,
                             const int NC, const int H, const int W, const int P, const int Q,
                             const int kh, const int kw, const int sh, const int sw, const int pt,
                             const int pl) {
  const int q = get_global_id(0), p = get_global_id(1), nc = get_global_id(2);
  if (q >= Q || p >= P || nc >= NC) return;
  __global const float *xc = x + x_off + (size_t)nc * H * W;
  const int best = window_argmax(xc, H, W, p * sh - pt, q * sw - pl, kh, kw);
  const size_t o = ((size_t)nc * P + p) * Q + q;
  y[y_off + o] = best >= 0 ? xc[best] : -INFINITY;
  ind[ind_off + o] = (float)best;
}
#endif

/* dx for one input element from the recorded positions: the gradients of the windows that
   cover it and whose maximum it is. */
#if !defined(ALONE) || defined(WANT_pool2d_backward_indexed)
__kernel void pool2d_backward_indexed(__global const float *ind, const ulong ind_off,
                                      __global const float *dy, const ulong dy_off,
                                      __global float *dx, const ulong dx_off, const int NC,
                                      const int H, const int W, const int P, const int Q,
                                      const int kh, const int kw, const int sh, const int sw,
                                      const int pt, const int pl) {
  const int iw = get_global_id(0), ih = get_global_id(1), nc = get_global_id(2);
  if (iw >= W || ih >= H || nc >= NC) return;
  __global const float *ic = ind + ind_off + (size_t)nc * P * Q;
  __global const float *dyc = dy + dy_off + (size_t)nc * P * Q;
  const int p_lo = max(0, (ih + pt - kh + sh) / sh), p_hi = min(P - 1, (ih + pt) / sh);
  const int q_lo = max(0, (iw + pl - kw + sw) / sw), q_hi = min(Q - 1, (iw + pl) / sw);
  const float here = (float)(ih * W + iw);
  float acc = 0.0f;
  for (int p = p_lo; p <= p_hi; p++)
    for (int q = q_lo; q <= q_hi; q++)
      if (ic[p * Q + q] == here) acc += dyc[p * Q + q];
  dx[dx_off + (size_t)nc * H * W + (size_t)ih * W + iw] = acc;
}
#endif

/* Backward for overlapping windows, one (n, c) plane per work-item: the plane's dx is zeroed,
   then each output in row-major order adds its gradient to its window's first maximum (a
   later NaN takes over, as in PyTorch) or spreads it with the forward divisor. One owner per
   plane: no two work-items touch the same element, and every element sums its windows in
   output order. */
#if !defined(ALONE) || defined(WANT_pool2d_backward_plane)
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
#endif
#endif

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
INLINE void load_window_row(__global const float *row, floatQ v[KW]) {
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
INLINE void tile_backward(__global const float *xc, __global const float *dyr, __global float *dxc,
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

#if defined(ROWS_KERNEL) || defined(BANDS_BACKWARD)

/* VQ values row[t * SW] for t < VQ. */
INLINE floatQ load_strided(__global const float *row) {
#if SW == 1
  return vloadQ(0, row);
#elif SW == 2 && VQ == 8
  return vload16(0, row).even;
#elif SW == 2 && VQ == 16
  return (float16)(vload16(0, row).even, vload16(0, row + 16).even);
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
#if SW == 2 && (VQ == 8 || VQ == 16)
#define READ_SPAN (KW - 1 + 2 * VQ)
#else
#define READ_SPAN NEEDED_SPAN
#endif

#ifdef INDEXED
#if MODE != 0
#error "positions of maxima (INDEXED) belong to max pooling (MODE 0)"
#endif
/* lane t: t * SW */
INLINE intQ lane_columns(void) {
  int c[VQ];
#pragma unroll
  for (int t = 0; t < VQ; t++) c[t] = t * SW;
  return vloadQ(0, c);
}
#endif
#endif

#ifdef ROWS_KERNEL
INLINE floatQ combine(const floatQ acc, const floatQ v) {
  return MODE == 0 ? select(acc, v, isgreater(v, acc) | isnan(v)) : acc + v;
}

/* VQ outputs from q0 whose windows lie inside the row; rows outside the input are skipped
   (uniformly for the whole tile). */
INLINE void vector_tile(__global const float *xc, __global float *yr, const int H, const int W,
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

#ifdef INDEXED
/* vector_tile's maxima, and their positions in the plane to ir (the first tap in the input
   holds until a larger value or a NaN comes, as in window_argmax). The winning tap is kept
   as its number i * KW + j (a constant at each unrolled tap), starting at the first tap of
   the first row in the input, and made a position once at the end. */
INLINE void vector_tile_indexed(__global const float *xc, __global float *yr, __global float *ir,
                                const int H, const int W, const int hstart, const int q0,
                                const int pl) {
  floatQ acc = (floatQ)(-INFINITY);
  intQ tap = (intQ)(max(-hstart, 0) * KW);
  const int c0 = q0 * SW - pl;
#pragma unroll
  for (int i = 0; i < KH; i++) {
    const int ih = hstart + i;
    if (ih < 0 || ih >= H) continue;
    __global const float *row = xc + ih * W + c0;
#pragma unroll
    for (int j = 0; j < KW; j++) {
      const floatQ v = load_strided(row + j);
      const intQ take = isgreater(v, acc) | isnan(v);
      acc = select(acc, v, take);
      tap = select(tap, (intQ)(i * KW + j), take);
    }
  }
  vstoreQ(acc, 0, yr + q0);
  const intQ pos = ((intQ)(hstart) + tap / KW) * W + (intQ)(c0) + lane_columns() + tap % KW;
  vstoreQ(CAT(convert_float, VQ)(pos), 0, ir + q0);
}

/* One output from the scalar path, with its position. */
INLINE void scalar_indexed(__global const float *xc, __global float *yr, __global float *ir,
                           const int H, const int W, const int hstart, const int q, const int pl) {
  const int best = window_argmax(xc, H, W, hstart, q * SW - pl, KH, KW);
  yr[q] = best >= 0 ? xc[best] : -INFINITY;
  ir[q] = (float)best;
}
#define INDEX_ARGS , __global float *ind, const ulong ind_off
#define TILE(q0) vector_tile_indexed(xc, yr, ir, H, W, hstart, (q0), pl)
#define SCALAR(q) scalar_indexed(xc, yr, ir, H, W, hstart, (q), pl)
#else
#define INDEX_ARGS
#define TILE(q0) vector_tile(xc, yr, H, W, hstart, (q0), pl, divisor)
#define SCALAR(q)                                                                                  \
  (yr[(q)] = pool_window(xc, H, W, hstart, (q)*SW - pl, KH, KW, pb, pr, MODE, INCLUDE_PAD))
#endif

__kernel void pool2d_rows(__global const float *x, const ulong x_off, __global float *y,
                          const ulong y_off, const int NC, const int H, const int W, const int P,
                          const int Q, const int sh, const int pt, const int pl, const int pb,
                          const int pr INDEX_ARGS) {
  const int p = get_global_id(0), nc = get_global_id(1);
  if (p >= P || nc >= NC) return;
  __global const float *xc = x + x_off + (size_t)nc * H * W;
  __global float *yr = y + y_off + ((size_t)nc * P + p) * Q;
#ifdef INDEXED
  __global float *ir = ind + ind_off + ((size_t)nc * P + p) * Q;
#endif
  const int hstart = p * sh - pt;
#ifndef INDEXED
  /* every window of this row that lies inside the columns has the same divisor */
  const float divisor = window_divisor(H, W, hstart, 0, KH, KW, pb, pr, INCLUDE_PAD);
#endif
  /* the overread past the needed span may leave the tensor only on its very last row */
  const int at_end = nc == NC - 1 && hstart + KH >= H;
  const int span = at_end ? READ_SPAN : NEEDED_SPAN;
  const int q_lo = min((pl + SW - 1) / SW, Q); /* first window clear of the left padding */
  int q = 0;
  for (; q < q_lo; q++) SCALAR(q);
  for (; q + VQ <= Q && q * SW - pl + span <= W; q += VQ) TILE(q);
  if (q < Q && Q - VQ >= q_lo && (Q - VQ) * SW - pl + span <= W) { /* overlapping last tile */
    TILE(Q - VQ);
    q = Q;
  }
  for (; q < Q; q++) SCALAR(q);
}
#endif

#ifdef BANDS_BACKWARD
/* Backward for overlapping windows in one pass, every dx element written once (no zeroing,
   no read-modify-write passes): work-item (g, nc) owns BAND_GROUP bands of SH input rows
   (band b starts at row b * SH - pt) and walks the plane's columns in tiles of VQ outputs.
   In each tile it takes the output rows p = first band - BACK_ROWS .. last band in order,
   finds each window's first maximum once (a later NaN takes over, padding never wins) and
   adds the gradients to registers that hold the bands the window reaches; a band is stored
   once its last window row is done. The columns a tile shares with the next are stored by
   the first and added to by the second, in the same work-item. Built with -D BANDS_BACKWARD;
   required -D: KH KW SH SW MODE
   INCLUDE_PAD VQ BAND_GROUP. */
#define BACK_ROWS ((KH - 1) / SH) /* output rows before band b whose windows reach it */
#define TILE_COLS (VQ * SW)       /* columns a tile owns */
/* columns a tile writes: its windows' span, or its own columns when windows leave gaps */
#define SPAN_COLS (NEEDED_SPAN > TILE_COLS ? NEEDED_SPAN : TILE_COLS)
#define SHARED_COLS (SPAN_COLS - TILE_COLS)

/* One band row of a tile in registers: column t * SW + m in lane t of phase[m], the columns
   past TILE_COLS in tail (one spare so that the array is never empty). */
typedef struct band_row {
  floatQ phase[SW];
  float tail[SHARED_COLS + 1];
} band_row;

INLINE void band_row_zero(band_row *r) {
#pragma unroll
  for (int m = 0; m < SW; m++) r->phase[m] = (floatQ)(0.0f);
#pragma unroll
  for (int e = 0; e <= SHARED_COLS; e++) r->tail[e] = 0.0f;
}

/* r += tap j's values c placed at columns t * SW + j: phase j % SW, lanes moved up by
   j / SW, those moved past the last lane into the tail. */
INLINE void band_row_add(band_row *r, const floatQ c, const int j) {
  const int m = j % SW, k = j / SW;
  if (k == 0) {
    r->phase[m] += c;
    return;
  }
  float lanes[VQ];
  vstoreQ(c, 0, lanes);
#if VQ == 8
  if (k == 1)
    r->phase[m] += shuffle2((float8)(0.0f), c, (uint8)(0, 8, 9, 10, 11, 12, 13, 14));
  else if (k == 2)
    r->phase[m] += shuffle2((float8)(0.0f), c, (uint8)(0, 1, 8, 9, 10, 11, 12, 13));
  else
#endif
  {
    float moved[VQ];
#pragma unroll
    for (int t = 0; t < VQ; t++) moved[t] = t >= k ? lanes[t - k] : 0.0f;
    r->phase[m] += vloadQ(0, moved);
  }
#pragma unroll
  for (int t = VQ - k; t < VQ; t++)
    if (t >= 0) r->tail[(t + k - VQ) * SW + m] += lanes[t];
}

/* VQ values row[c + t * SW] for t < VQ, `fill` where the column is outside [0, W). */
INLINE floatQ load_masked(__global const float *row, const int c, const int W, const float fill) {
  float v[VQ];
#pragma unroll
  for (int t = 0; t < VQ; t++) {
    const int e = c + t * SW;
    v[t] = e >= 0 && e < W ? row[e] : fill;
  }
  return vloadQ(0, v);
}

/* Adds output row p's gradients for the VQ windows from q0 (columns from c0) to the bands
   it reaches: window row i goes to acc[i / SH][i % SH]. `inside` (a constant at each call):
   every window lies in the columns and every lane is an output, so loads need no masks.
   src is x's plane, or with INDEXED the plane of the maxima's positions (P x Q). */
INLINE void row_gradients(__global const float *src, __global const float *dyr, const int H,
                          const int W, const int Q, const int pt, const int pb, const int pr,
                          const int p, const int q0, const int c0, const int inside,
                          band_row acc[BACK_ROWS + 1][SH]) {
  const int hstart = p * SH - pt;
  floatQ g, share;
  intQ cols;
  if (inside) {
    g = vloadQ(0, dyr + q0);
    share = g / window_divisor(H, W, hstart, 0, KH, KW, pb, pr, INCLUDE_PAD);
  } else {
    float g_lanes[VQ], div_lanes[VQ];
    int col_lanes[VQ];
#pragma unroll
    for (int t = 0; t < VQ; t++) {
      const int live = q0 + t < Q;
      col_lanes[t] = c0 + t * SW;
      g_lanes[t] = live ? dyr[q0 + t] : 0.0f;
      div_lanes[t] =
          live ? window_divisor(H, W, hstart, col_lanes[t], KH, KW, pb, pr, INCLUDE_PAD) : 1.0f;
    }
    g = vloadQ(0, g_lanes);
    share = g / vloadQ(0, div_lanes);
    cols = vloadQ(0, col_lanes);
  }
#if MODE == 0 && defined(INDEXED)
  /* the recorded positions relative to each window's first tap: tap (i, j) is the maximum
     where rel == i * W + j (unique while the tap's column is in the plane) */
  intQ rel;
  __global const float *ir = src + (size_t)p * Q;
  if (inside) {
    rel = CAT(convert_int, VQ)(vloadQ(0, ir + q0)) - lane_columns() - (hstart * W + c0);
  } else {
    int rel_lanes[VQ];
#pragma unroll
    for (int t = 0; t < VQ; t++)
      rel_lanes[t] = q0 + t < Q ? (int)ir[q0 + t] - (hstart * W + c0 + t * SW) : -1;
    rel = vloadQ(0, rel_lanes);
  }
#elif MODE == 0
  __global const float *xc = src;
  floatQ best = (floatQ)(-INFINITY);
  /* inside, every tap of a row in the plane counts: the first of them holds until a larger
     value or a NaN comes (so a window of -inf still has a maximum) */
  intQ idx = (intQ)(inside ? max(-hstart, 0) * KW : -1);
#pragma unroll
  for (int i = 0; i < KH; i++) {
    const int ih = hstart + i;
    if (ih < 0 || ih >= H) continue;
    __global const float *row = xc + ih * W;
#pragma unroll
    for (int j = 0; j < KW; j++) {
      floatQ v;
      intQ take;
      if (inside) {
        v = load_strided(row + c0 + j);
        take = isgreater(v, best) | isnan(v);
      } else {
        v = load_masked(row, c0 + j, W, -INFINITY);
        take = (isgreater(v, best) | isnan(v) | (idx < 0)) & (cols + j >= 0) & (cols + j < W);
      }
      best = select(best, v, take);
      idx = select(idx, (intQ)(i * KW + j), take);
    }
  }
#endif
#pragma unroll
  for (int i = 0; i < KH; i++) {
    if (hstart + i < 0 || hstart + i >= H) continue;
#pragma unroll
    for (int j = 0; j < KW; j++) {
#if MODE == 0 && defined(INDEXED)
      intQ hit = rel == (intQ)(i * W + j);
      if (!inside) hit &= (cols + j >= 0) & (cols + j < W);
      const floatQ c = select((floatQ)(0.0f), g, hit);
#elif MODE == 0
      const floatQ c = select((floatQ)(0.0f), g, idx == i * KW + j);
#else
      const floatQ c = share;
#endif
      band_row_add(&acc[i / SH][i % SH], c, j);
    }
  }
}

/* The SPAN_COLS columns of one band row in order. */
INLINE void band_row_columns(const band_row *r, float out[SPAN_COLS]) {
#if SW == 2 && VQ == 8
  vstore16(shuffle2(r->phase[0], r->phase[1],
                    (uint16)(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15)),
           0, out);
#else
#pragma unroll
  for (int m = 0; m < SW; m++) {
    float lanes[VQ];
    vstoreQ(r->phase[m], 0, lanes);
#pragma unroll
    for (int t = 0; t < VQ; t++) out[t * SW + m] = lanes[t];
  }
#endif
#pragma unroll
  for (int e = 0; e < SHARED_COLS; e++) out[TILE_COLS + e] = r->tail[e];
}

/* Stores a band's rows from row r0 at columns c0 .. c0 + SPAN_COLS (those inside the plane),
   adding what the previous tile stored in the first SHARED_COLS when there was one.
   `inside` (a constant at each call): all of those columns are in the plane. */
INLINE void store_band(__global float *dxc, const int H, const int W, const int r0, const int c0,
                       const int first, const int inside, const band_row band[SH]) {
#pragma unroll
  for (int r = 0; r < SH; r++) {
    if (r0 + r < 0 || r0 + r >= H) continue;
    __global float *out = dxc + (r0 + r) * W + c0;
    float v[SPAN_COLS];
    band_row_columns(&band[r], v);
    if (!first)
#pragma unroll
      for (int e = 0; e < SHARED_COLS; e++)
        if (inside || (c0 + e >= 0 && c0 + e < W)) v[e] += out[e];
    if (inside) {
#if SPAN_COLS >= 16
      vstore16(vload16(0, v), 0, out);
#pragma unroll
      for (int e = 16; e < SPAN_COLS; e++) out[e] = v[e];
#else
#pragma unroll
      for (int e = 0; e < SPAN_COLS; e++) out[e] = v[e];
#endif
    } else {
#pragma unroll
      for (int e = 0; e < SPAN_COLS; e++)
        if (c0 + e >= 0 && c0 + e < W) out[e] = v[e];
    }
  }
}

/* With INDEXED, x and x_off are the maxima's positions (P x Q planes). */
__kernel void pool2d_backward_bands(__global const float *x, const ulong x_off,
                                    __global const float *dy, const ulong dy_off,
                                    __global float *dx, const ulong dx_off, const int NC,
                                    const int H, const int W, const int P, const int Q,
                                    const int pt, const int pl, const int pb, const int pr,
                                    const int bands) {
  const int b0 = get_global_id(0) * BAND_GROUP, nc = get_global_id(1);
  if (b0 >= bands || nc >= NC) return;
  const int b1 = min(b0 + BAND_GROUP, bands);
#ifdef INDEXED
  __global const float *xc = x + x_off + (size_t)nc * P * Q;
#else
  __global const float *xc = x + x_off + (size_t)nc * H * W;
#endif
  __global const float *dyc = dy + dy_off + (size_t)nc * P * Q;
  __global float *dxc = dx + dx_off + (size_t)nc * H * W;
  /* the strided loads read past the needed span: only the last plane's last rows may leave
     the tensor by that, so those take the masked loads near the right edge */
  const int last_plane = nc == NC - 1;
  int q0 = 0;
  for (; q0 < Q; q0 += VQ) {
    const int c0 = q0 * SW - pl;
    const int fits = c0 >= 0 && q0 + VQ <= Q && c0 + SPAN_COLS <= W;
    const int read_fits = c0 + READ_SPAN <= W;
    band_row acc[BACK_ROWS + 1][SH];
#pragma unroll
    for (int e = 0; e < (BACK_ROWS + 1) * SH; e++) band_row_zero(&acc[e / SH][e % SH]);
    for (int p = b0 - BACK_ROWS; p < b1; p++) {
      if (p >= 0 && p < P) {
        __global const float *dyr = dyc + (size_t)p * Q;
        if (fits && (read_fits || !last_plane || p * SH - pt + KH < H))
          row_gradients(xc, dyr, H, W, Q, pt, pb, pr, p, q0, c0, 1, acc);
        else
          row_gradients(xc, dyr, H, W, Q, pt, pb, pr, p, q0, c0, 0, acc);
      }
      if (p >= b0) {
        if (fits)
          store_band(dxc, H, W, p * SH - pt, c0, q0 == 0, 1, acc[0]);
        else
          store_band(dxc, H, W, p * SH - pt, c0, q0 == 0, 0, acc[0]);
      }
#pragma unroll
      for (int d = 0; d < BACK_ROWS; d++)
#pragma unroll
        for (int r = 0; r < SH; r++) acc[d][r] = acc[d + 1][r];
#pragma unroll
      for (int r = 0; r < SH; r++) band_row_zero(&acc[BACK_ROWS][r]);
    }
  }
  /* columns right of the last tile's span: no window reaches them */
  const int c_end = max((q0 - VQ) * SW - pl + SPAN_COLS, 0);
  for (int r = max(b0 * SH - pt, 0); r < min(b1 * SH - pt, H); r++)
    for (int c = c_end; c < W; c++) dxc[r * W + c] = 0.0f;
}
#endif

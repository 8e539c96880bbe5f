/* Inference kernels for the layers of common convnets: elementwise add (also broadcasting, with
   subtract, multiply, divide and PReLU), other activations and clip, batch normalization per
   channel, softmax over channels. NaN propagates through each. Each kernel is built in a
   program of its own (the ALONE / WANT_ guards: see clcnn_kernel_get_alone). */

/* y = a + b, then the activation of the epilogue flags epi (its bias bit unused): 16
   elements per work-item, so that the activation's choice is one branch per vector (spread
   over single elements, PoCL computed every activation for each). */
#define ADD_VECTOR 16
#if !defined(ALONE) || defined(WANT_add)
__kernel void add(__global const float *a, const ulong a_off, __global const float *b,
                  const ulong b_off, __global float *y, const ulong y_off, const ulong count,
                  const int epi) {
  const size_t i0 = get_global_id(0) * ADD_VECTOR;
  if (i0 >= count) return;
  a += a_off + i0, b += b_off + i0, y += y_off + i0;
  if (i0 + ADD_VECTOR <= count) {
    const float16 v = vload16(0, a) + vload16(0, b);
    vstore16(EPI_ACT(float16, v, epi), 0, y);
    return;
  }
  for (size_t i = 0; i < count - i0; i++) {
    const float v = a[i] + b[i];
    y[i] = EPI_ACT(float, v, epi);
  }
}
#endif

/* y = a op beta * b over an output of n0 x n1 x n2 x n3 elements, a and b read through their
   strides per dimension (0 along a dimension they broadcast): op 0 adds, 1 subtracts, 2
   multiplies, 3 divides, 4 is PReLU (a, or a * b below 0). Work-item (r, t) computes `run`
   elements of output row r (its n3 elements) from column t * run (rows along dimension 0 of
   the launch, runs along 1): the row's index arithmetic once, then a run along the last
   dimension. */
INLINE float binary_op(const int op, const float va, const float vb) {
  return op == 0   ? va + vb
         : op == 1 ? va - vb
         : op == 2 ? va * vb
         : op == 3 ? va / vb
                   : (va < 0.0f ? va * vb : va);
}

#if !defined(ALONE) || defined(WANT_broadcast_binary)
__kernel void broadcast_binary(__global const float *a, const ulong a_off, __global const float *b,
                               const ulong b_off, __global float *y, const ulong y_off,
                               const ulong rows, const ulong n1, const ulong n2, const ulong n3,
                               const ulong as0, const ulong as1, const ulong as2, const ulong as3,
                               const ulong bs0, const ulong bs1, const ulong bs2, const ulong bs3,
                               const int op, const float beta, const ulong run) {
  const size_t r = get_global_id(0), j0 = get_global_id(1) * run;
  if (j0 >= n3 || r >= rows) return;
  const size_t i2 = r % n2, i1 = r / n2 % n1, i0 = r / (n2 * n1);
  __global const float *ar = a + a_off + i0 * as0 + i1 * as1 + i2 * as2;
  __global const float *br = b + b_off + i0 * bs0 + i1 * bs1 + i2 * bs2;
  __global float *yr = y + y_off + r * n3;
  const size_t j1 = min((size_t)n3, j0 + run);
  if (as3 == 1 && bs3 == 0) { /* a row against one value of b: the common broadcast */
    const float vb = beta * br[0];
    for (size_t j = j0; j < j1; j++) yr[j] = binary_op(op, ar[j], vb);
    return;
  }
  for (size_t j = j0; j < j1; j++) yr[j] = binary_op(op, ar[j * as3], beta * br[j * bs3]);
}
#endif

/* The activations of other convnets, y = f(x) with parameters p and q: 0 LeakyReLU (slope p
   below 0), 1 hard sigmoid (clamp(p * x + q, 0, 1)), 2 hard swish (x * clamp(x / 6 + 1/2, 0,
   1)), 3 ELU (p * (exp(x) - 1) below 0), 4 SELU (q * (x, or p * (exp(x) - 1) below 0)), 5
   softplus (log(1 + exp(x)), exp overflow avoided), 6 softsign (x / (1 + |x|)). Comparisons
   keep NaN. */
INLINE float unit_clamp(const float t) {
  return t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
}

#if !defined(ALONE) || defined(WANT_unary)
__kernel void unary(__global const float *x, const ulong x_off, __global float *y,
                    const ulong y_off, const ulong count, const int op, const float p,
                    const float q) {
  const size_t i = get_global_id(0);
  if (i >= count) return;
  const float v = x[x_off + i];
  float r;
  switch (op) {
  case 0:
    r = v < 0.0f ? p * v : v;
    break;
  case 1:
    r = unit_clamp(p * v + q);
    break;
  case 2:
    r = v * unit_clamp(v / 6.0f + 0.5f);
    break;
  case 3:
    r = v < 0.0f ? p * (exp(v) - 1.0f) : v;
    break;
  case 4:
    r = q * (v < 0.0f ? p * (exp(v) - 1.0f) : v);
    break;
  case 5:
    r = v > 20.0f ? v : log1p(exp(v));
    break;
  default:
    r = v / (1.0f + fabs(v));
    break;
  }
  y[y_off + i] = r;
}
#endif

/* Comparisons rather than fmin/fmax, which would drop a NaN. */
#if !defined(ALONE) || defined(WANT_clip)
__kernel void clip(__global const float *x, const ulong x_off, __global float *y, const ulong y_off,
                   const ulong count, const float lo, const float hi) {
  const size_t i = get_global_id(0);
  if (i >= count) return;
  const float v = x[x_off + i];
  y[y_off + i] = v < lo ? lo : v > hi ? hi : v;
}
#endif

/* dim 0 over the H*W positions of a plane, dim 1 over the N*C planes. */
#if !defined(ALONE) || defined(WANT_batchnorm_inference)
__kernel void batchnorm_inference(__global const float *x, const ulong x_off, __global float *y,
                                  const ulong y_off, __global const float *scale,
                                  const ulong scale_off, __global const float *shift,
                                  const ulong shift_off, __global const float *mean,
                                  const ulong mean_off, __global const float *var,
                                  const ulong var_off, const float eps, const int C, const int HW) {
  const int i = get_global_id(0), plane = get_global_id(1);
  if (i >= HW) return;
  const int c = plane % C;
  const float a = scale[scale_off + c] / sqrt(var[var_off + c] + eps);
  const size_t at = (size_t)plane * HW + i;
  y[y_off + at] = (x[x_off + at] - mean[mean_off + c]) * a + shift[shift_off + c];
}
#endif

/* One work-item per (n, position): three passes over the C channels (stride HW). */
#if !defined(ALONE) || defined(WANT_softmax_channels)
__kernel void softmax_channels(__global const float *x, const ulong x_off, __global float *y,
                               const ulong y_off, const int C, const int HW, const int NHW) {
  const int id = get_global_id(0);
  if (id >= NHW) return;
  const size_t base = (size_t)(id / HW) * C * HW + id % HW;
  __global const float *in = x + x_off + base;
  __global float *out = y + y_off + base;
  float m = -INFINITY;
  for (int c = 0; c < C; c++) m = fmax(m, in[(size_t)c * HW]);
  float sum = 0.0f;
  for (int c = 0; c < C; c++) sum += exp(in[(size_t)c * HW] - m);
  const float inv = 1.0f / sum;
  for (int c = 0; c < C; c++) out[(size_t)c * HW] = exp(in[(size_t)c * HW] - m) * inv;
}
#endif

/* y = x with pt rows above and pl columns left of zeros (and more below and right to fill
   P x Q); dim 0 over columns, dim 1 over rows, dim 2 over the N*C planes. */
#if !defined(ALONE) || defined(WANT_pad2d)
__kernel void pad2d(__global const float *x, const ulong x_off, __global float *y,
                    const ulong y_off, const int H, const int W, const int P, const int Q,
                    const int pt, const int pl, const int planes) {
  const int q = get_global_id(0), p = get_global_id(1), plane = get_global_id(2);
  if (q >= Q || p >= P || plane >= planes) return;
  const int i = p - pt, j = q - pl;
  y[y_off + ((size_t)plane * P + p) * Q + q] =
      i >= 0 && i < H && j >= 0 && j < W ? x[x_off + ((size_t)plane * H + i) * W + j] : 0.0f;
}
#endif

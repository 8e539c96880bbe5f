/* Elementwise training kernels: activations, softmax cross-entropy per sample, SGD. */

/* act: 0 ReLU, 1 sigmoid, 2 tanh, 3 ReLU6 (min(max(x, 0), 6)). NaN propagates through each, as in
 * PyTorch. */
__kernel void activation_forward(__global const float *x, const ulong x_off, __global float *y,
                                 const ulong y_off, const ulong count, const int act) {
  const size_t i = get_global_id(0);
  if (i >= count) return;
  const float v = x[x_off + i];
  y[y_off + i] = act == 0   ? (v < 0.0f ? 0.0f : v)
                 : act == 1 ? 1.0f / (1.0f + exp(-v))
                 : act == 2 ? tanh(v)
                            : (v < 0.0f   ? 0.0f
                               : v > 6.0f ? 6.0f
                                          : v);
}

__kernel void activation_backward(__global const float *y, const ulong y_off,
                                  __global const float *dy, const ulong dy_off, __global float *dx,
                                  const ulong dx_off, const ulong count, const int act) {
  const size_t i = get_global_id(0);
  if (i >= count) return;
  const float v = y[y_off + i], g = dy[dy_off + i];
  /* ReLU: PyTorch's threshold rule, zero where y <= 0 (so a NaN output passes g on); ReLU6:
     hardtanh's, zero where y is at either bound */
  dx[dx_off + i] = act == 0   ? (v <= 0.0f ? 0.0f : g)
                   : act == 1 ? g * v * (1.0f - v)
                   : act == 2 ? g * (1.0f - v * v)
                              : (v <= 0.0f || v >= 6.0f ? 0.0f : g);
}

/* One sample per work-item: loss[n] = logsumexp(logits) - logits[label];
   dlogits = (softmax - onehot) / N when write_grad. Labels were validated on the host. */
__kernel void softmax_cross_entropy(__global const float *logits, const ulong l_off,
                                    __global const float *labels, const ulong lab_off,
                                    __global float *losses, __global float *dlogits,
                                    const ulong d_off, const int write_grad, const int N,
                                    const int K) {
  const int n = get_global_id(0);
  if (n >= N) return;
  __global const float *z = logits + l_off + (size_t)n * K;
  float m = -INFINITY;
  for (int k = 0; k < K; k++) m = fmax(m, z[k]);
  float sum = 0.0f;
  for (int k = 0; k < K; k++) sum += exp(z[k] - m);
  const int label = (int)labels[lab_off + n];
  losses[n] = log(sum) + m - z[label];
  if (!write_grad) return;
  __global float *d = dlogits + d_off + (size_t)n * K;
  const float inv = 1.0f / (sum * (float)N);
  for (int k = 0; k < K; k++) d[k] = exp(z[k] - m) * inv - (k == label ? 1.0f / (float)N : 0.0f);
}

/* PyTorch's SGD: g' = g + wd * w; v = momentum * v + g'; w -= lr * v (v unused when
   has_velocity is 0: w -= lr * g'). */
__kernel void sgd_step(__global float *w, const ulong w_off, __global const float *g,
                       const ulong g_off, __global float *v, const ulong v_off,
                       const int has_velocity, const ulong count, const float lr,
                       const float momentum, const float weight_decay) {
  const size_t i = get_global_id(0);
  if (i >= count) return;
  const float wi = w[w_off + i];
  float step = g[g_off + i] + weight_decay * wi;
  if (has_velocity) {
    step = momentum * v[v_off + i] + step;
    v[v_off + i] = step;
  }
  w[w_off + i] = wi - lr * step;
}

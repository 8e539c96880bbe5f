/* Row-major matrix helpers: C = beta * C over a strided batch (GEMM with k == 0). */
__kernel void scale_matrices(__global float *c, const ulong offset, const ulong ldc,
                             const ulong stride, const uint rows, const uint cols,
                             const float beta) {
  const size_t col = get_global_id(0), row = get_global_id(1), item = get_global_id(2);
  if (col >= cols || row >= rows) return;
  __global float *p = c + offset + item * stride + row * ldc + col;
  *p = beta == 0.0f ? 0.0f : beta * *p; /* beta 0: C is not read, as in BLAS */
}

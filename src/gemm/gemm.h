/* The only door to CLBlast: row-major SGEMM with offsets, plain and strided-batched. */
#ifndef CLCNN_GEMM_GEMM_H
#define CLCNN_GEMM_GEMM_H

#include <clcnn/clcnn.h>

/* C[m x n] = alpha * op(A) * op(B) + beta * C, row-major, offsets and leading dimensions in
   elements. op(A) is m x k (A stored k x m when trans_a), op(B) is k x n. */
typedef struct clcnn_gemm_desc {
  int trans_a, trans_b;
  size_t m, n, k;
  float alpha, beta;
  cl_mem a;
  size_t a_offset, lda;
  cl_mem b;
  size_t b_offset, ldb;
  cl_mem c;
  size_t c_offset, ldc;
} clcnn_gemm_desc;

clcnn_status clcnn_gemm(clcnn_context *ctx, const clcnn_gemm_desc *g);

/* batch products; matrix i starts stride_x * i elements after x_offset. */
clcnn_status clcnn_gemm_strided_batched(clcnn_context *ctx, const clcnn_gemm_desc *g,
                                        size_t stride_a, size_t stride_b, size_t stride_c,
                                        size_t batch);

/* "CLBlastInvalidLeadDimA" and the like; "CLBlast status" for codes it does not know. */
const char *clcnn_clblast_status_name(int code);

#endif

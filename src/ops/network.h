/* Internal forms of the network ops that the model runner uses. */
#ifndef CLCNN_OPS_NETWORK_H
#define CLCNN_OPS_NETWORK_H

#include <clcnn/clcnn.h>

/* clcnn_add (same checks and messages), then an activation applied as each sum is stored:
   a clcnn_activation or CLCNN_EPI_NONE (a residual block's ReLU in the same pass). */
clcnn_status clcnn_add_activation(clcnn_context *ctx, const clcnn_tensor *a, const clcnn_tensor *b,
                                  int act, clcnn_tensor *y);

/* Elementwise operations of two tensors with broadcasting (ONNX's Add, Sub, Mul, Div). */
typedef enum clcnn_binary_op {
  CLCNN_BINARY_ADD,
  CLCNN_BINARY_SUB,
  CLCNN_BINARY_MUL,
  CLCNN_BINARY_DIV,
  CLCNN_BINARY_PRELU /* a, or a * b where a < 0 */
} clcnn_binary_op;

/* y = a op (beta * b) for every element of y seen as y_shape, a and b seen as a_shape and
   b_shape (each holding its tensor's count): along each dimension an operand has y's size or
   1 (broadcast). y may be a when a_shape is y_shape; it shares no memory with b otherwise. */
clcnn_status clcnn_binary_broadcast(clcnn_context *ctx, clcnn_binary_op op, const clcnn_tensor *a,
                                    const size_t a_shape[4], const clcnn_tensor *b,
                                    const size_t b_shape[4], float beta, clcnn_tensor *y,
                                    const size_t y_shape[4]);

/* Activations beyond clcnn_activation's, with parameters p and q (ONNX's alpha and gamma /
   beta): NaN propagates through each. */
typedef enum clcnn_unary_op {
  CLCNN_UNARY_LEAKY_RELU,   /* x, or p * x below 0 */
  CLCNN_UNARY_HARD_SIGMOID, /* min(max(p * x + q, 0), 1) */
  CLCNN_UNARY_HARD_SWISH,   /* x * min(max(x / 6 + 1/2, 0), 1) */
  CLCNN_UNARY_ELU,          /* x, or p * (exp(x) - 1) below 0 */
  CLCNN_UNARY_SELU,         /* q * (x, or p * (exp(x) - 1) below 0) */
  CLCNN_UNARY_SOFTPLUS,     /* log(1 + exp(x)) */
  CLCNN_UNARY_SOFTSIGN      /* x / (1 + |x|) */
} clcnn_unary_op;

/* y = op(x) elementwise; y may be x. */
clcnn_status clcnn_unary(clcnn_context *ctx, clcnn_unary_op op, float p, float q,
                         const clcnn_tensor *x, clcnn_tensor *y);

/* Batched matrix products, row-major: for every batch index (i, j) < batch,
   Y[i][j] = alpha * op(A[i][j]) op(B[i][j]) (m x n), op(A) m x k, op(B) k x n, A stored k x m
   when trans_a and B n x k when trans_b. A[i][j] starts i * a_stride[0] + j * a_stride[1]
   elements into a (a stride 0 broadcasts one matrix), likewise B; Y's matrices follow each other.
 */
typedef struct clcnn_matmul_desc {
  int trans_a, trans_b;
  size_t m, n, k;
  size_t batch[2];
  size_t a_stride[2], b_stride[2];
  float alpha;
} clcnn_matmul_desc;

clcnn_status clcnn_matmul(clcnn_context *ctx, const clcnn_matmul_desc *d, const clcnn_tensor *a,
                          const clcnn_tensor *b, clcnn_tensor *y);

#endif

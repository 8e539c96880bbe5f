/* The only door to CLBlast: row-major SGEMM with offsets, plain and strided-batched. */
#include "gemm/gemm.h"

#include <clblast_c.h>

#include "device/context.h"
#include "program/launch.h"
#include "program/program.h"

const char *clcnn_clblast_status_name(int code) {
  switch (code) {
  case CLBlastNotImplemented:
    return "CLBlastNotImplemented";
  case CLBlastInvalidMatrixA:
    return "CLBlastInvalidMatrixA";
  case CLBlastInvalidMatrixB:
    return "CLBlastInvalidMatrixB";
  case CLBlastInvalidMatrixC:
    return "CLBlastInvalidMatrixC";
  case CLBlastInvalidDimension:
    return "CLBlastInvalidDimension";
  case CLBlastInvalidLeadDimA:
    return "CLBlastInvalidLeadDimA";
  case CLBlastInvalidLeadDimB:
    return "CLBlastInvalidLeadDimB";
  case CLBlastInvalidLeadDimC:
    return "CLBlastInvalidLeadDimC";
  case CLBlastInsufficientMemoryA:
    return "CLBlastInsufficientMemoryA";
  case CLBlastInsufficientMemoryB:
    return "CLBlastInsufficientMemoryB";
  case CLBlastInsufficientMemoryC:
    return "CLBlastInsufficientMemoryC";
  case CLBlastInsufficientMemoryTemp:
    return "CLBlastInsufficientMemoryTemp";
  case CLBlastInvalidBatchCount:
    return "CLBlastInvalidBatchCount";
  case CLBlastInvalidLocalMemUsage:
    return "CLBlastInvalidLocalMemUsage";
  case CLBlastDatabaseError:
    return "CLBlastDatabaseError";
  case CLBlastUnknownError:
    return "CLBlastUnknownError";
  case CLBlastUnexpectedError:
    return "CLBlastUnexpectedError";
  case CLBlastOpenCLBuildProgramFailure:
    return "CLBlastOpenCLBuildProgramFailure";
  case CLBlastOpenCLOutOfResources:
    return "CLBlastOpenCLOutOfResources";
  case CLBlastTempBufferAllocFailure:
    return "CLBlastTempBufferAllocFailure";
  default:
    return "CLBlast status";
  }
}

static clcnn_status check_desc(clcnn_context *ctx, const char *routine, const clcnn_gemm_desc *g) {
  size_t a_cols = g->trans_a ? g->m : g->k, b_cols = g->trans_b ? g->k : g->n;
  if (!g->a || !g->b || !g->c)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: matrix %s is NULL", routine,
                      !g->a   ? "A"
                      : !g->b ? "B"
                              : "C");
  if (g->lda < a_cols || g->ldb < b_cols || g->ldc < g->n)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT,
                      "%s: leading dimensions lda=%zu ldb=%zu ldc=%zu must be at least "
                      "%zu, %zu, %zu",
                      routine, g->lda, g->ldb, g->ldc, a_cols, b_cols, g->n);
  if (g->m > CL_UINT_MAX || g->n > CL_UINT_MAX)
    return clcnn_fail(ctx, CLCNN_INVALID_ARGUMENT, "%s: m=%zu or n=%zu exceeds %u", routine, g->m,
                      g->n, (unsigned)CL_UINT_MAX);
  return CLCNN_OK;
}

static clcnn_status gemm_result(clcnn_context *ctx, const char *routine, CLBlastStatusCode code,
                                const clcnn_gemm_desc *g) {
  if (code == CLBlastSuccess) return CLCNN_OK;
  clcnn_status status =
      code == CLBlastTempBufferAllocFailure ? CLCNN_OUT_OF_MEMORY : CLCNN_GEMM_ERROR;
  return clcnn_fail(ctx, status, "%s failed: %s (%d) for m=%zu n=%zu k=%zu lda=%zu ldb=%zu ldc=%zu",
                    routine, clcnn_clblast_status_name(code), (int)code, g->m, g->n, g->k, g->lda,
                    g->ldb, g->ldc);
}

/* k == 0: the product is empty, so C = beta * C without calling CLBlast. */
static clcnn_status scale_only(clcnn_context *ctx, const clcnn_gemm_desc *g, size_t stride_c,
                               size_t batch) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "matrix.cl", "", "scale_matrices", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {3, {g->n, g->m, batch}, {0}};
  return CLCNN_LAUNCH(ctx, kernel, "scale_matrices", &dims, CLCNN_MEM(g->c),
                      CLCNN_ULONG(g->c_offset), CLCNN_ULONG(g->ldc), CLCNN_ULONG(stride_c),
                      CLCNN_UINT(g->m), CLCNN_UINT(g->n), CLCNN_FLOAT(g->beta));
}

static CLBlastTranspose transpose(int t) {
  return t ? CLBlastTransposeYes : CLBlastTransposeNo;
}

clcnn_status clcnn_gemm(clcnn_context *ctx, const clcnn_gemm_desc *g) {
  const char *routine = "CLBlastSgemm";
  clcnn_status status = check_desc(ctx, routine, g);
  if (status != CLCNN_OK || g->m == 0 || g->n == 0) return status;
  if (g->k == 0) return scale_only(ctx, g, 0, 1);
  CLBlastStatusCode code =
      CLBlastSgemm(CLBlastLayoutRowMajor, transpose(g->trans_a), transpose(g->trans_b), g->m, g->n,
                   g->k, g->alpha, g->a, g->a_offset, g->lda, g->b, g->b_offset, g->ldb, g->beta,
                   g->c, g->c_offset, g->ldc, &ctx->queue, NULL);
  return gemm_result(ctx, routine, code, g);
}

clcnn_status clcnn_gemm_strided_batched(clcnn_context *ctx, const clcnn_gemm_desc *g,
                                        size_t stride_a, size_t stride_b, size_t stride_c,
                                        size_t batch) {
  const char *routine = "CLBlastSgemmStridedBatched";
  clcnn_status status = check_desc(ctx, routine, g);
  if (status != CLCNN_OK || g->m == 0 || g->n == 0 || batch == 0) return status;
  if (g->k == 0) return scale_only(ctx, g, stride_c, batch);
  CLBlastStatusCode code = CLBlastSgemmStridedBatched(
      CLBlastLayoutRowMajor, transpose(g->trans_a), transpose(g->trans_b), g->m, g->n, g->k,
      g->alpha, g->a, g->a_offset, g->lda, stride_a, g->b, g->b_offset, g->ldb, stride_b, g->beta,
      g->c, g->c_offset, g->ldc, stride_c, batch, &ctx->queue, NULL);
  return gemm_result(ctx, routine, code, g);
}

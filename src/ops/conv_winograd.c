/* The Winograd path, F(2x2, 3x3): 3x3 filters, stride 1, dilation 1, one group. The filter
   transform runs once per plan when the weights are constant; input and output transforms
   are fused into the multiply kernel. */
#include <stdio.h>

#include "device/context.h"
#include "memory/workspace.h"
#include "ops/conv_paths.h"
#include "program/launch.h"
#include "program/program.h"

int clcnn_winograd_applies(const clcnn_conv_geometry *g) {
  return g->r == 3 && g->s == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 &&
         g->groups == 1;
}

clcnn_status clcnn_winograd_setup(clcnn_context *ctx, const char *fn, const clcnn_conv_geometry *g,
                                  clcnn_winograd_conv *wc) {
  if (!clcnn_winograd_applies(g))
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "%s: CLCNN_CONV_WINOGRAD needs a 3x3 filter, stride 1, dilation 1 and one "
                      "group; got filter %zux%zu, stride %zux%zu, dilation %zux%zu, groups %zu",
                      fn, g->r, g->s, g->sh, g->sw, g->dh, g->dw, g->groups);
  *wc = (clcnn_winograd_conv){.g = *g, .vec = clcnn_conv_vector_width(ctx, g->k)};
  wc->kb = (g->k + (size_t)wc->vec - 1) / (size_t)wc->vec;
  wc->tiles_p = (g->p + 1) / 2;
  wc->tiles_q = (g->q + 1) / 2;
  wc->xh = 2 * wc->tiles_p + 2;
  wc->xw = 2 * wc->tiles_q + 2;
  wc->chunk = clcnn_workspace_items(ctx, g->c * wc->xh * wc->xw * sizeof(float), g->n);
  wc->packed_floats = wc->kb * g->c * 16 * (size_t)wc->vec;
  if (wc->chunk == 0)
    return clcnn_fail(ctx, CLCNN_UNSUPPORTED,
                      "%s: CLCNN_CONV_WINOGRAD needs %zu bytes of padded input per image, over "
                      "CL_DEVICE_MAX_MEM_ALLOC_SIZE %llu",
                      fn, g->c * wc->xh * wc->xw * sizeof(float),
                      (unsigned long long)ctx->caps.max_alloc_bytes);
  char options[256];
  snprintf(options, sizeof options,
           "-DVEC=%d -DC=%zu -DK=%zu -DKB=%zu -DXH=%zu -DXW=%zu -DP=%zu -DQ=%zu -DTILES_P=%zu "
           "-DTILES_Q=%zu",
           wc->vec, g->c, g->k, wc->kb, wc->xh, wc->xw, g->p, g->q, wc->tiles_p, wc->tiles_q);
  return clcnn_kernel_get(ctx, "conv2d_winograd.cl", options, "conv2d_winograd", &wc->kernel);
}

clcnn_status clcnn_winograd_pack(clcnn_context *ctx, const clcnn_winograd_conv *wc,
                                 clcnn_buffer_view w, cl_mem packed) {
  cl_kernel kernel;
  clcnn_status status = clcnn_kernel_get(ctx, "conv2d_layout.cl", "", "winograd_filter", &kernel);
  if (status != CLCNN_OK) return status;
  clcnn_launch_dims dims = {2, {wc->kb * (size_t)wc->vec, wc->g.c}, {0}};
  return CLCNN_LAUNCH(ctx, kernel, "winograd_filter", &dims, CLCNN_MEM(w.buf),
                      CLCNN_ULONG(w.offset), CLCNN_MEM(packed), CLCNN_INT(wc->g.k),
                      CLCNN_INT(wc->g.c), CLCNN_INT(wc->kb), CLCNN_INT(wc->vec));
}

clcnn_status clcnn_winograd_run(clcnn_context *ctx, const clcnn_winograd_conv *wc,
                                const clcnn_tensor *x, cl_mem packed, const clcnn_tensor *bias,
                                clcnn_tensor *y) {
  const clcnn_conv_geometry *g = &wc->g;
  cl_mem xp;
  clcnn_status status = clcnn_workspace_get(
      ctx, CLCNN_WS_PADDED_INPUT, wc->chunk * g->c * wc->xh * wc->xw * sizeof(float), &xp);
  for (size_t n0 = 0; status == CLCNN_OK && n0 < g->n; n0 += wc->chunk) {
    size_t images = g->n - n0 < wc->chunk ? g->n - n0 : wc->chunk;
    status = clcnn_conv_pad_input(ctx, x, g, n0, images, wc->xh, wc->xw, xp);
    clcnn_launch_dims dims = {3, {wc->tiles_p * wc->tiles_q, images, wc->kb}, {1, 1, 1}};
    if (status == CLCNN_OK)
      status = CLCNN_LAUNCH(ctx, wc->kernel, "conv2d_winograd", &dims, CLCNN_MEM(xp),
                            CLCNN_ULONG(0), CLCNN_MEM(packed), CLCNN_MEM(bias ? bias->buf : packed),
                            CLCNN_ULONG(bias ? bias->offset : 0), CLCNN_INT(bias != NULL),
                            CLCNN_MEM(y->buf), CLCNN_ULONG(y->offset + n0 * g->k * g->p * g->q));
  }
  return status;
}

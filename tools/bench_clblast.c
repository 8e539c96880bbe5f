/* CLBlast's Convgemm on the same device and data: the benchmark's yardstick. */
#include "bench_clblast.h"

#include <clblast_c.h>

int bench_convgemm_applies(const bench_problem *p) {
  const clcnn_conv2d_desc *d = &p->conv;
  return !p->is_pool && d->groups == 1 && d->pad_top == d->pad_bottom &&
         d->pad_left == d->pad_right;
}

int bench_convgemm(cl_command_queue queue, const bench_problem *p, cl_mem x, cl_mem w, cl_mem y) {
  const clcnn_conv2d_desc *d = &p->conv;
  return CLBlastSconvgemm(CLBlastKernelModeCrossCorrelation, p->x[1], p->x[2], p->x[3], p->w[2],
                          p->w[3], d->pad_top, d->pad_left, d->stride_h, d->stride_w, d->dilation_h,
                          d->dilation_w, p->w[0], p->x[0], x, 0, w, 0, y, 0, &queue, NULL);
}

/* Pooling plans under a chosen padding rule: the models' way to ONNX's wider padding. */
#ifndef CLCNN_OPS_POOL_PLAN_H
#define CLCNN_OPS_POOL_PLAN_H

#include <clcnn/clcnn.h>

#include "ops/shape.h"

/* clcnn_pool2d_plan_create with messages prefixed by fn and pads limited by rule. */
clcnn_status clcnn_pool2d_plan_create_rule(clcnn_context *ctx, const char *fn,
                                           const clcnn_pool2d_desc *d, const size_t x_shape[4],
                                           clcnn_pad_rule rule, clcnn_pool2d_plan **out);

#endif

/* Internal forms of the network ops that the model runner uses. */
#ifndef CLCNN_OPS_NETWORK_H
#define CLCNN_OPS_NETWORK_H

#include <clcnn/clcnn.h>

/* clcnn_add (same checks and messages), then an activation applied as each sum is stored:
   a clcnn_activation or CLCNN_EPI_NONE (a residual block's ReLU in the same pass). */
clcnn_status clcnn_add_activation(clcnn_context *ctx, const clcnn_tensor *a, const clcnn_tensor *b,
                                  int act, clcnn_tensor *y);

#endif

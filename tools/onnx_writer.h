/* Writing ONNX models: a protocol buffers encoder for the few messages a model needs, and the
   trained LeNet as a graph of Conv, activation, pooling and Flatten nodes. */
#ifndef CLCNN_TOOLS_ONNX_WRITER_H
#define CLCNN_TOOLS_ONNX_WRITER_H

#include <clcnn/clcnn.h>

#include "lenet.h"

/* Writes net (weights read back from its device) to path as an ONNX model (opset 13) with
   input "input" N x 1 x 28 x 28 and output "logits" N x 10. CLCNN_INVALID_ARGUMENT with a
   message on stderr when the file cannot be written. */
clcnn_status lenet_save_onnx(lenet *net, const char *path);

#endif

/* ONNX models: loaded for a fixed batch size into plans with constant weights, run as a whole.
   The operators and rules are listed in docs/api.md ("Models"). */
#ifndef CLCNN_MODEL_H
#define CLCNN_MODEL_H

#include <clcnn/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clcnn_model clcnn_model; /* opaque */

/* Loads an ONNX model for batch size batch (the first dimension of every graph input). Fails
   with a message naming the node, its operator and the reason for anything it cannot run
   exactly; CLCNN_UNSUPPORTED for valid models that use what clcnn lacks. */
CLCNN_API clcnn_status clcnn_model_load(clcnn_context *ctx, const char *path, size_t batch,
                                        clcnn_model **out);
CLCNN_API clcnn_status clcnn_model_load_memory(clcnn_context *ctx, const void *data, size_t size,
                                               size_t batch, clcnn_model **out);
CLCNN_API size_t clcnn_model_input_count(const clcnn_model *m); /* NULL: 0 */
CLCNN_API size_t clcnn_model_output_count(const clcnn_model *m);
/* N x C x H x W; a 2-D tensor N x K is N x K x 1 x 1. */
CLCNN_API clcnn_status clcnn_model_input_shape(const clcnn_model *m, size_t i, size_t shape[4]);
CLCNN_API clcnn_status clcnn_model_output_shape(const clcnn_model *m, size_t i, size_t shape[4]);
/* The ONNX rank of input / output i: 2 (N x K) or 4; 0 when i is out of range. */
CLCNN_API int clcnn_model_input_rank(const clcnn_model *m, size_t i);
CLCNN_API int clcnn_model_output_rank(const clcnn_model *m, size_t i);
/* The graph input / output name (owned by the model), or NULL when i is out of range. */
CLCNN_API const char *clcnn_model_input_name(const clcnn_model *m, size_t i);
CLCNN_API const char *clcnn_model_output_name(const clcnn_model *m, size_t i);
/* inputs[i] and outputs[i] have the shapes above; outputs are written, inputs only read.
   Runs of one model are serialized. */
CLCNN_API clcnn_status clcnn_model_run(clcnn_model *m, const clcnn_tensor *const *inputs,
                                       clcnn_tensor *const *outputs);
CLCNN_API void clcnn_model_destroy(clcnn_model *m); /* NULL: no-op */

/* The layers clcnn made of the graph (after folding and fusion), each described in one line
   (a convolution or pooling layer by its plan's description); NULL when i is out of range. */
CLCNN_API size_t clcnn_model_layer_count(const clcnn_model *m);
CLCNN_API const char *clcnn_model_layer_describe(const clcnn_model *m, size_t i);
/* clcnn_model_run that waits after each layer and writes its wall time in milliseconds to
   layer_ms[i] (clcnn_model_layer_count values): slower than a plain run, for profiling. */
CLCNN_API clcnn_status clcnn_model_run_profiled(clcnn_model *m, const clcnn_tensor *const *inputs,
                                                clcnn_tensor *const *outputs, double *layer_ms);

#ifdef __cplusplus
}
#endif

#endif

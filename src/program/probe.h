/* A device health check: build and run a trivial kernel before a context is handed out. */
#ifndef CLCNN_PROGRAM_PROBE_H
#define CLCNN_PROGRAM_PROBE_H

#include <clcnn/clcnn.h>

/* CLCNN_OK when the trivial kernel built, ran and wrote the expected values. */
clcnn_status clcnn_device_probe(clcnn_context *ctx);

#endif

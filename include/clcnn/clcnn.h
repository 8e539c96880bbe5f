/* clcnn public API: one include brings every declaration (reference: docs/api.md). */
#ifndef CLCNN_CLCNN_H
#define CLCNN_CLCNN_H

#include <clcnn/version.h>
#include <clcnn/runtime.h>
#include <clcnn/conv2d.h>
#include <clcnn/pool2d.h>
#include <clcnn/training.h>
#include <clcnn/plan.h>
#include <clcnn/network.h>
#include <clcnn/model.h>

#endif

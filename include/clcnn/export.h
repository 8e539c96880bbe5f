/* Symbol visibility for the clcnn shared library. */
#ifndef CLCNN_EXPORT_H
#define CLCNN_EXPORT_H

#if defined(_WIN32) && defined(CLCNN_BUILDING_SHARED)
#define CLCNN_API __declspec(dllexport)
#elif defined(__GNUC__)
#define CLCNN_API __attribute__((visibility("default")))
#else
#define CLCNN_API
#endif

#endif

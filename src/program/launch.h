/* Setting kernel arguments and enqueueing an NDRange rounded up to the work-group size. */
#ifndef CLCNN_PROGRAM_LAUNCH_H
#define CLCNN_PROGRAM_LAUNCH_H

#include <clcnn/clcnn.h>

typedef struct clcnn_arg {
  size_t size;
  const void *value;
} clcnn_arg;

/* Arguments by value; each lives until the end of the enclosing full expression's block. */
#define CLCNN_MEM(m) ((clcnn_arg){sizeof(cl_mem), &(cl_mem){(m)}})
#define CLCNN_INT(v) ((clcnn_arg){sizeof(cl_int), &(cl_int){(cl_int)(v)}})
#define CLCNN_UINT(v) ((clcnn_arg){sizeof(cl_uint), &(cl_uint){(cl_uint)(v)}})
#define CLCNN_ULONG(v) ((clcnn_arg){sizeof(cl_ulong), &(cl_ulong){(cl_ulong)(v)}})
#define CLCNN_INT4(a, b, c, d)                                                                     \
  ((clcnn_arg){sizeof(cl_int4), &(cl_int4){{(cl_int)(a), (cl_int)(b), (cl_int)(c), (cl_int)(d)}}})
#define CLCNN_FLOAT(v) ((clcnn_arg){sizeof(cl_float), &(cl_float){(cl_float)(v)}})

typedef struct clcnn_launch_dims {
  cl_uint dims;     /* 1 to 3 */
  size_t global[3]; /* work items needed; rounded up to a multiple of local */
  size_t local[3];  /* 0 in local[0]: let the driver choose */
} clcnn_launch_dims;

/* Sets args[0..nargs) on kernel and enqueues it on ctx's queue without waiting. A count that
   differs from the kernel's own argument count is refused before anything is set. */
clcnn_status clcnn_launch(clcnn_context *ctx, cl_kernel kernel, const char *kernel_name,
                          const clcnn_arg *args, size_t nargs, const clcnn_launch_dims *dims);

/* Kernel kernel_name of file (built without options; `alone`: in a program of its own, see
   clcnn_kernel_get_alone) over global0 x global1 work-items (global1 0: one dimension) in
   work-groups of 64 along the first: the elementwise ops. */
clcnn_status clcnn_launch_elementwise(clcnn_context *ctx, const char *file, int alone,
                                      const char *kernel_name, size_t global0, size_t global1,
                                      const clcnn_arg *args, size_t nargs);

/* An argument list written in place, as the two parameters (array, count) the launch
   functions take: the compiler counts. */
#define CLCNN_ARGS(...)                                                                            \
  (const clcnn_arg[]){__VA_ARGS__}, sizeof((const clcnn_arg[]){__VA_ARGS__}) / sizeof(clcnn_arg)

/* clcnn_launch with the arguments listed in place:
   CLCNN_LAUNCH(ctx, kernel, "name", &dims, CLCNN_MEM(buf), CLCNN_INT(n), ...). */
#define CLCNN_LAUNCH(ctx, kernel, name, dims, ...)                                                 \
  clcnn_launch((ctx), (kernel), (name), CLCNN_ARGS(__VA_ARGS__), (dims))

#endif

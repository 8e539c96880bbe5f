/* oneDNN on the CPU, in its own blocked layouts, on the bench's problems (the anchor clcnn's
   CPU speed is measured against, in the same process). */
#include "bench_onednn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#define MAX_ARGS 8

struct bench_onednn {
  dnnl_primitive_t primitive;
  dnnl_primitive_desc_t pd, hint;
  dnnl_memory_t memories[MAX_ARGS];
  dnnl_exec_arg_t args[MAX_ARGS];
  int nargs;
};

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static int ready(void) {
  if (engine) return 1;
  if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return 0;
  if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
    dnnl_engine_destroy(engine);
    engine = NULL;
    return 0;
  }
  return 1;
}

const char *bench_onednn_describe(void) {
  static char text[96];
  const dnnl_version_t *v = dnnl_version();
  snprintf(text, sizeof text, "oneDNN %d.%d.%d (cpu)", v->major, v->minor, v->patch);
  return text;
}

static void fill(dnnl_memory_t m, unsigned seed) {
  const dnnl_memory_desc_t *md;
  void *data;
  if (dnnl_memory_get_memory_desc(m, &md) != dnnl_success ||
      dnnl_memory_get_data_handle(m, &data) != dnnl_success || !data)
    return;
  size_t n = dnnl_memory_desc_get_size(md) / sizeof(float);
  float *v = data;
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = (float)(seed >> 9) / 8388608.0f - 1.0f;
  }
}

/* A memory for argument arg in the layout pd wants for (what, index). */
static int add_arg(bench_onednn *o, int arg, dnnl_query_t what, int index, unsigned seed) {
  const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(o->pd, what, index);
  if (!md || dnnl_memory_desc_get_size(md) == 0) return 0; /* not needed */
  dnnl_memory_t m;
  if (dnnl_memory_create(&m, md, engine, DNNL_MEMORY_ALLOCATE) != dnnl_success) return -1;
  fill(m, seed);
  o->memories[o->nargs] = m;
  o->args[o->nargs++] = (dnnl_exec_arg_t){arg, m};
  return 0;
}

static int finish(bench_onednn *o) {
  if (add_arg(o, DNNL_ARG_SCRATCHPAD, dnnl_query_scratchpad_md, 0, 1) != 0) return -1;
  return dnnl_primitive_create(&o->primitive, o->pd) == dnnl_success ? 0 : -1;
}

static void dims_of(const size_t s[4], dnnl_dims_t d) {
  for (int i = 0; i < 4; i++) d[i] = (dnnl_dim_t)s[i];
}

typedef struct conv_geometry {
  dnnl_memory_desc_t src, weights, dst, bias;
  dnnl_dims_t strides, dilates, pad_l, pad_r;
} conv_geometry;

static int conv_geometry_of(const bench_problem *p, conv_geometry *g) {
  size_t ys[4];
  if (clcnn_conv2d_output_shape(&p->conv, p->x, p->w, ys) != CLCNN_OK) return -1;
  const clcnn_conv2d_desc *d = &p->conv;
  dnnl_dims_t x, y, b = {(dnnl_dim_t)p->w[0]};
  dims_of(p->x, x);
  dims_of(ys, y);
  dnnl_dims_t w = {(dnnl_dim_t)d->groups, (dnnl_dim_t)(p->w[0] / d->groups), (dnnl_dim_t)p->w[1],
                   (dnnl_dim_t)p->w[2], (dnnl_dim_t)p->w[3]};
  int grouped = d->groups > 1;
  if (dnnl_memory_desc_init_by_tag(&g->src, 4, x, dnnl_f32, dnnl_format_tag_any) ||
      dnnl_memory_desc_init_by_tag(&g->dst, 4, y, dnnl_f32, dnnl_format_tag_any) ||
      dnnl_memory_desc_init_by_tag(&g->bias, 1, b, dnnl_f32, dnnl_format_tag_any) ||
      dnnl_memory_desc_init_by_tag(&g->weights, grouped ? 5 : 4, grouped ? w : w + 1, dnnl_f32,
                                   dnnl_format_tag_any))
    return -1;
  dnnl_dims_t strides = {(dnnl_dim_t)d->stride_h, (dnnl_dim_t)d->stride_w};
  dnnl_dims_t dilates = {(dnnl_dim_t)d->dilation_h - 1, (dnnl_dim_t)d->dilation_w - 1};
  dnnl_dims_t pad_l = {(dnnl_dim_t)d->pad_top, (dnnl_dim_t)d->pad_left};
  dnnl_dims_t pad_r = {(dnnl_dim_t)d->pad_bottom, (dnnl_dim_t)d->pad_right};
  memcpy(g->strides, strides, sizeof strides);
  memcpy(g->dilates, dilates, sizeof dilates);
  memcpy(g->pad_l, pad_l, sizeof pad_l);
  memcpy(g->pad_r, pad_r, sizeof pad_r);
  return 0;
}

static int create_conv(bench_onednn *o, const bench_problem *p, bench_pass pass) {
  conv_geometry g;
  dnnl_convolution_desc_t fwd, bwd;
  if (conv_geometry_of(p, &g) != 0 ||
      dnnl_dilated_convolution_forward_desc_init(&fwd, dnnl_forward_training, dnnl_convolution_auto,
                                                 &g.src, &g.weights, NULL, &g.dst, g.strides,
                                                 g.dilates, g.pad_l, g.pad_r) != dnnl_success ||
      dnnl_primitive_desc_create(&o->hint, &fwd, NULL, engine, NULL) != dnnl_success)
    return -1;
  if (pass == BENCH_FORWARD) {
    o->pd = o->hint, o->hint = NULL;
    if (add_arg(o, DNNL_ARG_SRC, dnnl_query_src_md, 0, 2) ||
        add_arg(o, DNNL_ARG_WEIGHTS, dnnl_query_weights_md, 0, 3) ||
        add_arg(o, DNNL_ARG_DST, dnnl_query_dst_md, 0, 4))
      return -1;
    return finish(o);
  }
  if (pass == BENCH_BACKWARD_DATA) {
    if (dnnl_dilated_convolution_backward_data_desc_init(&bwd, dnnl_convolution_auto, &g.src,
                                                         &g.weights, &g.dst, g.strides, g.dilates,
                                                         g.pad_l, g.pad_r) != dnnl_success ||
        dnnl_primitive_desc_create(&o->pd, &bwd, NULL, engine, o->hint) != dnnl_success ||
        add_arg(o, DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md, 0, 5) ||
        add_arg(o, DNNL_ARG_WEIGHTS, dnnl_query_weights_md, 0, 6) ||
        add_arg(o, DNNL_ARG_DIFF_SRC, dnnl_query_diff_src_md, 0, 7))
      return -1;
    return finish(o);
  }
  if (dnnl_dilated_convolution_backward_weights_desc_init(
          &bwd, dnnl_convolution_auto, &g.src, &g.weights, &g.bias, &g.dst, g.strides, g.dilates,
          g.pad_l, g.pad_r) != dnnl_success ||
      dnnl_primitive_desc_create(&o->pd, &bwd, NULL, engine, o->hint) != dnnl_success ||
      add_arg(o, DNNL_ARG_SRC, dnnl_query_src_md, 0, 8) ||
      add_arg(o, DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md, 0, 9) ||
      add_arg(o, DNNL_ARG_DIFF_WEIGHTS, dnnl_query_diff_weights_md, 0, 10) ||
      add_arg(o, DNNL_ARG_DIFF_BIAS, dnnl_query_diff_weights_md, 1, 11))
    return -1;
  return finish(o);
}

static dnnl_alg_kind_t pool_alg(const clcnn_pool2d_desc *d) {
  if (d->mode == CLCNN_POOL_MAX) return dnnl_pooling_max;
  return d->count_include_pad ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding;
}

/* Max pooling's backward reads the workspace its forward wrote: run that forward once. */
static int run_forward_for_workspace(bench_onednn *o, dnnl_memory_t src, dnnl_memory_t ws) {
  dnnl_primitive_t fwd;
  dnnl_memory_t dst;
  const dnnl_memory_desc_t *dst_md = dnnl_primitive_desc_query_md(o->hint, dnnl_query_dst_md, 0);
  if (dnnl_primitive_create(&fwd, o->hint) != dnnl_success) return -1;
  if (dnnl_memory_create(&dst, dst_md, engine, DNNL_MEMORY_ALLOCATE) != dnnl_success) {
    dnnl_primitive_destroy(fwd);
    return -1;
  }
  dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_WORKSPACE, ws}};
  int ok = dnnl_primitive_execute(fwd, stream, ws ? 3 : 2, args) == dnnl_success &&
           dnnl_stream_wait(stream) == dnnl_success;
  dnnl_memory_destroy(dst);
  dnnl_primitive_destroy(fwd);
  return ok ? 0 : -1;
}

static int create_pool(bench_onednn *o, const bench_problem *p, bench_pass pass) {
  size_t ys[4];
  if (clcnn_pool2d_output_shape(&p->pool, p->x, ys) != CLCNN_OK) return -1;
  const clcnn_pool2d_desc *d = &p->pool;
  dnnl_dims_t x, y;
  dims_of(p->x, x);
  dims_of(ys, y);
  dnnl_dims_t strides = {(dnnl_dim_t)d->stride_h, (dnnl_dim_t)d->stride_w};
  dnnl_dims_t kernel = {(dnnl_dim_t)d->kernel_h, (dnnl_dim_t)d->kernel_w}, dilation = {0, 0};
  dnnl_dims_t pad_l = {(dnnl_dim_t)d->pad_top, (dnnl_dim_t)d->pad_left};
  /* the right padding that yields clcnn's output size (ceil mode included) */
  dnnl_dims_t pad_r = {(dnnl_dim_t)((ys[2] - 1) * d->stride_h + d->kernel_h) - x[2] - pad_l[0],
                       (dnnl_dim_t)((ys[3] - 1) * d->stride_w + d->kernel_w) - x[3] - pad_l[1]};
  dnnl_memory_desc_t src, dst;
  dnnl_pooling_v2_desc_t fwd, bwd;
  dnnl_prop_kind_t prop =
      pass == BENCH_POOL_FORWARD ? dnnl_forward_inference : dnnl_forward_training;
  int forward = pass == BENCH_POOL_FORWARD || pass == BENCH_POOL_FORWARD_TRAINING;
  if (dnnl_memory_desc_init_by_tag(&src, 4, x, dnnl_f32, dnnl_nChw16c) ||
      dnnl_memory_desc_init_by_tag(&dst, 4, y, dnnl_f32, dnnl_nChw16c) ||
      dnnl_pooling_v2_forward_desc_init(&fwd, prop, pool_alg(d), &src, &dst, strides, kernel,
                                        dilation, pad_l, pad_r) != dnnl_success ||
      dnnl_primitive_desc_create(&o->hint, &fwd, NULL, engine, NULL) != dnnl_success)
    return -1;
  if (forward) {
    o->pd = o->hint, o->hint = NULL;
    if (add_arg(o, DNNL_ARG_SRC, dnnl_query_src_md, 0, 12) ||
        add_arg(o, DNNL_ARG_DST, dnnl_query_dst_md, 0, 13) ||
        add_arg(o, DNNL_ARG_WORKSPACE, dnnl_query_workspace_md, 0, 16))
      return -1;
    return finish(o);
  }
  if (dnnl_pooling_v2_backward_desc_init(&bwd, pool_alg(d), &src, &dst, strides, kernel, dilation,
                                         pad_l, pad_r) != dnnl_success ||
      dnnl_primitive_desc_create(&o->pd, &bwd, NULL, engine, o->hint) != dnnl_success ||
      add_arg(o, DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md, 0, 14) ||
      add_arg(o, DNNL_ARG_DIFF_SRC, dnnl_query_diff_src_md, 0, 15) ||
      add_arg(o, DNNL_ARG_WORKSPACE, dnnl_query_workspace_md, 0, 16))
    return -1;
  dnnl_memory_t ws = o->nargs == 3 ? o->memories[2] : NULL, src_mem;
  if (dnnl_memory_create(&src_mem, &src, engine, DNNL_MEMORY_ALLOCATE) != dnnl_success) return -1;
  fill(src_mem, 17);
  int status = run_forward_for_workspace(o, src_mem, ws);
  dnnl_memory_destroy(src_mem);
  return status == 0 ? finish(o) : -1;
}

bench_onednn *bench_onednn_create(const bench_problem *p, bench_pass pass) {
  if (!ready()) return NULL;
  bench_onednn *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  int status = p->is_pool ? create_pool(o, p, pass) : create_conv(o, p, pass);
  if (status != 0) {
    fprintf(stderr, "clcnn bench: oneDNN cannot run %s (pass %d)\n", p->name, (int)pass);
    bench_onednn_destroy(o);
    return NULL;
  }
  return o;
}

int bench_onednn_run(void *arg) {
  bench_onednn *o = arg;
  return dnnl_primitive_execute(o->primitive, stream, o->nargs, o->args) == dnnl_success &&
                 dnnl_stream_wait(stream) == dnnl_success
             ? 0
             : -1;
}

void bench_onednn_destroy(bench_onednn *o) {
  if (!o) return;
  if (o->primitive) dnnl_primitive_destroy(o->primitive);
  if (o->pd) dnnl_primitive_desc_destroy(o->pd);
  if (o->hint) dnnl_primitive_desc_destroy(o->hint);
  for (int i = 0; i < o->nargs; i++) dnnl_memory_destroy(o->memories[i]);
  free(o);
}

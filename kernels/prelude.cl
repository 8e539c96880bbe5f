/* Prepended to every kernel file before it is built (see src/program/registry.c): token
   pasting and the vector types of the two widths kernels are specialized for. A file that
   is built with -D VEC=n gets floatV, intV, vloadV, vstoreV for n lanes (n = 1: scalars); with -D
   VQ=n the same as floatQ, intQ, vloadQ, vstoreQ. */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

/* Every helper function is INLINE: PoCL (LLVM 15) otherwise keeps a helper that is called
   from more than one place as a real call, with its private arrays passed through memory
   (the vector tiles of pooling and the Winograd input transform were calls). */
#define INLINE inline __attribute__((always_inline))

/* The convolution epilogue: kernels take one int `epi` (see src/ops/conv_paths.h): bit 0 says
   a bias is added, bits 1..3 hold the activation + 1 (0 none, 1 ReLU, 2 sigmoid, 3 tanh,
   4 ReLU6), bit 4 (EPI_RESIDUAL) says the output's previous value is added before the
   activation, y = act(conv + bias + y), as the sum of a residual connection (the GEMM paths
   get it from the GEMM's beta instead). EPI_ACT(T, v, epi) applies it to v of float type T (scalar
   or vector); NaN propagates, as in the standalone activations. EPI_ACT_CALLS is the same with
   sigmoid and tanh as calls (a file that uses it expands EPI_CALL_FUNCTIONS once): inlined at every
   store of an unrolled epilogue, their code took most of the compile time of the tiled
   convolution programs, for activations that run once per output. Kernels whose epilogue
   sits among many live vector accumulators keep them inline (as calls they slowed the
   column-vector kernel's first layer from 8.2 to 10.2 ms). */
#define EPI_HAS_BIAS(epi) ((epi)&1)
#define EPI_RESIDUAL(epi) ((epi)&16)
/* Bit 5: the output is far larger than the caches, so the kernels that can store it with
   STREAM_STORE (the host sets it, see CLCNN_EPI_STREAM in src/ops/conv_paths.h). */
#define EPI_STREAM(epi) ((epi)&32)
#define EPI_CODE_(epi) (((epi) >> 1) & 7)
#define EPI_RELU_(T, v) select((v), (T)(0.0f), (v) < 0.0f)
#define EPI_SELECT_(T, v, epi, sigmoid, tanh_v)                                                    \
  (EPI_CODE_(epi) == 1   ? EPI_RELU_(T, v)                                                         \
   : EPI_CODE_(epi) == 2 ? (sigmoid)                                                               \
   : EPI_CODE_(epi) == 3 ? (tanh_v)                                                                \
   : EPI_CODE_(epi) == 4 ? select(EPI_RELU_(T, v), (T)(6.0f), (v) > 6.0f)                          \
                         : (v))
#define EPI_ACT(T, v, epi) EPI_SELECT_(T, v, epi, (T)(1.0f) / ((T)(1.0f) + exp(-(v))), tanh(v))
#define EPI_ACT_CALLS(T, v, epi) EPI_SELECT_(T, v, epi, epi_sigmoid(v), epi_tanh(v))
#define EPI_CALLS_(T)                                                                              \
  __attribute__((overloadable, noinline)) T epi_sigmoid(T v) {                                     \
    return (T)(1.0f) / ((T)(1.0f) + exp(-v));                                                      \
  }                                                                                                \
  __attribute__((overloadable, noinline)) T epi_tanh(T v) {                                        \
    return tanh(v);                                                                                \
  }
#define EPI_CALL_FUNCTIONS                                                                         \
  EPI_CALLS_(float) EPI_CALLS_(float2) EPI_CALLS_(float4) EPI_CALLS_(float8) EPI_CALLS_(float16)

/* EPI_STORE_LANES(N, lanes, at, from, to, step, epi): stores lanes from..to-1 of a partial
   output row of N lanes (a private float array) at at[l * step]: act(lanes), plus what y holds
   there with a residual, the activation on the whole vector (per lane, sigmoid and tanh cost
   N times more). For the rows that end inside a vector, after a kernel's unrolled whole-row
   stores and not unrolled, so that this code appears once per kernel, not at every unrolled
   store (there it took most of the compile time). */
#define EPI_STORE_LANES(N, lanes, at, from, to, step, epi)                                         \
  do {                                                                                             \
    if (EPI_RESIDUAL(epi))                                                                         \
      for (int l_ = (from); l_ < (to); l_++) (lanes)[l_] += (at)[l_ * (step)];                     \
    CAT(vstore, N)(EPI_ACT(CAT(float, N), CAT(vload, N)(0, (lanes)), (epi)), 0, (lanes));          \
    for (int l_ = (from); l_ < (to); l_++) (at)[l_ * (step)] = (lanes)[l_];                        \
  } while (0)

/* PREFETCH(p): asks for the cache line of p ahead of its use, where the device's compiler is
   clang on a CPU (the library adds -D CLCNN_CLANG_CPU); nothing elsewhere. For loads whose
   hardware prefetchers lose the pattern, such as one row per input channel a plane apart. */
#ifdef CLCNN_CLANG_CPU
#define PREFETCH(p) __builtin_prefetch((p), 0, 3)
#else
#define PREFETCH(p) ((void)0)
#endif

/* STREAM_STORE(N, v, p, stream): vstoreN(v, 0, p); where the compiler is clang on a CPU and
   stream is set, a p aligned to the vector takes a non-temporal store instead, which writes
   the line to memory without first reading it into the caches and without evicting what
   they hold (an output of 26 MB, ResNet's 1x1 64->256 at batch 8: 5.0-5.9 -> 4.4-4.7 ms). */
#ifdef CLCNN_CLANG_CPU
#define STREAM_STORE(N, v, p, stream)                                                              \
  do {                                                                                             \
    if ((stream) && ((size_t)(p) & (sizeof(CAT(float, N)) - 1)) == 0)                              \
      __builtin_nontemporal_store((v), (__global CAT(float, N) *)(p));                             \
    else                                                                                           \
      CAT(vstore, N)((v), 0, (p));                                                                 \
  } while (0)
#else
#define STREAM_STORE(N, v, p, stream) CAT(vstore, N)((v), 0, (p))
#endif

/* Winograd F(4x4, 3x3)'s filter transform U = G w G^T, with G (6 x 3) as rows of small
   integers over a divisor each, G[i][a] = N[i][a] / D[i]: U[e] for position e = i*6 + j is
   scale * sum over taps (a, b) of cf[a*3 + b] w[a][b], cf = N[i][a] N[j][b] (exact) and
   scale = 1 / (D[i] D[j]), so integer filters sum exactly; the taps whose cf is 0 are
   skipped (5.4 of 9 are read on average: G's first and last rows have one tap). Both
   kernels that transform filters sum this way, in this order: transformed filters kept by a
   plan and those made inside a product are the same floats. N's rows are {1,0,0} {1,1,1}
   {1,-1,1} {1,2,4} {1,-2,4} {0,0,1} and D = 4, -6, -6, 24, 24, 1, written as expressions
   rather than tables so that a loop unrolled over e folds them into constants. */
#define WINOGRAD_N(i, a)                                                                           \
  ((i) == 0   ? ((a) == 0)                                                                         \
   : (i) == 5 ? ((a) == 2)                                                                         \
   : (a) == 0 ? 1                                                                                  \
   : (a) == 2 ? ((i) < 3 ? 1 : 4)                                                                  \
              : ((i) == 1   ? 1                                                                    \
                 : (i) == 2 ? -1                                                                   \
                 : (i) == 3 ? 2                                                                    \
                            : -2))
#define WINOGRAD_D(i) ((i) == 0 ? 4 : (i) < 3 ? -6 : (i) < 5 ? 24 : 1)
INLINE float winograd_coefficients(const int e, float cf[9]) {
  const int i = e / 6, j = e % 6;
#pragma unroll
  for (int ab = 0; ab < 9; ab++) cf[ab] = (float)(WINOGRAD_N(i, ab / 3) * WINOGRAD_N(j, ab % 3));
  return 1.0f / (float)(WINOGRAD_D(i) * WINOGRAD_D(j));
}
/* out = that transform of the T-typed taps tap(0) .. tap(8), cf and scale as above */
#define WINOGRAD_TAP_SUM(T, out, cf, scale, tap)                                                   \
  do {                                                                                             \
    out = (T)(0.0f);                                                                               \
    _Pragma("unroll") for (int ab_ = 0; ab_ < 9; ab_++) if ((cf)[ab_] != 0.0f) out =               \
        fma((T)((cf)[ab_]), tap(ab_), out);                                                        \
    out *= (scale);                                                                                \
  } while (0)

#if defined(VEC) && VEC == 1
#define floatV float
#define intV int
#define vloadV(i, p) ((p)[(i)])
#define vstoreV(v, i, p) ((p)[(i)] = (v))
#elif defined(VEC)
#define floatV CAT(float, VEC)
#define intV CAT(int, VEC)
#define vloadV CAT(vload, VEC)
#define vstoreV CAT(vstore, VEC)
#endif

#ifdef VQ
#define floatQ CAT(float, VQ)
#define intQ CAT(int, VQ)
#define vloadQ CAT(vload, VQ)
#define vstoreQ CAT(vstore, VQ)
#endif

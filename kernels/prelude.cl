/* Prepended to every kernel file before it is built (see src/program/registry.c): token
   pasting and the vector types of the two widths kernels are specialized for. A file that
   is built with -D VEC=n gets floatV, intV, vloadV, vstoreV for n lanes; with -D VQ=n the
   same as floatQ, intQ, vloadQ, vstoreQ. */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#ifdef VEC
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

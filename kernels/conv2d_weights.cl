/* Weight and bias gradients of a convolution: register-tiled partial weight gradients
   (vectors along output channels, or along output columns for few filters), their sum over
   the partials, and the bias gradient. */
#ifdef WEIGHT_TILES
/* Weight gradient, vectors along output channels: a work-item owns KV vectors of VEC filters
   times CT input channels times RT filter rows times all S taps, and sums dy[n][k][p][q] *
   x[n][c][p*SH + r*DH][q*SW + s*DW] over its share of the pixels, in registers: the units
   (image n, block of PR output rows) numbered u = n*PB + row block, every NS-th from its
   split. Work-items of one split run one after another and share its units in cache. dyt holds dy
   channels-last per group
   ([G][images][P*Q][KGP], zero past KG) so that one load gives VEC filters; xp is the
   input, zero-padded or x itself ([images][G*CG][XH][XW] from xp_off). part[split] (from
   part_off) gets the work-item's sums: the weight gradient itself when there is one split. Required
   -D: VEC KV CT RT R S SH SW DH DW CG KG G KB KGP; P Q XH XW NS PR PB are numbers, or the names of
   the kernel arguments that carry them (out_h out_w in_h in_w splits unit_rows row_blocks).
   SWAPPED (a pointwise layer, one group, run with dy as the input and x as the output
   gradient): the sums are stored transposed, [CG][K], which is the layer's [K][CG]. */

#define K (G * KG)
#define CB (CG / CT)
#define RB (R / RT)

__kernel void conv2d_weight_tiles(__global const float *xp, const ulong xp_off,
                                  __global const float *dyt, __global float *part,
                                  const ulong part_off, const int images, const int out_h,
                                  const int out_w, const int in_h, const int in_w, const int splits,
                                  const int unit_rows, const int row_blocks) {
  const int item = get_global_id(0), split = get_global_id(1);
  if (item >= G * KB * CB * RB || split >= NS) return;
  const int rb = item % RB, cb = (item / RB) % CB, kb = (item / (RB * CB)) % KB;
  const int g = item / (RB * CB * KB);
  const int c0 = cb * CT, r0 = rb * RT;
  floatV acc[KV][CT][RT][S];
#pragma unroll
  for (int v = 0; v < KV; v++)
#pragma unroll
    for (int ct = 0; ct < CT; ct++)
#pragma unroll
      for (int rt = 0; rt < RT; rt++)
#pragma unroll
        for (int s = 0; s < S; s++) acc[v][ct][rt][s] = (floatV)(0.0f);
  for (int u = split; u < images * PB; u += NS) {
    const int n = u / PB, p0 = (u % PB) * PR, p1 = min(p0 + PR, P);
    __global const float *xc =
        xp + xp_off + ((size_t)(n * G + g) * CG + c0) * XH * XW + r0 * DH * XW;
    __global const float *dc = dyt + (size_t)(g * images + n) * P * Q * KGP + kb * KV * VEC;
    /* the column loop four pixels per iteration: its own scalar work otherwise takes issue
       slots from the FMAs (3x3 at 28x28, 128 channels, batch 8: 10.5 -> 8.2 ms) */
    for (int p = p0; p < p1; p++)
#pragma unroll 4
      for (int q = 0; q < Q; q++) {
        floatV d[KV];
#pragma unroll
        for (int v = 0; v < KV; v++) d[v] = vloadV(0, dc + (p * Q + q) * KGP + v * VEC);
        __global const float *xq = xc + p * SH * XW + q * SW;
#pragma unroll
        for (int ct = 0; ct < CT; ct++)
#pragma unroll
          for (int rt = 0; rt < RT; rt++)
#pragma unroll
            for (int s = 0; s < S; s++) {
              const floatV xv = (floatV)(xq[ct * XH * XW + rt * DH * XW + s * DW]);
#pragma unroll
              for (int v = 0; v < KV; v++) acc[v][ct][rt][s] = fma(xv, d[v], acc[v][ct][rt][s]);
            }
      }
  }
  __global float *out = part + part_off + (size_t)split * K * CG * R * S;
#pragma unroll
  for (int v = 0; v < KV; v++) {
    const int k0 = kb * KV * VEC + v * VEC;
#pragma unroll
    for (int ct = 0; ct < CT; ct++)
#pragma unroll
      for (int rt = 0; rt < RT; rt++)
#pragma unroll
        for (int s = 0; s < S; s++) {
          float lanes[VEC];
          vstoreV(acc[v][ct][rt][s], 0, lanes);
          const size_t tap = ((size_t)(c0 + ct) * R + r0 + rt) * S + s;
#ifdef SWAPPED
          for (int l = 0; l < VEC && k0 + l < KG; l++) out[tap * K + k0 + l] = lanes[l];
#else
          for (int l = 0; l < VEC && k0 + l < KG; l++)
            out[(size_t)(g * KG + k0 + l) * CG * R * S + tap] = lanes[l];
#endif
        }
  }
}
#endif

#ifdef WEIGHT_ROWS
/* Weight gradient, vectors along output columns (column stride 1; few filters, or 1x1): a
   work-item owns KT filters times CT input channels times one filter row, all S taps, and
   sums dy[n][k][p][q] * x[n][c][p*SH + r*DH][q + s*DW] over its split's units (as the tile
   kernel numbers them) in VW-column vectors, read straight from dy and x. A row's last
   vector starts VW before its end (Q >= VW) and counts only the lanes past the previous
   vector. part[split] gets the work-item's sums, laid out as the tile kernel's. Required -D:
   VW KT CT R S SH DH DW CG KG G KTB (CT divides CG); P Q XH XW NS PR PB as in the tile
   kernel. With -D SW=2 (column stride 2) the input is a padded copy whose rows hold their
   even columns, then their odd ones (XW / 2 each): tap s of output column q is column
   q + s*DW/2 of phase s*DW%2, so its vectors are still contiguous loads. */
#ifndef SW
#define SW 1
#endif
/* where tap s of the row's output column 0 lies in its (phase-split) input row */
#define TAP_COLUMN(s) ((s)*DW % SW * (XW / SW) + (s)*DW / SW)
#define floatW CAT(float, VW)
#define intW CAT(int, VW)
#define vloadW CAT(vload, VW)
#define K (G * KG)
#if VW == 16
#define LANES ((int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#else
#define LANES ((int8)(0, 1, 2, 3, 4, 5, 6, 7))
#endif

INLINE float lane_sum(const floatW v) {
#if VW == 16
  const float8 h8 = v.lo + v.hi;
#else
  const float8 h8 = v;
#endif
  const float4 h4 = h8.lo + h8.hi;
  const float2 h2 = h4.lo + h4.hi;
  return h2.lo + h2.hi;
}

__kernel void conv2d_weight_rows(__global const float *xp, const ulong xp_off,
                                 __global const float *dy, const ulong dy_off, __global float *part,
                                 const ulong part_off, const int images, const int out_h,
                                 const int out_w, const int in_h, const int in_w, const int splits,
                                 const int unit_rows, const int row_blocks) {
  const int item = get_global_id(0), split = get_global_id(1);
  if (item >= G * KTB * (CG / CT) * R || split >= NS) return;
  const int r = item % R, c = (item / R) % (CG / CT) * CT, kb = (item / (R * (CG / CT))) % KTB;
  const int g = item / (R * (CG / CT) * KTB);
  const int kts = min(KT, KG - kb * KT); /* filters of this block (the last may have fewer) */
  floatW acc[KT][CT][S];
#pragma unroll
  for (int e = 0; e < KT * CT * S; e++) acc[e / (CT * S)][e / S % CT][e % S] = (floatW)(0.0f);
  for (int u = split; u < images * PB; u += NS) {
    const int n = u / PB, p0 = (u % PB) * PR, p1 = min(p0 + PR, P);
    __global const float *xc = xp + xp_off + ((size_t)(n * G + g) * CG + c) * XH * XW + r * DH * XW;
    __global const float *dc = dy + dy_off + ((size_t)n * K + g * KG + kb * KT) * P * Q;
    for (int p = p0; p < p1; p++) {
      __global const float *xr = xc + p * SH * XW;
      __global const float *dr = dc + p * Q;
      for (int q0 = 0; q0 < Q; q0 += VW) {
        const int qs = min(q0, Q - VW);
        const intW live = LANES >= q0 - qs;
        floatW d[KT];
#pragma unroll
        for (int kt = 0; kt < KT; kt++)
          d[kt] = kt < kts ? select((floatW)(0.0f), vloadW(0, dr + kt * P * Q + qs), live)
                           : (floatW)(0.0f);
#pragma unroll
        for (int ct = 0; ct < CT; ct++)
#pragma unroll
          for (int s = 0; s < S; s++) {
            const floatW xv = vloadW(0, xr + ct * XH * XW + qs + TAP_COLUMN(s));
#pragma unroll
            for (int kt = 0; kt < KT; kt++) acc[kt][ct][s] = fma(d[kt], xv, acc[kt][ct][s]);
          }
      }
    }
  }
  __global float *out = part + part_off + (size_t)split * K * CG * R * S;
#pragma unroll
  for (int kt = 0; kt < KT; kt++) {
    if (kt >= kts) break;
#pragma unroll
    for (int ct = 0; ct < CT; ct++)
#pragma unroll
      for (int s = 0; s < S; s++)
        out[((size_t)(g * KG + kb * KT + kt) * CG + c + ct) * R * S + r * S + s] =
            lane_sum(acc[kt][ct][s]);
  }
}
#endif

/* dw[i] = (accumulate ? dw[i] : 0) + sum over the partial arrays part[n][i], n < images; a
   work-item takes 8 consecutive i (the last one fewer). */
__kernel void sum_partials(__global const float *part, __global float *dw, const ulong dw_off,
                           const ulong count, const int images, const int accumulate) {
  const size_t i0 = get_global_id(0) * 8;
  if (i0 >= count) return;
  __global float *out = dw + dw_off + i0;
  if (i0 + 8 <= count) {
    float8 sum = accumulate ? vload8(0, out) : (float8)(0.0f);
    for (int n = 0; n < images; n++) sum += vload8(0, part + (size_t)n * count + i0);
    vstore8(sum, 0, out);
    return;
  }
  for (size_t i = i0; i < count; i++) {
    float sum = accumulate ? dw[dw_off + i] : 0.0f;
    for (int n = 0; n < images; n++) sum += part[(size_t)n * count + i];
    dw[dw_off + i] = sum;
  }
}

/* db[split * filters + k] = (accumulate ? that : 0) + the sum of dy[n][k][..] over the images
   n = split, split + splits, ... and their pixels. */
__kernel void bias_gradient(__global const float *dy, const ulong dy_off, __global float *db,
                            const ulong db_off, const int filters, const int PQ, const int images,
                            const int accumulate, const int splits) {
  const int k = get_global_id(0), split = get_global_id(1);
  if (k >= filters || split >= splits) return;
  float8 acc = (float8)(0.0f);
  float tail = 0.0f;
  for (int n = split; n < images; n += splits) {
    __global const float *row = dy + dy_off + ((size_t)n * filters + k) * PQ;
    int i = 0;
    for (; i + 8 <= PQ; i += 8) acc += vload8(0, row + i);
    for (; i < PQ; i++) tail += row[i];
  }
  const float sum = acc.s0 + acc.s1 + acc.s2 + acc.s3 + acc.s4 + acc.s5 + acc.s6 + acc.s7 + tail;
  db += db_off + (size_t)split * filters;
  db[k] = accumulate ? db[k] + sum : sum;
}

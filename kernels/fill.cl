/* Sets every element of a float range to one value (clcnn_tensor_fill). */
__kernel void fill_f32(__global float *dst, const ulong offset, const ulong count,
                       const float value) {
  const size_t i = get_global_id(0);
  if (i < count) dst[offset + i] = value;
}

/* NumPy .npy format version 1-3: magic, header length, a Python dict header, raw data. */
#include "npy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t npy_count(const npy_array *a) {
  size_t n = 1;
  for (int i = 0; i < a->rank; i++) n *= a->shape[i];
  return n;
}

static int fail(char *error, size_t size, const char *path, const char *why) {
  snprintf(error, size, "%s: %s", path, why);
  return -1;
}

/* The header's dict: descr '<f4' or '<f8', fortran_order False, shape (a, b, ...). */
static int parse_header(const char *h, npy_array *out, int *width, const char **why) {
  const char *d = strstr(h, "'descr'");
  if (!d || !(d = strchr(d + 7, '\''))) return *why = "no descr in the header", -1;
  if (!strncmp(d, "'<f4'", 5))
    *width = 4;
  else if (!strncmp(d, "'<f8'", 5))
    *width = 8;
  else
    return *why = "the data type is not little-endian float32 or float64", -1;
  const char *f = strstr(h, "'fortran_order'");
  if (!f || !strstr(f, "False")) return *why = "Fortran order is not supported", -1;
  const char *s = strstr(h, "'shape'");
  if (!s || !(s = strchr(s, '('))) return *why = "no shape in the header", -1;
  out->rank = 0;
  for (s++; *s && *s != ')';) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s) {
      s++;
      continue;
    }
    if (out->rank == 8) return *why = "more than 8 dimensions", -1;
    if (v == 0 || v > ((uint64_t)1 << 40)) return *why = "a dimension is 0 or too large", -1;
    out->shape[out->rank++] = (size_t)v;
    s = end;
  }
  if (out->rank == 0) return *why = "a scalar, expected an array", -1;
  return 0;
}

int npy_read(const char *path, npy_array *out, char *error, size_t error_size) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) return fail(error, error_size, path, "cannot open");
  unsigned char head[12];
  int status = -1, width = 4;
  const char *why = "truncated";
  char *header = NULL;
  if (fread(head, 1, 10, f) == 10 && !memcmp(head, "\x93NUMPY", 6)) {
    size_t len = head[8] | (size_t)head[9] << 8;
    if (head[6] >= 2 && fread(head + 10, 1, 2, f) == 2)
      len |= (size_t)head[10] << 16 | (size_t)head[11] << 24;
    if (len < 100000 && (header = calloc(len + 1, 1)) && fread(header, 1, len, f) == len &&
        parse_header(header, out, &width, &why) == 0) {
      size_t n = npy_count(out);
      unsigned char *raw = malloc(n * (size_t)width);
      out->data = malloc(n * sizeof(float));
      if (!raw || !out->data) {
        why = "out of memory";
      } else if (fread(raw, (size_t)width, n, f) != n) {
        why = "the data is shorter than the shape says";
      } else {
        for (size_t i = 0; i < n; i++) {
          double v;
          float s;
          if (width == 8)
            memcpy(&v, raw + 8 * i, 8), out->data[i] = (float)v;
          else
            memcpy(&s, raw + 4 * i, 4), out->data[i] = s;
        }
        status = 0;
      }
      free(raw);
    }
  } else {
    why = "not a .npy file (no \\x93NUMPY magic)";
  }
  free(header);
  fclose(f);
  if (status) {
    free(out->data);
    out->data = NULL;
    return fail(error, error_size, path, why);
  }
  return 0;
}

int npy_write(const char *path, const float *data, const size_t *shape, int rank) {
  char dict[256], dims[200] = "";
  size_t n = 1, at = 0;
  for (int i = 0; i < rank; i++) {
    at +=
        (size_t)snprintf(dims + at, sizeof dims - at, "%zu,%s", shape[i], i + 1 < rank ? " " : "");
    n *= shape[i];
  }
  if (rank > 1) dims[at - 1] = '\0'; /* (a, b) without a trailing comma; (a,) keeps it */
  int len = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }",
                     dims);
  size_t total = 10 + (size_t)len + 1, pad = (64 - total % 64) % 64;
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  unsigned short header_len = (unsigned short)(len + (int)pad + 1);
  unsigned char head[10] = {0x93,
                            'N',
                            'U',
                            'M',
                            'P',
                            'Y',
                            1,
                            0,
                            (unsigned char)(header_len & 255),
                            (unsigned char)(header_len >> 8)};
  int ok = fwrite(head, 1, 10, f) == 10 && fwrite(dict, 1, (size_t)len, f) == (size_t)len;
  for (size_t i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
  ok = ok && fputc('\n', f) != EOF && fwrite(data, sizeof(float), n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

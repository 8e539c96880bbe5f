/* Reading IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or plain. */
#include "idx_reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Largest data set accepted: 2 GiB of pixels. */
#define MAX_IDX_BYTES ((uint64_t)1 << 31)

static int read_exact(gzFile f, void *buf, size_t size) {
  size_t done = 0;
  while (done < size) {
    unsigned chunk = size - done > (1u << 30) ? (1u << 30) : (unsigned)(size - done);
    int n = gzread(f, (char *)buf + done, chunk);
    if (n <= 0) return -1;
    done += (size_t)n;
  }
  return 0;
}

static uint32_t big_endian(const unsigned char b[4]) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int fail(char *err, size_t err_size, const char *path, const char *what) {
  snprintf(err, err_size, "%s: %s", path, what);
  return -1;
}

/* Magic and dimensions; *total gets the payload size. */
static int read_header(gzFile f, const char *path, int rank, idx_data *out, uint64_t *total,
                       char *err, size_t err_size) {
  unsigned char head[4 + 12];
  char what[160];
  if (read_exact(f, head, 4 + 4 * (size_t)rank) != 0)
    return fail(err, err_size, path, "truncated header (not an IDX file?)");
  uint32_t magic = big_endian(head);
  if (magic != (0x0800u | (uint32_t)rank)) {
    snprintf(what, sizeof what,
             "bad magic 0x%08x, expected 0x%08x (unsigned bytes, %d dimension%s)", magic,
             0x0800u | (uint32_t)rank, rank, rank > 1 ? "s" : "");
    return fail(err, err_size, path, what);
  }
  out->rank = rank;
  *total = 1;
  for (int i = 0; i < 3; i++) {
    out->dims[i] = i < rank ? big_endian(head + 4 + 4 * i) : 1;
    *total *= out->dims[i];
    if (out->dims[i] == 0 || *total > MAX_IDX_BYTES) {
      snprintf(what, sizeof what, "dimensions %u x %u x %u are empty or over %llu bytes",
               out->dims[0], i > 0 ? out->dims[1] : 1, i > 1 ? out->dims[2] : 1,
               (unsigned long long)MAX_IDX_BYTES);
      return fail(err, err_size, path, what);
    }
  }
  return 0;
}

int idx_load(const char *path, int rank, idx_data *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  gzFile f = gzopen(path, "rb");
  if (!f) return fail(err, err_size, path, strerror(errno ? errno : ENOENT));
  uint64_t total = 0;
  int rc = read_header(f, path, rank, out, &total, err, err_size);
  if (rc == 0 && !(out->bytes = malloc((size_t)total)))
    rc = fail(err, err_size, path, "out of memory");
  if (rc == 0 && read_exact(f, out->bytes, (size_t)total) != 0) {
    char what[128];
    snprintf(what, sizeof what, "truncated: fewer than the %llu data bytes its header announces",
             (unsigned long long)total);
    rc = fail(err, err_size, path, what);
  }
  gzclose(f);
  if (rc != 0) idx_free(out);
  return rc;
}

void idx_free(idx_data *d) {
  free(d->bytes);
  d->bytes = NULL;
}

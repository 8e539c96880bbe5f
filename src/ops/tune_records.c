/* Tuning records on disk: one text file per (device, driver, library version, op, problem),
   written atomically, checked field by field and by checksum before it is believed. */
#define _POSIX_C_SOURCE 200809L
#include "ops/tune_records.h"

#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/context.h"
#include "program/cache_dir.h"
#include "program/file_io.h"
#include "program/hash.h"

#define RECORD_MAGIC "clcnn-tune-record 1"
#define RECORD_SUFFIX ".tune"

void clcnn_tune_choice_format(const clcnn_tune_choice *c, char *out, size_t cap) {
  const char *algo = clcnn_conv_algo_name(c->algo);
  if (!c->workgroup)
    snprintf(out, cap, "algo=%s family=vector", algo ? algo : "?");
  else
    snprintf(out, cap, "algo=%s family=workgroup tile=%dx%dx%d group=%dx%d vec=%d",
             algo ? algo : "?", c->p.tm, c->p.tn, c->p.tk, c->p.wm, c->p.wn, c->p.vec);
}

int clcnn_tune_choice_parse(const char *text, clcnn_tune_choice *out) {
  char algo[32], family[32];
  int used = 0;
  clcnn_tune_choice c = {0};
  if (sscanf(text, "algo=%31s family=%31s%n", algo, family, &used) != 2) return 0;
  c.algo = clcnn_conv_algo_from_name(algo);
  if (c.algo <= CLCNN_CONV_AUTO) return 0;
  if (strcmp(family, "workgroup") == 0) {
    int more = 0;
    c.workgroup = 1;
    if (sscanf(text + used, " tile=%dx%dx%d group=%dx%d vec=%d%n", &c.p.tm, &c.p.tn, &c.p.tk,
               &c.p.wm, &c.p.wn, &c.p.vec, &more) != 6)
      return 0;
    used += more;
  } else if (strcmp(family, "vector") != 0) {
    return 0;
  }
  /* the whole text and nothing after it; the two families are for the direct path only */
  if (text[used] != '\0' || (c.workgroup && c.algo != CLCNN_CONV_DIRECT)) return 0;
  /* a format that prints exactly the same line: no leading zeros, signs or spaces slipped in */
  char again[160];
  clcnn_tune_choice_format(&c, again, sizeof again);
  if (strcmp(again, text) != 0) return 0;
  *out = c;
  return 1;
}

void clcnn_tune_record_dir(const clcnn_context *ctx, char *out, size_t cap) {
  if (ctx->cache_dir)
    snprintf(out, cap, "%s/tune", ctx->cache_dir);
  else if (cap)
    out[0] = '\0';
}

/* The header lines that must match this device and library exactly. */
static int header(const clcnn_context *ctx, const char *op, const char *problem, char *out,
                  size_t cap) {
  return snprintf(out, cap,
                  RECORD_MAGIC "\ndevice %s\ndriver %s\nplatform %s\nlibrary %s\nop %s\n"
                               "problem %s\n",
                  ctx->caps.name, ctx->caps.driver_version, ctx->caps.platform_version,
                  clcnn_version(), op, problem);
}

static void record_path(const clcnn_context *ctx, const char *op, const char *problem, char *out,
                        size_t cap) {
  char dir[4200];
  clcnn_tune_record_dir(ctx, dir, sizeof dir);
  uint64_t h = clcnn_hash_field(CLCNN_HASH_SEED, ctx->caps.name);
  h = clcnn_hash_field(h, ctx->caps.driver_version);
  h = clcnn_hash_field(h, ctx->caps.platform_version);
  h = clcnn_hash_field(h, clcnn_version());
  h = clcnn_hash_field(h, op);
  h = clcnn_hash_field(h, problem);
  snprintf(out, cap, "%s/%016llx" RECORD_SUFFIX, dir, (unsigned long long)h);
}

/* The line starting with `name ` in text, copied without the name into out. */
static int field(const char *text, const char *name, char *out, size_t cap) {
  size_t len = strlen(name);
  for (const char *line = text; line && *line;
       line = strchr(line, '\n'), line = line ? line + 1 : 0)
    if (strncmp(line, name, len) == 0 && line[len] == ' ') {
      const char *end = strchr(line, '\n');
      size_t n = end ? (size_t)(end - line - len - 1) : strlen(line + len + 1);
      if (n >= cap) return 0;
      memcpy(out, line + len + 1, n);
      out[n] = '\0';
      return 1;
    }
  return 0;
}

/* 1 when text is a complete record for head whose checksum holds; choice gets its line. */
static int record_checks(const char *text, size_t size, const char *head, char *choice,
                         size_t cap) {
  size_t head_len = strlen(head);
  if (size < head_len || memcmp(text, head, head_len) != 0) return 0;
  const char *check = strstr(text + head_len, "\ncheck ");
  if (!check) return 0;
  check++;
  unsigned long long stored = 0;
  int used = 0;
  if (sscanf(check, "check %16llx\n%n", &stored, &used) != 1 || used != 23 ||
      (size_t)(check - text) + (size_t)used != size)
    return 0;
  if (clcnn_hash_bytes(CLCNN_HASH_SEED, text, (size_t)(check - text)) != stored) return 0;
  return field(text + head_len, "choice", choice, cap);
}

int clcnn_tune_record_find(clcnn_context *ctx, const char *op, const char *problem,
                           clcnn_tune_choice *out) {
  if (!ctx->cache_dir || ctx->tune == CLCNN_TUNE_OFF) return 0;
  char path[4400], head[2048], choice[256];
  record_path(ctx, op, problem, path, sizeof path);
  int n = header(ctx, op, problem, head, sizeof head);
  if (n < 0 || (size_t)n >= sizeof head) return 0;
  size_t size = 0;
  char *text = clcnn_file_read_all(path, &size);
  if (!text) return 0;
  int ok = record_checks(text, size, head, choice, sizeof choice) &&
           clcnn_tune_choice_parse(choice, out) &&
           (!out->workgroup || clcnn_wg_params_fit(ctx, &out->p));
  free(text);
  if (!ok)
    clcnn_log(ctx->errors.log_level, CLCNN_LOG_DEBUG,
              "tuning record %s for %s %s does not check out; ignored", path, op, problem);
  return ok;
}

int clcnn_tune_record_store(clcnn_context *ctx, const char *op, const char *problem,
                            const clcnn_tune_choice *c, double ms, double default_ms) {
  if (!ctx->cache_dir) return 0;
  char path[4400], dir[4200], text[3072], choice[160];
  clcnn_tune_record_dir(ctx, dir, sizeof dir);
  record_path(ctx, op, problem, path, sizeof path);
  clcnn_tune_choice_format(c, choice, sizeof choice);
  int n = header(ctx, op, problem, text, sizeof text);
  if (n > 0 && (size_t)n < sizeof text)
    n += snprintf(text + n, sizeof text - (size_t)n, "choice %s\nms %.4f default %.4f\n", choice,
                  ms, default_ms);
  if (n < 0 || (size_t)n + 24 >= sizeof text) {
    errno = ENAMETOOLONG;
    return -1;
  }
  uint64_t check = clcnn_hash_bytes(CLCNN_HASH_SEED, text, (size_t)n);
  n += snprintf(text + n, sizeof text - (size_t)n, "check %016llx\n", (unsigned long long)check);
  if (clcnn_mkdir_p(dir) != 0 || clcnn_file_write_atomic(path, text, (size_t)n, NULL, 0) != 0) {
    clcnn_log(ctx->errors.log_level, CLCNN_LOG_WARN, "tuning record %s not written: %s", path,
              strerror(errno));
    return -1;
  }
  return 0;
}

/* 1 for "<16 hex digits>.tune". */
static int record_name(const char *name) {
  size_t len = strlen(name);
  if (len != 16 + strlen(RECORD_SUFFIX) || strcmp(name + 16, RECORD_SUFFIX) != 0) return 0;
  for (int i = 0; i < 16; i++)
    if (!strchr("0123456789abcdef", name[i])) return 0;
  return 1;
}

clcnn_status clcnn_tune_records(const char *cache_dir, int remove,
                                void (*each)(const char *record, void *user), void *user,
                                size_t *count) {
  const char *fn = "clcnn_tune_records";
  char base[4096], dir[4200];
  if (count) *count = 0;
  clcnn_status status = clcnn_cache_dir_resolve(cache_dir, base, sizeof base);
  if (status != CLCNN_OK || !base[0]) return status;
  snprintf(dir, sizeof dir, "%s/tune", base);
  DIR *d = opendir(dir);
  if (!d) {
    if (errno == ENOENT) return CLCNN_OK;
    return clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: cannot open %s: %s", fn, dir,
                      strerror(errno));
  }
  size_t found = 0;
  for (struct dirent *e = readdir(d); e; e = readdir(d)) {
    if (!record_name(e->d_name)) continue;
    char path[4500];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t size = 0;
    char *text = each ? clcnn_file_read_all(path, &size) : NULL;
    if (text && strncmp(text, RECORD_MAGIC "\n", strlen(RECORD_MAGIC) + 1) == 0) each(text, user);
    free(text);
    if (remove && unlink(path) != 0) {
      status = clcnn_fail(NULL, CLCNN_INVALID_ARGUMENT, "%s: cannot remove %s: %s", fn, path,
                          strerror(errno));
      break;
    }
    found++;
  }
  closedir(d);
  if (count) *count = found;
  return status;
}

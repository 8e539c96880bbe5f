/* Program handling: build failures, the in-memory cache, kernels built alone, the on-disk cache
   and its folder. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "program/program.h"
#include "support.h"

#define SECOND_PROCESS_ENV "CLCNN_TEST_SECOND_PROCESS_CACHE"

static void write_file(const char *dir, const char *name, const char *text) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

static clcnn_program_stats stats_of(const clcnn_context *ctx) {
  clcnn_program_stats st;
  expect_ok(clcnn_context_program_stats(ctx, &st), ctx);
  return st;
}

/* Fills a small tensor, which needs the fill.cl program. */
static clcnn_status fill_once(clcnn_context *ctx) {
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_create(ctx, 1, 1, 1, 5, &t), ctx);
  clcnn_status status = clcnn_tensor_fill(t, 1.0f);
  if (status == CLCNN_OK) {
    float out[5];
    expect_ok(clcnn_tensor_read(t, out, 5), ctx);
    for (int i = 0; i < 5; i++) ck_assert_float_eq(out[i], 1.0f);
  }
  clcnn_tensor_destroy(t);
  return status;
}

/* A context that reads kernels from a fresh folder dir holding fill.cl with fill_body (none
   when NULL); no disk cache. */
static clcnn_context *context_on_kernel_dir(char *dir, size_t cap, const char *fill_body) {
  support_make_temp_dir(dir, cap);
  if (fill_body) {
    char source[512];
    snprintf(source, sizeof source,
             "__kernel void fill_f32(__global float *d, ulong o, ulong c, float v) {\n%s\n}\n",
             fill_body);
    write_file(dir, "fill.cl", source);
  }
  setenv("CLCNN_KERNEL_DIR", dir, 1);
  return support_context_with(NULL, "off");
}

START_TEST(broken_kernel_reports_build_log) {
  char dir[256];
  clcnn_context *ctx = context_on_kernel_dir(dir, sizeof dir, "  d[o] = undeclared_symbol_xyz;");
  expect_error(fill_once(ctx), CLCNN_BUILD_FAILED, ctx, "undeclared_symbol_xyz");
  expect_error(fill_once(ctx), CLCNN_BUILD_FAILED, ctx, "building fill.cl with options");
  /* a failed build leaves the context usable */
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_create(ctx, 1, 1, 1, 2, &t), ctx);
  clcnn_tensor_destroy(t);
  clcnn_context_destroy(ctx);
  support_remove_tree(dir);
}
END_TEST

START_TEST(missing_kernel_file_names_the_path) {
  char dir[256];
  clcnn_context *ctx = context_on_kernel_dir(dir, sizeof dir, NULL);
  expect_error(fill_once(ctx), CLCNN_BUILD_FAILED, ctx, "fill.cl");
  expect_error(fill_once(ctx), CLCNN_BUILD_FAILED, ctx, dir);
  clcnn_context_destroy(ctx);
  support_remove_tree(dir);
}
END_TEST

START_TEST(kernel_dir_sources_are_used) {
  char dir[256];
  clcnn_context *ctx = context_on_kernel_dir(
      dir, sizeof dir, "  size_t i = get_global_id(0); if (i < c) d[o + i] = v + 1.0f;");
  clcnn_tensor *t;
  expect_ok(clcnn_tensor_create(ctx, 1, 1, 1, 3, &t), ctx);
  expect_ok(clcnn_tensor_fill(t, 1.0f), ctx);
  float out[3];
  expect_ok(clcnn_tensor_read(t, out, 3), ctx);
  ck_assert_float_eq(out[0], 2.0f); /* the edited kernel ran */
  clcnn_tensor_destroy(t);
  clcnn_context_destroy(ctx);
  support_remove_tree(dir);
}
END_TEST

START_TEST(memory_cache_builds_once) {
  clcnn_context *ctx = support_context_with(NULL, "off");
  clcnn_program_stats before = stats_of(ctx);
  expect_ok(fill_once(ctx), ctx);
  clcnn_program_stats mid = stats_of(ctx);
  expect_ok(fill_once(ctx), ctx);
  expect_ok(fill_once(ctx), ctx);
  clcnn_program_stats after = stats_of(ctx);
  ck_assert_uint_eq(mid.built_from_source, before.built_from_source + 1);
  ck_assert_uint_eq(after.built_from_source, mid.built_from_source);
  ck_assert_uint_eq(after.memory_hits, mid.memory_hits + 2);
  ck_assert_uint_eq(after.disk_writes, 0); /* cache off */
  ck_assert_uint_eq(after.loaded_from_disk, 0);
  clcnn_context_destroy(ctx);
}
END_TEST

/* The kernels of a cl_kernel's program, ';'-separated. */
static void program_kernels(cl_kernel kernel, char *names, size_t cap, size_t *count) {
  cl_program program;
  ck_assert_int_eq(clGetKernelInfo(kernel, CL_KERNEL_PROGRAM, sizeof program, &program, NULL),
                   CL_SUCCESS);
  ck_assert_int_eq(clGetProgramInfo(program, CL_PROGRAM_NUM_KERNELS, sizeof *count, count, NULL),
                   CL_SUCCESS);
  ck_assert_int_eq(clGetProgramInfo(program, CL_PROGRAM_KERNEL_NAMES, cap, names, NULL),
                   CL_SUCCESS);
}

/* The files of independent kernels: built whole, each kernel they hold builds alone, in a
   program that holds it and nothing else (a kernel outside its guard, or a guard that names
   another kernel, fails here). */
START_TEST(independent_kernels_build_alone) {
  clcnn_context *ctx = support_context_with(NULL, "off");
  const char *files[][2] = {
      {"conv2d_layout.cl", "pad_input"}, {"pool2d.cl", "pool2d"}, {"network.cl", "add"}};
  for (size_t f = 0; f < 3; f++) {
    cl_kernel whole;
    expect_ok(clcnn_kernel_get(ctx, files[f][0], "", files[f][1], &whole), ctx);
    char names[1024], alone_names[1024];
    size_t count, alone_count;
    program_kernels(whole, names, sizeof names, &count);
    ck_assert_msg(count >= 6, "%s holds %zu kernels: %s", files[f][0], count, names);
    size_t seen = 0;
    for (char *save = NULL, *name = strtok_r(names, ";", &save); name;
         name = strtok_r(NULL, ";", &save), seen++) {
      cl_kernel alone;
      expect_ok(clcnn_kernel_get_alone(ctx, files[f][0], name, &alone), ctx);
      program_kernels(alone, alone_names, sizeof alone_names, &alone_count);
      ck_assert_msg(alone_count == 1 && strcmp(alone_names, name) == 0,
                    "%s built for %s holds %zu kernels: %s", files[f][0], name, alone_count,
                    alone_names);
    }
    ck_assert_uint_eq(seen, count);
  }
  clcnn_context_destroy(ctx);
}
END_TEST

static size_t count_cache_files(const char *dir) {
  size_t files = 0;
  uint64_t bytes = 0;
  ck_assert_int_eq(clcnn_cache_usage(dir, &files, &bytes), CLCNN_OK);
  ck_assert(files == 0 || bytes > 0);
  return files;
}

/* Creates a context on a cache folder, fills once; returns the stats. */
static clcnn_program_stats context_round(const char *dir) {
  clcnn_context *ctx = support_context_with(NULL, dir);
  expect_ok(fill_once(ctx), ctx);
  clcnn_program_stats st = stats_of(ctx);
  clcnn_context_destroy(ctx);
  return st;
}

START_TEST(disk_cache_is_reused_by_a_second_process) {
  char dir[256];
  support_make_temp_dir(dir, sizeof dir);
  clcnn_program_stats first = context_round(dir);
  ck_assert_uint_ge(first.built_from_source, 2); /* probe + fill */
  ck_assert_uint_eq(first.disk_writes, first.built_from_source);
  ck_assert_uint_eq(first.loaded_from_disk, 0);
  ck_assert_uint_eq(count_cache_files(dir), first.disk_writes);
  clcnn_program_stats second = context_round(dir); /* a second context in this process */
  ck_assert_uint_eq(second.built_from_source, 0);
  ck_assert_uint_eq(second.loaded_from_disk, first.built_from_source);
  /* and a second process: this executable again (a forked child cannot use OpenCL) */
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    setenv(SECOND_PROCESS_ENV, dir, 1);
    execl("/proc/self/exe", "test_program", (char *)NULL);
    _exit(127);
  }
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  ck_assert_msg(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0,
                "the second process rebuilt programs instead of loading the disk cache (%d)",
                WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
  support_remove_tree(dir);
}
END_TEST

static void corrupt_every_cache_file(const char *dir, int shorten) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  struct dirent *ent;
  while ((ent = readdir(d)) != NULL) {
    if (!strstr(ent->d_name, ".clbin")) continue;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    if (shorten) {
      ck_assert_int_eq(truncate(path, 20), 0);
      continue;
    }
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 200, SEEK_SET);
    fputs("garbage written over the program binary", f);
    fclose(f);
  }
  closedir(d);
}

START_TEST(corrupt_cache_files_fall_back_to_source) {
  char dir[256];
  support_make_temp_dir(dir, sizeof dir);
  clcnn_program_stats first = context_round(dir);
  for (int truncate = 0; truncate <= 1; truncate++) {
    corrupt_every_cache_file(dir, truncate);
    clcnn_program_stats again = context_round(dir);
    ck_assert_uint_eq(again.disk_rejects, first.built_from_source);
    ck_assert_uint_eq(again.built_from_source, first.built_from_source);
    ck_assert_uint_eq(again.disk_writes, first.built_from_source); /* repaired */
    clcnn_program_stats repaired = context_round(dir);
    ck_assert_uint_eq(repaired.built_from_source, 0);
    ck_assert_uint_eq(repaired.disk_rejects, 0);
  }
  support_remove_tree(dir);
}
END_TEST

START_TEST(unwritable_cache_dir_is_not_an_error) {
  clcnn_context *ctx = support_context_with(NULL, "/proc/clcnn-cannot-write-here");
  expect_ok(fill_once(ctx), ctx);
  ck_assert_uint_eq(stats_of(ctx).disk_writes, 0);
  clcnn_context_destroy(ctx);
}
END_TEST

START_TEST(cache_dir_resolution) {
  char out[512];
  unsetenv("CLCNN_CACHE_DIR");
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  expect_ok(clcnn_cache_dir_resolve(NULL, out, sizeof out), NULL);
  ck_assert_str_eq(out, "/xdg/clcnn");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/someone", 1);
  expect_ok(clcnn_cache_dir_resolve(NULL, out, sizeof out), NULL);
  ck_assert_str_eq(out, "/home/someone/.cache/clcnn");
  setenv("CLCNN_CACHE_DIR", "/env/cache", 1);
  expect_ok(clcnn_cache_dir_resolve(NULL, out, sizeof out), NULL);
  ck_assert_str_eq(out, "/env/cache");
  expect_ok(clcnn_cache_dir_resolve("/opt/cache", out, sizeof out), NULL);
  ck_assert_str_eq(out, "/opt/cache");
  expect_ok(clcnn_cache_dir_resolve("off", out, sizeof out), NULL);
  ck_assert_str_eq(out, "");
  setenv("CLCNN_CACHE_DIR", "off", 1);
  expect_ok(clcnn_cache_dir_resolve(NULL, out, sizeof out), NULL);
  ck_assert_str_eq(out, "");
  expect_error(clcnn_cache_dir_resolve("/a/rather/long/path", out, 8), CLCNN_INVALID_ARGUMENT, NULL,
               "out has 8");
}
END_TEST

START_TEST(cache_clear_removes_only_cache_files) {
  char dir[256];
  support_make_temp_dir(dir, sizeof dir);
  context_round(dir);
  write_file(dir, "notes.txt", "keep me");
  write_file(dir, "0123456789abcdef.clbin.bak", "keep me too");
  size_t files = count_cache_files(dir), removed = 0;
  ck_assert_uint_ge(files, 2);
  expect_ok(clcnn_cache_clear(dir, &removed), NULL);
  ck_assert_uint_eq(removed, files);
  ck_assert_uint_eq(count_cache_files(dir), 0);
  char path[512];
  snprintf(path, sizeof path, "%s/notes.txt", dir);
  ck_assert_int_eq(access(path, F_OK), 0);
  snprintf(path, sizeof path, "%s/0123456789abcdef.clbin.bak", dir);
  ck_assert_int_eq(access(path, F_OK), 0);
  snprintf(path, sizeof path, "%s/missing", dir);
  ck_assert_uint_eq(count_cache_files(path), 0);
  expect_error(clcnn_cache_usage(NULL, &files, NULL), CLCNN_INVALID_ARGUMENT, NULL, "dir is NULL");
  support_remove_tree(dir);
}
END_TEST

/* A file named like a cache file, `bytes` long, last used at `when` (seconds since 1970). */
static void write_cache_like(const char *dir, const char *name, size_t bytes, time_t when) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  for (size_t i = 0; i < bytes; i++) fputc('x', f);
  fclose(f);
  struct timespec times[2] = {{when, 0}, {when, 0}};
  ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
}

static int exists(const char *dir, const char *name) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return access(path, F_OK) == 0;
}

START_TEST(cache_trim_removes_least_recently_used) {
  char dir[256];
  support_make_temp_dir(dir, sizeof dir);
  const char *names[4] = {"000000000000000a.clbin", "000000000000000b.clbin",
                          "000000000000000c.clbin", "000000000000000d.clbin"};
  time_t used[4] = {1000000300, 1000000100, 1000000400, 1000000200}; /* b, d, a, c oldest first */
  for (int i = 0; i < 4; i++) write_cache_like(dir, names[i], 1000, used[i]);
  write_cache_like(dir, "000000000000000e.clbin.tmp.abc123", 5000, 1000000000); /* in flight */
  write_cache_like(dir, "notes.txt", 5000, 1000000000);
  size_t removed = 99;
  expect_ok(clcnn_cache_trim(dir, 4000, &removed), NULL); /* already within: nothing goes */
  ck_assert_uint_eq(removed, 0);
  expect_ok(clcnn_cache_trim(dir, 2500, &removed), NULL);
  ck_assert_uint_eq(removed, 2);
  ck_assert(!exists(dir, names[1]) && !exists(dir, names[3]));
  ck_assert(exists(dir, names[0]) && exists(dir, names[2]));
  ck_assert(exists(dir, "000000000000000e.clbin.tmp.abc123") && exists(dir, "notes.txt"));
  expect_ok(clcnn_cache_trim(dir, 0, &removed), NULL);
  ck_assert_uint_eq(removed, 2);
  ck_assert(exists(dir, "notes.txt"));
  expect_error(clcnn_cache_trim(NULL, 0, NULL), CLCNN_INVALID_ARGUMENT, NULL, "dir is NULL");
  support_remove_tree(dir);
}
END_TEST

/* Seconds of the newest modification time among dir's complete cache files; with `age`,
   first sets every one of them to `age`. */
static time_t newest_cache_use(const char *dir, time_t age) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  time_t newest = 0;
  struct dirent *ent;
  while ((ent = readdir(d)) != NULL) {
    if (!strstr(ent->d_name, ".clbin") || strstr(ent->d_name, ".tmp.")) continue;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    struct timespec old[2] = {{age, 0}, {age, 0}};
    if (age) ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    if (st.st_mtime > newest) newest = st.st_mtime;
  }
  closedir(d);
  return newest;
}

START_TEST(contexts_keep_the_disk_cache_bounded) {
  char dir[256];
  support_make_temp_dir(dir, sizeof dir);
  /* 1.5 MiB of old files against a 1 MiB bound: the first write evicts them. */
  for (int i = 0; i < 3; i++) {
    char name[32];
    snprintf(name, sizeof name, "00000000000000f%d.clbin", i);
    write_cache_like(dir, name, 512 * 1024, 1000000000 + i);
  }
  setenv("CLCNN_CACHE_MAX_MB", "1", 1);
  clcnn_program_stats first = context_round(dir);
  ck_assert_uint_ge(first.disk_writes, 1);
  size_t files = 0;
  uint64_t bytes = 0;
  expect_ok(clcnn_cache_usage(dir, &files, &bytes), NULL);
  ck_assert_uint_le(bytes, 1024 * 1024);
  ck_assert(!exists(dir, "00000000000000f0.clbin") && !exists(dir, "00000000000000f1.clbin"));
  /* What was just written is the most recently used and stays; a load marks it used again. */
  time_t written = newest_cache_use(dir, 0);
  ck_assert(written > 1000000002);
  expect_ok(clcnn_cache_trim(dir, 1024 * 1024, NULL), NULL);
  ck_assert_uint_eq(newest_cache_use(dir, 0), written);
  ck_assert_uint_eq(newest_cache_use(dir, 1000000000), 1000000000); /* age all, then load */
  clcnn_program_stats second = context_round(dir);
  ck_assert_uint_ge(second.loaded_from_disk, 1);
  ck_assert(newest_cache_use(dir, 0) > 1000000000);
  unsetenv("CLCNN_CACHE_MAX_MB");
  support_remove_tree(dir);
}
END_TEST

static Suite *program_suite(void) {
  Suite *s = suite_create("program");
  TCase *tc = support_tcase("build");
  tcase_add_test(tc, broken_kernel_reports_build_log);
  tcase_add_test(tc, missing_kernel_file_names_the_path);
  tcase_add_test(tc, kernel_dir_sources_are_used);
  tcase_add_test(tc, memory_cache_builds_once);
  tcase_add_test(tc, independent_kernels_build_alone);
  suite_add_tcase(s, tc);
  tc = support_tcase("disk cache");
  tcase_add_test(tc, disk_cache_is_reused_by_a_second_process);
  tcase_add_test(tc, corrupt_cache_files_fall_back_to_source);
  tcase_add_test(tc, unwritable_cache_dir_is_not_an_error);
  tcase_add_test(tc, cache_dir_resolution);
  tcase_add_test(tc, cache_clear_removes_only_cache_files);
  tcase_add_test(tc, cache_trim_removes_least_recently_used);
  tcase_add_test(tc, contexts_keep_the_disk_cache_bounded);
  suite_add_tcase(s, tc);
  return s;
}

/* The second process of disk_cache_is_reused_by_a_second_process: exit 0 when every program
   came from the disk cache. */
static int second_process(const char *dir) {
  clcnn_context_options opts = {NULL, dir, 0};
  clcnn_context *ctx;
  if (clcnn_context_create(&opts, &ctx) != CLCNN_OK) return 2;
  clcnn_tensor *t;
  int ok =
      clcnn_tensor_create(ctx, 1, 1, 1, 4, &t) == CLCNN_OK && clcnn_tensor_fill(t, 1) == CLCNN_OK;
  clcnn_program_stats st;
  clcnn_context_program_stats(ctx, &st);
  clcnn_tensor_destroy(t);
  clcnn_context_destroy(ctx);
  return ok && st.built_from_source == 0 && st.loaded_from_disk >= 2 ? 0 : 1;
}

int main(void) {
  const char *dir = getenv(SECOND_PROCESS_ENV);
  if (dir) return second_process(dir);
  return support_run(program_suite());
}

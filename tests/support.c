/* Helpers shared by the Check suites: contexts, temp folders, error assertions, runner main. */
#define _DEFAULT_SOURCE
#include "support.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

clcnn_context *support_context_with(const char *device, const char *cache_dir) {
  clcnn_context_options opts = {device, cache_dir, 0};
  clcnn_context *ctx = NULL;
  clcnn_status status = clcnn_context_create(&opts, &ctx);
  ck_assert_msg(status == CLCNN_OK, "no OpenCL device for the tests (%s): %s",
                clcnn_status_string(status), clcnn_last_error(NULL));
  return ctx;
}

clcnn_context *support_context(void) {
  return support_context_with(NULL, NULL);
}

void support_expect_error(clcnn_status status, clcnn_status expected, const clcnn_context *ctx,
                          const char *fragment, const char *file, int line) {
  const char *message = clcnn_last_error(ctx);
  ck_assert_msg(status == expected, "%s:%d: expected %s, got %s (%s)", file, line,
                clcnn_status_string(expected), clcnn_status_string(status), message);
  ck_assert_msg(strstr(message, fragment) != NULL, "%s:%d: message '%s' lacks '%s'", file, line,
                message, fragment);
}

unsigned support_random(unsigned *seed) {
  *seed = *seed * 1103515245u + 12345u;
  return (*seed >> 8) & 0xFFFF;
}

float *support_values(size_t count, unsigned *seed, int integer) {
  float *v = malloc((count ? count : 1) * sizeof *v);
  ck_assert_ptr_nonnull(v);
  for (size_t i = 0; i < count; i++) {
    unsigned bits = support_random(seed);
    v[i] = integer ? (float)((int)(bits % 5) - 2) : (float)bits / 32768.0f - 1.0f;
  }
  return v;
}

void support_make_temp_dir(char *out, size_t cap) {
  const char *base = getenv("TMPDIR");
  snprintf(out, cap, "%s/clcnn-test-XXXXXX", base && base[0] ? base : "/tmp");
  ck_assert_msg(mkdtemp(out) != NULL, "mkdtemp %s failed", out);
}

void support_remove_tree(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *ent;
  char path[4400];
  while ((ent = readdir(d)) != NULL) {
    if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
      support_remove_tree(path);
    else
      unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

TCase *support_tcase(const char *name) {
  TCase *tc = tcase_create(name);
  tcase_set_timeout(tc, 300);
  return tc;
}

int support_run(Suite *suite) {
  SRunner *runner = srunner_create(suite);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void support_expect_close(const float *got, const float *want, size_t count, double tol,
                          const char *what, const char *name) {
  for (size_t i = 0; i < count; i++)
    ck_assert_msg(fabs((double)got[i] - want[i]) <= tol, "%s %s: [%zu] = %.9g, reference %.9g",
                  name, what, i, got[i], want[i]);
}

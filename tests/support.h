/* Helpers shared by the Check suites: contexts, temp folders, error assertions, runner main. */
#ifndef CLCNN_TESTS_SUPPORT_H
#define CLCNN_TESTS_SUPPORT_H

#include <check.h>
#include <clcnn/clcnn.h>

/* A context on the default device; fails the test (never skips) when there is none. */
clcnn_context *support_context(void);
clcnn_context *support_context_with(const char *device, const char *cache_dir);

/* Asserts status == expected and that the message (ctx's, or the thread's when ctx is NULL)
   contains fragment. */
#define expect_error(status, expected, ctx, fragment)                                              \
  support_expect_error((status), (expected), (ctx), (fragment), __FILE__, __LINE__)
void support_expect_error(clcnn_status status, clcnn_status expected, const clcnn_context *ctx,
                          const char *fragment, const char *file, int line);

#define expect_ok(status, ctx)                                                                     \
  ck_assert_msg((status) == CLCNN_OK, "%s: %s", clcnn_status_string(status), clcnn_last_error(ctx))

/* Asserts |got[i] - want[i]| <= tol for each i, naming what (the tensor) and name (the case). */
void support_expect_close(const float *got, const float *want, size_t count, double tol,
                          const char *what, const char *name);
/* The tests' one pseudo-random generator: the next 16 random bits from *seed (advanced). */
unsigned support_random(unsigned *seed);

/* count pseudo-random values from *seed (advanced): integers -2..2 (exact in any sum the
   tests make) or uniform in [-1, 1). malloc'd; the caller frees. */
float *support_values(size_t count, unsigned *seed, int integer);

/* A fresh empty folder under $TMPDIR (or /tmp), removed with support_remove_tree. */
void support_make_temp_dir(char *out, size_t cap);
void support_remove_tree(const char *dir);

/* Runs the suite (CK_NORMAL output, so the closing summary reaches the log); exit status. */
int support_run(Suite *suite);

/* A test case with a timeout that covers a cold PoCL (or CLBlast) compile. */
TCase *support_tcase(const char *name);

#endif

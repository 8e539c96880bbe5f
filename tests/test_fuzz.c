/* A seeded, bounded fuzz driver (clang's libFuzzer is not needed): random descriptors and
   shapes, extremes included, through the shape functions, checked against an independent
   computation in 128-bit arithmetic; and the committed corpus of problem strings, mutated,
   through the parsers, with format/parse round trips for whatever parses. No input may
   crash, return an unknown status, fail without a message or succeed with a wrong shape. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define ROUNDS 20000
#define MUTATIONS 20000
#define MAX_EXTENT ((size_t)1 << 30)

typedef unsigned __int128 u128;

/* A size from the values that break things: 0, 1, small, around 2^30, 2^31, 2^62, max. */
static size_t edgy(unsigned *seed) {
  static const size_t edges[] = {0,
                                 1,
                                 2,
                                 3,
                                 7,
                                 ((size_t)1 << 30) - 1,
                                 (size_t)1 << 30,
                                 ((size_t)1 << 30) + 1,
                                 (size_t)1 << 31,
                                 (size_t)1 << 62,
                                 (size_t)-1};
  unsigned r = support_random(seed);
  if (r % 8) return 1 + r % 5; /* mostly small and valid */
  return edges[support_random(seed) % (sizeof edges / sizeof *edges)];
}

static int known_status(clcnn_status s) {
  return s >= CLCNN_OK && s <= CLCNN_DEVICE_LOST;
}

/* The convolution's output shape, or 0 when the problem is invalid; independent of the
   library: every sum in 128 bits. */
static int expected_conv(const clcnn_conv2d_desc *d, const size_t x[4], const size_t w[4],
                         size_t y[4]) {
  size_t p[] = {d->stride_h,  d->stride_w,   d->pad_top,    d->pad_bottom, d->pad_left,
                d->pad_right, d->dilation_h, d->dilation_w, d->groups};
  for (int i = 0; i < 9; i++)
    if (p[i] > MAX_EXTENT) return 0;
  if (!d->stride_h || !d->stride_w || !d->dilation_h || !d->dilation_w || !d->groups) return 0;
  u128 xc = 1, wc = 1;
  for (int i = 0; i < 4; i++) {
    if (!x[i] || !w[i] || x[i] > MAX_EXTENT || w[i] > MAX_EXTENT) return 0;
    xc *= x[i], wc *= w[i];
  }
  if (xc > (u128)SIZE_MAX / sizeof(float) || wc > (u128)SIZE_MAX / sizeof(float)) return 0;
  if (x[1] % d->groups || w[0] % d->groups || w[1] != x[1] / d->groups) return 0;
  u128 hp = (u128)x[2] + d->pad_top + d->pad_bottom, wp = (u128)x[3] + d->pad_left + d->pad_right;
  u128 kh = (u128)d->dilation_h * (w[2] - 1) + 1, kw = (u128)d->dilation_w * (w[3] - 1) + 1;
  if (hp < kh || wp < kw) return 0;
  y[0] = x[0], y[1] = w[0];
  y[2] = (size_t)((hp - kh) / d->stride_h + 1), y[3] = (size_t)((wp - kw) / d->stride_w + 1);
  u128 yc = (u128)y[0] * y[1] * y[2] * y[3];
  return yc <= (u128)SIZE_MAX / sizeof(float);
}

START_TEST(conv_shapes_survive_random_descriptors) {
  unsigned seed = 2026;
  int ok = 0;
  for (int round = 0; round < ROUNDS; round++) {
    clcnn_conv2d_desc d = {edgy(&seed),     edgy(&seed),     edgy(&seed) % 3, edgy(&seed) % 3,
                           edgy(&seed) % 3, edgy(&seed) % 3, edgy(&seed),     edgy(&seed),
                           edgy(&seed),     CLCNN_CONV_AUTO};
    if (support_random(&seed) % 4 == 0) d.pad_top = edgy(&seed), d.groups = 1;
    size_t x[4] = {edgy(&seed), edgy(&seed), edgy(&seed) + 8, edgy(&seed) + 8};
    size_t w[4] = {edgy(&seed), x[1] / (d.groups ? d.groups : 1), edgy(&seed) % 4 + 1,
                   edgy(&seed) % 4 + 1};
    if (support_random(&seed) % 2) w[0] = d.groups * (1 + support_random(&seed) % 4);
    size_t y[4] = {0, 0, 0, 0}, want[4];
    clcnn_status s = clcnn_conv2d_output_shape(&d, x, w, y);
    int valid = expected_conv(&d, x, w, want);
    ck_assert_msg(known_status(s), "round %d: status %d", round, (int)s);
    if (s == CLCNN_OK) {
      ck_assert_msg(
          valid,
          "round %d: accepted x %zux%zux%zux%zu w %zux%zux%zux%zu st %zux%zu p %zu,%zu,%zu,%zu "
          "d %zux%zu g %zu",
          round, x[0], x[1], x[2], x[3], w[0], w[1], w[2], w[3], d.stride_h, d.stride_w, d.pad_top,
          d.pad_bottom, d.pad_left, d.pad_right, d.dilation_h, d.dilation_w, d.groups);
      ck_assert_msg(memcmp(y, want, sizeof y) == 0, "round %d: %zux%zux%zux%zu, want %zux%zu",
                    round, y[0], y[1], y[2], y[3], want[2], want[3]);
      ok++;
    } else {
      ck_assert_msg(!valid || s == CLCNN_INVALID_ARGUMENT, "round %d: %s", round,
                    clcnn_status_string(s));
      ck_assert_msg(clcnn_last_error(NULL)[0], "round %d: failure without a message", round);
    }
  }
  ck_assert_msg(ok > ROUNDS / 20, "only %d of %d rounds valid: the driver tests too little", ok,
                ROUNDS);
}
END_TEST

START_TEST(pool_shapes_survive_random_descriptors) {
  unsigned seed = 1983;
  int ok = 0;
  for (int round = 0; round < ROUNDS; round++) {
    /* mostly valid modes and pads (at most half the window), with the extremes mixed in */
    unsigned r = support_random(&seed);
    clcnn_pool2d_desc d = {r % 7 == 0 ? 2 : (int)(r % 2),
                           edgy(&seed),
                           edgy(&seed),
                           edgy(&seed),
                           edgy(&seed),
                           support_random(&seed) % 2,
                           support_random(&seed) % 2,
                           support_random(&seed) % 2,
                           r % 11 == 0 ? edgy(&seed) : support_random(&seed) % 2,
                           (int)(support_random(&seed) % 2),
                           (int)(support_random(&seed) % 2)};
    size_t x[4] = {edgy(&seed), edgy(&seed), edgy(&seed), edgy(&seed)}, y[4];
    clcnn_status s = clcnn_pool2d_output_shape(&d, x, y);
    ck_assert_msg(known_status(s), "round %d: status %d", round, (int)s);
    if (s != CLCNN_OK) {
      ck_assert_msg(clcnn_last_error(NULL)[0], "round %d: failure without a message", round);
      continue;
    }
    ok++;
    /* the windows along each axis: the last starts inside the input or its leading pad */
    size_t in[2] = {x[2], x[3]}, k[2] = {d.kernel_h, d.kernel_w}, st[2] = {d.stride_h, d.stride_w};
    size_t lo[2] = {d.pad_top, d.pad_left}, hi[2] = {d.pad_bottom, d.pad_right},
           out[2] = {y[2], y[3]};
    for (int a = 0; a < 2; a++) {
      ck_assert_msg(out[a] >= 1, "round %d: empty output", round);
      u128 last = (u128)(out[a] - 1) * st[a];
      ck_assert_msg(last < (u128)in[a] + lo[a], "round %d: last window starts in the padding",
                    round);
      if (!d.ceil_mode)
        ck_assert_msg(last + k[a] <= (u128)in[a] + lo[a] + hi[a], "round %d: window past the end",
                      round);
    }
  }
  ck_assert_msg(ok > ROUNDS / 20, "only %d of %d rounds valid", ok, ROUNDS);
}
END_TEST

/* Mutations of the corpus lines: a character replaced, inserted, deleted, or a cut. */
static void mutate(char *s, size_t cap, unsigned *seed) {
  static const char alphabet[] = "0123456789nchwkrs_pstdgx amaxvgceilxpd=";
  size_t len = strlen(s), at = len ? support_random(seed) % len : 0;
  switch (support_random(seed) % 4) {
  case 0:
    if (len) s[at] = alphabet[support_random(seed) % (sizeof alphabet - 1)];
    break;
  case 1:
    if (len + 2 < cap) {
      memmove(s + at + 1, s + at, len - at + 1);
      s[at] = alphabet[support_random(seed) % (sizeof alphabet - 1)];
    }
    break;
  case 2:
    if (len) memmove(s + at, s + at + 1, len - at);
    break;
  default:
    s[at] = '\0';
  }
}

START_TEST(problem_strings_survive_mutation) {
  char path[4096];
  snprintf(path, sizeof path, "%s/corpus/problems.txt", CLCNN_TEST_SOURCE_DIR);
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "corpus %s missing", path);
  char lines[64][256];
  size_t n = 0;
  while (n < 64 && fgets(lines[n], sizeof lines[n], f))
    lines[n][strcspn(lines[n], "\n")] = '\0', n++;
  fclose(f);
  ck_assert_uint_gt(n, 10);
  unsigned seed = 77;
  int parsed = 0;
  for (int round = 0; round < MUTATIONS; round++) {
    char text[300];
    snprintf(text, sizeof text, "%s", lines[support_random(&seed) % n]);
    for (unsigned m = support_random(&seed) % 4; m > 0; m--) mutate(text, sizeof text, &seed);
    clcnn_conv2d_desc d, d2;
    clcnn_pool2d_desc p, p2;
    size_t x[4], w[4], x2[4], w2[4];
    char again[256];
    clcnn_status s = clcnn_conv2d_problem_parse(text, &d, x, w);
    ck_assert_msg(known_status(s), "'%s': status %d", text, (int)s);
    if (s == CLCNN_OK && clcnn_conv2d_problem_format(&d, x, w, again, sizeof again) == CLCNN_OK) {
      parsed++;
      expect_ok(clcnn_conv2d_problem_parse(again, &d2, x2, w2), NULL);
      ck_assert_msg(!memcmp(x, x2, sizeof x) && !memcmp(w, w2, sizeof w) &&
                        d.stride_h == d2.stride_h && d.pad_right == d2.pad_right &&
                        d.dilation_w == d2.dilation_w && d.groups == d2.groups,
                    "'%s' -> '%s' does not read back the same", text, again);
    } else if (s != CLCNN_OK) {
      ck_assert_msg(clcnn_last_error(NULL)[0], "'%s': failure without a message", text);
    }
    s = clcnn_pool2d_problem_parse(text, &p, x);
    ck_assert_msg(known_status(s), "'%s': status %d", text, (int)s);
    if (s == CLCNN_OK && clcnn_pool2d_problem_format(&p, x, again, sizeof again) == CLCNN_OK) {
      parsed++;
      expect_ok(clcnn_pool2d_problem_parse(again, &p2, x2), NULL);
      ck_assert_msg(!memcmp(x, x2, sizeof x) && p.mode == p2.mode && p.kernel_w == p2.kernel_w &&
                        p.pad_bottom == p2.pad_bottom && p.ceil_mode == p2.ceil_mode,
                    "'%s' -> '%s' does not read back the same", text, again);
    }
  }
  ck_assert_msg(parsed > MUTATIONS / 20, "only %d mutations parsed", parsed);
}
END_TEST

static Suite *fuzz_suite(void) {
  Suite *s = suite_create("fuzz");
  TCase *tc = support_tcase("bounded");
  tcase_add_test(tc, conv_shapes_survive_random_descriptors);
  tcase_add_test(tc, pool_shapes_survive_random_descriptors);
  tcase_add_test(tc, problem_strings_survive_mutation);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return support_run(fuzz_suite());
}

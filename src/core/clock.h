/* Monotonic time and medians: the one clock the library's timings (program builds, layer
   profiles, tuning) read. */
#ifndef CLCNN_CORE_CLOCK_H
#define CLCNN_CORE_CLOCK_H

#include <stddef.h>

/* Seconds on a monotonic clock (an arbitrary origin). */
double clcnn_now_seconds(void);
/* The median of values[0..count) (count >= 1), which it sorts in place. */
double clcnn_median(double *values, size_t count);

#endif

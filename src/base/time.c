/*
 * time.c — clocks. Monotonic for durations and deadlines, wall for timestamps.
 */
#include <time.h>

#include "codegraph/base.h"

uint64_t cg_time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t cg_time_wall_s(void)
{
    return (int64_t)time(NULL);
}

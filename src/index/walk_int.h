/*
 * walk_int.h — walker internals shared with its unit tests only.
 */
#ifndef CODEGRAPH_INDEX_WALK_INT_H
#define CODEGRAPH_INDEX_WALK_INT_H

/**
 * Tests only: 1 makes cg_walk_open_beneath use the O_NOFOLLOW component walk as if openat2
 * were missing (ENOSYS), 0 restores openat2. Not thread-safe; never called by the server.
 */
void cg_walk_test_force_fallback(int on);

#endif

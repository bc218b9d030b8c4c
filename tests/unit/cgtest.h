/*
 * cgtest.h — the unit-test harness: one executable per test file, no framework.
 *
 * Usage:
 *   CG_TEST(name) { CG_CHECK(x == 1); CG_CHECK_EQ_INT(a, b); CG_CHECK_STR(s, "x"); }
 *   int main(void) { return cg_test_main(); }   (or CG_TEST_MAIN())
 * Every test registered with CG_TEST runs in file order; a failed check prints
 * file:line and the expression and marks the test failed (the test goes on).
 * The last line is "N passed, N failed", which tools/test.sh sums.
 */
#ifndef CGTEST_H
#define CGTEST_H

#include <stdio.h>
#include <string.h>

typedef void (*cg_test_fn)(int *failed);
struct cg_test_entry {
    const char *name;
    cg_test_fn fn;
};

#define CG_TESTS_MAX 512
static struct cg_test_entry cg_tests_[CG_TESTS_MAX];
static int cg_tests_n_;

#define CG_TEST(name)                                                                              \
    static void cg_test_##name(int *cg_failed_);                                                   \
    __attribute__((constructor)) static void cg_test_reg_##name(void)                              \
    {                                                                                              \
        if (cg_tests_n_ < CG_TESTS_MAX)                                                            \
            cg_tests_[cg_tests_n_++] = (struct cg_test_entry){#name, cg_test_##name};              \
    }                                                                                              \
    static void cg_test_##name(int *cg_failed_)

#define CG_CHECK(e)                                                                                \
    do {                                                                                           \
        if (!(e)) {                                                                                \
            fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #e);                \
            *cg_failed_ = 1;                                                                       \
        }                                                                                          \
    } while (0)

#define CG_CHECK_EQ_INT(a, b)                                                                      \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a,    \
                    #b, a_, b_);                                                                   \
            *cg_failed_ = 1;                                                                       \
        }                                                                                          \
    } while (0)

#define CG_CHECK_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                   \
            fprintf(stderr, "  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__,    \
                    #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                               \
            *cg_failed_ = 1;                                                                       \
        }                                                                                          \
    } while (0)

static inline int cg_test_main(void)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < cg_tests_n_; i++) {
        int f = 0;
        cg_tests_[i].fn(&f);
        printf("%s %s\n", f ? "FAIL" : "ok  ", cg_tests_[i].name);
        fflush(stdout);
        if (f)
            failed++;
        else
            passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
#define CG_TEST_MAIN()                                                                             \
    int main(void)                                                                                 \
    {                                                                                              \
        return cg_test_main();                                                                     \
    }

#endif

/*
 * test_buf.c — proves cg_buf grows, consumes, formats integers/doubles exactly and
 * escapes JSON strings correctly (control chars, quotes, invalid UTF-8 → U+FFFD).
 */
#include <math.h>

#include "cgtest.h"
#include "codegraph/buf.h"

CG_TEST(append_and_grow)
{
    cg_buf b;
    cg_buf_init(&b);
    for (int i = 0; i < 10000; i++) cg_buf_putc(&b, (char)('a' + i % 26));
    CG_CHECK_EQ_INT(b.len, 10000);
    CG_CHECK(b.cap > b.len);
    CG_CHECK_EQ_INT(b.data[b.len], 0);
    CG_CHECK_EQ_INT(b.data[27], 'b');
    cg_buf_release(&b);
    CG_CHECK(b.data == NULL && b.len == 0);
}

CG_TEST(consume)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_buf_puts(&b, "hello world");
    cg_buf_consume(&b, 6);
    CG_CHECK_STR(b.data, "world");
    cg_buf_consume(&b, 100);
    CG_CHECK_EQ_INT(b.len, 0);
    cg_buf_release(&b);
}

CG_TEST(integers)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_buf_put_u64(&b, 0);
    cg_buf_putc(&b, ' ');
    cg_buf_put_u64(&b, 18446744073709551615ull);
    cg_buf_putc(&b, ' ');
    cg_buf_put_i64(&b, -9223372036854775807ll - 1);
    CG_CHECK_STR(b.data, "0 18446744073709551615 -9223372036854775808");
    cg_buf_release(&b);
}

CG_TEST(doubles)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_buf_put_double(&b, 0.1);
    cg_buf_putc(&b, ' ');
    cg_buf_put_double(&b, 2.5);
    cg_buf_putc(&b, ' ');
    cg_buf_put_double(&b, 10);
    cg_buf_putc(&b, ' ');
    cg_buf_put_double(&b, INFINITY);
    cg_buf_putc(&b, ' ');
    cg_buf_put_double(&b, NAN);
    CG_CHECK_STR(b.data, "0.1 2.5 10 +Inf NaN");
    cg_buf_release(&b);
}

CG_TEST(json_escape)
{
    cg_buf b;
    cg_buf_init(&b);
    const char in[] = "a\"b\\c\n\x01\xc3\xa9\xff";
    cg_buf_put_json_str(&b, in, sizeof in - 1);
    CG_CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\"");
    cg_buf_reset(&b);
    cg_buf_put_json_str(&b, "\xed\xa0\x80", 3); /* UTF-16 surrogate: invalid in UTF-8 */
    CG_CHECK_STR(b.data, "\"\\ufffd\\ufffd\\ufffd\"");
    cg_buf_release(&b);
}

CG_TEST(printf_long)
{
    cg_buf b;
    cg_buf_init(&b);
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    cg_buf_printf(&b, "<%s>", big);
    CG_CHECK_EQ_INT(b.len, 1001);
    CG_CHECK_EQ_INT(b.data[0], '<');
    CG_CHECK_EQ_INT(b.data[1000], '>');
    cg_buf_release(&b);
}

CG_TEST_MAIN()

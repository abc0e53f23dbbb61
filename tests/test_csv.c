#include "recsys/csv.h"
#include "test_util.h"

static rs_csv *open_text(const char *text)
{
    rs_csv *c;
    rs_error err = {0};
    ck_assert_int_eq(rs_csv_open_buffer(text, strlen(text), "t.csv", &c, &err), RS_OK);
    return c;
}

START_TEST(quoted_fields)
{
    rs_csv *c = open_text("id,title\n1,\"Tale, A (1995)\"\n2,\"He said \"\"hi\"\"\"\n");
    rs_error err = {0};
    ck_assert_int_eq(rs_csv_next(c, &err), 1);
    ck_assert_int_eq(rs_csv_column(c, "title"), 1);
    ck_assert_int_eq(rs_csv_next(c, &err), 1);
    ck_assert_str_eq(rs_csv_field(c, 1), "Tale, A (1995)");
    ck_assert_int_eq(rs_csv_line(c), 2);
    ck_assert_int_eq(rs_csv_next(c, &err), 1);
    ck_assert_str_eq(rs_csv_field(c, 1), "He said \"hi\"");
    ck_assert_int_eq(rs_csv_next(c, &err), 0);
    rs_csv_free(c);
}
END_TEST

START_TEST(embedded_newline_counts_lines)
{
    rs_csv *c = open_text("a,b\r\n1,\"two\nlines\"\r\n\r\n3,x");
    rs_error err = {0};
    ck_assert_int_eq(rs_csv_next(c, &err), 1);
    ck_assert_int_eq(rs_csv_next(c, &err), 1);
    ck_assert_str_eq(rs_csv_field(c, 1), "two\nlines");
    ck_assert_int_eq(rs_csv_next(c, &err), 1);
    ck_assert_int_eq(rs_csv_line(c), 5); /* blank line 4 skipped */
    ck_assert_str_eq(rs_csv_field(c, 0), "3");
    ck_assert_str_eq(rs_csv_field(c, 1), "x");
    ck_assert_int_eq(rs_csv_field_count(c), 2);
    ck_assert_int_eq(rs_csv_next(c, &err), 0);
    rs_csv_free(c);
}
END_TEST

START_TEST(bom_and_empty_fields)
{
    rs_csv *c = open_text("\xEF\xBB\xBFmovieId,,x\n,,\n");
    rs_error err = {0};
    ck_assert_int_eq(rs_csv_next(c, &err), 1);
    ck_assert_str_eq(rs_csv_field(c, 0), "movieId");
    ck_assert_int_eq(rs_csv_next(c, &err), 1);
    ck_assert_int_eq(rs_csv_field_count(c), 3);
    ck_assert_str_eq(rs_csv_field(c, 2), "");
    ck_assert_str_eq(rs_csv_field(c, 9), "");
    rs_csv_free(c);
}
END_TEST

START_TEST(unterminated_quote_names_line)
{
    rs_csv *c = open_text("a\nb\n\"open\nstill open\n");
    rs_error err = {0};
    ck_assert_int_eq(rs_csv_next(c, &err), 1);
    ck_assert_int_eq(rs_csv_next(c, &err), 1);
    ck_assert_int_eq(rs_csv_next(c, &err), -1);
    ck_assert_int_eq(err.code, RS_ERR_FORMAT);
    tu_assert_contains(err.message, "t.csv:3: unterminated quoted field");
    rs_csv_free(c);
}
END_TEST

START_TEST(stray_quotes_rejected)
{
    rs_error err = {0};
    rs_csv *c = open_text("ab\"c\n");
    ck_assert_int_eq(rs_csv_next(c, &err), -1);
    tu_assert_contains(err.message, "t.csv:1: quote inside unquoted field");
    rs_csv_free(c);
    c = open_text("\"ab\"c\n");
    ck_assert_int_eq(rs_csv_next(c, &err), -1);
    tu_assert_contains(err.message, "after closing quote");
    rs_csv_free(c);
}
END_TEST

START_TEST(strict_numbers)
{
    int64_t i;
    double d;
    ck_assert_int_eq(rs_parse_int64("42", &i), 0);
    ck_assert_int_eq(i, 42);
    ck_assert_int_eq(rs_parse_int64("42x", &i), -1);
    ck_assert_int_eq(rs_parse_int64("", &i), -1);
    ck_assert_int_eq(rs_parse_int64("99999999999999999999", &i), -1);
    ck_assert_int_eq(rs_parse_double("3.5", &d), 0);
    ck_assert_double_eq(d, 3.5);
    ck_assert_int_eq(rs_parse_double("3.5.1", &d), -1);
    ck_assert_int_eq(rs_parse_double(" ", &d), -1);
}
END_TEST

START_TEST(missing_file)
{
    rs_csv *c;
    rs_error err = {0};
    ck_assert_int_eq(rs_csv_open("/nonexistent/x.csv", &c, &err), RS_ERR_IO);
    tu_assert_contains(err.message, "/nonexistent/x.csv");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, quoted_fields);
    tcase_add_test(tc, embedded_newline_counts_lines);
    tcase_add_test(tc, bom_and_empty_fields);
    tcase_add_test(tc, unterminated_quote_names_line);
    tcase_add_test(tc, stray_quotes_rejected);
    tcase_add_test(tc, strict_numbers);
    tcase_add_test(tc, missing_file);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)

/* test_receipt.c - the acceptance receipt PDF (src/services/receipt.c).
 *
 * The PDF is checked with the real tools (poppler-utils, zbar-tools, both
 * installed by scripts/deps.sh): pdftotext finds the text, pdffonts the
 * embedded font, pdfinfo the page count, and zbarimg decodes the QR code
 * from a 150 dpi rendering of the first page. The commands are fixed
 * strings around the path of a mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "services/services.h"

#define FONT "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
#define URL  "https://zwfw.example.gov.cn/cx?n=ZT-20240305-000123&p=8F3K2Q"

/* A value long enough to wrap over several lines of a table cell, with a
 * recognisable start and end. */
#define LONG_VALUE                                                                                                                                                          \
    "营业执照副本复印件；法定代表人身份证明；经营场所使用证明（房屋租赁合同或房产证复印件）；食品安全管理制度文本；" \
    "主要设备设施布局图和操作流程图，以及依法应当提交的其他材料清单末尾"

static char tmpdir[] = "/tmp/zt-receipt-test-XXXXXX";
static char pdf_path[PATH_MAX];

static int group_setup(void **state) {
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(pdf_path, sizeof pdf_path, "%s/receipt.pdf", tmpdir);
    return 0;
}

static int group_teardown(void **state) {
    remove_tree(tmpdir);
    return 0;
}

/* Run a command, its standard output into out (NUL-terminated, truncated
 * to cap); the exit status. */
static int run(const char *cmd, char *out, size_t cap) {
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0, k;
    char buf[4096];
    while ((k = fread(buf, 1, sizeof buf, p)) > 0) {
        size_t m = k < cap - 1 - n ? k : cap - 1 - n;
        memcpy(out + n, buf, m);
        n += m;
    }
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run a command template with one %s, the PDF's path (or the directory). */
static int tool(const char *fmt, const char *arg, char *out, size_t cap) {
    char cmd[PATH_MAX * 3];
    snprintf(cmd, sizeof cmd, fmt, arg, arg);
    return run(cmd, out, cap);
}

static void write_pdf(const unsigned char *pdf, size_t len) {
    FILE *f = fopen(pdf_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(pdf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int pages(void) {
    char out[4096];
    assert_int_equal(tool("pdfinfo '%s' 2>/dev/null", pdf_path, out, sizeof out), 0);
    const char *p = strstr(out, "Pages:");
    assert_non_null(p);
    return (int)strtol(p + 6, NULL, 10);
}

/* A receipt as cases.c makes it, with nrows rows (the first is long). */
typedef struct sample {
    zt_receipt r;
    const char *labels[100], *values[100];
    char lb[100][32], vb[100][96];
} sample;

static void make_sample(sample *s, size_t nrows) {
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < nrows && i < 100; i++) {
        snprintf(s->lb[i], sizeof s->lb[i], "附加事项%zu", i);
        snprintf(s->vb[i], sizeof s->vb[i], "第%zu行的内容", i);
        s->labels[i] = s->lb[i];
        s->values[i] = s->vb[i];
    }
    s->labels[0] = "申请材料";
    s->values[0] = LONG_VALUE;
    s->r = (zt_receipt){
        .title = "受理通知书",
        .number = "ZT-20240305-000123",
        .dept_name = "北京市朝阳区市场监督管理局",
        .applicant = "张三丰",
        .item_name = "食品经营许可（新办）",
        .body = "你（单位）于2024年3月5日提出的食品经营许可（新办）申请，经审查，申请材料齐全、符合法定形式，"
                "根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。\n"
                "我局将在承诺时限内作出决定，请保持联系电话畅通。",
        .row_labels = s->labels,
        .row_values = s->values,
        .nrows = nrows,
        .query_password = "8F3K2Q",
        .qr_url = URL,
        .date = "2024-03-05",
    };
}

static void full_receipt(void **state) {
    static sample s;
    make_sample(&s, 6);
    unsigned char *pdf = NULL;
    size_t len = 0;
    zt_error e = {0};
    assert_int_equal(zt_receipt_pdf(&s.r, FONT, &pdf, &len, &e), ZT_OK);
    assert_true(len > 1000);
    assert_memory_equal(pdf, "%PDF-", 5);
    write_pdf(pdf, len);
    free(pdf);
    assert_int_equal(pages(), 1);

    static char text[65536];
    assert_int_equal(tool("pdftotext -layout '%s' - 2>/dev/null", pdf_path, text, sizeof text), 0);
    assert_non_null(strstr(text, "受理通知书"));
    assert_non_null(strstr(text, "北京市朝阳区市场监督管理局"));
    assert_non_null(strstr(text, "编号：ZT-20240305-000123"));
    assert_non_null(strstr(text, "张三丰："));
    assert_non_null(strstr(text, "食品经营许可（新办）"));
    assert_non_null(strstr(text, "查询密码：8F3K2Q"));
    assert_non_null(strstr(text, "扫码查询办件进度"));
    assert_non_null(strstr(text, "（盖章）"));
    assert_non_null(strstr(text, "2024年3月5日"));
    assert_non_null(strstr(text, "附加事项5"));
    /* the long value is wrapped (its start and end on different lines) and
     * all there: whole once the layout's spaces and newlines are removed */
    const char *head = strstr(text, "营业执照"), *tail = strstr(text, "末尾");
    assert_non_null(head);
    assert_non_null(tail);
    assert_true(tail > head);
    assert_non_null(memchr(head, '\n', (size_t)(tail - head)));
    static char flat[65536];
    size_t o = 0;
    for (size_t i = 0; text[i]; i++)
        if (text[i] != ' ' && text[i] != '\n') flat[o++] = text[i];
    flat[o] = 0;
    assert_non_null(strstr(flat, LONG_VALUE));

    /* the font is embedded (emb = yes), Helvetica is the standard font */
    char fonts[4096];
    assert_int_equal(tool("pdffonts '%s' 2>/dev/null", pdf_path, fonts, sizeof fonts), 0);
    char *ln = strstr(fonts, "DroidSansFallback");
    assert_non_null(ln);
    char *nl = strchr(ln, '\n');
    if (nl) *nl = 0;
    char type[16], emb[16]; /* name, "CID TrueType", encoding, emb, ... */
    assert_int_equal(sscanf(ln, "%*s %15s %*s %*s %15s", type, emb), 2);
    assert_string_equal(type, "CID");
    assert_string_equal(emb, "yes");

    /* the QR code decodes to exactly the URL */
    char out[1024];
    assert_int_equal(
        tool("pdftoppm -r 150 -png -f 1 -l 1 -singlefile '%s' '%s.page' 2>/dev/null", pdf_path, out, sizeof out), 0);
    char png[PATH_MAX + 16];
    snprintf(png, sizeof png, "%s.page.png", pdf_path);
    assert_int_equal(tool("zbarimg --raw -q '%s' 2>/dev/null", png, out, sizeof out), 0);
    out[strcspn(out, "\n")] = 0;
    assert_string_equal(out, URL);
    unlink(png);
}

static void sixty_rows_flow_onto_more_pages(void **state) {
    static sample s;
    make_sample(&s, 60);
    unsigned char *pdf = NULL;
    size_t len = 0;
    zt_error e = {0};
    assert_int_equal(zt_receipt_pdf(&s.r, FONT, &pdf, &len, &e), ZT_OK);
    write_pdf(pdf, len);
    free(pdf);
    assert_true(pages() >= 2);
    static char text[65536];
    assert_int_equal(tool("pdftotext -layout '%s' - 2>/dev/null", pdf_path, text, sizeof text), 0);
    for (int i = 1; i < 60; i++) {
        char row[64];
        snprintf(row, sizeof row, "第%d行的内容", i);
        assert_non_null(strstr(text, row)); /* no row is cut off */
    }
    /* "第 1 页 共 N 页" (pdftotext drops the narrow spaces) */
    size_t o = 0;
    for (size_t i = 0; text[i]; i++)
        if (text[i] != ' ') text[o++] = text[i];
    text[o] = 0;
    assert_non_null(strstr(text, "第1页共"));
    assert_non_null(strstr(text, "查询密码：8F3K2Q"));
}

/* One value longer than a page: the row is split between pages. */
static void value_longer_than_a_page(void **state) {
    static sample s;
    make_sample(&s, 2);
    size_t n = 3000;
    char *big = malloc(n * 3 + 32);
    assert_non_null(big);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(big + o, "政", 3);
        o += 3;
    }
    memcpy(big + o, "结束标记", sizeof "结束标记");
    s.values[1] = big;
    unsigned char *pdf = NULL;
    size_t len = 0;
    zt_error e = {0};
    assert_int_equal(zt_receipt_pdf(&s.r, FONT, &pdf, &len, &e), ZT_OK);
    write_pdf(pdf, len);
    free(pdf);
    free(big);
    assert_true(pages() >= 3);
    static char text[65536];
    assert_int_equal(tool("pdftotext -layout '%s' - 2>/dev/null", pdf_path, text, sizeof text), 0);
    assert_non_null(strstr(text, "结束标记"));
}

static void bad_font(void **state) {
    static sample s;
    make_sample(&s, 3);
    unsigned char *pdf = (unsigned char *)"x";
    size_t len = 7;
    zt_error e = {0};
    assert_int_equal(zt_receipt_pdf(&s.r, "/nonexistent/zt-font.ttf", &pdf, &len, &e), ZT_EINTERNAL);
    assert_null(pdf);
    assert_int_equal(len, 0);
    assert_non_null(strstr(e.message, "/nonexistent/zt-font.ttf"));

    /* a file that is no font */
    char junk[PATH_MAX];
    snprintf(junk, sizeof junk, "%s/junk.ttf", tmpdir);
    FILE *f = fopen(junk, "wb");
    assert_non_null(f);
    for (int i = 0; i < 4096; i++) fputc(i * 7 & 0xFF, f);
    fclose(f);
    assert_int_equal(zt_receipt_pdf(&s.r, junk, &pdf, &len, &e), ZT_EINTERNAL);
    assert_null(pdf);
    assert_non_null(strstr(e.message, junk));
    unlink(junk);

    /* a directory, an empty path, no path */
    assert_int_equal(zt_receipt_pdf(&s.r, tmpdir, &pdf, &len, &e), ZT_EINTERNAL);
    assert_int_equal(zt_receipt_pdf(&s.r, "", &pdf, &len, &e), ZT_EINTERNAL);
    assert_int_equal(zt_receipt_pdf(&s.r, NULL, &pdf, &len, &e), ZT_EINTERNAL);
    assert_null(pdf);

    /* a TrueType font without Chinese (when one is installed) */
    const char *latin = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    if (access(latin, R_OK) == 0) {
        assert_int_equal(zt_receipt_pdf(&s.r, latin, &pdf, &len, &e), ZT_EINTERNAL);
        assert_non_null(strstr(e.message, "no Chinese"));
        assert_null(pdf);
    }
}

static void null_fields(void **state) {
    unsigned char *pdf = NULL;
    size_t len = 0;
    zt_error e = {0};
    zt_receipt empty = {0};
    assert_int_equal(zt_receipt_pdf(&empty, FONT, &pdf, &len, &e), ZT_OK);
    write_pdf(pdf, len);
    free(pdf);
    assert_int_equal(pages(), 1);

    /* rows announced without arrays, or with NULL entries */
    zt_receipt rows = {.nrows = 3};
    assert_int_equal(zt_receipt_pdf(&rows, FONT, &pdf, &len, &e), ZT_OK);
    free(pdf);
    const char *labels[] = {NULL, "标签", NULL}, *values[] = {"值", NULL, NULL};
    rows = (zt_receipt){.row_labels = labels, .row_values = values, .nrows = 3, .title = "通知"};
    assert_int_equal(zt_receipt_pdf(&rows, FONT, &pdf, &len, &e), ZT_OK);
    free(pdf);

    assert_int_equal(zt_receipt_pdf(NULL, FONT, &pdf, &len, &e), ZT_EINTERNAL);
    assert_int_equal(zt_receipt_pdf(&rows, FONT, NULL, &len, &e), ZT_EINTERNAL);
}

/* Invalid UTF-8, characters outside the BMP and controls are drawn as '?'
 * or spaces, never crash. */
static void bad_text(void **state) {
    static sample s;
    make_sample(&s, 3);
    s.r.title = "受理\xff\xfe通知书";
    s.r.applicant = "张\xe5\xad"; /* cut in the middle of a sequence */
    s.r.dept_name = "\xc0\xaf部门\xed\xa0\x80";
    s.r.body = "表情😀与控制\x01\t字符\r\n第二段\xf4\x90\x80\x80";
    s.values[1] = "欧元€ “引号” 阿依古丽·买买提 é";
    s.r.date = "not a date";
    unsigned char *pdf = NULL;
    size_t len = 0;
    zt_error e = {0};
    assert_int_equal(zt_receipt_pdf(&s.r, FONT, &pdf, &len, &e), ZT_OK);
    write_pdf(pdf, len);
    free(pdf);
    static char text[65536];
    assert_int_equal(tool("pdftotext -layout '%s' - 2>/dev/null", pdf_path, text, sizeof text), 0);
    assert_non_null(strstr(text, "受理??通知书"));
    assert_non_null(strstr(text, "表情?与控制"));
    assert_non_null(strstr(text, "阿依古丽·买买提"));
    assert_non_null(strstr(text, "é"));
    assert_non_null(strstr(text, "not a date"));
}

/* The server builds the URL: one too long for a QR code is its error. */
static void url_too_long(void **state) {
    static sample s;
    make_sample(&s, 1);
    static char url[5000];
    memset(url, 'a', sizeof url - 1);
    s.r.qr_url = url;
    unsigned char *pdf = NULL;
    size_t len = 0;
    zt_error e = {0};
    assert_int_equal(zt_receipt_pdf(&s.r, FONT, &pdf, &len, &e), ZT_EINTERNAL);
    assert_null(pdf);
    assert_non_null(strstr(e.message, "too long"));
}

/* Each call has its own document: concurrent calls give the same bytes as
 * one call alone (the output is deterministic). */
typedef struct job {
    const zt_receipt *r;
    unsigned char *pdf;
    size_t len;
    zt_err rc;
} job;

static void *render(void *arg) {
    job *j = arg;
    zt_error e;
    j->rc = zt_receipt_pdf(j->r, FONT, &j->pdf, &j->len, &e);
    return NULL;
}

static void concurrent_calls(void **state) {
    static sample s;
    make_sample(&s, 8);
    unsigned char *ref = NULL;
    size_t ref_len = 0;
    zt_error e;
    assert_int_equal(zt_receipt_pdf(&s.r, FONT, &ref, &ref_len, &e), ZT_OK);
    job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){.r = &s.r};
        assert_int_equal(pthread_create(&th[i], NULL, render, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].rc, ZT_OK);
        assert_int_equal(jobs[i].len, ref_len);
        assert_memory_equal(jobs[i].pdf, ref, ref_len);
        free(jobs[i].pdf);
    }
    free(ref);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_receipt),
        cmocka_unit_test(sixty_rows_flow_onto_more_pages),
        cmocka_unit_test(value_longer_than_a_page),
        cmocka_unit_test(bad_font),
        cmocka_unit_test(null_fields),
        cmocka_unit_test(url_too_long),
        cmocka_unit_test(bad_text),
        cmocka_unit_test(concurrent_calls),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

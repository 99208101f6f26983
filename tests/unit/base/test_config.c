/* test_config.c - configuration from defaults, file, environment and flags
 * (src/base/config.c).
 *
 * Expected defaults are the table of docs/configuration.md, copied here by
 * hand. The group runs in an empty temporary directory (so no stray
 * ./zhengtong.conf is read) with every ZT_* variable removed from the
 * environment (the Makefile sets ZT_DATA_DIR for the unit tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"

static char tmpdir[] = "/tmp/zt-config-test-XXXXXX";
static char oldcwd[PATH_MAX];

static void clear_zt_env(void) {
    /* collect first: unsetenv changes environ under the loop */
    char names[64][128];
    int n;
    do {
        n = 0;
        for (char **ep = environ; *ep && n < 64; ep++) {
            const char *eq = strchr(*ep, '=');
            size_t len = eq ? (size_t)(eq - *ep) : strlen(*ep);
            if (strncmp(*ep, "ZT_", 3) == 0 && len < sizeof names[0]) {
                memcpy(names[n], *ep, len);
                names[n++][len] = 0;
            }
        }
        for (int i = 0; i < n; i++) unsetenv(names[i]);
    } while (n == 64);
}

static int group_setup(void **state) {
    if (!getcwd(oldcwd, sizeof oldcwd)) return -1;
    if (!mkdtemp(tmpdir)) return -1;
    if (chdir(tmpdir) != 0) return -1;
    clear_zt_env();
    return 0;
}

static int group_teardown(void **state) {
    if (chdir(oldcwd) != 0) return -1;
    remove_tree(tmpdir);
    return 0;
}

/* each test starts from a clean environment and no ./zhengtong.conf */
static int test_setup(void **state) {
    clear_zt_env();
    unlink("zhengtong.conf");
    return 0;
}

/* Write text to tmpdir/name; returns the path (static buffer per slot). */
static const char *write_conf(const char *name, const char *text) {
    static char paths[4][PATH_MAX];
    static int slot;
    char *p = paths[slot++ % 4];
    snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return p;
}

static void defaults(void **state) {
    zt_config c;
    zt_config_defaults(&c);
    assert_string_equal(c.listen_address, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
    assert_string_equal(c.data_dir, "var");
    assert_string_equal(c.db_path, "");
    assert_string_equal(c.web_root, "build/web");
    assert_string_equal(c.source_dir, "data");
    assert_int_equal(c.http_threads, 0);
    assert_int_equal(c.http_max_body, 1048576);
    assert_int_equal(c.http_timeout, 30);
    assert_int_equal(c.http_max_conns, 4096);
    assert_int_equal(c.http_body_budget, 67108864);
    assert_int_equal(c.http_body_min_rate, 4096);
    assert_int_equal(c.http_conns_per_addr, 128);
    assert_int_equal(c.http_streams_per_user, 4);
    assert_string_equal(c.metrics_token, "");
    assert_string_equal(c.store_synchronous, "FULL");
    assert_int_equal(c.store_batch_max, 100);
    assert_int_equal(c.store_batch_window_us, 5000);
    assert_string_equal(c.timezone, "Asia/Shanghai");
    assert_string_equal(c.office_hours, "09:00-12:00,13:30-17:30");
    assert_int_equal(c.calendar_warn_days, 60);
    assert_int_equal(c.session_ttl, 28800);
    assert_int_equal(c.session_idle, 1800);
    assert_int_equal(c.cookie_secure, 0);
    assert_string_equal(c.cookie_secure_mode, "auto");
    assert_int_equal(c.login_max_failures, 5);
    assert_int_equal(c.login_window, 900);
    assert_int_equal(c.account_max_failures, 0);
    assert_int_equal(c.address_max_failures, 0);
    assert_int_equal(c.known_address_days, 90);
    assert_int_equal(c.register_max, 20);
    assert_int_equal(c.register_window, 3600);
    assert_int_equal(c.hash_threads, 0);
    assert_int_equal(c.hash_queue, 32);
    assert_string_equal(c.password_list, "/usr/share/john/password.lst,/usr/share/dict/cracklib-small");
    assert_int_equal(c.password_min_distinct, 5);
    assert_int_equal(c.argon2_ops, 2);
    assert_int_equal(c.argon2_mem_kib, 65536);
    assert_string_equal(c.log_file, "-");
    assert_int_equal(c.access_log, 1);
    assert_int_equal(c.fake_clock, 0);
    /* auth.cookie_secure: auto follows public.url, whichever is set first; 0 and 1 decide */
    zt_error e = {0};
    assert_int_equal(zt_config_set(&c, "public.url", "https://zhengtong.pingxiang.gov.cn", &e), ZT_OK);
    assert_int_equal(c.cookie_secure, 1);
    assert_int_equal(zt_config_set(&c, "auth.cookie_secure", "0", &e), ZT_OK);
    assert_int_equal(c.cookie_secure, 0);
    assert_int_equal(zt_config_set(&c, "auth.cookie_secure", "auto", &e), ZT_OK);
    assert_int_equal(c.cookie_secure, 1);
    assert_int_equal(zt_config_set(&c, "public.url", "http://127.0.0.1:8080", &e), ZT_OK);
    assert_int_equal(c.cookie_secure, 0);
    assert_int_equal(zt_config_set(&c, "auth.cookie_secure", "yes", &e), ZT_EINVAL);
    assert_string_equal(e.field, "auth.cookie_secure");
    /* calendar.warn_days: 0 to 366 days */
    assert_int_equal(zt_config_set(&c, "calendar.warn_days", "367", &e), ZT_EINVAL);
    assert_string_equal(e.field, "calendar.warn_days");
    assert_int_equal(zt_config_set(&c, "calendar.warn_days", "0", &e), ZT_OK);
    assert_int_equal(c.calendar_warn_days, 0);
    /* the body budget is at least 64 KiB; a rate and the caps at least 1 */
    assert_int_equal(zt_config_set(&c, "http.body_budget", "65535", &e), ZT_EINVAL);
    assert_string_equal(e.field, "http.body_budget");
    assert_int_equal(zt_config_set(&c, "http.body_min_rate", "0", &e), ZT_EINVAL);
    assert_int_equal(zt_config_set(&c, "http.max_connections_per_address", "0", &e), ZT_EINVAL);
    assert_int_equal(zt_config_set(&c, "http.max_streams_per_user", "0", &e), ZT_EINVAL);
    zt_config_free(&c);
    assert_null(c.listen_address);
    assert_null(c.data_dir);
}

static void load_nothing_keeps_defaults(void **state) {
    zt_config c;
    zt_config_defaults(&c);
    char *argv[] = {"zhengtong", "serve", NULL};
    int argc = 2;
    zt_error e = {0};
    assert_int_equal(zt_config_load(&c, &argc, argv, &e), ZT_OK);
    assert_int_equal(argc, 2);
    assert_string_equal(argv[1], "serve");
    assert_null(argv[2]);
    assert_int_equal(c.listen_port, 8080);
    assert_string_equal(c.data_dir, "var");
    zt_config_free(&c);
}

static void file_parsing(void **state) {
    const char *path = write_conf("a.conf", "# zhengtong test configuration\n"
                                            "\n"
                                            "   # an indented comment\n"
                                            "listen.port = 9100\n"
                                            "listen.address=0.0.0.0\n"
                                            "  data_dir   =   /srv/zt data  \n"
                                            "\t\n"
                                            "calendar.office_hours = 08:30-12:00,14:00-18:00\n"
                                            "store.synchronous = NORMAL\n"
                                            "auth.cookie_secure = 1\n"
                                            "city.timezone = Asia/Urumqi"); /* no final newline */
    zt_config c;
    zt_config_defaults(&c);
    char *argv[] = {"zhengtong", "--config", (char *)path, "serve", NULL};
    int argc = 4;
    zt_error e = {0};
    assert_int_equal(zt_config_load(&c, &argc, argv, &e), ZT_OK);
    assert_int_equal(c.listen_port, 9100);
    assert_string_equal(c.listen_address, "0.0.0.0");
    assert_string_equal(c.data_dir, "/srv/zt data"); /* inner space kept, outer trimmed */
    assert_string_equal(c.office_hours, "08:30-12:00,14:00-18:00");
    assert_string_equal(c.store_synchronous, "NORMAL");
    assert_int_equal(c.cookie_secure, 1);
    assert_string_equal(c.timezone, "Asia/Urumqi");
    assert_int_equal(c.http_timeout, 30); /* untouched keys keep defaults */
    /* --config PATH is consumed */
    assert_int_equal(argc, 2);
    assert_string_equal(argv[0], "zhengtong");
    assert_string_equal(argv[1], "serve");
    assert_null(argv[2]);
    zt_config_free(&c);
}

static void file_from_env_and_cwd(void **state) {
    zt_config c;
    zt_error e = {0};
    /* ./zhengtong.conf when nothing names a file */
    write_conf("zhengtong.conf", "listen.port = 9200\n");
    zt_config_defaults(&c);
    char *argv1[] = {"zhengtong", NULL};
    int argc = 1;
    assert_int_equal(zt_config_load(&c, &argc, argv1, &e), ZT_OK);
    assert_int_equal(c.listen_port, 9200);
    zt_config_free(&c);

    /* ZT_CONFIG wins over ./zhengtong.conf */
    const char *p = write_conf("env.conf", "listen.port = 9300\n");
    setenv("ZT_CONFIG", p, 1);
    zt_config_defaults(&c);
    argc = 1;
    assert_int_equal(zt_config_load(&c, &argc, argv1, &e), ZT_OK);
    assert_int_equal(c.listen_port, 9300);
    zt_config_free(&c);

    /* --config=PATH wins over ZT_CONFIG */
    const char *q = write_conf("flag.conf", "listen.port = 9400\n");
    char flag[PATH_MAX + 16];
    snprintf(flag, sizeof flag, "--config=%s", q);
    char *argv2[] = {"zhengtong", flag, NULL};
    argc = 2;
    zt_config_defaults(&c);
    assert_int_equal(zt_config_load(&c, &argc, argv2, &e), ZT_OK);
    assert_int_equal(c.listen_port, 9400);
    assert_int_equal(argc, 1);
    zt_config_free(&c);
    unsetenv("ZT_CONFIG");
    unlink(p);
    unlink(q);
}

static void named_file_must_exist(void **state) {
    zt_config c;
    zt_error e = {0};
    zt_config_defaults(&c);
    char *argv[] = {"zhengtong", "--config", "/nonexistent/zt.conf", NULL};
    int argc = 3;
    assert_int_equal(zt_config_load(&c, &argc, argv, &e), ZT_EINVAL);
    assert_int_equal(e.code, ZT_EINVAL);
    assert_non_null(strstr(e.message, "/nonexistent/zt.conf"));
    zt_config_free(&c);

    setenv("ZT_CONFIG", "/nonexistent/env.conf", 1);
    zt_config_defaults(&c);
    char *argv2[] = {"zhengtong", NULL};
    argc = 1;
    assert_int_equal(zt_config_load(&c, &argc, argv2, &e), ZT_EINVAL);
    assert_non_null(strstr(e.message, "/nonexistent/env.conf"));
    zt_config_free(&c);
    unsetenv("ZT_CONFIG");
}

static void file_bad_line_names_file_and_line(void **state) {
    const char *path = write_conf("bad.conf", "# ok\n"
                                              "listen.port = 9000\n"
                                              "listen.address 0.0.0.0\n"
                                              "http.timeout = 10\n");
    zt_config c;
    zt_config_defaults(&c);
    char *argv[] = {"zhengtong", "--config", (char *)path, NULL};
    int argc = 3;
    zt_error e = {0};
    assert_int_equal(zt_config_load(&c, &argc, argv, &e), ZT_EINVAL);
    assert_int_equal(e.code, ZT_EINVAL);
    char want[PATH_MAX + 8];
    snprintf(want, sizeof want, "%s:3:", path);
    assert_non_null(strstr(e.message, want));
    assert_int_equal(c.http_timeout, 30); /* nothing after the bad line applied */
    zt_config_free(&c);
}

static void file_unknown_key(void **state) {
    const char *path = write_conf("unknown.conf", "listen.port = 9000\n"
                                                  "listen.prot = 9001\n");
    zt_config c;
    zt_config_defaults(&c);
    char *argv[] = {"zhengtong", "--config", (char *)path, NULL};
    int argc = 3;
    zt_error e = {0};
    assert_int_equal(zt_config_load(&c, &argc, argv, &e), ZT_EINVAL);
    char want[PATH_MAX + 8];
    snprintf(want, sizeof want, "%s:2: ", path);
    assert_int_equal(strncmp(e.message, want, strlen(want)), 0); /* file:line: message */
    assert_non_null(strstr(e.message, "listen.prot"));
    assert_string_equal(e.field, "listen.prot");
    zt_config_free(&c);

    /* a bad value is reported the same way */
    path = write_conf("badvalue.conf", "\n\n\nlisten.port = eighty\n");
    zt_config_defaults(&c);
    char *argv2[] = {"zhengtong", "--config", (char *)path, NULL};
    argc = 3;
    assert_int_equal(zt_config_load(&c, &argc, argv2, &e), ZT_EINVAL);
    snprintf(want, sizeof want, "%s:4: ", path);
    assert_int_equal(strncmp(e.message, want, strlen(want)), 0);
    assert_string_equal(e.field, "listen.port");
    zt_config_free(&c);
}

static void env_override(void **state) {
    setenv("ZT_LISTEN_PORT", "9500", 1);
    setenv("ZT_DATA_DIR", "/srv/env", 1);
    setenv("ZT_AUTH_SESSION_TTL", "3600", 1);
    setenv("ZT_CALENDAR_OFFICE_HOURS", "09:00-17:00", 1);
    zt_config c;
    zt_config_defaults(&c);
    char *argv[] = {"zhengtong", NULL};
    int argc = 1;
    zt_error e = {0};
    assert_int_equal(zt_config_load(&c, &argc, argv, &e), ZT_OK);
    assert_int_equal(c.listen_port, 9500);
    assert_string_equal(c.data_dir, "/srv/env");
    assert_int_equal(c.session_ttl, 3600);
    assert_string_equal(c.office_hours, "09:00-17:00");
    zt_config_free(&c);

    setenv("ZT_LISTEN_PORT", "70000", 1);
    zt_config_defaults(&c);
    argc = 1;
    assert_int_equal(zt_config_load(&c, &argc, argv, &e), ZT_EINVAL);
    assert_string_equal(e.field, "listen.port");
    assert_non_null(strstr(e.message, "70000"));
    zt_config_free(&c);
    clear_zt_env();
}

static void flags_forms_and_argv(void **state) {
    zt_config c;
    zt_config_defaults(&c);
    char *argv[] = {"zhengtong",  "serve", "--listen.port", "9000", "--verbose",
                    "--data-dir", "X",     "--fake-clock",  NULL};
    int argc = 8;
    zt_error e = {0};
    assert_int_equal(zt_config_load(&c, &argc, argv, &e), ZT_OK);
    assert_int_equal(c.listen_port, 9000);
    assert_string_equal(c.data_dir, "X");
    assert_int_equal(c.fake_clock, 1); /* a boolean flag alone, last */
    /* consumed flags are gone, the rest kept in order */
    assert_int_equal(argc, 3);
    assert_string_equal(argv[0], "zhengtong");
    assert_string_equal(argv[1], "serve");
    assert_string_equal(argv[2], "--verbose");
    assert_null(argv[3]);
    zt_config_free(&c);

    zt_config_defaults(&c);
    char *argv2[] = {
        "zhengtong", "--port=9001", "--fake-clock", "--address",      "0.0.0.0",        "user",
        "add",       "--db",        "/tmp/x.db",    "--web=/srv/web", "--log.access=0", "--http.max-connections",
        "64",        NULL};
    argc = 13;
    assert_int_equal(zt_config_load(&c, &argc, argv2, &e), ZT_OK);
    assert_int_equal(c.listen_port, 9001);
    assert_int_equal(c.fake_clock, 1); /* a boolean flag alone before another flag */
    assert_string_equal(c.listen_address, "0.0.0.0");
    assert_string_equal(c.db_path, "/tmp/x.db");
    assert_string_equal(c.web_root, "/srv/web");
    assert_int_equal(c.access_log, 0);
    assert_int_equal(c.http_max_conns, 64);
    assert_int_equal(argc, 3);
    assert_string_equal(argv2[1], "user");
    assert_string_equal(argv2[2], "add");
    assert_null(argv2[3]);
    zt_config_free(&c);

    /* a boolean with an explicit value */
    zt_config_defaults(&c);
    char *argv3[] = {"zhengtong", "--fake-clock=0", "--auth.cookie-secure", "1", NULL};
    argc = 4;
    assert_int_equal(zt_config_load(&c, &argc, argv3, &e), ZT_OK);
    assert_int_equal(c.fake_clock, 0);
    assert_int_equal(c.cookie_secure, 1);
    assert_int_equal(argc, 1);
    zt_config_free(&c);

    /* unknown flags and plain arguments pass through */
    zt_config_defaults(&c);
    char *argv4[] = {"zhengtong", "--nonsense=1", "--", "-x", "plain", NULL};
    argc = 5;
    assert_int_equal(zt_config_load(&c, &argc, argv4, &e), ZT_OK);
    assert_int_equal(argc, 5);
    assert_string_equal(argv4[1], "--nonsense=1");
    assert_string_equal(argv4[4], "plain");
    zt_config_free(&c);
}

static void flag_errors(void **state) {
    zt_config c;
    zt_error e = {0};
    zt_config_defaults(&c);
    char *argv[] = {"zhengtong", "--port", NULL}; /* needs a value */
    int argc = 2;
    assert_int_equal(zt_config_load(&c, &argc, argv, &e), ZT_EINVAL);
    assert_non_null(strstr(e.message, "--port"));
    zt_config_free(&c);

    zt_config_defaults(&c);
    char *argv2[] = {"zhengtong", "--listen.port", "65536", NULL};
    argc = 3;
    memset(&e, 0, sizeof e);
    assert_int_equal(zt_config_load(&c, &argc, argv2, &e), ZT_EINVAL);
    assert_string_equal(e.field, "listen.port");
    assert_int_equal(c.listen_port, 8080);
    zt_config_free(&c);

    zt_config_defaults(&c);
    char *argv3[] = {"zhengtong", "--http.timeout=0", NULL};
    argc = 2;
    assert_int_equal(zt_config_load(&c, &argc, argv3, &e), ZT_EINVAL);
    assert_string_equal(e.field, "http.timeout");
    zt_config_free(&c);
}

static void precedence(void **state) {
    const char *path = write_conf("prec.conf", "listen.port = 7000\n"
                                               "listen.address = 10.0.0.1\n"
                                               "data_dir = /from/file\n"
                                               "http.threads = 3\n"
                                               "web.root = /file/web\n");
    setenv("ZT_LISTEN_PORT", "7100", 1);
    setenv("ZT_DATA_DIR", "/from/env", 1);
    setenv("ZT_HTTP_THREADS", "5", 1);
    zt_config c;
    zt_config_defaults(&c);
    char *argv[] = {"zhengtong", "--config", (char *)path, "--port", "7200", "--http.threads=6", NULL};
    int argc = 6;
    zt_error e = {0};
    assert_int_equal(zt_config_load(&c, &argc, argv, &e), ZT_OK);
    assert_int_equal(c.listen_port, 7200);             /* flag > env > file */
    assert_int_equal(c.http_threads, 6);               /* flag > env > file */
    assert_string_equal(c.data_dir, "/from/env");      /* env > file */
    assert_string_equal(c.listen_address, "10.0.0.1"); /* file > default */
    assert_string_equal(c.web_root, "/file/web");
    assert_int_equal(c.http_timeout, 30); /* default */
    assert_int_equal(argc, 1);
    zt_config_free(&c);
    clear_zt_env();
}

static void integer_ranges(void **state) {
    zt_config c;
    zt_config_defaults(&c);
    zt_error e = {0};
    assert_int_equal(zt_config_set(&c, "listen.port", "0", &e), ZT_OK);
    assert_int_equal(c.listen_port, 0);
    assert_int_equal(zt_config_set(&c, "listen.port", "65535", &e), ZT_OK);
    assert_int_equal(c.listen_port, 65535);

    const char *bad[] = {"65536", "-1", "", "80x", "8.0", "0x50", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&e, 0, sizeof e);
        assert_int_equal(zt_config_set(&c, "listen.port", bad[i], &e), ZT_EINVAL);
        assert_int_equal(e.code, ZT_EINVAL);
        assert_string_equal(e.field, "listen.port");
        assert_non_null(strstr(e.message, "0 to 65535"));
        assert_int_equal(c.listen_port, 65535); /* unchanged */
    }
    assert_int_equal(zt_config_set(&c, "http.threads", "256", &e), ZT_OK);
    assert_int_equal(zt_config_set(&c, "http.threads", "257", &e), ZT_EINVAL);
    assert_int_equal(zt_config_set(&c, "http.max_body", "1023", &e), ZT_EINVAL);
    assert_int_equal(zt_config_set(&c, "auth.cookie_secure", "2", &e), ZT_EINVAL);
    assert_int_equal(zt_config_set(&c, "auth.argon2_mem_kib", "4194304", &e), ZT_OK);
    assert_int_equal(c.argon2_mem_kib, 4194304);
    /* aliases work through zt_config_set too; unknown keys do not */
    assert_int_equal(zt_config_set(&c, "port", "1234", &e), ZT_OK);
    assert_int_equal(c.listen_port, 1234);
    memset(&e, 0, sizeof e);
    assert_int_equal(zt_config_set(&c, "no.such", "1", &e), ZT_EINVAL);
    assert_string_equal(e.field, "no.such");
    zt_config_free(&c);
}

/* store.synchronous is FULL, EXTRA or NORMAL (docs/configuration.md); the
 * store splices it into a PRAGMA. Every source must enforce that, not only
 * the file: OFF from a flag or the environment would silently give up
 * durability. */
static void synchronous_checked_from_every_source(void **state) {
    zt_config c;
    zt_error e = {0};
    zt_config_defaults(&c);
    zt_err extra = zt_config_set(&c, "store.synchronous", "EXTRA", &e);
    zt_err off = zt_config_set(&c, "store.synchronous", "OFF", &e);
    zt_config_free(&c);
    assert_int_equal(extra, ZT_OK);
    assert_int_equal(off, ZT_EINVAL);
    assert_string_equal(e.field, "store.synchronous");

    /* file */
    const char *path = write_conf("sync.conf", "store.synchronous = OFF\n");
    zt_config_defaults(&c);
    char *argv[] = {"zhengtong", "--config", (char *)path, NULL};
    int argc = 3;
    zt_err rc = zt_config_load(&c, &argc, argv, &e);
    zt_config_free(&c); /* before asserting: a failure must not also leak */
    assert_int_equal(rc, ZT_EINVAL);

    /* flag */
    zt_config_defaults(&c);
    char *argv2[] = {"zhengtong", "--store.synchronous=OFF", NULL};
    argc = 2;
    memset(&e, 0, sizeof e);
    rc = zt_config_load(&c, &argc, argv2, &e);
    zt_config_free(&c);
    assert_int_equal(rc, ZT_EINVAL);
    assert_string_equal(e.field, "store.synchronous");

    /* environment */
    setenv("ZT_STORE_SYNCHRONOUS", "OFF", 1);
    zt_config_defaults(&c);
    char *argv3[] = {"zhengtong", NULL};
    argc = 1;
    memset(&e, 0, sizeof e);
    rc = zt_config_load(&c, &argc, argv3, &e);
    zt_config_free(&c);
    clear_zt_env();
    assert_int_equal(rc, ZT_EINVAL);
    assert_string_equal(e.field, "store.synchronous");
}

static void db_path(void **state) {
    zt_config c;
    zt_config_defaults(&c);
    char *p = zt_config_db_path(&c);
    assert_string_equal(p, "var/zhengtong.db");
    free(p);
    zt_error e = {0};
    assert_int_equal(zt_config_set(&c, "data_dir", "/srv/政务", &e), ZT_OK);
    p = zt_config_db_path(&c);
    assert_string_equal(p, "/srv/政务/zhengtong.db");
    free(p);
    assert_int_equal(zt_config_set(&c, "db.path", "/data/other.db", &e), ZT_OK);
    p = zt_config_db_path(&c);
    assert_string_equal(p, "/data/other.db");
    free(p);
    /* a long data_dir is not cut */
    char dir[600];
    memset(dir, 'd', sizeof dir - 1);
    dir[sizeof dir - 1] = 0;
    assert_int_equal(zt_config_set(&c, "db.path", "", &e), ZT_OK);
    assert_int_equal(zt_config_set(&c, "data_dir", dir, &e), ZT_OK);
    p = zt_config_db_path(&c);
    assert_int_equal(strlen(p), strlen(dir) + strlen("/zhengtong.db"));
    assert_string_equal(p + strlen(dir), "/zhengtong.db");
    free(p);
    zt_config_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(defaults, test_setup),
        cmocka_unit_test_setup(load_nothing_keeps_defaults, test_setup),
        cmocka_unit_test_setup(file_parsing, test_setup),
        cmocka_unit_test_setup(file_from_env_and_cwd, test_setup),
        cmocka_unit_test_setup(named_file_must_exist, test_setup),
        cmocka_unit_test_setup(file_bad_line_names_file_and_line, test_setup),
        cmocka_unit_test_setup(file_unknown_key, test_setup),
        cmocka_unit_test_setup(env_override, test_setup),
        cmocka_unit_test_setup(flags_forms_and_argv, test_setup),
        cmocka_unit_test_setup(flag_errors, test_setup),
        cmocka_unit_test_setup(precedence, test_setup),
        cmocka_unit_test_setup(integer_ranges, test_setup),
        cmocka_unit_test_setup(synchronous_checked_from_every_source, test_setup),
        cmocka_unit_test_setup(db_path, test_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

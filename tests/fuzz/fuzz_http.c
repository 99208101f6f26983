/* fuzz_http.c - the request path: a request built from the input goes over a
 * loopback socket to the real server (libmicrohttpd's parsing of the request
 * line, headers, query string and cookies; dispatch, authentication, CSRF,
 * every route's handler) on a real SQLite database with the demo city, made
 * once in LLVMFuzzerInitialize in a temporary directory the way
 * `zhengtong init --demo` makes it (with cheap password hashing) and served
 * the way `zhengtong serve --fake-clock` serves it (one HTTP thread, the
 * clock standing at 2026-11-27T10:00:00+08:00, a Friday; no ticker, no
 * checkpointer, so an input's answer depends only on the database).
 *
 * Input (a text; lines end at '\n', a trailing '\r' is dropped):
 *
 *     @ID[-]                optional: who asks (below); '-' leaves out X-CSRF-Token
 *     METHOD TARGET         the request line ("TARGET" alone is a GET); TARGET
 *                           is sent as is: path, query string, percent escapes
 *     Name: value           headers, sent as they are (Cookie, Content-Type,
 *     ...                   Idempotency-Key, X-CSRF-Token, Authorization ...)
 *                           an empty line, then
 *     body                  the rest of the input, byte for byte
 *
 * ID: 0 anonymous, 1 admin, 2 jiancha (supervisor, city), 3 jiancha_ay
 * (supervisor, 安源区), 4 gaj_clerk, 5 gaj_head, 6 mzj_clerk, 7 fzb
 * (legal_reviewer), 8 shenji (auditor), 9 zhangsan (citizen), a pxqiye
 * (enterprise), b xxzx (data_officer): the session cookie made by logging
 * in at start-up and its X-CSRF-Token; k: 市公安局's API key (Authorization:
 * Bearer). The driver adds Host (when the input has none) and
 * Content-Length (when it has neither Content-Length nor Transfer-Encoding).
 * A declared Content-Length up to 1 MiB is honoured by padding the body
 * with spaces; for a larger one, or any Transfer-Encoding, the driver
 * closes its side after sending, and no answer (within 2 s) is then
 * acceptable.
 *
 * So that the identities stay valid for the whole run, a request carrying
 * one of them (ID not 0) is not sent when it would end or change the
 * driver's sessions or keys: a method other than GET/HEAD on
 * /api/auth/logout, /api/auth/password, /api/users/..., /api/keys/...
 * (the same requests without credentials are sent: they get 401). The fake
 * clock is put back after every request (PUT /api/admin/clock moves it).
 *
 * Checked: an answer comes (unless the request was left incomplete, above)
 * and is never 5xx; every 4xx the application gives (its answers carry
 * Content-Security-Policy, libmicrohttpd's own do not) is application/json,
 * valid UTF-8, {"error":{"code":"...","message":"..."}} with non-empty
 * strings and, when present, a non-empty string "field"; every JSON answer
 * parses and is valid UTF-8; a 405 has an Allow header. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "app.h"
#include "routes.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/tsv.h"
#include "fuzz.h"
#include "http/http.h"
#include "ledger/service.h"
#include "org/org.h"
#include "platform/platform.h"
#include "services/services.h"
#include "supervise/stream.h"
#include "supervise/supervise.h"

#define NOW_TEXT   "2026-11-27T10:00:00+08:00"
#define PAD_MAX    (1024 * 1024)
#define ANSWER_MAX (8 * 1024 * 1024)
#define WAIT_MS    20000
/* libmicrohttpd 0.9.75 may keep a half-closed connection whose request is incomplete open until
 * http.timeout without answering (seen with an unknown Transfer-Encoding) */
#define HALF_CLOSE_WAIT_MS 2000
#define DEMO_PASS          "Demo2026pass"

static zt_config cfg;
static zt_app app;
static zt_server *srv;
static int port;
static int64_t now_us;
static char tmpdir[] = "/tmp/zt-fuzz-http-XXXXXX";

typedef struct ident {
    char id;
    const char *login, *name, *role, *dept, *region, *id_number, *credit_code;
    char cookie[128], csrf[64];
} ident;

/* The demo accounts of `zhengtong init --demo` the driver logs in as. */
static ident idents[] = {
    {'1', "admin", "系统管理员", "admin", NULL, "360300", NULL, NULL, "", ""},
    {'2', "jiancha", "市监察局 李监察", "supervisor", "360300-JC", NULL, NULL, NULL, "", ""},
    {'3', "jiancha_ay", "安源区监察局 王监察", "supervisor", "360302-JC", NULL, NULL, NULL, "", ""},
    {'4', "gaj_clerk", "市公安局 窗口 刘敏", "clerk", "360300-GA", NULL, NULL, NULL, "", ""},
    {'5', "gaj_head", "市公安局 负责人 陈强", "dept_head", "360300-GA", NULL, NULL, NULL, "", ""},
    {'6', "mzj_clerk", "市民政局 窗口 赵丽", "clerk", "360300-MZ", NULL, NULL, NULL, "", ""},
    {'7', "fzb", "市法制办 审查员 周静", "legal_reviewer", "360300-FZB", NULL, NULL, NULL, "", ""},
    {'8', "shenji", "市审计局 何审计", "auditor", "360300-SJ", NULL, NULL, NULL, "", ""},
    {'9', "zhangsan", "张三", "citizen", NULL, NULL, "360302198503120045", NULL, "", ""},
    {'a', "pxqiye", "萍乡市安源示范科技有限公司", "enterprise", NULL, NULL, NULL, "91360300584267314N", "", ""},
    {'b', "xxzx", "市信息中心 冯磊", "data_officer", "360300-XXZX", NULL, NULL, NULL, "", ""},
};
#define NIDENTS (sizeof idents / sizeof idents[0])
static char api_key[128];

/* --- a growable buffer --- */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *data, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
}
static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

/* --- the HTTP exchange --- */

typedef struct answer {
    int status; /* 0 = no answer */
    char *head; /* status line and headers, NUL-terminated */
    char *body;
    size_t body_len;
    int ours; /* the application answered (its security headers are there) */
} answer;

/* Header value of the answer (first occurrence), copied into out. */
static int header(const answer *a, const char *name, char *out, size_t outlen) {
    size_t n = strlen(name);
    for (const char *l = strstr(a->head, "\r\n"); l; l = strstr(l, "\r\n")) {
        l += 2;
        if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
            const char *v = l + n + 1, *end = strstr(v, "\r\n");
            while (*v == ' ') v++;
            size_t len = end ? (size_t)(end - v) : strlen(v);
            if (len >= outlen) len = outlen - 1;
            memcpy(out, v, len);
            out[len] = 0;
            return 1;
        }
    }
    return 0;
}

static void answer_free(answer *a) {
    free(a->head);
    free(a->body);
    memset(a, 0, sizeof *a);
}

/* Send req; read one answer (skipping 1xx). half_close: shut our side
 * after sending (a request left incomplete on purpose). */
static void exchange(const char *req, size_t len, int head_only, int half_close, answer *a) {
    memset(a, 0, sizeof *a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    FUZZ_CHECK(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    size_t off = 0;
    while (off < len) {
        ssize_t k = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (k <= 0) break; /* the server may close early (an answer is then read below) */
        off += (size_t)k;
    }
    if (half_close) shutdown(fd, SHUT_WR);
    buf in = {0};
    size_t head_end = 0, need = SIZE_MAX;
    int stream = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, half_close ? HALF_CLOSE_WAIT_MS : WAIT_MS);
        if (pr == 0 && half_close) break; /* held open: no answer, which is acceptable here */
        if (pr == 0) {
            fprintf(stderr, "fuzz_http: no answer within %d ms (%zu bytes read)\n", WAIT_MS, in.len);
            FUZZ_CHECK(!"the server answers a complete request");
        }
        char chunk[65536];
        ssize_t k = recv(fd, chunk, sizeof chunk, 0);
        if (k <= 0) break;
        put(&in, chunk, (size_t)k);
        FUZZ_CHECK(in.len <= ANSWER_MAX);
        while (!head_end) {
            char *e = in.len ? strstr(in.p, "\r\n\r\n") : NULL;
            if (!e) break;
            size_t hl = (size_t)(e - in.p) + 4;
            if (hl >= 12 && !strncmp(in.p, "HTTP/1.1 1", 10)) { /* 100 Continue */
                memmove(in.p, in.p + hl, in.len - hl + 1);
                in.len -= hl;
                continue;
            }
            head_end = hl;
            a->head = strndup(in.p, hl);
            a->status = (int)strtol(in.p + 9, NULL, 10);
            char v[128];
            if (head_only || a->status == 204 || a->status == 304)
                need = 0;
            else if (header(a, "Content-Length", v, sizeof v))
                need = strtoull(v, NULL, 10);
            else if (header(a, "Content-Type", v, sizeof v) && !strncmp(v, "text/event-stream", 17))
                stream = 1;
        }
        if (stream || (head_end && in.len - head_end >= need)) break;
    }
    close(fd);
    if (head_end) {
        size_t bl = in.len - head_end;
        if (need != SIZE_MAX && bl > need) bl = need;
        a->body = malloc(bl + 1);
        if (!a->body) abort();
        memcpy(a->body, in.p + head_end, bl);
        a->body[bl] = 0;
        a->body_len = bl;
        char v[8];
        a->ours = header(a, "Content-Security-Policy", v, sizeof v);
    }
    free(in.p);
}

/* --- checks --- */

static void check_answer(const answer *a, int head_only) {
    if (!a->status) return;
    if (a->status >= 500) fprintf(stderr, "fuzz_http: answer %d: %.*s\n", a->status, (int)a->body_len, a->body);
    FUZZ_CHECK(a->status >= 100 && a->status < 500);
    if (!a->ours || head_only) return;
    char ct[128] = "";
    header(a, "Content-Type", ct, sizeof ct);
    int is_json = !strncmp(ct, "application/json", 16);
    if (a->status >= 400) FUZZ_CHECK(is_json);
    if (a->status == 405) {
        char allow[256];
        FUZZ_CHECK(header(a, "Allow", allow, sizeof allow) && allow[0]);
    }
    if (!is_json) return;
    FUZZ_CHECK(fuzz_utf8_ok(a->body, a->body_len));
    json_error_t je;
    json_t *v = json_loadb(a->body, a->body_len, 0, &je);
    if (!v) fprintf(stderr, "fuzz_http: not JSON (%s): %.*s\n", je.text, (int)a->body_len, a->body);
    FUZZ_CHECK(v != NULL);
    if (a->status >= 400) {
        json_t *err = json_object_get(v, "error");
        FUZZ_CHECK(json_is_object(v) && json_is_object(err));
        json_t *code = json_object_get(err, "code"), *msg = json_object_get(err, "message");
        json_t *field = json_object_get(err, "field");
        FUZZ_CHECK(json_is_string(code) && json_string_length(code) > 0);
        FUZZ_CHECK(json_is_string(msg) && json_string_length(msg) > 0);
        FUZZ_CHECK(!field || (json_is_string(field) && json_string_length(field) > 0));
    }
    json_decref(v);
}

/* --- building the request --- */

/* The path of a request target, percent escapes decoded (as the server
 * sees it), into out. */
static void target_path(const char *t, size_t n, char *out, size_t outlen) {
    size_t o = 0;
    for (size_t i = 0; i < n && t[i] != '?' && o + 1 < outlen; i++) {
        if (t[i] == '%' && i + 2 < n && isxdigit((unsigned char)t[i + 1]) && isxdigit((unsigned char)t[i + 2])) {
            char hex[3] = {t[i + 1], t[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[o++] = t[i];
        }
    }
    out[o] = 0;
}

/* Would this request end or change the driver's sessions or key? */
static int spoils_identity(const char *method, size_t mlen, const char *path) {
    if ((mlen == 3 && !memcmp(method, "GET", 3)) || (mlen == 4 && !memcmp(method, "HEAD", 4))) return 0;
    static const char *const prefixes[] = {"/api/auth/logout", "/api/auth/password", "/api/users/", "/api/keys/"};
    /* the server compares exactly; a prefix test also covers "//" and the like */
    const char *p = path;
    while (p[0] == '/' && p[1] == '/') p++;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(p, prefixes[i], strlen(prefixes[i]))) return 1;
    return 0;
}

static int has_header(const char *lines, size_t n, const char *name) {
    size_t nl = strlen(name);
    const char *p = lines, *end = lines + n;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        if ((size_t)(e - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') return 1;
        p = e + 1;
    }
    return 0;
}

static const char *header_value(const char *lines, size_t n, const char *name, char *out, size_t outlen) {
    size_t nl = strlen(name);
    const char *p = lines, *end = lines + n;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        if ((size_t)(e - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1;
            size_t len = (size_t)(e - v);
            if (len >= outlen) len = outlen - 1;
            memcpy(out, v, len);
            out[len] = 0;
            return out;
        }
        p = e + 1;
    }
    return NULL;
}

/* Next line of [*p, end): returns its start, sets *len (without "\r\n"),
 * moves *p past it. */
static const char *next_line(const char **p, const char *end, size_t *len) {
    const char *s = *p, *e = memchr(s, '\n', (size_t)(end - s));
    *p = e ? e + 1 : end;
    if (!e) e = end;
    *len = (size_t)(e - s);
    if (*len && s[*len - 1] == '\r') (*len)--;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *p = (const char *)data, *end = p + size;
    const ident *who = NULL;
    int use_key = 0, csrf = 1;
    size_t len;
    const char *line;
    if (p < end && *p == '@') {
        line = next_line(&p, end, &len);
        if (len >= 2) {
            for (size_t i = 0; i < NIDENTS; i++)
                if (idents[i].id == line[1]) who = &idents[i];
            use_key = line[1] == 'k';
        }
        if (len >= 3 && line[2] == '-') csrf = 0;
    }
    if (p >= end) return 0;
    line = next_line(&p, end, &len);
    const char *sp = memchr(line, ' ', len);
    const char *method = sp ? line : "GET", *target = sp ? sp + 1 : line;
    size_t mlen = sp ? (size_t)(sp - line) : 3, tlen = sp ? len - mlen - 1 : len;
    if (!mlen || !tlen) return 0;
    /* header lines up to the empty line; the body is the rest */
    const char *hstart = p;
    while (p < end) {
        const char *before = p;
        next_line(&p, end, &len);
        if (!len) {
            p = before;
            break;
        }
    }
    const char *hend = p;
    if (p < end) next_line(&p, end, &len); /* the empty line */
    const char *body = p;
    size_t body_len = (size_t)(end - p);
    char path[4096];
    target_path(target, tlen, path, sizeof path);
    if ((who || use_key) && spoils_identity(method, mlen, path)) return 0;

    buf req = {0};
    put(&req, method, mlen);
    puts_(&req, " ");
    put(&req, target, tlen);
    puts_(&req, " HTTP/1.1\r\n");
    size_t hn = (size_t)(hend - hstart);
    if (!has_header(hstart, hn, "Host")) puts_(&req, "Host: 127.0.0.1\r\n");
    if (who) {
        puts_(&req, "Cookie: zt_session=");
        puts_(&req, who->cookie);
        puts_(&req, "\r\n");
        if (csrf) {
            puts_(&req, "X-CSRF-Token: ");
            puts_(&req, who->csrf);
            puts_(&req, "\r\n");
        }
    } else if (use_key) {
        puts_(&req, "Authorization: Bearer ");
        puts_(&req, api_key);
        puts_(&req, "\r\n");
    }
    for (const char *h = hstart; h < hend;) {
        const char *l = next_line(&h, hend, &len);
        put(&req, l, len);
        puts_(&req, "\r\n");
    }
    int half_close = 0;
    size_t pad = 0;
    char cl[64];
    if (has_header(hstart, hn, "Transfer-Encoding")) {
        half_close = 1;
    } else if (header_value(hstart, hn, "Content-Length", cl, sizeof cl)) {
        char *e;
        errno = 0;
        unsigned long long n = strtoull(cl, &e, 10);
        if (errno || n > PAD_MAX)
            half_close = 1;
        else if (n > body_len)
            pad = (size_t)n - body_len;
    } else {
        char h[64];
        snprintf(h, sizeof h, "Content-Length: %zu\r\n", body_len);
        puts_(&req, h);
    }
    puts_(&req, "\r\n");
    put(&req, body, body_len);
    for (size_t i = 0; i < pad; i++) put(&req, " ", 1);

    int head_only = mlen == 4 && !memcmp(method, "HEAD", 4);
    answer a;
    exchange(req.p, req.len, head_only, half_close, &a);
    free(req.p);
    if (!half_close && !pad) {
        /* a complete request gets an answer (libmicrohttpd's own or ours) */
        FUZZ_CHECK(a.status != 0);
    }
    check_answer(&a, head_only);
    answer_free(&a);
    zt_clock_set_us(now_us);
    return 0;
}

/* --- set-up: the demo city, the server, the sessions --- */

static void die(const char *what, const zt_error *e) {
    fprintf(stderr, "fuzz_http: %s: %s (%s)\n", what, e ? e->message : strerror(errno), e ? e->field : "");
    exit(1);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void cleanup(void) { nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static void release_reader(void *arg) {
    zt_app *ap = arg;
    zt_db_release(zt_store_reader(ap->store));
}

static void set(const char *key, const char *value) {
    zt_error e = {0};
    if (zt_config_set(&cfg, key, value, &e)) die(key, &e);
}

/* Request over the socket during set-up; returns the answer (caller frees). */
static void setup_request(const char *text, answer *a) {
    exchange(text, strlen(text), 0, 0, a);
    if (a->status < 200 || a->status > 299) {
        fprintf(stderr, "fuzz_http: set-up request failed (%d): %s\n%s\n", a->status, text, a->body ? a->body : "");
        exit(1);
    }
}

static void login(ident *id) {
    char body[256], req[512];
    snprintf(body, sizeof body, "{\"login\":\"%s\",\"password\":\"%s\"}", id->login, DEMO_PASS);
    snprintf(req, sizeof req,
             "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    answer a;
    setup_request(req, &a);
    char v[512];
    FUZZ_CHECK(header(&a, "Set-Cookie", v, sizeof v) && !strncmp(v, "zt_session=", 11));
    snprintf(id->cookie, sizeof id->cookie, "%.*s", (int)strcspn(v + 11, ";"), v + 11);
    json_t *j = json_loadb(a.body, a.body_len, 0, NULL);
    const char *c = json_string_value(json_object_get(j, "csrf_token"));
    FUZZ_CHECK(c != NULL);
    snprintf(id->csrf, sizeof id->csrf, "%s", c);
    json_decref(j);
    answer_free(&a);
}

static void make_key(void) {
    zt_db *db = zt_store_reader(app.store);
    zt_error e = {0};
    zt_stmt *st = zt_db_prepare(db, "SELECT id FROM departments WHERE code = '360300-GA'", &e);
    if (!st || zt_step(st, &e) != ZT_ROW) die("department 360300-GA", &e);
    long long dept = (long long)zt_col_int(st, 0);
    zt_db_release(db);
    const ident *admin = &idents[0];
    char body[128], req[1024];
    snprintf(body, sizeof body, "{\"dept_id\":%lld,\"name\":\"fuzz\"}", dept);
    snprintf(req, sizeof req,
             "POST /api/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: zt_session=%s\r\nX-CSRF-Token: %s\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
             admin->cookie, admin->csrf, strlen(body), body);
    answer a;
    setup_request(req, &a);
    json_t *j = json_loadb(a.body, a.body_len, 0, NULL);
    const char *k = json_string_value(json_object_get(j, "key"));
    FUZZ_CHECK(k != NULL);
    snprintf(api_key, sizeof api_key, "%s", k);
    json_decref(j);
    answer_free(&a);
}

/* As main wires it: moving the fake clock runs the supervision tick. */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0) exit(1);
    if (!mkdtemp(tmpdir)) die("mkdtemp", NULL);
    atexit(cleanup);
    char here[PATH_MAX], dir[PATH_MAX + 16];
    if (!getcwd(here, sizeof here)) die("getcwd", NULL);
    zt_config_defaults(&cfg);
    set("data_dir", tmpdir);
    snprintf(dir, sizeof dir, "%s/data", here);
    set("source.dir", dir);
    snprintf(dir, sizeof dir, "%s/web", here);
    set("web.root", dir);
    set("auth.argon2_mem_kib", "8192");
    set("auth.argon2_ops", "1");
    set("store.synchronous", "NORMAL");
    set("store.batch_window_us", "0");
    set("log.access", "0");
    set("http.threads", "1");
    set("http.timeout", "60");
    set("services.upload_max_bytes", "65536");
    cfg.fake_clock = 1;
    setenv("TZ", cfg.timezone, 1);
    tzset();
    zt_clock_enable_fake();
    int64_t t;
    if (zt_time_parse(NOW_TEXT, &t) != 0) die("clock", NULL);
    now_us = t * 1000000;
    zt_clock_set_us(now_us);

    /* app_open + `zhengtong init --demo` (src/main.c) */
    zt_error e = {0};
    app.cfg = &cfg;
    if (zt_log_open(cfg.log_file) != 0) die("log", NULL);
    if (zt_office_hours_parse(cfg.office_hours, &app.office_hours, &e)) die("office hours", &e);
    char *db = zt_config_db_path(&cfg);
    zt_store_options so = {.path = db,
                           .synchronous = cfg.store_synchronous,
                           .batch_max = (int)cfg.store_batch_max,
                           .batch_window_us = (int)cfg.store_batch_window_us};
    zt_wire(); /* as main's app_open */
    if (zt_store_open(&so, &app.store, &e)) die("store", &e);
    free(db);
    app.cal = zt_cal_new();
    if (zt_calendar_load_db(&app, &e)) die("calendar", &e);
    char path[PATH_MAX + 64];
    int n = 0, days = 0, years = 0;
    snprintf(path, sizeof path, "%s/regions.tsv", cfg.source_dir);
    if (zt_org_import_regions(&app, path, &n, &e)) die("regions", &e);
    snprintf(path, sizeof path, "%s/calendar.tsv", cfg.source_dir);
    size_t clen;
    char *text = zt_read_file(path, &clen, &e);
    if (!text || zt_calendar_import(&app, text, clen, "data/calendar.tsv", &days, &years, &e)) die("calendar", &e);
    free(text);
    snprintf(path, sizeof path, "%s/demo", cfg.source_dir);
    zt_org_counts oc;
    if (zt_org_import_demo(&app, path, &oc, &e)) die("demo directory", &e);
    if (zt_services_start(&app, &e) || zt_sv_start(&app, &e)) die("services", &e);
    snprintf(path, sizeof path, "%s/demo/items.json", cfg.source_dir);
    if (zt_items_import(&app, path, &n, &e)) die("items", &e);
    int created;
    if (zt_ledger_keys_init(&cfg, &created, &e) || zt_ledger_keys_load(&app, &e)) die("ledger keys", &e);
    for (size_t i = 0; i < NIDENTS; i++) {
        const ident *d = &idents[i];
        zt_user_new u = {.login = d->login,
                         .name = d->name,
                         .role = d->role,
                         .dept_code = d->dept,
                         .region_code = d->region,
                         .id_number = d->id_number,
                         .credit_code = d->credit_code,
                         .password = DEMO_PASS};
        int64_t id;
        if (zt_user_create(&app, NULL, &u, &id, &e)) die(d->login, &e);
    }

    /* cmd_serve (src/main.c), on a free port */
    zt_server_options o = {.address = "127.0.0.1",
                           .port = 0,
                           .threads = 1,
                           .max_body = (size_t)cfg.http_max_body,
                           .timeout = (int)cfg.http_timeout,
                           .max_conns = (int)cfg.http_max_conns,
                           .web_root = cfg.web_root,
                           .access_log = 0,
                           .max_streams = (int)cfg.http_max_streams,
                           .spool_dir = zt_uploads_spool_dir(&cfg)};
    srv = zt_server_new(&o, &app);
    free((void *)o.spool_dir);
    zt_uploads_set_limit((size_t)cfg.upload_max_bytes);
    zt_serve_routes(srv, 1); /* every route of `serve --fake-clock` */
    zt_server_set_auth(srv, zt_auth_authenticate);
    zt_server_set_cleanup(srv, release_reader);
    if (zt_server_start(srv, &e)) die("server", &e);
    port = zt_server_port(srv);
    for (size_t i = 0; i < NIDENTS; i++) login(&idents[i]);
    make_key();
    return 0;
}

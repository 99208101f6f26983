/* server.c - libmicrohttpd glue: request life cycle, dispatch, replies.
 *
 * MHD calls the access handler several times per request: first with no
 * body (we set up the context), then with body chunks, then once more with
 * none. We queue the response only on that last call: queueing on the first
 * call makes MHD 0.9.75 close keep-alive connections. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/internal.h"

const int zt_status_list[ZT_NSTATUS] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                        409, 413, 429, 500, 503, 302, 415, 414, 0};
const double zt_bucket_le[ZT_NBUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 0};

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                          "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
                          "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

int zt_http_status(zt_err code) {
    switch (code) {
    case ZT_OK:
        return 200;
    case ZT_EINVAL:
        return 400;
    case ZT_EUNAUTH:
        return 401;
    case ZT_EFORBIDDEN:
        return 403;
    case ZT_ENOTFOUND:
        return 404;
    case ZT_ECONFLICT:
        return 409;
    case ZT_ETOOLARGE:
        return 413;
    case ZT_ETHROTTLED:
        return 429;
    case ZT_EUNAVAIL:
        return 503;
    case ZT_EINTERNAL:
        return 500;
    case ZT_EMEDIA:
        return 415;
    case ZT_ROW: /* results of zt_step, never errors: reaching here is a bug */
    case ZT_DONE:
        return 500;
    }
    return 500;
}

/* --- built-in routes --- */

static zt_err h_healthz(zt_req *r, zt_error *e) {
    zt_server *s = r->srv;
    zt_reply_json(r, 200, s->health ? s->health(s->app) : json_pack("{s:s}", "status", "ok"));
    return ZT_OK;
}

static zt_err h_metrics(zt_req *r, zt_error *e) {
    zt_err rc = zt_metrics_check(r, e);
    if (rc) return rc;
    zt_metrics_reply(r);
    return ZT_OK;
}

static const zt_route builtin[] = {
    {"GET", "/healthz", h_healthz, ZT_PUBLIC, "liveness: 200 {\"status\":\"ok\"}"},
    {"GET", "/metrics", h_metrics, ZT_PUBLIC,
     "Prometheus metrics: from loopback only, or with Authorization: Bearer <metrics.token> when it is set", 0,
     ZT_ROUTE_OWN_AUTH},
};

/* --- set-up --- */

zt_server *zt_server_new(const zt_server_options *o, void *app) {
    zt_server *s = zt_calloc(1, sizeof *s);
    s->o = *o;
    s->o.web_root = zt_strdup(o->web_root ? o->web_root : "web");
    s->o.address = zt_strdup(o->address ? o->address : "127.0.0.1");
    s->o.trusted_proxy = zt_strdup(o->trusted_proxy ? o->trusted_proxy : "");
    s->o.metrics_token = zt_strdup(o->metrics_token ? o->metrics_token : "");
    s->o.spool_dir = o->spool_dir ? zt_strdup(o->spool_dir) : NULL;
    pthread_mutex_init(&s->watch_mu, NULL);
    pthread_cond_init(&s->watch_cv, NULL);
    pthread_mutex_init(&s->defer_mu, NULL);
    s->app = app;
    zt_server_routes(s, builtin, sizeof builtin / sizeof builtin[0]);
    return s;
}

void zt_server_routes(zt_server *s, const zt_route *routes, size_t n) {
    if (s->nroutes + n > s->cap) {
        s->cap = (s->nroutes + n) * 2;
        s->routes = zt_realloc(s->routes, s->cap * sizeof *s->routes);
    }
    for (size_t i = 0; i < n; i++) s->routes[s->nroutes++] = &routes[i];
}

void zt_server_set_auth(zt_server *s, zt_auth_fn fn) { s->auth = fn; }
void zt_server_set_cleanup(zt_server *s, void (*fn)(void *)) { s->cleanup = fn; }
void zt_server_set_metrics(zt_server *s, void (*fn)(void *, char **, size_t *, size_t *)) { s->metrics = fn; }
void zt_server_set_health(zt_server *s, json_t *(*fn)(void *)) { s->health = fn; }
int zt_server_port(zt_server *s) { return s->port; }

/* --- request accessors --- */

void *zt_req_app(zt_req *r) { return r->srv->app; }
zt_arena *zt_req_arena(zt_req *r) { return &r->arena; }
const char *zt_req_method(zt_req *r) { return r->method; }
const char *zt_req_path(zt_req *r) { return r->path; }
const char *zt_req_client(zt_req *r) { return r->client; }
const zt_principal *zt_req_principal(zt_req *r) { return &r->principal; }

const char *zt_req_param(zt_req *r, const char *name) {
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].name, name) == 0) return r->params[i].value;
    return NULL;
}

zt_err zt_req_param_id(zt_req *r, const char *name, int64_t *out, zt_error *e) {
    const char *v = zt_req_param(r, name);
    char *end;
    errno = 0;
    long long n = v ? strtoll(v, &end, 10) : 0;
    if (!v || *end || n <= 0 || errno == ERANGE) return zt_fail(e, ZT_EINVAL, name, "路径参数 %s 必须是正整数", name);
    *out = n;
    return ZT_OK;
}

const char *zt_req_query(zt_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}
const char *zt_req_header(zt_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}
const char *zt_req_cookie(zt_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}
const char *zt_req_body(zt_req *r, size_t *len) {
    if (len) *len = r->body ? r->body_len : 0; /* a spooled body is not here: zt_req_body_file */
    return r->body ? r->body : "";
}

zt_err zt_req_json(zt_req *r, json_t **out, zt_error *e) {
    if (r->json) {
        *out = r->json;
        return ZT_OK;
    }
    if (!r->body || r->body_len == 0) return zt_fail(e, ZT_EINVAL, "body", "请求体为空：需要一个 JSON 对象");
    /* a cross-site form cannot send application/json without a CORS
     * preflight, which we never grant: part of the CSRF defence */
    const char *ct = zt_req_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' '))
        return zt_fail(e, ZT_EINVAL, "Content-Type", "请求体须为 JSON（Content-Type: application/json）");
    json_error_t je;
    json_t *v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        /* jansson names the duplicated key in its text: "duplicate object key" */
        return zt_fail(e, ZT_EINVAL, "body", "请求体不是合法的 JSON（第 %d 行第 %d 列）：%s", je.line, je.column,
                       je.text);
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return zt_fail(e, ZT_EINVAL, "body", "请求体必须是 JSON 对象");
    }
    r->json = v;
    *out = v;
    return ZT_OK;
}

zt_err zt_req_query_int(zt_req *r, const char *name, int64_t def, int64_t lo, int64_t hi, int64_t *out, zt_error *e) {
    const char *v = zt_req_query(r, name);
    if (!v || !*v) {
        *out = def;
        return ZT_OK;
    }
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || n < lo || n > hi)
        return zt_fail(e, ZT_EINVAL, name, "参数 %s 必须是 %lld 到 %lld 之间的整数", name, (long long)lo,
                       (long long)hi);
    *out = n;
    return ZT_OK;
}

zt_err zt_req_query_need(zt_req *r, const char *name, int64_t lo, int64_t hi, int64_t *out, zt_error *e) {
    const char *v = zt_req_query(r, name);
    if (!v || !*v) return zt_fail(e, ZT_EINVAL, name, "缺少参数 %s", name);
    return zt_req_query_int(r, name, 0, lo, hi, out, e);
}

zt_err zt_req_page(zt_req *r, int64_t *limit, int64_t *offset, zt_error *e) {
    int64_t page, per;
    zt_err rc = zt_req_query_int(r, "page", 1, 1, 1000000, &page, e);
    if (!rc) rc = zt_req_query_int(r, "per_page", 20, 1, 100, &per, e);
    if (rc) return rc;
    *limit = per;
    *offset = (page - 1) * per;
    return ZT_OK;
}

json_t *zt_page_json(json_t *items, int64_t total, int64_t limit, int64_t offset) {
    return json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total, "page",
                     (json_int_t)(offset / limit + 1), "per_page", (json_int_t)limit);
}

/* --- replies --- */

void zt_reply_mhd(zt_req *r, int status, struct MHD_Response *resp, size_t len) {
    if (r->resp) MHD_destroy_response(r->resp);
    r->resp = resp;
    r->status = status;
    r->resp_len = len;
}

void zt_reply_data(zt_req *r, int status, const char *ctype, const void *data, size_t len) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (ctype) MHD_add_response_header(resp, "Content-Type", ctype);
    zt_reply_mhd(r, status, resp, len);
}

void zt_reply_json(zt_req *r, int status, json_t *v) {
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (!text) {
        zt_reply_data(r, 500, "application/json; charset=utf-8",
                      "{\"error\":{\"code\":\"internal\",\"message\":\"JSON encoding failed\"}}", 62);
        return;
    }
    size_t len = strlen(text);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    zt_reply_mhd(r, status, resp, len);
}

void zt_reply_json_text(zt_req *r, int status, const char *text, size_t len) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    zt_reply_mhd(r, status, resp, len);
}

void zt_reply_empty(zt_req *r, int status) {
    zt_reply_mhd(r, status, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT), 0);
}

void zt_reply_header(zt_req *r, const char *name, const char *value) {
    hdr *h = zt_arena_alloc(&r->arena, sizeof *h);
    h->name = zt_arena_strdup(&r->arena, name);
    h->value = zt_arena_strdup(&r->arena, value);
    h->next = r->headers;
    r->headers = h;
}

static void reply_error(zt_req *r, const zt_error *e) {
    json_t *err = json_pack("{s:s,s:s}", "code", zt_err_name(e->code), "message",
                            e->message[0] ? e->message : zt_err_name(e->code));
    if (e->field[0]) json_object_set_new(err, "field", json_string(e->field));
    zt_reply_json(r, zt_http_status(e->code), json_pack("{s:o}", "error", err));
}

/* --- dispatch --- */

/* A query value longer than this is refused: no filter needs more, and
 * SQLite refuses LIKE patterns over 50000 bytes with an error (a 500). */
#define MAX_QUERY_VALUE 4096

/* The per-connection pool of libmicrohttpd (MHD_OPTION_CONNECTION_MEMORY_LIMIT):
 * the request line, the headers and a record for each header, cookie and
 * query parameter. MHD zeroes all of it after every request (MHD_pool_reset):
 * at 256 KiB that memset was 16 % of a status query's CPU. 32 KiB is MHD's
 * default; a head that does not fit gets MHD's own 431 at once. */
#define CONN_POOL 32768

/* More query parameters than this are refused with a 414 (uri_seen): no
 * route reads more than a dozen. */
#define MAX_QUERY_PARAMS 100

/* A request line's URI, before MHD splits its query string (MHD_OPTION_
 * URI_LOG_CALLBACK: called with the URI in MHD's own read buffer, before the
 * arguments are parsed). MHD 0.9.75 records every parameter in the
 * connection's pool, and when the pool runs out it logs a 431 that it never
 * sends and closes the connection (a URL of 4 KB of short parameters was
 * enough at 32 KiB, 8 KB at 256 KiB). Over MAX_QUERY_PARAMS the query string
 * is cut here - MHD then parses no argument - and the request is marked for
 * admit() to answer 414. The returned pointer becomes the request's first
 * context (on_request). */
static char uri_refused_mark;

static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c) {
    char *q = strchr(uri, '?');
    if (!q) return NULL;
    int n = 1;
    for (const char *p = q + 1; *p; p++)
        if (*p == '&' && ++n > MAX_QUERY_PARAMS) break;
    if (n <= MAX_QUERY_PARAMS) return NULL;
    q[1] = 0; /* MHD's buffer; MHD skips the '?' itself and parses nothing */
    return &uri_refused_mark;
}

typedef struct {
    const char *name;
} long_arg;

static enum MHD_Result find_long(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    long_arg *a = cls;
    if (value && strlen(value) > MAX_QUERY_VALUE) {
        a->name = key;
        return MHD_NO;
    }
    return MHD_YES;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* MHD decodes %XX in the path and the query in place; a decoded NUL would
 * cut the string short ("/x%00../y" is served as "/x"). Keep "%00" as
 * written instead: such a path names no route and no file. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s) {
    char *w = s;
    for (const char *r = s; *r; r++) {
        int hi, lo;
        if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 && (hi | lo)) {
            *w++ = (char)(hi << 4 | lo);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

/* CSRF, second line: a browser names the page that sent a write in Origin.
 * When it is there it must be this site ("scheme://" + our Host); "null"
 * (sandboxed frames, some redirects) is refused too. No Origin (old
 * browsers, curl) leaves the decision to the CSRF token. */
static int same_origin(zt_req *r) {
    const char *origin = zt_req_header(r, "Origin");
    if (!origin) return 1;
    const char *host = zt_req_header(r, "Host");
    const char *sep = strstr(origin, "://");
    if (!host || !sep) return 0;
    return strcasecmp(sep + 3, host) == 0;
}

/* A handler's result: its error as JSON, or 204 when it set no reply and
 * did not defer. */
static void answer(zt_req *r, zt_err rc, zt_error *e) {
    if (rc) {
        ZT_ASSERT(!r->then); /* a handler that deferred must not fail afterwards */
        if (!e->code) e->code = rc;
        if (rc == ZT_EINTERNAL) zt_error_log("%s %s: %s", r->method, r->path, e->message);
        reply_error(r, e);
    } else if (!r->resp && !r->then) {
        zt_reply_empty(r, 204);
    }
}

/* The head's checks, in the order of their answers: an ambiguous or too
 * large body, an over-long query value, no such route or method, then the
 * authenticator and the route's access mask (CSRF, Origin, 401, 403). Run
 * once the head is complete, before a byte of the body is read. Returns 1
 * with the reply set when the request is refused; 0 to go on (r->route set,
 * or NULL for a static file). */
static int admit(zt_req *r) {
    zt_server *s = r->srv;
    zt_error e = {0};
    if (r->uri_refused) {
        zt_fail(&e, ZT_EINVAL, "query", "地址的查询参数过多（最多 %d 个）", MAX_QUERY_PARAMS);
        json_t *err = json_pack("{s:s,s:s,s:s}", "code", "uri_too_long", "message", e.message, "field", "query");
        zt_reply_json(r, 414, json_pack("{s:o}", "error", err));
        return 1;
    }
    if (r->ambiguous) {
        zt_fail(&e, ZT_EINVAL, "Content-Length",
                "请求的长度不明确（重复的 Content-Length，或同时有 Content-Length 与 chunked）");
        reply_error(r, &e);
        zt_reply_header(r, "Connection", "close");
        return 1;
    }
    if (r->too_large) {
        zt_fail(&e, ZT_ETOOLARGE, "body", "请求体超过上限 %zu 字节", r->max_body);
        reply_error(r, &e);
        zt_reply_header(r, "Connection", "close");
        return 1;
    }
    long_arg la = {0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, find_long, &la);
    if (la.name) {
        zt_fail(&e, ZT_EINVAL, la.name, "参数 %s 过长（最多 %d 字节）", la.name, MAX_QUERY_VALUE);
        reply_error(r, &e);
        return 1;
    }
    size_t idx = r->route_idx;
    char *allow = r->route_allow;
    const zt_route *route = NULL;
    switch (r->route_found) {
    case ZT_ROUTE_FOUND:
        route = s->routes[idx];
        r->route_index = (long)idx;
        break;
    case ZT_ROUTE_NO_METHOD: {
        zt_fail(&e, ZT_EINVAL, NULL, "接口 %s 不支持方法 %s（可用：%s）", r->path, r->method, allow);
        json_t *err = json_pack("{s:s,s:s}", "code", "method_not_allowed", "message", e.message);
        zt_reply_json(r, 405, json_pack("{s:o}", "error", err));
        zt_reply_header(r, "Allow", allow);
        return 1;
    }
    case ZT_ROUTE_NO_PATH:
        break;
    }
    if (!route) {
        if (strncmp(r->path, "/api/", 5) != 0 && strcmp(r->path, "/api") != 0 &&
            (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)) {
            r->route_index = -2;
            return 0; /* a static file, or its 404: dispatch */
        }
        zt_fail(&e, ZT_ENOTFOUND, NULL, "没有这个地址：%s %s", r->method, r->path);
        reply_error(r, &e);
        return 1;
    }
    r->route = route;
    if (route->flags & ZT_ROUTE_OWN_AUTH) return 0;
    zt_err rc = ZT_OK;
    /* the thread's read statements may still hold the snapshot of a request
     * whose answer is queued but not yet completed (another connection on
     * this thread): end it, so this request reads what is committed now */
    if (s->cleanup) s->cleanup(s->app);
    if (s->auth) rc = s->auth(r, &r->principal, &e);
    const char *m = r->method;
    int unsafe = strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
    if (!rc && route->access) {
        if (r->principal.via_cookie && unsafe && !r->principal.csrf_ok)
            rc = zt_fail(&e, ZT_EFORBIDDEN, "X-CSRF-Token", "缺少或错误的 CSRF 令牌（X-CSRF-Token）");
        else if (r->principal.via_cookie && unsafe && !same_origin(r))
            rc = zt_fail(&e, ZT_EFORBIDDEN, "Origin", "跨站请求被拒绝（Origin 与本站不同）");
        else if (!r->principal.user_id && !r->principal.key_id)
            rc = zt_fail(&e, ZT_EUNAUTH, NULL, "请先登录");
        else if (!(route->access & r->principal.role_bit))
            rc = zt_fail(&e, ZT_EFORBIDDEN, NULL, "当前身份（%s）无权访问此功能",
                         r->principal.role ? r->principal.role : "?");
    }
    if (!rc) return 0;
    if (!e.code) e.code = rc;
    if (rc == ZT_EINTERNAL) zt_error_log("%s %s: %s", r->method, r->path, e.message);
    reply_error(r, &e);
    return 1;
}

/* Where an admitted request's body goes: a file for a spooling route, else
 * memory, within the budget: a Content-Length is reserved whole now (a
 * chunked body reserves as it grows). Returns 1 with the reply set when
 * the body cannot be taken. */
static int take_body(zt_req *r) {
    zt_server *s = r->srv;
    zt_error e = {0};
    if (r->route && (r->route->flags & ZT_ROUTE_SPOOL)) {
        int err = zt_spool_open(r);
        if (!err) return 0;
        zt_warn("http: cannot spool a body to %s: %s", s->o.spool_dir ? s->o.spool_dir : "(none)", strerror(err));
        zt_fail(&e, ZT_EUNAVAIL, "body", "暂时无法接收上传的内容（服务器临时目录不可用），请稍后重试");
        reply_error(r, &e);
        zt_reply_header(r, "Retry-After", "30");
        return 1;
    }
    if (!r->has_length || zt_body_reserve(r, (size_t)r->length + 1)) return 0;
    atomic_fetch_add(&s->refused_budget, 1);
    zt_fail(&e, ZT_EUNAVAIL, "body", "服务器正在接收的请求内容已达内存上限（http.body_budget = %zu 字节），请稍后重试",
            zt_body_budget(s));
    reply_error(r, &e);
    zt_reply_header(r, "Retry-After", "5");
    return 1;
}

/* What was decided while the body came: too large (chunked), over the
 * budget, or its file could not be written. Returns 1 with the reply set. */
static int body_failed(zt_req *r) {
    zt_error e = {0};
    if (r->too_large) {
        zt_fail(&e, ZT_ETOOLARGE, "body", "请求体超过上限 %zu 字节", r->max_body);
        reply_error(r, &e);
        zt_reply_header(r, "Connection", "close");
        return 1;
    }
    if (r->over_budget) {
        zt_fail(&e, ZT_EUNAVAIL, "body",
                "服务器正在接收的请求内容已达内存上限（http.body_budget = %zu 字节），请稍后重试",
                zt_body_budget(r->srv));
        reply_error(r, &e);
        zt_reply_header(r, "Retry-After", "5");
        return 1;
    }
    if (r->spool_err) {
        zt_warn("http: cannot spool a body: %s", strerror(r->spool_err));
        zt_fail(&e, ZT_EUNAVAIL, "body", "暂时无法保存上传的内容（%s），请稍后重试", strerror(r->spool_err));
        reply_error(r, &e);
        zt_reply_header(r, "Retry-After", "30");
        return 1;
    }
    return 0;
}

/* The handler of an admitted request, its body complete. */
static void dispatch(zt_req *r) {
    zt_server *s = r->srv;
    zt_error e = {0};
    const zt_route *route = r->route;
    if (!route) {
        if (zt_static_serve(r, s->o.web_root)) return;
        zt_fail(&e, ZT_ENOTFOUND, NULL, "没有这个地址：%s %s", r->method, r->path);
        reply_error(r, &e);
        return;
    }
    /* the body came in the meantime: read what is committed now */
    if (s->cleanup) s->cleanup(s->app);
    answer(r, route->fn(r, &e), &e);
}

/* --- deferred requests --- */

void zt_req_defer(zt_req *r, zt_then_fn then, void *ctx) {
    pthread_mutex_lock(&r->srv->defer_mu);
    ZT_ASSERT(!r->then);
    r->then = then;
    r->then_ctx = ctx;
    r->resumed = 0;
    pthread_mutex_unlock(&r->srv->defer_mu);
}

void zt_req_resume(zt_req *r) {
    zt_server *s = r->srv;
    pthread_mutex_lock(&s->defer_mu);
    r->resumed = 1;
    if (r->suspended) { /* MHD's documentation leaves resuming a running connection undefined */
        r->suspended = 0;
        atomic_fetch_sub(&s->parked, 1);
        MHD_resume_connection(r->conn);
    }
    pthread_mutex_unlock(&s->defer_mu);
}

/* After a handler (or a continuation) deferred: run the continuations whose
 * work is done; when one is still waiting, suspend the connection and say
 * so (1). MHD calls on_request again after zt_req_resume. */
static int run_deferred(zt_req *r) {
    zt_server *s = r->srv;
    while (r->then) {
        pthread_mutex_lock(&s->defer_mu);
        if (!r->resumed) {
            r->suspended = 1;
            atomic_fetch_add(&s->parked, 1);
            MHD_suspend_connection(r->conn);
            pthread_mutex_unlock(&s->defer_mu);
            return 1;
        }
        zt_then_fn then = r->then;
        void *ctx = r->then_ctx;
        r->then = NULL;
        r->then_ctx = NULL;
        pthread_mutex_unlock(&s->defer_mu);
        if (s->cleanup) s->cleanup(s->app); /* read what is committed now */
        zt_error e = {0};
        answer(r, then(r, ctx, &e), &e);
    }
    return 0;
}

static void add_headers(zt_req *r) {
    struct MHD_Response *resp = r->resp;
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    for (hdr *h = r->headers; h; h = h->next) MHD_add_response_header(resp, h->name, h->value);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    int *counts = cls;
    if (strcasecmp(key, "Content-Length") == 0)
        counts[0]++;
    else if (strcasecmp(key, "Transfer-Encoding") == 0)
        counts[1]++;
    return MHD_YES;
}

/* The client's address: the peer, or - when the peer is http.trusted_proxy
 * (nginx in front) - the last address of X-Forwarded-For, the one that proxy
 * saw (nginx appends it). Anybody else's X-Forwarded-For is ignored: a client
 * must not choose the address its login failures are counted under. */
static void client_address(zt_server *s, zt_req *r) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(r->client, sizeof r->client, "-");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->client, sizeof r->client);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->client, sizeof r->client);
    }
    if (!s->o.trusted_proxy[0] || strcmp(r->client, s->o.trusted_proxy) != 0) return;
    r->via_proxy = 1;
    const char *xff = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For");
    if (!xff) return;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ' || *last == '\t') last++;
    char addr[64];
    size_t n = strcspn(last, " \t");
    if (n == 0 || n >= sizeof addr) return;
    memcpy(addr, last, n);
    addr[n] = 0;
    unsigned char bin[16];
    if (inet_pton(AF_INET, addr, bin) == 1)
        inet_ntop(AF_INET, bin, r->client, sizeof r->client);
    else if (inet_pton(AF_INET6, addr, bin) == 1)
        inet_ntop(AF_INET6, bin, r->client, sizeof r->client);
}

static conn_watch *watch_of(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void watch_phase(zt_server *s, struct MHD_Connection *conn, int phase) {
    conn_watch *w = watch_of(conn);
    if (!w) return;
    pthread_mutex_lock(&s->watch_mu);
    if (w->phase != CONN_REAPED) {
        w->phase = phase;
        w->since = zt_mono_us();
        atomic_store(&w->received, 0);
    }
    pthread_mutex_unlock(&s->watch_mu);
}

static void watch_received(struct MHD_Connection *conn, size_t n) {
    conn_watch *w = watch_of(conn);
    if (w) atomic_fetch_add(&w->received, (uint64_t)n);
}

/* Queue r's reply (set by now). */
static enum MHD_Result send_reply(zt_req *r) {
    if (!r->resp) zt_reply_empty(r, 500);
    add_headers(r);
    return MHD_queue_response(r->conn, (unsigned)r->status, r->resp);
}

/* A piece of the body: to the spool file or to memory (within the budget),
 * or dropped when the request is refused already. */
static void take_chunk(zt_req *r, const char *data, size_t n) {
    if (r->refused || r->too_large || r->over_budget || r->spool_err) return;
    if (r->body_len + n > r->max_body) {
        r->too_large = 1;
        free(r->body);
        r->body = NULL;
        r->body_cap = 0;
        if (!r->spool_path) r->body_len = 0; /* a spooled length is the file's, given back at the end */
        zt_body_release(r);
        return;
    }
    if (r->spool_path) {
        zt_spool_write(r, data, n);
        return;
    }
    if (r->body_len + n + 1 > r->body_cap) {
        /* a Content-Length was reserved whole: never grow past it; a chunked
         * body reserves what it grows by */
        size_t cap = (r->body_len + n + 1) * 2, most = r->has_length ? (size_t)r->length + 1 : r->max_body + 1;
        if (cap > most) cap = most;
        if (cap > r->reserved && !zt_body_reserve(r, cap - r->reserved)) {
            atomic_fetch_add(&r->srv->refused_budget, 1);
            r->over_budget = 1;
            free(r->body);
            r->body = NULL;
            r->body_len = r->body_cap = 0;
            zt_body_release(r);
            return;
        }
        r->body_cap = cap;
        r->body = zt_realloc(r->body, r->body_cap);
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    zt_server *s = cls;
    zt_req *r = *con_cls;
    int uri_refused = r == (void *)&uri_refused_mark;
    if (uri_refused) r = NULL;
    if (!r) {
        r = zt_calloc(1, sizeof *r);
        r->uri_refused = uri_refused;
        r->srv = s;
        r->conn = conn;
        r->t0 = zt_mono_us();
        r->route_index = -1;
        r->spool_fd = -1;
        zt_arena_init(&r->arena);
        r->method = zt_arena_strdup(&r->arena, method);
        r->path = zt_arena_strdup(&r->arena, url);
        client_address(s, r);
        watch_phase(s, conn, CONN_BODY);
        atomic_fetch_add(&s->inflight, 1);
        *con_cls = r;
        /* request smuggling: refuse what MHD lets through */
        int counts[2] = {0, 0};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, counts);
        if (counts[0] > 1 || (counts[0] && counts[1]) || counts[1] > 1) r->ambiguous = 1;
        /* the body limit: the route's own (uploads) or the server's */
        r->max_body = s->o.max_body;
        r->route_found = zt_route_find(s->routes, s->nroutes, r->method, r->path, &r->arena, &r->route_idx, r->params,
                                       &r->nparams, &r->route_allow);
        if (r->route_found == ZT_ROUTE_FOUND) {
            const zt_route *rt = s->routes[r->route_idx];
            if (rt->max_body) r->max_body = rt->max_body;
            if ((rt->flags & ZT_ROUTE_SMALL_BODY) && r->max_body > ZT_SMALL_BODY) r->max_body = ZT_SMALL_BODY;
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end || end == cl)
                r->ambiguous = 1;
            else if (n > r->max_body)
                r->too_large = 1;
            r->has_length = !r->ambiguous;
            r->length = n;
            r->has_body = n > 0;
        }
        if (counts[1]) r->has_body = 1;
        /* Everything the head decides, before a byte of the body is read:
         * who asks and whether the route admits him, then where the body
         * goes (a file, or memory within the budget). */
        r->refused = admit(r);
        if (!r->refused && r->has_body) r->refused = take_body(r);
        if (s->cleanup) s->cleanup(s->app); /* no read snapshot is held while the body comes */
        /* A refused request with a body is answered now, before its body is
         * read (no "100 Continue"); MHD then closes the connection. Not to the
         * trusted proxy: nginx has already taken the whole body (within its
         * client_max_body_size) and is sending it; closing under it turns our
         * answer into its 502. Its body is read and dropped instead. A
         * request without a body is answered on the last call, as usual. */
        if (!r->refused || !r->has_body || r->via_proxy) return MHD_YES;
        r->started = 1;
        zt_reply_header(r, "Connection", "close");
        watch_phase(s, conn, CONN_ANSWER);
        return send_reply(r);
    }
    if (*upload_size) {
        watch_received(conn, *upload_size);
        take_chunk(r, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->started && !r->then) return MHD_YES;
    if (!r->started) {
        r->started = 1;
        watch_phase(s, conn, CONN_ANSWER);
        zt_spool_close(r);
        if (!r->refused && !body_failed(r)) dispatch(r);
    }
    if (run_deferred(r)) return MHD_YES; /* parked until zt_req_resume */
    zt_spool_free(r);                    /* what the handler did not take is removed before the answer goes */
    return send_reply(r);
}

static int status_slot(int status) {
    for (int i = 0; i < ZT_NSTATUS - 1; i++)
        if (zt_status_list[i] == status) return i;
    return ZT_NSTATUS - 1;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe) {
    zt_server *s = cls;
    zt_req *r = *con_cls;
    if (!r) return;
    watch_phase(s, conn, CONN_HEAD);
    int64_t dur = zt_mono_us() - r->t0;
    size_t slot = r->route_index >= 0 ? (size_t)r->route_index : r->route_index == -2 ? s->nroutes : s->nroutes + 1;
    route_stats *st = &s->stats[slot];
    int status = r->resp ? r->status : 0;
    atomic_fetch_add(&st->by_status[status_slot(status)], 1);
    atomic_fetch_add(&st->sum_us, (uint64_t)dur);
    int b = 0;
    while (b < ZT_NBUCKETS - 1 && dur > zt_bucket_le[b] * 1e6) b++;
    atomic_fetch_add(&st->buckets[b], 1);
    atomic_fetch_add(&s->total, 1);
    if (s->o.access_log) {
        char line[1024];
        char ts[32];
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        zt_time_format(now.tv_sec, ts);
        snprintf(line, sizeof line, "%s access %s \"%s %.600s\" %d %zu %.3fms user=%s%s", ts, r->client, r->method,
                 r->path, status, r->resp_len, (double)dur / 1000.0, r->principal.login ? r->principal.login : "-",
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
        zt_log_line(line);
    }
    if (s->cleanup) s->cleanup(s->app);
    if (r->resp) MHD_destroy_response(r->resp);
    json_decref(r->json);
    free(r->body);
    zt_body_release(r);
    zt_spool_free(r);
    zt_arena_free(&r->arena);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    zt_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn_watch *w = zt_calloc(1, sizeof *w);
        w->fd = ci ? ci->connect_fd : -1;
        w->since = zt_mono_us();
        w->phase = CONN_HEAD;
        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        zt_addr_key(ci ? ci->client_addr : NULL, w->addr);
        int within = zt_addr_acquire(s, w->addr);
        pthread_mutex_lock(&s->watch_mu);
        w->next = s->watch;
        if (s->watch) s->watch->prev = w;
        s->watch = w;
        if (!within && w->fd >= 0) {
            /* its address had its cap meanwhile (another thread accepted) */
            shutdown(w->fd, SHUT_RDWR);
            w->phase = CONN_REAPED;
        }
        pthread_mutex_unlock(&s->watch_mu);
        *socket_context = w;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_watch *w = *socket_context;
        if (!w) return;
        /* MHD closes the socket after this call: under the lock the reaper
         * never shuts down a descriptor that was closed and reused */
        pthread_mutex_lock(&s->watch_mu);
        if (w->prev)
            w->prev->next = w->next;
        else
            s->watch = w->next;
        if (w->next) w->next->prev = w->prev;
        pthread_mutex_unlock(&s->watch_mu);
        zt_addr_release(s, w->addr);
        free(w);
        *socket_context = NULL;
    }
}

/* Slow clients. MHD's http.timeout restarts with every byte received, so a
 * client sending a byte now and then would hold a connection (and a body's
 * memory or file) forever. The reaper shuts down the socket (MHD then
 * closes the connection, and the request ends, its body freed):
 * - of a connection that has not completed a request's head within
 *   http.timeout of its start or of the end of its previous request
 *   (slowloris);
 * - of a request whose body has not come at http.body_min_rate bytes per
 *   second on average after a grace of http.timeout: its deadline is
 *   http.timeout after the head, pushed back a second for every
 *   body_min_rate bytes received.
 * Requests being answered (the handler, a download, the live feed) are not
 * touched. */
static void *reaper_main(void *arg) {
    zt_server *s = arg;
    int64_t limit = (int64_t)s->o.timeout * 1000000;
    uint64_t rate = s->o.body_min_rate ? s->o.body_min_rate : ZT_BODY_MIN_RATE_DEFAULT;
    pthread_mutex_lock(&s->watch_mu);
    while (!s->reaper_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->watch_cv, &s->watch_mu, &until);
        int64_t now = zt_mono_us();
        for (conn_watch *w = s->watch; w; w = w->next) {
            if (w->fd < 0) continue;
            int head = w->phase == CONN_HEAD && now - w->since >= limit;
            uint64_t got = atomic_load(&w->received);
            int body = w->phase == CONN_BODY && now - w->since >= limit &&
                       (uint64_t)(now - w->since - limit) > got / rate * 1000000 + got % rate * 1000000 / rate;
            if (!head && !body) continue;
            shutdown(w->fd, SHUT_RDWR);
            w->phase = CONN_REAPED; /* once */
            atomic_fetch_add(head ? &s->reaped : &s->reaped_body, 1);
        }
    }
    pthread_mutex_unlock(&s->watch_mu);
    return NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = 0;
    zt_warn("http: %s", msg);
}

zt_err zt_server_start(zt_server *s, zt_error *e) {
    char root[PATH_MAX];
    if (!realpath(s->o.web_root, root))
        return zt_fail(e, ZT_EINVAL, "web.root", "web.root %s: %s", s->o.web_root, strerror(errno));
    free((void *)s->o.web_root);
    s->o.web_root = zt_strdup(root);
    s->stats = zt_calloc(s->nroutes + 2, sizeof *s->stats);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)s->o.port);
    if (inet_pton(AF_INET, s->o.address, &sa.sin_addr) != 1)
        return zt_fail(e, ZT_EINVAL, "listen.address", "listen.address must be an IPv4 address, not %s", s->o.address);
    unsigned char bin[16];
    if (s->o.trusted_proxy[0] && inet_pton(AF_INET, s->o.trusted_proxy, bin) != 1 &&
        inet_pton(AF_INET6, s->o.trusted_proxy, bin) != 1)
        return zt_fail(e, ZT_EINVAL, "http.trusted_proxy", "http.trusted_proxy must be an IP address, not %s",
                       s->o.trusted_proxy);
    int threads = s->o.threads > 0 ? s->o.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    zt_err rc = zt_limits_start(s, e);
    if (rc) return rc;
    s->d =
        MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0,
                         zt_limits_accept, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_POOL, MHD_OPTION_URI_LOG_CALLBACK, uri_seen,
                         s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
                         (unsigned)threads, MHD_OPTION_UNESCAPE_CALLBACK, unescape, s, MHD_OPTION_NOTIFY_COMPLETED,
                         on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned)s->o.timeout, MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->o.max_conns, MHD_OPTION_END);
    if (!s->d)
        return zt_fail(e, ZT_EUNAVAIL, "listen.port", "cannot listen on %s:%d (%s)", s->o.address, s->o.port,
                       strerror(errno));
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : s->o.port;
    if (pthread_create(&s->reaper, NULL, reaper_main, s) != 0)
        return zt_fail(e, ZT_EUNAVAIL, NULL, "cannot start the connection reaper thread");
    s->reaper_on = 1;
    return ZT_OK;
}

void zt_server_stop(zt_server *s, int grace_s) {
    if (!s->d) return;
    MHD_socket ls = MHD_quiesce_daemon(s->d);
    if (ls != MHD_INVALID_SOCKET) close(ls);
    zt_stream_shutdown(s, 1); /* event streams end now: they never finish by themselves */
    int64_t until = zt_mono_us() + (int64_t)grace_s * 1000000;
    while (atomic_load(&s->inflight) > 0 && zt_mono_us() < until) usleep(10000);
    /* MHD_stop_daemon aborts on a suspended connection: deferred requests are
     * resumed when their work is done, which never waits for the server */
    while (atomic_load(&s->parked) > 0) usleep(10000);
    if (s->reaper_on) {
        pthread_mutex_lock(&s->watch_mu);
        s->reaper_stop = 1;
        pthread_cond_signal(&s->watch_cv);
        pthread_mutex_unlock(&s->watch_mu);
        pthread_join(s->reaper, NULL);
        s->reaper_on = 0;
    }
    MHD_stop_daemon(s->d);
    zt_stream_shutdown(s, 0);
    s->d = NULL;
}

void zt_server_free(zt_server *s) {
    if (!s) return;
    if (s->d) zt_server_stop(s, 0);
    free((void *)s->o.web_root);
    free((void *)s->o.address);
    free((void *)s->o.trusted_proxy);
    free((void *)s->o.metrics_token);
    free((void *)s->o.spool_dir);
    pthread_mutex_destroy(&s->watch_mu);
    pthread_cond_destroy(&s->watch_cv);
    pthread_mutex_destroy(&s->defer_mu);
    zt_limits_free(s);
    free(s->routes);
    free(s->stats);
    free(s);
}

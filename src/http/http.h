/* http.h - the HTTP server as the domains see it: routes, the request
 * context, replies. http/ knows no domain: each domain registers its routes
 * (<domain>/api.c) and the auth subsystem registers the authenticator.
 *
 * A handler returns ZT_OK after setting a reply, or an error code with the
 * zt_error filled; the server turns that into
 * {"error":{"code":"...","message":"...","field":"..."}} with the status
 * that the code maps to (the only place codes become statuses). */
#ifndef ZT_HTTP_H
#define ZT_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "http/access.h"

typedef struct zt_req zt_req;
typedef struct zt_server zt_server;

/* Who is making the request, as the authenticator found it. */
typedef struct zt_principal {
    int64_t user_id;   /* 0 = anonymous */
    uint32_t role_bit; /* one bit of a route's access mask (http/access.h) */
    const char *role;  /* "clerk", ... */
    const char *login;
    const char *name;
    int64_t dept_id;         /* 0 = none */
    const char *dept_code;   /* the department's code, NULL or "" = none */
    const char *dept_region; /* the department's region, NULL or "" = none */
    int dept_retired;        /* the department is retired (an API key still authenticates: each route decides) */
    const char *region;      /* the user's region scope ("" = none) */
    int64_t key_id;          /* an API key's id when authenticated by key */
    int via_cookie;          /* authenticated by the session cookie */
    int csrf_ok;             /* the request carried the session's CSRF token */
} zt_principal;

typedef zt_err (*zt_handler)(zt_req *r, zt_error *e);

/* Route access: 0 = public; otherwise the principal's role_bit must be in
 * the mask (401 when anonymous, 403 otherwise). */
#define ZT_PUBLIC 0u

typedef struct zt_route {
    const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern; /* "/api/departments/{id}" */
    zt_handler fn;
    uint32_t access;
    const char *doc; /* one line, for the API reference and the route list */
    size_t max_body; /* the largest body accepted (0 = the server's http.max_body); a route table
                      * is static, so a configurable limit is set before the server starts */
    unsigned flags;  /* ZT_ROUTE_* */
} zt_route;

/* Route flags. */
/* The body is written to a temporary file in the server's spool_dir as it
 * arrives, never held in memory (uploads): the handler reads it with
 * zt_req_body_file, and zt_req_body gives nothing. */
#define ZT_ROUTE_SPOOL 1u
/* The authenticator is not run: the handler decides who may call (a
 * ZT_PUBLIC route whose Authorization header is not an API key: /metrics). */
#define ZT_ROUTE_OWN_AUTH 2u
/* A small form (login, registration, a password change, the status query):
 * its body is at most ZT_SMALL_BODY bytes, or http.max_body if that is less,
 * so anonymous bodies hold little of http.body_budget however many
 * connections an address opens. */
#define ZT_ROUTE_SMALL_BODY 4u
#define ZT_SMALL_BODY       ((size_t)16 << 10)

/* The authenticator: fills p from the request (cookie, bearer key). Returns
 * ZT_OK for anonymous too; an error (e.g. a revoked key) stops the request
 * with that error. Called on the request's head, before a byte of its body
 * is read, and before the access check: a request the route does not admit
 * is refused (401/403) without its body being read. It may read headers,
 * cookies and the query, never the body. The server refuses (403) a write
 * to a non-public route authenticated by cookie without csrf_ok. */
typedef zt_err (*zt_auth_fn)(zt_req *r, zt_principal *p, zt_error *e);

/* --- server set-up (main) --- */
typedef struct zt_server_options {
    const char *address;
    int port;
    int threads; /* 0 = one per core */
    size_t max_body;
    int timeout; /* seconds */
    int max_conns;
    const char *web_root;
    int access_log;
    int max_streams;           /* open event streams at most (http.max_streams); 0 = ZT_STREAM_MAX_DEFAULT */
    const char *trusted_proxy; /* http.trusted_proxy: a peer address whose X-Forwarded-For names the client;
                                * NULL or "" = the peer is the client */
    /* what one client may hold (docs/security.md, "Pentest findings F5, F6, F16, metrics");
     * 0 = the default below */
    size_t body_budget;        /* http.body_budget: bytes of request bodies held in memory, all requests together */
    size_t body_min_rate;      /* http.body_min_rate: bytes per second a body must average after http.timeout */
    int max_conns_per_address; /* http.max_connections_per_address (the trusted proxy has no cap) */
    int max_streams_per_user;  /* http.max_streams_per_user: event streams of one user or API key */
    const char *metrics_token; /* metrics.token: GET /metrics needs "Authorization: Bearer <token>";
                                * NULL or "" = only clients on the loopback address may read it */
    const char *spool_dir;     /* where bodies of ZT_ROUTE_SPOOL routes are written; on the file system the
                                * handlers move them to (rename). Needed when such a route is registered */
} zt_server_options;

#define ZT_BODY_BUDGET_DEFAULT       (64u << 20)
#define ZT_BODY_MIN_RATE_DEFAULT     4096
#define ZT_CONNS_PER_ADDRESS_DEFAULT 128
#define ZT_STREAMS_PER_USER_DEFAULT  4

zt_server *zt_server_new(const zt_server_options *o, void *app);
/* Register routes (the array must outlive the server). */
void zt_server_routes(zt_server *s, const zt_route *routes, size_t n);
void zt_server_set_auth(zt_server *s, zt_auth_fn fn);
/* A function run at the end of every request (e.g. releasing read
 * statements). */
void zt_server_set_cleanup(zt_server *s, void (*fn)(void *app));
/* Extra metrics text appended to /metrics (writer queue, database time). */
void zt_server_set_metrics(zt_server *s, void (*fn)(void *app, char **buf, size_t *len, size_t *cap));
/* The body of GET /healthz (a new JSON object; default {"status":"ok"}). */
void zt_server_set_health(zt_server *s, json_t *(*fn)(void *app));
zt_err zt_server_start(zt_server *s, zt_error *e);
/* The port actually bound (listen.port 0 picks a free one). */
int zt_server_port(zt_server *s);
/* Stop accepting, wait up to grace_s for requests in flight, stop. */
void zt_server_stop(zt_server *s, int grace_s);
void zt_server_free(zt_server *s);

/* --- the request --- */
void *zt_req_app(zt_req *r);
zt_arena *zt_req_arena(zt_req *r);
const char *zt_req_method(zt_req *r);
const char *zt_req_path(zt_req *r);
const char *zt_req_client(zt_req *r); /* peer address text */
/* Path parameter from the pattern ("{id}"), NULL if absent. */
const char *zt_req_param(zt_req *r, const char *name);
/* Path parameter as a positive integer; ZT_EINVAL naming the field if not. */
zt_err zt_req_param_id(zt_req *r, const char *name, int64_t *out, zt_error *e);
const char *zt_req_query(zt_req *r, const char *name);
const char *zt_req_header(zt_req *r, const char *name);
const char *zt_req_cookie(zt_req *r, const char *name);
const char *zt_req_body(zt_req *r, size_t *len);
/* The body of a ZT_ROUTE_SPOOL route: the path of the temporary file that
 * holds it (complete and closed), its length in *len; NULL when the request
 * had no body. The file belongs to the request and is removed when the
 * handler returns, unless the handler moved it away and said so with
 * zt_req_body_keep. */
const char *zt_req_body_file(zt_req *r, size_t *len);
/* The handler renamed the spooled body's file: the server forgets it. */
void zt_req_body_keep(zt_req *r);
const zt_principal *zt_req_principal(zt_req *r);

/* Parse the body as a JSON object (duplicate keys rejected). The result is
 * owned by the request. */
zt_err zt_req_json(zt_req *r, json_t **out, zt_error *e);
/* Pagination from ?page=&per_page= (defaults 1 and 20, per_page <= 100). */
zt_err zt_req_page(zt_req *r, int64_t *limit, int64_t *offset, zt_error *e);
/* Integer query parameter with bounds; absent gives def. */
zt_err zt_req_query_int(zt_req *r, const char *name, int64_t def, int64_t lo, int64_t hi, int64_t *out, zt_error *e);
/* The same for a parameter that must be given (400 "缺少参数 NAME"). */
zt_err zt_req_query_need(zt_req *r, const char *name, int64_t lo, int64_t hi, int64_t *out, zt_error *e);

/* --- deferred requests ---
 * Work that must not hold one of the server's threads (password hashing,
 * auth/hashpool.c) runs elsewhere while the request waits without a
 * thread. The handler calls zt_req_defer(r, then, ctx), hands the work to
 * another thread and returns ZT_OK without a reply; the server suspends the
 * connection (MHD_suspend_connection) when the handler returns. That other
 * thread calls zt_req_resume(r) exactly once when the work is done (before
 * or after the suspension: both are fine); the server then calls
 * then(r, ctx, e) on one of its threads, which replies (or defers again)
 * as a handler does. ctx belongs to the caller (the request's arena is the
 * usual place). A handler that returns an error after zt_req_defer is a
 * programming error. zt_server_stop waits for deferred requests: the work
 * must finish. */
typedef zt_err (*zt_then_fn)(zt_req *r, void *ctx, zt_error *e);
void zt_req_defer(zt_req *r, zt_then_fn then, void *ctx);
void zt_req_resume(zt_req *r);

/* --- replies --- */
/* Reply with a JSON value (the reference is stolen). */
void zt_reply_json(zt_req *r, int status, json_t *v);
/* Reply with JSON text made earlier (copied), with zt_reply_json's headers. */
void zt_reply_json_text(zt_req *r, int status, const char *text, size_t len);
void zt_reply_data(zt_req *r, int status, const char *content_type, const void *data, size_t len);
void zt_reply_empty(zt_req *r, int status);
/* Add a response header (copied). */
void zt_reply_header(zt_req *r, const char *name, const char *value);
/* A page of results: {"items":[...],"total":N,"page":P,"per_page":K}. */
json_t *zt_page_json(json_t *items, int64_t total, int64_t limit, int64_t offset);

/* --- server-sent events (sse.c; docs/stream.md) ---
 *
 * A handler answers 200 text/event-stream with zt_reply_stream and returns
 * ZT_OK; the connection then stays open. The server calls the stream's fn
 * on one of its threads whenever there may be something to send: once at
 * the start, after every zt_stream_wake_all(), at every ping (below), and
 * again while fn says it has more. When fn has nothing to send the connection is suspended
 * (MHD_suspend_connection): no thread waits on it and nothing polls, until
 * the next wake. Every 15 s without output the server sends the comment
 * ": ping" so that proxies keep the connection. zt_server_stop ends every
 * stream (a drain never waits for one). A client that went away is noticed
 * at the next write, at the latest with the next ping. */
#define ZT_STREAM_MAX_DEFAULT 256
#define ZT_STREAM_PING_S      15

typedef struct zt_stream zt_stream;
/* Append complete events to st (zt_stream_event, zt_stream_write) and
 * return ZT_STREAM_IDLE when caught up, ZT_STREAM_MORE to be called again
 * as soon as the output was handed to the socket (stop appending once
 * zt_stream_pending passes ZT_STREAM_CHUNK: a slow reader must not make the
 * server buffer without limit), or ZT_STREAM_END to end the stream after
 * what was appended. fn runs on the server's threads (one call at a time
 * per stream); it may use the thread's store reader and must release it
 * (zt_db_release) before returning. */
enum { ZT_STREAM_END = -1, ZT_STREAM_IDLE = 0, ZT_STREAM_MORE = 1 };
#define ZT_STREAM_CHUNK 65536
typedef int (*zt_stream_fn)(zt_stream *st, void *ctx);

/* Reply with an event stream produced by fn. ctx belongs to the stream from
 * this call on, success or not: free_ctx(ctx) (may be NULL) runs, on any
 * thread, after the stream ended. ZT_EUNAVAIL (503, e filled) when
 * max_streams streams are open or the server is stopping; ZT_ETHROTTLED
 * (429, with Retry-After) when the request's user (or API key) already has
 * max_streams_per_user open: one user cannot take the slots of others. The
 * user's streams are then pinged, so that those whose client went away end
 * and free their slots before the retry. The response
 * carries Cache-Control: no-store and X-Accel-Buffering: no (nginx). */
zt_err zt_reply_stream(zt_req *r, zt_stream_fn fn, void *ctx, void (*free_ctx)(void *ctx), zt_error *e);
/* Append bytes to the stream's output (from fn only). */
void zt_stream_write(zt_stream *st, const char *data, size_t len);
/* Append one event: "id: ID\nevent: NAME\ndata: DATA\n\n". id and name
 * may be NULL; data must be one line (compact JSON). From fn only. */
void zt_stream_event(zt_stream *st, const char *id, const char *name, const char *data);
/* Bytes appended and not yet handed to the socket. */
size_t zt_stream_pending(const zt_stream *st);
/* Wake every open stream (their fn runs soon; wakes closer together than a
 * few milliseconds are merged). Cheap and callable from any thread: made to
 * be a store commit hook, zt_store_on_commit(store, zt_stream_wake_all,
 * NULL); arg is unused. */
void zt_stream_wake_all(void *arg);
/* Open event streams of s (for /metrics and tests). */
int zt_stream_count(zt_server *s);
/* zt_server_stop's part: end s's streams and refuse new ones (on = 1, after
 * the listening socket closed), then forget s once its daemon stopped
 * (on = 0). */
void zt_stream_shutdown(zt_server *s, int on);

/* HTTP status for an error code. */
int zt_http_status(zt_err code);

#endif

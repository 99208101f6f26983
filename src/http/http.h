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

typedef struct zt_req zt_req;
typedef struct zt_server zt_server;

/* Who is making the request, as the authenticator found it. */
typedef struct zt_principal {
    int64_t user_id;   /* 0 = anonymous */
    uint32_t role_bit; /* one bit of a route's access mask (auth/roles.h) */
    const char *role;  /* "clerk", ... */
    const char *login;
    const char *name;
    int64_t dept_id;    /* 0 = none */
    const char *region; /* the user's region scope ("" = none) */
    int64_t key_id;     /* an API key's id when authenticated by key */
    int via_cookie;     /* authenticated by the session cookie */
    int csrf_ok;        /* the request carried the session's CSRF token */
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
} zt_route;

/* The authenticator: fills p from the request (cookie, bearer key). Returns
 * ZT_OK for anonymous too; an error (e.g. a revoked key) stops the request
 * with that error. Called before the access check. The server refuses (403)
 * a write to a non-public route authenticated by cookie without csrf_ok. */
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
} zt_server_options;

zt_server *zt_server_new(const zt_server_options *o, void *app);
/* Register routes (the array must outlive the server). */
void zt_server_routes(zt_server *s, const zt_route *routes, size_t n);
void zt_server_set_auth(zt_server *s, zt_auth_fn fn);
/* A function run at the end of every request (e.g. releasing read
 * statements). */
void zt_server_set_cleanup(zt_server *s, void (*fn)(void *app));
/* Extra metrics text appended to /metrics (writer queue, database time). */
void zt_server_set_metrics(zt_server *s, void (*fn)(void *app, char **buf, size_t *len, size_t *cap));
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

/* --- replies --- */
/* Reply with a JSON value (the reference is stolen). */
void zt_reply_json(zt_req *r, int status, json_t *v);
void zt_reply_data(zt_req *r, int status, const char *content_type, const void *data, size_t len);
void zt_reply_empty(zt_req *r, int status);
/* Add a response header (copied). */
void zt_reply_header(zt_req *r, const char *name, const char *value);
/* A page of results: {"items":[...],"total":N,"page":P,"per_page":K}. */
json_t *zt_page_json(json_t *items, int64_t total, int64_t limit, int64_t offset);

/* HTTP status for an error code. */
int zt_http_status(zt_err code);

#endif

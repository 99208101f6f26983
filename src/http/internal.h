/* internal.h - the request and server structs, shared by the files of
 * http/ only. */
#ifndef ZT_HTTP_INTERNAL_H
#define ZT_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

#include "http/http.h"
#include "http/router.h"

#define ZT_NSTATUS  18
#define ZT_NBUCKETS 12
extern const int zt_status_list[ZT_NSTATUS];   /* last slot = any other */
extern const double zt_bucket_le[ZT_NBUCKETS]; /* seconds; last = +Inf */

typedef struct route_stats {
    _Atomic uint64_t by_status[ZT_NSTATUS];
    _Atomic uint64_t buckets[ZT_NBUCKETS];
    _Atomic uint64_t sum_us;
} route_stats;

/* What a connection is doing, for the reaper (slowloris and slow bodies):
 * MHD's own timeout restarts on every byte. */
enum {
    CONN_HEAD,   /* waiting for a request's head: it must come within http.timeout */
    CONN_BODY,   /* reading a body: it must come at http.body_min_rate after http.timeout */
    CONN_ANSWER, /* the handler or the answer (streams included): not touched */
    CONN_REAPED  /* shut down by the reaper */
};

/* A peer address as a key: [0] = 4 or 6 (0 = not counted), then the bytes. */
#define ZT_ADDR_KEY 17

typedef struct conn_watch {
    struct conn_watch *prev, *next;
    int fd;
    int phase;                       /* CONN_*, under watch_mu */
    int64_t since;                   /* monotonic us: the start of the phase */
    _Atomic uint64_t received;       /* bytes of the body being read */
    unsigned char addr[ZT_ADDR_KEY]; /* counted under this address (limits.c) */
} conn_watch;

typedef struct addr_count addr_count;

typedef struct hdr {
    char *name, *value;
    struct hdr *next;
} hdr;

struct zt_server {
    zt_server_options o;
    void *app;
    struct MHD_Daemon *d;
    const zt_route **routes; /* flattened pointers into the registered arrays */
    route_stats *stats;      /* one per route, then [n] = static files, [n+1] = unmatched */
    size_t nroutes, cap;
    zt_auth_fn auth;
    void (*cleanup)(void *app);
    void (*metrics)(void *app, char **buf, size_t *len, size_t *cap);
    json_t *(*health)(void *app);
    _Atomic int64_t inflight;
    _Atomic uint64_t total;
    int port;
    /* the head deadline: connections, and the thread that cuts the slow ones */
    pthread_mutex_t watch_mu;
    pthread_cond_t watch_cv;
    conn_watch *watch;
    pthread_t reaper;
    int reaper_on, reaper_stop;
    _Atomic uint64_t reaped;      /* heads that did not come in time */
    _Atomic uint64_t reaped_body; /* bodies slower than http.body_min_rate */
    /* limits.c: connections per peer address, the memory budget of bodies, spooled bodies */
    pthread_mutex_t addr_mu;
    addr_count **addrs; /* a hash table of counts */
    unsigned char proxy_addr[ZT_ADDR_KEY];
    _Atomic uint64_t body_mem;     /* bytes of the budget held by bodies in memory */
    _Atomic uint64_t body_spooled; /* bytes of spooled bodies of requests in flight */
    _Atomic uint64_t refused_addr, refused_budget, refused_streams;
    /* deferred requests (zt_req_defer): the flags of each request below are
     * guarded by defer_mu; parked counts the suspended ones */
    pthread_mutex_t defer_mu;
    _Atomic int64_t parked;
};

struct zt_req {
    zt_server *srv;
    struct MHD_Connection *conn;
    zt_arena arena;
    const char *method, *path;
    char client[64];
    int64_t t0;
    /* body */
    char *body;
    size_t body_len, body_cap, max_body;
    int too_large, ambiguous, started;
    int uri_refused; /* more query parameters than MAX_QUERY_PARAMS (server.c, uri_seen) */
    /* the route lookup, once per request (on_request's first call) */
    zt_route_result route_found;
    size_t route_idx;
    char *route_allow;
    int via_proxy;             /* the peer is http.trusted_proxy */
    int has_body;              /* the head announced a body (Content-Length > 0, or chunked) */
    unsigned long long length; /* the announced Content-Length (has_length) */
    int has_length;
    int refused;               /* the head was refused: the reply is set, a body is dropped */
    int over_budget;           /* a chunked body outgrew the memory budget (503 at its end) */
    size_t reserved;           /* bytes of the memory budget this request holds */
    int spool_fd;              /* ZT_ROUTE_SPOOL: the body's file while it is written (-1: none) */
    char *spool_path;          /* its path (NULL: none), removed at the end unless kept */
    int spool_err, spool_kept; /* errno of a failed write; the handler took the file */
    /* routing */
    const zt_route *route; /* found on the head; NULL = none */
    zt_param params[ZT_MAX_PARAMS];
    int nparams;
    long route_index; /* -1 unmatched, -2 static */
    zt_principal principal;
    json_t *json; /* parsed body, freed at the end */
    /* deferred (zt_req_defer): what runs when the work is done; resumed is
     * set by zt_req_resume, suspended while MHD holds the connection */
    zt_then_fn then;
    void *then_ctx;
    int resumed, suspended;
    /* reply */
    int status;
    struct MHD_Response *resp;
    hdr *headers;
    size_t resp_len;
};

/* Serve GET/HEAD of a file under root; returns 1 if it replied (including
 * 304 and 404 for missing files), 0 when the path is not for static files. */
int zt_static_serve(zt_req *r, const char *root);
/* Reply with an MHD response built by the caller (ownership taken). */
void zt_reply_mhd(zt_req *r, int status, struct MHD_Response *resp, size_t len);
void zt_metrics_reply(zt_req *r);
/* May this request read /metrics? With metrics.token set, only with
 * "Authorization: Bearer <token>" (compared in constant time); otherwise
 * only from a loopback client. ZT_EUNAUTH or ZT_EFORBIDDEN naming
 * Authorization otherwise. */
zt_err zt_metrics_check(zt_req *r, zt_error *e);

/* --- limits.c --- */
/* Set up (zt_server_start): the address table, the spool directory (made,
 * and emptied of a previous run's files). */
zt_err zt_limits_start(zt_server *s, zt_error *e);
void zt_limits_free(zt_server *s);
/* The key of a peer address; 0 when the family is not counted. */
int zt_addr_key(const struct sockaddr *sa, unsigned char key[ZT_ADDR_KEY]);
/* MHD's accept policy: refuse a peer that has max_conns_per_address open. */
enum MHD_Result zt_limits_accept(void *cls, const struct sockaddr *addr, socklen_t len);
/* Count a connection under its address (on_connection); 0 when it is over
 * the cap (two threads accepted at once): the caller shuts it down. Every
 * call is paired with zt_addr_release, over or not. */
int zt_addr_acquire(zt_server *s, const unsigned char key[ZT_ADDR_KEY]);
void zt_addr_release(zt_server *s, const unsigned char key[ZT_ADDR_KEY]);
/* Take n more bytes of the memory budget for r (0: it would exceed it). */
int zt_body_reserve(zt_req *r, size_t n);
/* Give back what r holds. */
void zt_body_release(zt_req *r);
size_t zt_body_budget(const zt_server *s);
/* The spooled body of r: open its file (0 or an errno), append (sets
 * r->spool_err on failure), close it, and at the end remove it. */
int zt_spool_open(zt_req *r);
void zt_spool_write(zt_req *r, const char *data, size_t n);
void zt_spool_close(zt_req *r);
void zt_spool_free(zt_req *r);

#endif

/* internal.h - the request and server structs, shared by the files of
 * http/ only. */
#ifndef ZT_HTTP_INTERNAL_H
#define ZT_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

#include "http/http.h"
#include "http/router.h"

#define ZT_NSTATUS  17
#define ZT_NBUCKETS 12
extern const int zt_status_list[ZT_NSTATUS];   /* last slot = any other */
extern const double zt_bucket_le[ZT_NBUCKETS]; /* seconds; last = +Inf */

typedef struct route_stats {
    _Atomic uint64_t by_status[ZT_NSTATUS];
    _Atomic uint64_t buckets[ZT_NBUCKETS];
    _Atomic uint64_t sum_us;
} route_stats;

/* A connection waiting for a request's head (slowloris defence): its socket
 * and since when it waits. MHD's own timeout restarts on every byte. */
typedef struct conn_watch {
    struct conn_watch *prev, *next;
    int fd;
    int in_request; /* the head is complete: a request is being read or answered */
    int64_t since;  /* monotonic us: connection start or the end of the last request */
} conn_watch;

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
    _Atomic uint64_t reaped;
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
    int via_proxy; /* the peer is http.trusted_proxy */
    /* routing */
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

#endif

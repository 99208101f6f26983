/* metrics.c - GET /metrics in the Prometheus text format: requests by route
 * and status, a latency histogram per route, requests in flight, and what
 * the application adds (database time, writer queue depth). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http/internal.h"

static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if ((size_t)n < *cap - *len) {
            *len += (size_t)n;
            return;
        }
        *cap = (*cap + (size_t)n) * 2;
        *buf = zt_realloc(*buf, *cap);
    }
}

static void route_label(zt_server *s, size_t i, char *out, size_t n) {
    if (i < s->nroutes)
        snprintf(out, n, "%s %s", s->routes[i]->method, s->routes[i]->pattern);
    else
        snprintf(out, n, "%s", i == s->nroutes ? "static" : "unmatched");
}

void zt_metrics_reply(zt_req *r) {
    zt_server *s = r->srv;
    size_t cap = 16384, len = 0;
    char *buf = zt_malloc(cap);
    buf[0] = 0;
    put(&buf, &len, &cap,
        "# HELP zt_http_requests_total HTTP requests by route and status.\n"
        "# TYPE zt_http_requests_total counter\n");
    char label[300];
    for (size_t i = 0; i < s->nroutes + 2; i++) {
        route_stats *st = &s->stats[i];
        for (int k = 0; k < ZT_NSTATUS; k++) {
            uint64_t v = atomic_load(&st->by_status[k]);
            if (!v) continue;
            route_label(s, i, label, sizeof label);
            if (zt_status_list[k])
                put(&buf, &len, &cap, "zt_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", label,
                    zt_status_list[k], (unsigned long long)v);
            else
                put(&buf, &len, &cap, "zt_http_requests_total{route=\"%s\",status=\"other\"} %llu\n", label,
                    (unsigned long long)v);
        }
    }
    put(&buf, &len, &cap,
        "# HELP zt_http_request_duration_seconds Time from request start to response queued.\n"
        "# TYPE zt_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < s->nroutes + 2; i++) {
        route_stats *st = &s->stats[i];
        uint64_t count = 0;
        for (int b = 0; b < ZT_NBUCKETS; b++) count += atomic_load(&st->buckets[b]);
        if (!count) continue;
        route_label(s, i, label, sizeof label);
        uint64_t cum = 0;
        for (int b = 0; b < ZT_NBUCKETS; b++) {
            cum += atomic_load(&st->buckets[b]);
            if (b < ZT_NBUCKETS - 1)
                put(&buf, &len, &cap, "zt_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", label,
                    zt_bucket_le[b], (unsigned long long)cum);
            else
                put(&buf, &len, &cap, "zt_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", label,
                    (unsigned long long)cum);
        }
        put(&buf, &len, &cap, "zt_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
            (double)atomic_load(&st->sum_us) / 1e6);
        put(&buf, &len, &cap, "zt_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
            (unsigned long long)count);
    }
    put(&buf, &len, &cap,
        "# HELP zt_http_requests_in_flight Requests being handled now.\n"
        "# TYPE zt_http_requests_in_flight gauge\nzt_http_requests_in_flight %lld\n",
        (long long)atomic_load(&s->inflight));
    if (s->metrics) s->metrics(s->app, &buf, &len, &cap);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    zt_reply_mhd(r, 200, resp, len);
}

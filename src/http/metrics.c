/* metrics.c - GET /metrics in the Prometheus text format: requests by route
 * and status, a latency histogram per route, requests in flight, the
 * server's limits (bodies in memory and on disk, refusals, slow clients
 * cut), and what the application adds (database time, writer queue depth).
 *
 * Who may read it: the figures tell an attacker how close the server is to
 * its limits, so not anybody. With metrics.token set, whoever sends
 * "Authorization: Bearer <token>" (Prometheus' bearer_token_file); without
 * it, clients on the loopback address only (a scraper on the machine; behind
 * nginx the client is the one nginx saw, and nginx passes /metrics only from
 * 127.0.0.1). */
#include <arpa/inet.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http/internal.h"

static int loopback(const char *addr) {
    unsigned char b[16];
    if (inet_pton(AF_INET, addr, b) == 1) return b[0] == 127;
    if (inet_pton(AF_INET6, addr, b) != 1) return 0;
    static const unsigned char one[16] = {[15] = 1};
    static const unsigned char v4mapped[12] = {[10] = 0xff, [11] = 0xff};
    return memcmp(b, one, 16) == 0 || (memcmp(b, v4mapped, 12) == 0 && b[12] == 127);
}

zt_err zt_metrics_check(zt_req *r, zt_error *e) {
    const char *token = r->srv->o.metrics_token;
    if (!token || !*token) {
        if (loopback(r->client)) return ZT_OK;
        return zt_fail(e, ZT_EFORBIDDEN, "Authorization",
                       "监控指标只对本机开放（未配置 metrics.token；请从本机抓取，或配置令牌）");
    }
    const char *authz = zt_req_header(r, "Authorization");
    if (!authz || strncmp(authz, "Bearer ", 7) != 0) {
        zt_reply_header(r, "WWW-Authenticate", "Bearer realm=\"metrics\"");
        return zt_fail(e, ZT_EUNAUTH, "Authorization", "读取监控指标需要令牌（Authorization: Bearer <metrics.token>）");
    }
    /* compared as digests: the time taken tells nothing of the token */
    unsigned char want[crypto_hash_sha256_BYTES], got[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(want, (const unsigned char *)token, strlen(token));
    crypto_hash_sha256(got, (const unsigned char *)authz + 7, strlen(authz + 7));
    if (sodium_memcmp(want, got, sizeof want) == 0) return ZT_OK;
    zt_reply_header(r, "WWW-Authenticate", "Bearer realm=\"metrics\", error=\"invalid_token\"");
    return zt_fail(e, ZT_EUNAUTH, "Authorization", "监控指标令牌错误");
}

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
    put(&buf, &len, &cap,
        "# HELP zt_http_body_memory_bytes Bytes of the memory budget held by request bodies being read.\n"
        "# TYPE zt_http_body_memory_bytes gauge\nzt_http_body_memory_bytes %llu\n"
        "# HELP zt_http_body_memory_budget_bytes http.body_budget.\n"
        "# TYPE zt_http_body_memory_budget_bytes gauge\nzt_http_body_memory_budget_bytes %llu\n"
        "# HELP zt_http_body_spooled_bytes Bytes of request bodies written to spool files, requests in flight.\n"
        "# TYPE zt_http_body_spooled_bytes gauge\nzt_http_body_spooled_bytes %llu\n"
        "# HELP zt_http_streams_open Open event streams.\n"
        "# TYPE zt_http_streams_open gauge\nzt_http_streams_open %d\n"
        "# HELP zt_http_refused_total Connections and requests refused by a limit.\n"
        "# TYPE zt_http_refused_total counter\n"
        "zt_http_refused_total{limit=\"max_connections_per_address\"} %llu\n"
        "zt_http_refused_total{limit=\"body_budget\"} %llu\n"
        "zt_http_refused_total{limit=\"max_streams_per_user\"} %llu\n"
        "# HELP zt_http_reaped_total Slow connections shut down: a head or a body too slow.\n"
        "# TYPE zt_http_reaped_total counter\n"
        "zt_http_reaped_total{phase=\"head\"} %llu\nzt_http_reaped_total{phase=\"body\"} %llu\n",
        (unsigned long long)atomic_load(&s->body_mem), (unsigned long long)zt_body_budget(s),
        (unsigned long long)atomic_load(&s->body_spooled), zt_stream_count(s),
        (unsigned long long)atomic_load(&s->refused_addr), (unsigned long long)atomic_load(&s->refused_budget),
        (unsigned long long)atomic_load(&s->refused_streams), (unsigned long long)atomic_load(&s->reaped),
        (unsigned long long)atomic_load(&s->reaped_body));
    if (s->metrics) s->metrics(s->app, &buf, &len, &cap);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    zt_reply_mhd(r, 200, resp, len);
}

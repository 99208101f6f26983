/* limits.c - what one client may hold of the server: connections per peer
 * address, the memory of request bodies in flight (one budget shared by
 * all requests), and bodies spooled to disk instead of memory (pentest
 * findings F5 and F6 of issue #22; docs/security.md).
 *
 * Connections are counted per peer address from MHD's connection
 * notifications (exact: every start has its close) and refused by MHD's
 * accept policy once an address has its cap. Two pool threads may accept
 * for one address at once; the start notification then finds the count
 * over the cap and the connection is shut down at once. The trusted proxy
 * (nginx, which counts per client itself) has no cap.
 *
 * The budget is a number of bytes reserved by bodies held in memory: a
 * request with a Content-Length reserves it on its head (or is refused
 * 503 there, before its body is read); a chunked one reserves as it grows.
 * Spooled bodies (ZT_ROUTE_SPOOL) hold no memory and reserve nothing. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "http/internal.h"

#define ADDR_BUCKETS 1024
#define SPOOL_PREFIX "body-"

struct addr_count {
    addr_count *next;
    unsigned char key[ZT_ADDR_KEY];
    int n;
};

static int conn_cap(const zt_server *s) {
    return s->o.max_conns_per_address > 0 ? s->o.max_conns_per_address : ZT_CONNS_PER_ADDRESS_DEFAULT;
}

size_t zt_body_budget(const zt_server *s) { return s->o.body_budget ? s->o.body_budget : ZT_BODY_BUDGET_DEFAULT; }

int zt_addr_key(const struct sockaddr *sa, unsigned char key[ZT_ADDR_KEY]) {
    memset(key, 0, ZT_ADDR_KEY);
    if (!sa) return 0;
    if (sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return 1;
    }
    if (sa->sa_family == AF_INET6) {
        key[0] = 6;
        memcpy(key + 1, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return 1;
    }
    return 0;
}

static unsigned bucket_of(const unsigned char *key) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < ZT_ADDR_KEY; i++) h = (h ^ key[i]) * 16777619u;
    return h % ADDR_BUCKETS;
}

/* Under addr_mu. */
static addr_count **find(zt_server *s, const unsigned char *key) {
    addr_count **p = &s->addrs[bucket_of(key)];
    while (*p && memcmp((*p)->key, key, ZT_ADDR_KEY) != 0) p = &(*p)->next;
    return p;
}

static int exempt(const zt_server *s, const unsigned char *key) {
    return !key[0] || (s->proxy_addr[0] && memcmp(s->proxy_addr, key, ZT_ADDR_KEY) == 0);
}

enum MHD_Result zt_limits_accept(void *cls, const struct sockaddr *addr, socklen_t len) {
    zt_server *s = cls;
    unsigned char key[ZT_ADDR_KEY];
    if (!zt_addr_key(addr, key) || exempt(s, key)) return MHD_YES;
    pthread_mutex_lock(&s->addr_mu);
    addr_count *c = *find(s, key);
    int n = c ? c->n : 0;
    pthread_mutex_unlock(&s->addr_mu);
    if (n < conn_cap(s)) return MHD_YES;
    atomic_fetch_add(&s->refused_addr, 1);
    return MHD_NO;
}

int zt_addr_acquire(zt_server *s, const unsigned char key[ZT_ADDR_KEY]) {
    if (!key[0]) return 1;
    pthread_mutex_lock(&s->addr_mu);
    addr_count **p = find(s, key);
    if (!*p) {
        *p = zt_calloc(1, sizeof **p);
        memcpy((*p)->key, key, ZT_ADDR_KEY);
    }
    int n = ++(*p)->n;
    pthread_mutex_unlock(&s->addr_mu);
    if (exempt(s, key) || n <= conn_cap(s)) return 1;
    atomic_fetch_add(&s->refused_addr, 1);
    return 0;
}

void zt_addr_release(zt_server *s, const unsigned char key[ZT_ADDR_KEY]) {
    if (!key[0]) return;
    pthread_mutex_lock(&s->addr_mu);
    addr_count **p = find(s, key);
    if (*p && --(*p)->n == 0) {
        addr_count *dead = *p;
        *p = dead->next;
        free(dead);
    }
    pthread_mutex_unlock(&s->addr_mu);
}

/* --- the memory budget of bodies --- */

int zt_body_reserve(zt_req *r, size_t n) {
    zt_server *s = r->srv;
    uint64_t budget = zt_body_budget(s), cur = atomic_load(&s->body_mem);
    do {
        if (n > budget || cur > budget - n) return 0;
    } while (!atomic_compare_exchange_weak(&s->body_mem, &cur, cur + n));
    r->reserved += n;
    return 1;
}

void zt_body_release(zt_req *r) {
    if (!r->reserved) return;
    atomic_fetch_sub(&r->srv->body_mem, r->reserved);
    r->reserved = 0;
}

/* --- spooled bodies --- */

int zt_spool_open(zt_req *r) {
    const char *dir = r->srv->o.spool_dir;
    if (!dir || !*dir) return ENOENT;
    char *path = zt_arena_printf(&r->arena, "%s/" SPOOL_PREFIX "XXXXXX", dir);
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0) return errno;
    r->spool_fd = fd;
    r->spool_path = path;
    return 0;
}

void zt_spool_write(zt_req *r, const char *data, size_t n) {
    if (r->spool_fd < 0 || r->spool_err) return;
    while (n) {
        ssize_t k = write(r->spool_fd, data, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            r->spool_err = k < 0 ? errno : EIO;
            return;
        }
        data += k;
        n -= (size_t)k;
        r->body_len += (size_t)k;
        atomic_fetch_add(&r->srv->body_spooled, (uint64_t)k);
    }
}

void zt_spool_close(zt_req *r) {
    if (r->spool_fd < 0) return;
    if (close(r->spool_fd) != 0 && !r->spool_err) r->spool_err = errno;
    r->spool_fd = -1;
}

void zt_spool_free(zt_req *r) {
    zt_spool_close(r);
    if (!r->spool_path) return;
    atomic_fetch_sub(&r->srv->body_spooled, (uint64_t)r->body_len);
    if (!r->spool_kept) unlink(r->spool_path);
    r->spool_path = NULL; /* in the arena */
}

const char *zt_req_body_file(zt_req *r, size_t *len) {
    if (len) *len = r->spool_path ? r->body_len : 0;
    return r->spool_path;
}

void zt_req_body_keep(zt_req *r) { r->spool_kept = 1; }

/* mkdir -p, 0750 */
static int make_dir(const char *dir) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp) return ENAMETOOLONG;
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0750) && errno != EEXIST) return errno;
            *p = '/';
        }
    return mkdir(tmp, 0750) && errno != EEXIST ? errno : 0;
}

zt_err zt_limits_start(zt_server *s, zt_error *e) {
    pthread_mutex_init(&s->addr_mu, NULL);
    s->addrs = zt_calloc(ADDR_BUCKETS, sizeof *s->addrs);
    /* the proxy's key, as zt_addr_key makes it */
    memset(s->proxy_addr, 0, ZT_ADDR_KEY);
    if (s->o.trusted_proxy[0] && inet_pton(AF_INET, s->o.trusted_proxy, s->proxy_addr + 1) == 1)
        s->proxy_addr[0] = 4;
    else if (s->o.trusted_proxy[0] && inet_pton(AF_INET6, s->o.trusted_proxy, s->proxy_addr + 1) == 1)
        s->proxy_addr[0] = 6;
    else
        memset(s->proxy_addr, 0, ZT_ADDR_KEY);
    const char *dir = s->o.spool_dir;
    int spooled = 0;
    for (size_t i = 0; i < s->nroutes; i++) spooled |= (s->routes[i]->flags & ZT_ROUTE_SPOOL) != 0;
    if (!spooled) return ZT_OK;
    if (!dir || !*dir)
        return zt_fail(e, ZT_EINVAL, "spool_dir", "a route spools its body but no spool directory is set");
    int err = make_dir(dir);
    if (err)
        return zt_fail(e, ZT_EUNAVAIL, "spool_dir", "cannot create the spool directory %s: %s", dir, strerror(err));
    /* bodies of requests a previous run was reading when it stopped */
    DIR *d = opendir(dir);
    if (!d) return zt_fail(e, ZT_EUNAVAIL, "spool_dir", "cannot read the spool directory %s: %s", dir, strerror(errno));
    int removed = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (strncmp(de->d_name, SPOOL_PREFIX, strlen(SPOOL_PREFIX)) == 0 && unlinkat(dirfd(d), de->d_name, 0) == 0)
            removed++;
    closedir(d);
    if (removed) zt_info("http: removed %d unfinished upload%s from %s", removed, removed == 1 ? "" : "s", dir);
    return ZT_OK;
}

void zt_limits_free(zt_server *s) {
    if (!s->addrs) return;
    for (int i = 0; i < ADDR_BUCKETS; i++)
        for (addr_count *c = s->addrs[i], *next; c; c = next) {
            next = c->next;
            free(c);
        }
    free(s->addrs);
    s->addrs = NULL;
    pthread_mutex_destroy(&s->addr_mu);
}

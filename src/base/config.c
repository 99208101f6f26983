#include "base/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"

enum { T_STR, T_INT };
typedef struct {
    const char *key;
    int type;
    size_t off;
    const char *def;
    int64_t min, max;
} key_desc;

#define S(k, f, d)                                                                                                     \
    { k, T_STR, offsetof(zt_config, f), d, 0, 0 }
#define I(k, f, d, lo, hi)                                                                                             \
    { k, T_INT, offsetof(zt_config, f), d, lo, hi }
static const key_desc keys[] = {
    S("listen.address", listen_address, "127.0.0.1"),
    I("listen.port", listen_port, "8080", 0, 65535),
    S("data_dir", data_dir, "var"),
    S("db.path", db_path, ""),
    S("web.root", web_root, "build/web"),
    S("source.dir", source_dir, "data"),
    I("http.threads", http_threads, "0", 0, 256),
    I("http.max_body", http_max_body, "1048576", 1024, 1073741824),
    I("http.timeout", http_timeout, "30", 1, 3600),
    I("http.max_connections", http_max_conns, "4096", 16, 1000000),
    I("http.max_streams", http_max_streams, "256", 1, 100000),
    S("http.trusted_proxy", http_trusted_proxy, ""),
    I("http.body_budget", http_body_budget, "67108864", 65536, 68719476736),
    I("http.body_min_rate", http_body_min_rate, "4096", 1, 1073741824),
    I("http.max_connections_per_address", http_conns_per_addr, "128", 1, 1000000),
    I("http.max_streams_per_user", http_streams_per_user, "4", 1, 100000),
    S("metrics.token", metrics_token, ""),
    S("store.synchronous", store_synchronous, "FULL"),
    I("store.batch_max", store_batch_max, "100", 1, 100000),
    I("store.batch_window_us", store_batch_window_us, "5000", 0, 1000000),
    I("store.busy_timeout_ms", store_busy_timeout_ms, "5000", 1, 600000),
    S("city.timezone", timezone, "Asia/Shanghai"),
    S("calendar.office_hours", office_hours, "09:00-12:00,13:30-17:30"),
    I("calendar.warn_days", calendar_warn_days, "60", 0, 366),
    I("auth.session_ttl", session_ttl, "28800", 60, 31536000),
    I("auth.session_idle", session_idle, "1800", 60, 31536000),
    S("auth.cookie_secure", cookie_secure_mode, "auto"),
    I("auth.login_max_failures", login_max_failures, "5", 1, 1000),
    I("auth.login_window", login_window, "900", 1, 86400),
    I("auth.account_max_failures", account_max_failures, "0", 0, 100000),
    I("auth.address_max_failures", address_max_failures, "0", 0, 100000),
    I("auth.known_address_days", known_address_days, "90", 1, 3650),
    I("auth.register_max", register_max, "20", 1, 1000000),
    I("auth.register_window", register_window, "3600", 1, 604800),
    I("auth.hash_threads", hash_threads, "0", 0, 64),
    I("auth.hash_queue", hash_queue, "32", 1, 100000),
    S("auth.password_list", password_list, "/usr/share/john/password.lst,/usr/share/dict/cracklib-small"),
    I("auth.password_min_distinct", password_min_distinct, "5", 1, 64),
    I("auth.argon2_ops", argon2_ops, "2", 1, 100),
    I("auth.argon2_mem_kib", argon2_mem_kib, "65536", 8, 4194304),
    S("log.file", log_file, "-"),
    I("log.access", access_log, "1", 0, 1),
    I("fake_clock", fake_clock, "0", 0, 1),
    S("ledger.origin", ledger_origin, "zhengtong.pingxiang.gov.cn/ledger"),
    S("ledger.key_file", ledger_key_file, ""),
    S("ledger.checkpoint_dir", ledger_cp_dir, ""),
    I("ledger.checkpoint_entries", ledger_cp_entries, "1000", 1, 100000000),
    I("ledger.checkpoint_seconds", ledger_cp_seconds, "60", 1, 86400),
    S("public.url", public_url, "http://127.0.0.1:8080"),
    I("services.upload_max_bytes", upload_max_bytes, "20971520", 1024, 1073741824),
    S("services.files_dir", files_dir, ""),
    S("services.receipt_font", receipt_font, "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    I("services.query_max_failures", query_max_failures, "10", 1, 100000),
    I("services.query_window", query_window, "900", 1, 86400),
    I("services.rating_fix_days", rating_fix_days, "10", 5, 15),
    S("services.flows_dir", flows_dir, ""),
    I("services.unattached_upload_ttl", upload_ttl, "604800", 3600, 31536000),
    I("services.sweep_interval", sweep_interval, "3600", 10, 86400),
    I("quota.upload_bytes_per_day", quota_upload_bytes, "209715200", 0, INT64_MAX),
    I("quota.uploads_per_hour", quota_uploads, "100", 0, 100000000),
    I("quota.events_per_minute", quota_events, "6000", 0, 100000000),
    S("notify.spool_dir", notify_spool_dir, ""),
    I("notify.max_attempts", notify_max_attempts, "10", 1, 1000),
    I("notify.retry_seconds", notify_retry_seconds, "30", 1, 86400),
    I("trading.bid_days", tr_bid_days, "20", 1, 365),
    I("trading.sale_days", tr_sale_days, "5", 1, 365),
    I("trading.procurement_sale_workdays", tr_sale_workdays, "5", 1, 365),
    I("trading.change_days", tr_change_days, "15", 1, 365),
    I("trading.negotiation_workdays", tr_negotiation_workdays, "3", 1, 365),
    I("trading.consultation_days", tr_consultation_days, "10", 1, 365),
    I("trading.single_source_workdays", tr_single_workdays, "5", 1, 365),
    I("trading.land_days", tr_land_days, "20", 1, 365),
    I("trading.property_workdays", tr_property_workdays, "20", 1, 365),
    I("trading.deposit_permille", tr_deposit_permille, "20", 0, 1000),
    I("trading.min_bids", tr_min_bids, "3", 1, 100),
    I("trading.unlock_minutes", tr_unlock_minutes, "30", 1, 1440),
    I("trading.publicity_days", tr_publicity_days, "3", 1, 365),
    I("trading.committee_min", tr_committee_min, "5", 1, 101),
    I("trading.committee_min_large", tr_committee_large, "7", 1, 101),
    I("trading.committee_large_yuan", tr_committee_threshold, "10000000", 0, INT64_MAX),
    S("trading.ocid_prefix", tr_ocid_prefix, "ocds-pxggzy"),
    I("experts.age_limit", experts_age_limit, "70", 55, 90),
    I("experts.draw_days", experts_draw_days, "2", 0, 30),
    I("experts.job_interval", experts_job_interval, "86400", 10, 604800),
    I("experts.pass_mark", experts_pass_mark, "60", 0, 100),
    S("zone.role", zone_role, "single"),
    S("zone.spool_out", zone_spool_out, ""),
    S("zone.spool_in", zone_spool_in, ""),
    S("zone.key", zone_key, ""),
    S("zone.peer_key", zone_peer_key, ""),
    I("zone.poll_ms", zone_poll_ms, "1000", 20, 3600000),
    I("zone.max_message", zone_max_message, "1048576", 4096, 67108864),
    I("exchange.check_days", ex_check_days, "2", 1, 30),
    I("exchange.answer_days", ex_answer_days, "10", 1, 60),
    I("exchange.valid_days", ex_valid_days, "365", 1, 1095),
    I("exchange.rate_per_minute", ex_rate_per_minute, "600", 1, 1000000),
    I("exchange.log_flush_ms", ex_log_flush_ms, "200", 10, 60000),
    I("exchange.log_queue_max", ex_log_queue_max, "20000", 100, 10000000),
    S("exchange.data_office", ex_data_office, "360300-XXZX"),
    S("exchange.hours", ex_hours, "07:00-22:00"),
    I("exchange.mass_window", ex_mass_window, "3600", 60, 604800),
    I("exchange.mass_percent", ex_mass_percent, "10", 1, 100),
    I("exchange.volume_window", ex_volume_window, "3600", 60, 86400),
    I("exchange.volume_baseline_windows", ex_volume_baseline, "24", 1, 720),
    I("exchange.volume_factor", ex_volume_factor, "5", 1, 1000),
    I("exchange.volume_min", ex_volume_min, "100", 1, 100000000),
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* short flags for the keys used most on the command line */
static const char *const aliases[][2] = {
    {"port", "listen.port"},
    {"address", "listen.address"},
    {"db", "db.path"},
    {"web", "web.root"},
};

static const key_desc *find_key(const char *k) {
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i][0], k) == 0) k = aliases[i][1];
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].key, k) == 0) return &keys[i];
    return NULL;
}

/* Values that follow from others: the session cookie is Secure when
 * auth.cookie_secure says 1, or says auto and the portal is https. */
static void derive(zt_config *c) {
    const char *m = c->cookie_secure_mode, *u = c->public_url;
    c->cookie_secure = m && (!strcmp(m, "1") || (!strcmp(m, "auto") && u && !strncasecmp(u, "https://", 8)));
}

static zt_err set_desc(zt_config *c, const key_desc *d, const char *v, zt_error *e) {
    char *base = (char *)c;
    if (d->type == T_STR) {
        if (d->off == offsetof(zt_config, store_synchronous) && strcmp(v, "FULL") && strcmp(v, "NORMAL") &&
            strcmp(v, "EXTRA"))
            return zt_fail(e, ZT_EINVAL, d->key, "store.synchronous must be FULL, EXTRA or NORMAL, not \"%s\"", v);
        if (d->off == offsetof(zt_config, cookie_secure_mode) && strcmp(v, "auto") && strcmp(v, "0") && strcmp(v, "1"))
            return zt_fail(e, ZT_EINVAL, d->key, "auth.cookie_secure must be auto, 0 or 1, not \"%s\"", v);
        if (d->off == offsetof(zt_config, zone_role) && strcmp(v, "single") && strcmp(v, "internet") &&
            strcmp(v, "intranet"))
            return zt_fail(e, ZT_EINVAL, d->key, "zone.role must be single, internet or intranet, not \"%s\"", v);
        char **p = (char **)(base + d->off);
        free(*p);
        *p = zt_strdup(v);
        derive(c);
        return ZT_OK;
    }
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < d->min || n > d->max)
        return zt_fail(e, ZT_EINVAL, d->key, "%s must be an integer from %lld to %lld, not \"%s\"", d->key,
                       (long long)d->min, (long long)d->max, v);
    *(int64_t *)(base + d->off) = n;
    return ZT_OK;
}

zt_err zt_config_set(zt_config *c, const char *key, const char *value, zt_error *e) {
    const key_desc *d = find_key(key);
    if (!d) return zt_fail(e, ZT_EINVAL, key, "unknown configuration key \"%s\"", key);
    return set_desc(c, d, value, e);
}

void zt_config_defaults(zt_config *c) {
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < NKEYS; i++) set_desc(c, &keys[i], keys[i].def, NULL);
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) *--end = 0;
    return s;
}

static zt_err load_file(zt_config *c, const char *path, int must_exist, zt_error *e) {
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!must_exist && errno == ENOENT) return ZT_OK;
        return zt_fail(e, ZT_EINVAL, "config", "cannot open configuration file %s: %s", path, strerror(errno));
    }
    /* getline, not a fixed buffer: a long line (a comment, a path) read in
     * pieces would be taken for several lines and shift every line number */
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    zt_err rc = ZT_OK;
    while (getline(&line, &cap, f) != -1) {
        lineno++;
        /* '#' starts a comment at the start of a line or after white space */
        for (char *h = strchr(line, '#'); h; h = strchr(h + 1, '#'))
            if (h == line || isspace((unsigned char)h[-1])) {
                *h = 0;
                break;
            }
        char *s = trim(line);
        if (!*s) continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = zt_fail(e, ZT_EINVAL, "config", "%s:%d: expected key = value", path, lineno);
            break;
        }
        *eq = 0;
        char *k = trim(s), *v = trim(eq + 1);
        if ((rc = zt_config_set(c, k, v, e)) != ZT_OK) {
            zt_error_prefix(e, "%s:%d: ", path, lineno);
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

zt_err zt_config_load(zt_config *c, int *argc, char **argv, zt_error *e) {
    /* the file named by --config wins over ZT_CONFIG */
    const char *path = getenv("ZT_CONFIG");
    int must = path != NULL;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < *argc) {
            path = argv[i + 1];
            must = 1;
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            path = argv[i] + 9;
            must = 1;
        }
    }
    zt_err rc = load_file(c, path ? path : "zhengtong.conf", must, e);
    if (rc) return rc;
    for (size_t i = 0; i < NKEYS; i++) {
        char env[64] = "ZT_";
        size_t n = 3;
        for (const char *k = keys[i].key; *k && n < sizeof env - 1; k++)
            env[n++] = *k == '.' ? '_' : (char)toupper((unsigned char)*k);
        env[n] = 0;
        const char *v = getenv(env);
        if (v && (rc = set_desc(c, &keys[i], v, e)) != ZT_OK) return rc;
    }
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        char *a = argv[i];
        if (strncmp(a, "--", 2) == 0) {
            char key[64];
            const char *val = NULL;
            const char *eq = strchr(a + 2, '=');
            size_t klen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            if (klen < sizeof key) {
                memcpy(key, a + 2, klen);
                key[klen] = 0;
                for (char *p = key; *p; p++)
                    if (*p == '-') *p = '_'; /* --fake-clock, --data-dir */
                if (strcmp(key, "config") == 0) {
                    if (!eq) i++;
                    continue;
                }
                const key_desc *d = find_key(key);
                if (d) {
                    if (eq)
                        val = eq + 1;
                    else if (d->type == T_INT && d->max == 1 && (i + 1 >= *argc || argv[i + 1][0] == '-'))
                        val = "1"; /* a boolean flag alone: --fake_clock */
                    else if (i + 1 < *argc)
                        val = argv[++i];
                    else
                        return zt_fail(e, ZT_EINVAL, key, "flag --%s needs a value", key);
                    if ((rc = set_desc(c, d, val, e)) != ZT_OK) return rc;
                    continue;
                }
            }
        }
        argv[out++] = a;
    }
    *argc = out;
    argv[out] = NULL;
    return ZT_OK;
}

char *zt_config_path(const zt_config *c, const char *value, const char *def) {
    if (value && *value) return zt_strdup(value);
    size_t n = strlen(c->data_dir) + strlen(def) + 2;
    char *p = zt_malloc(n);
    snprintf(p, n, "%s/%s", c->data_dir, def);
    return p;
}

char *zt_config_db_path(const zt_config *c) { return zt_config_path(c, c->db_path, "zhengtong.db"); }

void zt_config_print(const zt_config *c) {
    const char *base = (const char *)c;
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].off == offsetof(zt_config, metrics_token) && **(char *const *)(base + keys[i].off))
            printf("%s = (set, not shown)\n", keys[i].key); /* a secret */
        else if (keys[i].type == T_STR)
            printf("%s = %s\n", keys[i].key, *(char *const *)(base + keys[i].off));
        else
            printf("%s = %lld\n", keys[i].key, (long long)*(const int64_t *)(base + keys[i].off));
    }
}

void zt_config_free(zt_config *c) {
    char *base = (char *)c;
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].type == T_STR) {
            free(*(char **)(base + keys[i].off));
            *(char **)(base + keys[i].off) = NULL;
        }
}

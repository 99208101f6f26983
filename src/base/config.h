/* config.h - configuration: defaults < file < environment < flags.
 *
 * The file (zhengtong.conf, or --config PATH, or ZT_CONFIG) holds lines
 * `key = value` with '#' comments. Every key can also come from the
 * environment as ZT_ + the key upper-cased with dots as underscores
 * (listen.port -> ZT_LISTEN_PORT), and from a flag `--key value` or
 * `--key=value`. docs/configuration.md lists every key; `zhengtong config`
 * prints the effective values. */
#ifndef ZT_CONFIG_H
#define ZT_CONFIG_H

#include <stdint.h>

#include "base/err.h"

typedef struct zt_config {
    char *listen_address;          /* listen.address */
    int64_t listen_port;           /* listen.port */
    char *data_dir;                /* data_dir: database, keys, uploads */
    char *db_path;                 /* db.path ("" = data_dir/zhengtong.db) */
    char *web_root;                /* web.root */
    char *source_dir;              /* source.dir: committed data files (regions, calendar, demo) */
    int64_t http_threads;          /* http.threads (0 = one per core) */
    int64_t http_max_body;         /* http.max_body bytes */
    int64_t http_timeout;          /* http.timeout seconds of idle connection */
    int64_t http_max_conns;        /* http.max_connections */
    int64_t http_max_streams;      /* http.max_streams: open event streams (SSE) */
    char *http_trusted_proxy;      /* http.trusted_proxy: the one peer whose X-Forwarded-For is believed */
    int64_t http_body_budget;      /* http.body_budget: bytes of request bodies in memory, all requests */
    int64_t http_body_min_rate;    /* http.body_min_rate: bytes/s a body must average after http.timeout */
    int64_t http_conns_per_addr;   /* http.max_connections_per_address */
    int64_t http_streams_per_user; /* http.max_streams_per_user */
    char *metrics_token;           /* metrics.token: bearer token of GET /metrics ("" = loopback only) */
    char *store_synchronous;       /* store.synchronous: FULL|NORMAL */
    int64_t store_batch_max;       /* store.batch_max writes per commit */
    int64_t store_batch_window_us; /* store.batch_window_us */
    int64_t store_busy_timeout_ms; /* store.busy_timeout_ms: wait for another process's write lock */
    char *timezone;                /* city.timezone */
    char *office_hours;            /* calendar.office_hours "09:00-12:00,13:30-17:30" */
    int64_t calendar_warn_days;    /* calendar.warn_days: warn this many days before the covered years end */
    int64_t session_ttl;           /* auth.session_ttl seconds */
    int64_t session_idle;          /* auth.session_idle seconds without use */
    char *cookie_secure_mode;      /* auth.cookie_secure: auto (https public.url), 0 or 1 */
    int64_t cookie_secure;         /* derived: 1 when the session cookie gets Secure */
    int64_t login_max_failures;    /* auth.login_max_failures per account and address */
    int64_t login_window;          /* auth.login_window seconds */
    int64_t account_max_failures;  /* auth.account_max_failures (0 = 4 x login_max_failures) */
    int64_t address_max_failures;  /* auth.address_max_failures (0 = 4 x login_max_failures) */
    int64_t known_address_days;    /* auth.known_address_days: an address stays usual this long */
    int64_t register_max;          /* auth.register_max registrations per address and window */
    int64_t register_window;       /* auth.register_window seconds */
    int64_t hash_threads;          /* auth.hash_threads (0 = half the cores) */
    int64_t hash_queue;            /* auth.hash_queue: hashing jobs waiting at most */
    char *password_list;           /* auth.password_list: common-password files, comma-separated */
    int64_t password_min_distinct; /* auth.password_min_distinct characters */
    int64_t argon2_ops;            /* auth.argon2_ops */
    int64_t argon2_mem_kib;        /* auth.argon2_mem_kib */
    char *log_file;                /* log.file ("-" = stderr) */
    int64_t access_log;            /* log.access 0/1 */
    int64_t fake_clock;            /* serve --fake-clock */
    char *ledger_origin;           /* ledger.origin: the log's name in checkpoints and its key name */
    char *ledger_key_file;         /* ledger.key_file ("" = data_dir/ledger.key; the .pub beside it) */
    char *ledger_cp_dir;           /* ledger.checkpoint_dir ("" = data_dir/checkpoints) */
    int64_t ledger_cp_entries;     /* ledger.checkpoint_entries */
    int64_t ledger_cp_seconds;     /* ledger.checkpoint_seconds */
    char *public_url;              /* public.url: the portal's address, printed in receipts' QR codes */
    int64_t upload_max_bytes;      /* services.upload_max_bytes per uploaded file */
    char *files_dir;               /* services.files_dir ("" = data_dir/files) */
    char *receipt_font;            /* services.receipt_font: a TrueType font with Chinese glyphs */
    int64_t query_max_failures;    /* services.query_max_failures per address and window */
    int64_t query_window;          /* services.query_window seconds */
    int64_t rating_fix_days;       /* services.rating_fix_days: working days to fix a bad rating */
    char *flows_dir;               /* services.flows_dir ("" = source.dir/flows) */
    int64_t upload_ttl;            /* services.unattached_upload_ttl: seconds an upload no case holds is kept */
    int64_t sweep_interval;        /* services.sweep_interval: seconds between sweeps (expired uploads, quotas) */
    char *notify_spool_dir;        /* notify.spool_dir: SMS/e-mail notices as files for a gateway ("" = the log) */
    int64_t notify_max_attempts;   /* notify.max_attempts: tries of a notice before it is given up */
    int64_t notify_retry_seconds;  /* notify.retry_seconds: the first retry's delay (doubled each time, at most 1 h) */
    int64_t quota_upload_bytes;    /* quota.upload_bytes_per_day per account (0 = none) */
    int64_t quota_uploads;         /* quota.uploads_per_hour per account (0 = none) */
    int64_t quota_events;          /* quota.events_per_minute per API key (0 = none) */
    /* public resource trading (公共资源交易): the law's numbers, docs/configuration.md */
    int64_t tr_bid_days;             /* trading.bid_days: documents issued -> bid deadline (招标投标法 §24) */
    int64_t tr_sale_days;            /* trading.sale_days: documents on sale (条例 §16) */
    int64_t tr_sale_workdays;        /* trading.procurement_sale_workdays (政府采购法实施条例 §31) */
    int64_t tr_change_days;          /* trading.change_days: clarification before the deadline (法 §23) */
    int64_t tr_negotiation_workdays; /* trading.negotiation_workdays: 竞争性谈判/询价 (74号令 §29, §45) */
    int64_t tr_consultation_days;    /* trading.consultation_days: 竞争性磋商 (财库〔2014〕214号 §10) */
    int64_t tr_single_workdays;      /* trading.single_source_workdays: 单一来源 publicity (条例 §38) */
    int64_t tr_land_days;            /* trading.land_days: land announcement (国土资源部令39号 §10) */
    int64_t tr_property_workdays;    /* trading.property_workdays: disclosure (32号令 §13) */
    int64_t tr_deposit_permille;     /* trading.deposit_permille: deposit cap, of the budget (条例 §26) */
    int64_t tr_min_bids;             /* trading.min_bids: fewer -> no opening (法 §28) */
    int64_t tr_unlock_minutes;       /* trading.unlock_minutes: the decryption window at the opening */
    int64_t tr_publicity_days;       /* trading.publicity_days: candidates published at least (条例 §54) */
    int64_t tr_committee_min;        /* trading.committee_min (法 §37) */
    int64_t tr_committee_large;      /* trading.committee_min_large: procurement >= the threshold (87号令 §47) */
    int64_t tr_committee_threshold;  /* trading.committee_large_yuan */
    char *tr_ocid_prefix;            /* trading.ocid_prefix: the OCDS ocid prefix */
    int64_t experts_age_limit;       /* experts.age_limit: an expert retires past this age (发改委令第26号) */
    int64_t experts_draw_days;       /* experts.draw_days: a draw no earlier than this many working days before */
    int64_t experts_job_interval;    /* experts.job_interval: seconds between runs of the retirement job */
    int64_t experts_pass_mark;       /* experts.pass_mark: an average rating below it removes the expert */
    char *zone_role;                 /* single | internet (外网) | intranet (内网): docs/zones.md */
    char *zone_spool_out;            /* where this instance writes its messages to the other zone */
    char *zone_spool_in;             /* where the other zone's messages arrive */
    char *zone_key;                  /* this zone's Ed25519 secret key file (zhengtong zones keygen) */
    char *zone_peer_key;             /* the other zone's public key file */
    int64_t zone_poll_ms;            /* how often the crossing reads its spool and sends its outbox */
    int64_t zone_max_message;        /* largest message file read from the spool (bytes) */
    int64_t ex_check_days;           /* exchange.check_days: working days for the compliance check (共享审查) */
    int64_t ex_answer_days;          /* exchange.answer_days: working days for a conditional request's answer */
    int64_t ex_valid_days;           /* exchange.valid_days: a grant's default validity (days) */
    int64_t ex_rate_per_minute;      /* exchange.rate_per_minute: a grant's default call limit */
    int64_t ex_log_flush_ms;         /* exchange.log_flush_ms: the call log's batch interval */
    int64_t ex_log_queue_max;        /* exchange.log_queue_max: calls waiting for the log before calls are refused */
    char *ex_hours;                  /* exchange.hours: a grant's default calling hours (HH:MM-HH:MM) */
    int64_t ex_volume_window;        /* exchange.volume_window: seconds of a volume window */
    int64_t ex_volume_baseline;      /* exchange.volume_baseline_windows: windows the baseline averages */
    int64_t ex_volume_factor;        /* exchange.volume_factor: calls above factor x baseline are abnormal */
    int64_t ex_volume_min;           /* exchange.volume_min: ... and at least this many in the window */
    int64_t ex_mass_window;          /* exchange.mass_window: seconds of the mass-change window */
    int64_t ex_mass_percent;         /* exchange.mass_percent: changed or deleted rows above this % alert */
    char *ex_data_office; /* exchange.data_office: the department code of the data office (数据管理机构) */
} zt_config;

/* Fill defaults. */
void zt_config_defaults(zt_config *c);
/* Apply the file (path may be NULL: ZT_CONFIG or ./zhengtong.conf if it
 * exists), then the environment, then flags from argv. Flags that are config
 * keys are consumed: argv is compacted and *argc updated, leaving other
 * arguments. Errors name the file line or the flag. */
zt_err zt_config_load(zt_config *c, int *argc, char **argv, zt_error *e);
/* Set one key from text. */
zt_err zt_config_set(zt_config *c, const char *key, const char *value, zt_error *e);
/* Effective db path (db.path, or data_dir/zhengtong.db); caller frees. */
char *zt_config_db_path(const zt_config *c);
/* A path key's value, or data_dir/<def> when it is empty; caller frees. */
char *zt_config_path(const zt_config *c, const char *value, const char *def);
/* Print "key = value" for every key. */
void zt_config_print(const zt_config *c);
void zt_config_free(zt_config *c);

#endif

/* main.c - one binary, subcommands: serve, init, user, calendar, config,
 * routes, version. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "routes.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/tsv.h"
#include "experts/experts.h"
#include "exchange/exchange.h"
#include "http/http.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/service.h"
#include "org/org.h"
#include "platform/platform.h"
#include "services/services.h"
#include "supervise/stream.h"
#include "supervise/supervise.h"
#include "tools/benchgen.h"
#include "trading/redflags.h"
#include "zones/zones.h"

#define ZT_VERSION "0.1.0"

static const char USAGE[] =
    "zhengtong " ZT_VERSION " - 政通: e-government and electronic supervision platform\n"
    "\n"
    "usage: zhengtong COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  serve      run the HTTP server (--fake-clock enables PUT /api/admin/clock)\n"
    "  init       create or upgrade the database: regions and calendar (--demo adds the demo city)\n"
    "  user       add | passwd | disable | enable | list accounts\n"
    "  calendar   import | show | day | add | set | unset: the working-day calendar\n"
    "  ledger     verify | verify-proof | verify-checkpoint | checkpoint | key: the tamper-evident ledger\n"
    "  config     print the effective configuration\n"
    "  routes     print the HTTP routes with the roles they admit\n"
    "  trading    red-flags FILE.jsonl [--settings FILE]: Open Contracting red flags (docs/redflags.md)\n"
    "  experts    draw-verify: re-run a bid-evaluation expert draw (RFC 3797) from its published inputs\n"
    "  exchange   gen-base | bench-calls: the data exchange's base databases, its benchmark (docs/exchange.md)\n"
    "  bench-gen  add N benchmark cases cloned from cases made through the API (docs/performance.md)\n"
    "  zones      keygen: the key pair of a zone (two-zone mode, docs/zones.md)\n"
    "  version    print the version\n"
    "\n"
    "Every command takes configuration flags (--port 8080, --data-dir var, --db PATH, --config FILE,\n"
    "any key as --key value); see docs/configuration.md. 'zhengtong COMMAND --help' for details.\n";

/* --- small helpers --- */

static int has_flag(int argc, char **argv, const char *flag) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], flag) == 0) return 1;
    return 0;
}

/* --name value or --name=value among the remaining arguments. */
static const char *opt(int argc, char **argv, const char *name) {
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], name, n) != 0) continue;
        if (argv[i][n] == '=') return argv[i] + n + 1;
        if (argv[i][n] == 0 && i + 1 < argc) return argv[i + 1];
    }
    return NULL;
}

/* The i-th argument that is not an option (or an option's value). */
static const char *positional(int argc, char **argv, int want, const char *const *valued) {
    int k = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            for (const char *const *v = valued; v && *v; v++)
                if (strcmp(argv[i], *v) == 0) i++;
            continue;
        }
        if (k++ == want) return argv[i];
    }
    return NULL;
}

static int die(const zt_error *e) {
    fprintf(stderr, "zhengtong: %s%s%s%s\n", e->message, e->field[0] ? " (" : "", e->field, e->field[0] ? ")" : "");
    return e->code == ZT_EINVAL ? 2 : 1;
}

static int mkdirs(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0750) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(buf, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

/* Configuration, time zone, log, store and calendar: what every command
 * but config needs. */
static int app_open(zt_app *app, zt_config *cfg, int create, zt_error *e) {
    memset(app, 0, sizeof *app);
    app->cfg = cfg;
    zt_wire();
    /* day boundaries of the legal clock are in the city's zone: set once,
     * before any thread exists */
    setenv("TZ", cfg->timezone, 1);
    tzset();
    if (zt_log_open(cfg->log_file) != 0) {
        zt_fail(e, ZT_EINVAL, "log.file", "cannot open log file %s", cfg->log_file);
        return -1;
    }
    if (zt_office_hours_parse(cfg->office_hours, &app->office_hours, e)) return -1;
    char *path = zt_config_db_path(cfg);
    struct stat st;
    if (!create && stat(path, &st) != 0) {
        zt_fail(e, ZT_EINVAL, "db.path", "no database at %s: run 'zhengtong init' first", path);
        free(path);
        return -1;
    }
    if (create && mkdirs(cfg->data_dir) != 0) {
        zt_fail(e, ZT_EINVAL, "data_dir", "cannot create data directory %s: %s", cfg->data_dir, strerror(errno));
        free(path);
        return -1;
    }
    zt_store_options so = {.path = path,
                           .synchronous = cfg->store_synchronous,
                           .batch_max = (int)cfg->store_batch_max,
                           .batch_window_us = (int)cfg->store_batch_window_us,
                           .busy_timeout_ms = (int)cfg->store_busy_timeout_ms};
    zt_err rc = zt_store_open(&so, &app->store, e);
    free(path);
    if (rc) return -1;
    app->cal = zt_cal_new();
    if (zt_calendar_load_db(app, e)) return -1;
    return 0;
}

static void app_close(zt_app *app) {
    zt_store_close(app->store);
    zt_cal_free(app->cal);
    if (app->ledger_signer) sodium_memzero(app->ledger_signer, strlen(app->ledger_signer));
    free(app->ledger_signer);
    free(app->ledger_verifier);
}

/* --- serve --- */

static void release_reader(void *arg) {
    zt_app *app = arg;
    zt_db_release(zt_store_reader(app->store));
}

static void store_metrics(void *arg, char **buf, size_t *len, size_t *cap) {
    zt_app *app = arg;
    zt_store_stats s;
    zt_store_stats_get(app->store, &s);
    char text[2048];
    int n = snprintf(text, sizeof text,
                     "# HELP zt_db_writes_total Writes run by the writer thread.\n# TYPE zt_db_writes_total counter\n"
                     "zt_db_writes_total %llu\n"
                     "# HELP zt_db_commits_total Group commits.\n# TYPE zt_db_commits_total counter\n"
                     "zt_db_commits_total %llu\n"
                     "# TYPE zt_db_failed_writes_total counter\nzt_db_failed_writes_total %llu\n"
                     "# TYPE zt_db_failed_commits_total counter\nzt_db_failed_commits_total %llu\n"
                     "# HELP zt_db_writer_queue_depth Writes waiting for the writer thread.\n"
                     "# TYPE zt_db_writer_queue_depth gauge\nzt_db_writer_queue_depth %lld\n"
                     "# HELP zt_db_time_seconds_total Time spent in the database.\n"
                     "# TYPE zt_db_time_seconds_total counter\n"
                     "zt_db_time_seconds_total{kind=\"write\"} %.6f\nzt_db_time_seconds_total{kind=\"read\"} %.6f\n"
                     "# TYPE zt_db_reads_total counter\nzt_db_reads_total %llu\n",
                     (unsigned long long)s.writes, (unsigned long long)s.commits, (unsigned long long)s.failed_writes,
                     (unsigned long long)s.failed_commits, (long long)s.queue_depth, (double)s.write_us / 1e6,
                     (double)s.read_us / 1e6, (unsigned long long)s.reads);
    char more[2048];
    int m = zt_auth_metrics(more, sizeof more);
    m += zt_services_metrics(more + m, sizeof more - (size_t)m);
    if (*len + (size_t)n + (size_t)m + 1 > *cap) {
        *cap = *len + (size_t)n + (size_t)m + 1;
        *buf = realloc(*buf, *cap);
        if (!*buf) abort();
    }
    memcpy(*buf + *len, text, (size_t)n);
    memcpy(*buf + *len + n, more, (size_t)m + 1);
    *len += (size_t)n + (size_t)m;
}

/* /healthz: 200 while the process answers; "degraded" with the store's
 * fault while writes fail (reads still work): docs/reliability.md. The
 * calendar member warns that the working-day calendar runs out
 * (docs/calendar.md): data to maintain, not the node's state, so it never
 * changes the top-level status load balancers read. */
static json_t *store_health(void *arg) {
    zt_app *app = arg;
    zt_store_health h;
    zt_store_health_get(app->store, &h);
    json_t *store = json_pack("{s:b,s:s}", "writable", h.fault == ZT_FAULT_NONE, "fault", zt_store_fault_name(h.fault));
    if (h.fault != ZT_FAULT_NONE) {
        json_object_set_new(store, "message", json_string(h.message));
        json_object_set_new(store, "detail", json_string(h.detail));
        json_object_set_new(store, "since", json_integer(h.since));
    }
    json_object_set_new(store, "failed_commits", json_integer((json_int_t)h.failed_commits));
    return json_pack("{s:s,s:o,s:o}", "status", h.fault == ZT_FAULT_NONE ? "ok" : "degraded", "store", store,
                     "calendar", zt_calendar_coverage_json(app, 0));
}

static int cmd_serve(zt_config *cfg, int argc, char **argv) {
    if (has_flag(argc, argv, "--help")) {
        puts("usage: zhengtong serve [--fake-clock] [--port N] [--address A] [--config FILE] [--key value ...]\n"
             "Serves the API and web/ until SIGTERM or SIGINT, then finishes requests in flight and exits.\n"
             "--fake-clock: time stands still until an administrator sets it with PUT /api/admin/clock.");
        return 0;
    }
    /* block the stop signals in every thread; this one waits for them */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (cfg->fake_clock) zt_clock_enable_fake();
    zt_app app;
    zt_error e = {0};
    if (zt_password_policy_init(cfg, &e) || app_open(&app, cfg, 0, &e)) return die(&e);
    if (zt_ledger_keys_load(&app, &e) || zt_services_start(&app, &e) || zt_sv_start(&app, &e) ||
        zt_exchange_start(&app, &e)) {
        app_close(&app);
        return die(&e);
    }
    char *spool = zt_uploads_spool_dir(cfg); /* uploads arrive there, then move beside the stored files */
    zt_server_options so = {.address = cfg->listen_address,
                            .port = (int)cfg->listen_port,
                            .threads = (int)cfg->http_threads,
                            .max_body = (size_t)cfg->http_max_body,
                            .timeout = (int)cfg->http_timeout,
                            .max_conns = (int)cfg->http_max_conns,
                            .web_root = cfg->web_root,
                            .access_log = (int)cfg->access_log,
                            .max_streams = (int)cfg->http_max_streams,
                            .trusted_proxy = cfg->http_trusted_proxy,
                            .body_budget = (size_t)cfg->http_body_budget,
                            .body_min_rate = (size_t)cfg->http_body_min_rate,
                            .max_conns_per_address = (int)cfg->http_conns_per_addr,
                            .max_streams_per_user = (int)cfg->http_streams_per_user,
                            .metrics_token = cfg->metrics_token,
                            .spool_dir = spool};
    zt_auth_set_notify(zt_sv_notify_user);
    if (zt_hashpool_start(cfg, &e)) {
        app_close(&app);
        return die(&e);
    }
    /* two zones: the crossing runs, and the authenticator refuses what the
     * zone does not serve, before the first request (docs/zones.md) */
    zt_zones *zones = NULL;
    if (zt_zones_start(&app, &zones, &e)) {
        free(spool);
        zt_hashpool_stop();
        app_close(&app);
        return die(&e);
    }
    zt_server *srv = zt_server_new(&so, &app);
    free(spool);
    zt_uploads_set_limit((size_t)cfg->upload_max_bytes);
    zt_serve_routes(srv, (int)cfg->fake_clock);
    zt_server_set_auth(srv, zt_zones_authenticate); /* zt_auth_authenticate, and what the zone serves */
    zt_server_set_cleanup(srv, release_reader);
    zt_server_set_metrics(srv, store_metrics);
    zt_server_set_health(srv, store_health);
    if (zt_server_start(srv, &e)) {
        zt_zones_stop(zones);
        zt_server_free(srv);
        zt_hashpool_stop();
        zt_exchange_stop();
        app_close(&app);
        return die(&e);
    }
    zt_checkpointer *cp = zt_checkpointer_start(&app);
    zt_sv_ticker *ticker = zt_sv_ticker_start(&app);
    zt_sweeper *sweeper = zt_sweeper_start(&app);
    zt_sv_sender *sender = zt_sv_sender_start(&app); /* SMS/e-mail after the commit (notify.c) */
    zt_experts_job *experts_job = zt_experts_job_start(&app);
    zt_info("zhengtong %s listening on http://%s:%d/ (database %s%s)", ZT_VERSION, cfg->listen_address,
            zt_server_port(srv), cfg->db_path[0] ? cfg->db_path : cfg->data_dir, cfg->fake_clock ? ", fake clock" : "");
    int sig = 0;
    sigwait(&stop, &sig);
    zt_info("signal %d: finishing requests in flight", sig);
    zt_server_stop(srv, 30);
    zt_hashpool_stop(); /* after the server: its deferred requests wait for the pool */
    zt_sv_ticker_stop(ticker);
    zt_sweeper_stop(sweeper);
    zt_experts_job_stop(experts_job);
    zt_exchange_stop();        /* writes the calls still queued */
    zt_zones_stop(zones);      /* its last run sends what the last writes queued */
    zt_sv_sender_stop(sender); /* after the last writers: sends what they committed */
    zt_checkpointer_stop(cp);  /* signs a last checkpoint over what was written */
    zt_server_free(srv);
    app_close(&app);
    zt_info("stopped");
    return 0;
}

/* --- init --- */

typedef struct {
    const char *login, *name, *role, *dept, *region, *id_number, *credit_code;
} demo_user;

static const demo_user demo_users[] = {
    {"admin", "系统管理员", "admin", NULL, "360300", NULL, NULL},
    {"jiancha", "市监察局 李监察", "supervisor", "360300-JC", NULL, NULL, NULL},
    {"jiancha_ay", "安源区监察局 王监察", "supervisor", "360302-JC", NULL, NULL, NULL},
    {"gaj_clerk", "市公安局 窗口 刘敏", "clerk", "360300-GA", NULL, NULL, NULL},
    {"gaj_head", "市公安局 负责人 陈强", "dept_head", "360300-GA", NULL, NULL, NULL},
    {"mzj_clerk", "市民政局 窗口 赵丽", "clerk", "360300-MZ", NULL, NULL, NULL},
    {"mzj_head", "市民政局 负责人 孙伟", "dept_head", "360300-MZ", NULL, NULL, NULL},
    {"fzb", "市法制办 审查员 周静", "legal_reviewer", "360300-FZB", NULL, NULL, NULL},
    {"jyzx", "市公共资源交易中心 吴涛", "trading_officer", "360300-GGZY", NULL, NULL, NULL},
    {"czj", "市财政局 郑洁", "finance_officer", "360300-CZ", NULL, NULL, NULL},
    {"xxzx", "市信息中心 冯磊", "data_officer", "360300-XXZX", NULL, NULL, NULL},
    {"shenji", "市审计局 何审计", "auditor", "360300-SJ", NULL, NULL, NULL},
    {"zhuanjia", "评标专家 黄建国", "expert", NULL, NULL, NULL, NULL},
    {"zhangsan", "张三", "citizen", NULL, NULL, "360302198503120045", NULL},
    {"pxqiye", "萍乡市安源示范科技有限公司", "enterprise", NULL, NULL, NULL, "91360300584267314N"},
};

static int cmd_init(zt_config *cfg, int argc, char **argv) {
    if (has_flag(argc, argv, "--help")) {
        puts("usage: zhengtong init [--demo] [--admin-password PW]\n"
             "Creates the database (or upgrades it: migrations), imports the regions and the working-day\n"
             "calendar from source.dir (default data/), and creates the 'admin' account (password from\n"
             "--admin-password or ZT_ADMIN_PASSWORD, else a random one that is printed).\n"
             "--demo also loads the demo city's departments, halls and windows and demo accounts.\n"
             "Running it again is safe: existing rows and accounts are kept.");
        return 0;
    }
    int demo = has_flag(argc, argv, "--demo");
    zt_app app;
    zt_error e = {0};
    if (zt_password_policy_init(cfg, &e) || app_open(&app, cfg, 1, &e)) return die(&e);
    char path[4096];
    int n = 0, days = 0, years = 0;
    snprintf(path, sizeof path, "%s/regions.tsv", cfg->source_dir);
    if (zt_org_import_regions(&app, path, &n, &e)) goto fail;
    printf("regions: %d from %s\n", n, path);
    /* process definitions and supervision first: the calendar's import
     * runs supervision's calendar-change hook (an upgrade has subjects) */
    if (zt_services_start(&app, &e) || zt_sv_start(&app, &e)) goto fail;
    snprintf(path, sizeof path, "%s/calendar.tsv", cfg->source_dir);
    size_t len;
    char *text = zt_read_file(path, &len, &e);
    if (!text) goto fail;
    zt_err rc = zt_calendar_import(&app, text, len, "data/calendar.tsv", &days, &years, &e);
    free(text);
    if (rc) goto fail;
    printf("calendar: %d listed days in %d years from %s\n", days, years, path);
    if (demo) {
        zt_org_counts c;
        snprintf(path, sizeof path, "%s/demo", cfg->source_dir);
        if (zt_org_import_demo(&app, path, &c, &e)) goto fail;
        printf("demo directory: %d departments, %d halls, %d windows\n", c.departments, c.halls, c.windows);
    }
    if (demo) {
        int nitems = 0;
        snprintf(path, sizeof path, "%s/demo/items.json", cfg->source_dir);
        if (zt_items_import(&app, path, &nitems, &e)) goto fail;
        printf("power items: %d published from %s\n", nitems, path);
    }
    int created;
    if (zt_ledger_keys_init(cfg, &created, &e) || zt_ledger_keys_load(&app, &e)) goto fail;
    printf("ledger key: %s%s\n", app.ledger_verifier, created ? " (new)" : "");
    const char *admin_pw = opt(argc, argv, "--admin-password");
    if (!admin_pw) admin_pw = getenv("ZT_ADMIN_PASSWORD");
    char random_pw[32];
    if (!admin_pw && demo) admin_pw = "Demo2026pass";
    if (!admin_pw) {
        unsigned char b[9];
        randombytes_buf(b, sizeof b);
        sodium_bin2base64(random_pw, sizeof random_pw, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        snprintf(random_pw + 12, sizeof random_pw - 12, "7a");
        admin_pw = random_pw;
    }
    size_t nusers = demo ? sizeof demo_users / sizeof demo_users[0] : 1;
    if (demo) printf("\ndemo accounts (password %s):\n", "Demo2026pass");
    for (size_t i = 0; i < nusers; i++) {
        const demo_user *d = &demo_users[i];
        zt_user_new u = {.login = d->login,
                         .name = d->name,
                         .role = d->role,
                         .dept_code = d->dept,
                         .region_code = d->region,
                         .id_number = d->id_number,
                         .credit_code = d->credit_code,
                         .password = i == 0 ? admin_pw : "Demo2026pass"};
        int64_t id;
        rc = zt_user_create(&app, NULL, &u, &id, &e);
        if (rc == ZT_ECONFLICT) {
            printf("  %-12s %-16s exists, kept\n", d->login, d->role);
            continue;
        }
        if (rc) goto fail;
        if (demo)
            printf("  %-12s %-16s %s\n", d->login, d->role, d->name);
        else
            printf("account 'admin' created, password: %s\n", admin_pw);
    }
    uint64_t cps;
    if (zt_ledger_checkpoint_now(&app, &cps, &e)) goto fail;
    printf("ledger: checkpoint signed at size %llu\n", (unsigned long long)cps);
    app_close(&app);
    return 0;
fail:
    app_close(&app);
    return die(&e);
}

/* --- user --- */

static const char *password_arg(int argc, char **argv) {
    const char *pw = opt(argc, argv, "--password");
    if (!pw) pw = getenv("ZT_PASSWORD");
    if (pw) return pw;
    static char line[256];
    fprintf(stderr, "password: ");
    if (!fgets(line, sizeof line, stdin)) return NULL;
    line[strcspn(line, "\r\n")] = 0;
    return line;
}

static int cmd_user(zt_config *cfg, int argc, char **argv) {
    static const char *const valued[] = {"--login",     "--name",        "--role",  "--dept",     "--region",
                                         "--id-number", "--credit-code", "--phone", "--password", NULL};
    const char *sub = positional(argc, argv, 0, valued);
    if (!sub || has_flag(argc, argv, "--help")) {
        puts("usage: zhengtong user add --login L --name N --role R [--dept CODE] [--region CODE]\n"
             "                          [--id-number ID] [--credit-code USCC] [--phone P] [--password PW]\n"
             "       zhengtong user passwd LOGIN [--password PW]\n"
             "       zhengtong user disable LOGIN | enable LOGIN\n"
             "       zhengtong user list [--role R]\n"
             "roles: citizen enterprise clerk dept_head legal_reviewer supervisor trading_officer\n"
             "       finance_officer data_officer admin\n"
             "The password comes from --password, ZT_PASSWORD, or a line on standard input.");
        return has_flag(argc, argv, "--help") ? 0 : 2;
    }
    zt_app app;
    zt_error e = {0};
    if (zt_password_policy_init(cfg, &e) || app_open(&app, cfg, 0, &e)) return die(&e);
    zt_err rc = ZT_OK;
    int64_t id = 0;
    if (strcmp(sub, "add") == 0) {
        zt_user_new u = {.login = opt(argc, argv, "--login"),
                         .name = opt(argc, argv, "--name"),
                         .role = opt(argc, argv, "--role"),
                         .dept_code = opt(argc, argv, "--dept"),
                         .region_code = opt(argc, argv, "--region"),
                         .id_number = opt(argc, argv, "--id-number"),
                         .credit_code = opt(argc, argv, "--credit-code"),
                         .phone = opt(argc, argv, "--phone")};
        u.password = password_arg(argc, argv);
        rc = zt_user_create(&app, NULL, &u, &id, &e);
        if (!rc) printf("user %s created (id %lld)\n", u.login, (long long)id);
    } else if (!strcmp(sub, "passwd") || !strcmp(sub, "disable") || !strcmp(sub, "enable")) {
        const char *login = positional(argc, argv, 1, valued);
        if (!login) rc = zt_fail(&e, ZT_EINVAL, "login", "which user? zhengtong user %s LOGIN", sub);
        if (!rc) rc = zt_user_find(&app, login, &id, &e);
        if (!rc && sub[0] == 'p')
            rc = zt_user_set_password(&app, NULL, id, password_arg(argc, argv), "password", &e);
        else if (!rc)
            rc = zt_user_set_disabled(&app, NULL, id, sub[0] == 'd', &e);
        if (!rc) printf("user %s: %s done\n", login, sub);
    } else if (strcmp(sub, "list") == 0) {
        const char *role = opt(argc, argv, "--role");
        zt_db *db = zt_store_reader(app.store);
        zt_stmt *st =
            zt_db_prepare(db,
                          "SELECT u.id, u.login, u.role, u.name, coalesce(d.name, ''), u.disabled FROM users u"
                          " LEFT JOIN departments d ON d.id = u.dept_id WHERE (? IS NULL OR u.role = ?)"
                          " ORDER BY u.id",
                          &e);
        if (!st)
            rc = ZT_EINTERNAL;
        else {
            zt_bind_text(st, 1, role);
            zt_bind_text(st, 2, role);
            printf("%-6s %-16s %-16s %-8s %s\n", "id", "login", "role", "state", "name / department");
            while (zt_step(st, &e) == ZT_ROW)
                printf("%-6lld %-16s %-16s %-8s %s %s\n", (long long)zt_col_int(st, 0), zt_col_text(st, 1),
                       zt_col_text(st, 2), zt_col_int(st, 5) ? "disabled" : "active", zt_col_text(st, 3),
                       zt_col_text(st, 4));
            zt_db_release(db);
        }
    } else {
        rc = zt_fail(&e, ZT_EINVAL, NULL, "unknown user command '%s' (add, passwd, disable, enable, list)", sub);
    }
    app_close(&app);
    return rc ? die(&e) : 0;
}

/* --- calendar --- */

static int cmd_calendar(zt_config *cfg, int argc, char **argv) {
    const char *sub = positional(argc, argv, 0, NULL);
    if (!sub || has_flag(argc, argv, "--help")) {
        puts("usage: zhengtong calendar import FILE       import a year or years (data/calendar.tsv format)\n"
             "       zhengtong calendar show YEAR         the listed days of a year\n"
             "       zhengtong calendar day DATE          is DATE a working day, and why\n"
             "       zhengtong calendar add DATE N        the N-th working day after DATE\n"
             "       zhengtong calendar between FROM TO   working days in (FROM, TO]\n"
             "       zhengtong calendar set DATE holiday|makeup NAME   a local holiday or make-up day\n"
             "       zhengtong calendar unset DATE");
        return has_flag(argc, argv, "--help") ? 0 : 2;
    }
    zt_app app;
    zt_error e = {0};
    if (app_open(&app, cfg, 0, &e)) return die(&e);
    const char *a1 = positional(argc, argv, 1, NULL), *a2 = positional(argc, argv, 2, NULL),
               *a3 = positional(argc, argv, 3, NULL);
    zt_err rc = ZT_OK;
    zt_day d, d2;
    char buf[11], name[64];
    /* a change runs supervision's calendar-change hook (zt_wire): with the
     * process definitions and rules loaded, as under serve */
    int change = !strcmp(sub, "import") || !strcmp(sub, "set") || !strcmp(sub, "unset");
    if (change && (zt_services_start(&app, &e) || zt_sv_start(&app, &e))) {
        app_close(&app);
        return die(&e);
    }
    if (strcmp(sub, "import") == 0 && a1) {
        size_t len;
        char *text = zt_read_file(a1, &len, &e);
        int days, years;
        rc = text ? zt_calendar_import(&app, text, len, a1, &days, &years, &e) : ZT_EINVAL;
        free(text);
        if (!rc) printf("imported %d listed days in %d years from %s\n", days, years, a1);
    } else if (strcmp(sub, "show") == 0 && a1) {
        int y = (int)strtol(a1, NULL, 10);
        printf("%d: %s\n", y,
               zt_cal_covers(app.cal, y) ? "covered by the official calendar" : "NOT covered (weekends only)");
        for (d = zt_day_from_ymd(y, 1, 1); d < zt_day_from_ymd(y + 1, 1, 1); d++) {
            zt_day_kind k;
            zt_cal_is_working(app.cal, d, &k, name, sizeof name);
            if (k == ZT_DAY_HOLIDAY || k == ZT_DAY_MAKEUP) {
                zt_day_format(d, buf);
                printf("%s  %-8s %s\n", buf, k == ZT_DAY_HOLIDAY ? "休" : "班(调休)", name);
            }
        }
    } else if (strcmp(sub, "day") == 0 && a1) {
        if (zt_day_parse(a1, &d))
            rc = zt_fail(&e, ZT_EINVAL, "date", "not a date: %s", a1);
        else {
            zt_day_kind k;
            int w = zt_cal_is_working(app.cal, d, &k, name, sizeof name);
            printf("%s %s (%s%s%s)\n", a1, w ? "working day" : "rest day", zt_day_kind_name(k), *name ? " " : "", name);
        }
    } else if (strcmp(sub, "add") == 0 && a1 && a2) {
        if (zt_day_parse(a1, &d))
            rc = zt_fail(&e, ZT_EINVAL, "date", "not a date: %s", a1);
        else {
            zt_day_format(zt_cal_add(app.cal, d, (int)strtol(a2, NULL, 10)), buf);
            printf("%s\n", buf);
        }
    } else if (strcmp(sub, "between") == 0 && a1 && a2) {
        if (zt_day_parse(a1, &d) || zt_day_parse(a2, &d2))
            rc = zt_fail(&e, ZT_EINVAL, "date", "dates are YYYY-MM-DD");
        else
            printf("%d\n", zt_cal_between(app.cal, d, d2));
    } else if (strcmp(sub, "set") == 0 && a1 && a2 && a3) {
        rc = zt_calendar_set_day(&app, NULL, a1, a2, a3, &e);
        if (!rc) printf("%s: %s %s\n", a1, a2, a3);
    } else if (strcmp(sub, "unset") == 0 && a1) {
        rc = zt_calendar_set_day(&app, NULL, a1, NULL, NULL, &e);
        if (!rc) printf("%s: listing removed\n", a1);
    } else {
        rc = zt_fail(&e, ZT_EINVAL, NULL, "bad calendar command; see zhengtong calendar --help");
    }
    app_close(&app);
    return rc ? die(&e) : 0;
}

/* --- ledger: the auditor's tools --- */

static int parse_u64(const char *s, uint64_t *v) {
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19) return -1;
    *v = strtoull(s, NULL, 10);
    return 0;
}

static int parse_hash(const char *s, zt_hash *h) { return s && zt_unb64(s, h->b, ZT_HASH_LEN) == ZT_HASH_LEN ? 0 : -1; }

/* "B64,B64,..." or "" into proof; -1 if malformed. Every element between
 * commas must be a hash: an empty one ("A,B,", "A,,B", ",") is a malformed
 * proof, as RFC 6962 verifiers treat it, never a shorter valid one. */
static int parse_proof(const char *s, zt_hash *proof, size_t cap, size_t *n) {
    *n = 0;
    if (!s) return -1;
    if (!*s) return 0; /* the empty proof */
    char buf[16384];
    if (strlen(s) >= sizeof buf) return -1;
    snprintf(buf, sizeof buf, "%s", s);
    for (char *p = buf;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = 0;
        if (*n == cap || parse_hash(p, &proof[*n]) != 0) return -1;
        (*n)++;
        if (!comma) return 0;
        p = comma + 1;
    }
}

static int cmd_verify_proof(int argc, char **argv) {
    static const char *const valued[] = {"--leaf-index", "--tree-size", "--leaf-hash", "--root",  "--proof",
                                         "--size1",      "--size2",     "--root1",     "--root2", NULL};
    const char *kind = positional(argc, argv, 1, valued);
    zt_hash proof[128];
    size_t n;
    if (kind && strcmp(kind, "inclusion") == 0) {
        uint64_t index, size;
        zt_hash leaf, root;
        if (parse_u64(opt(argc, argv, "--leaf-index"), &index) || parse_u64(opt(argc, argv, "--tree-size"), &size) ||
            parse_hash(opt(argc, argv, "--leaf-hash"), &leaf) || parse_hash(opt(argc, argv, "--root"), &root) ||
            parse_proof(opt(argc, argv, "--proof"), proof, 64, &n)) {
            fputs("zhengtong: malformed input: --leaf-index N --tree-size N --leaf-hash B64 --root B64 "
                  "--proof B64,B64,... (base64 SHA-256 hashes; an empty proof is --proof \"\")\n",
                  stderr);
            return 2;
        }
        int ok = zt_merkle_verify_inclusion(index, size, &leaf, proof, n, &root);
        puts(ok ? "valid: the leaf is in the tree" : "INVALID inclusion proof");
        return ok ? 0 : 1;
    }
    if (kind && strcmp(kind, "consistency") == 0) {
        uint64_t s1, s2;
        zt_hash r1, r2;
        if (parse_u64(opt(argc, argv, "--size1"), &s1) || parse_u64(opt(argc, argv, "--size2"), &s2) ||
            parse_hash(opt(argc, argv, "--root1"), &r1) || parse_hash(opt(argc, argv, "--root2"), &r2) ||
            parse_proof(opt(argc, argv, "--proof"), proof, 128, &n)) {
            fputs("zhengtong: malformed input: --size1 M --size2 N --root1 B64 --root2 B64 --proof B64,... "
                  "(an empty proof is --proof \"\")\n",
                  stderr);
            return 2;
        }
        int ok = zt_merkle_verify_consistency(s1, s2, &r1, &r2, proof, n);
        puts(ok ? "valid: the second tree extends the first" : "INVALID consistency proof");
        return ok ? 0 : 1;
    }
    fputs("usage: zhengtong ledger verify-proof inclusion|consistency ...\n", stderr);
    return 2;
}

static int cmd_ledger(zt_config *cfg, int argc, char **argv) {
    static const char *const valued[] = {"--key", "--checkpoint", NULL};
    const char *sub = positional(argc, argv, 0, valued);
    if (!sub || (has_flag(argc, argv, "--help") && strcmp(sub, "verify-proof") != 0)) {
        puts("usage: zhengtong ledger verify [--db PATH] [--key VERIFIER_KEY_FILE] [--checkpoint NOTE_FILE]\n"
             "         recompute every leaf and node hash, check every checkpoint's root and signature:\n"
             "         the database's, and the newest signed ones kept outside it (ledger.checkpoint_dir's\n"
             "         checkpoint and highest checkpoint.<size>, and NOTE_FILE, a copy kept elsewhere),\n"
             "         which the database must prove it extends; none outside it is a failure;\n"
             "         exit 0 if all hold, else 1 naming the first bad index and what is wrong\n"
             "       zhengtong ledger verify-proof inclusion --leaf-index I --tree-size N --leaf-hash B64\n"
             "                                   --root B64 --proof B64,B64,...\n"
             "       zhengtong ledger verify-proof consistency --size1 M --size2 N --root1 B64 --root2 B64\n"
             "                                   --proof B64,...\n"
             "         offline checks (no database): exit 0 valid, 1 invalid, 2 malformed input\n"
             "       zhengtong ledger verify-checkpoint --key VERIFIER_KEY_FILE < NOTE\n"
             "       zhengtong ledger checkpoint      sign a checkpoint of the current ledger now\n"
             "       zhengtong ledger key             print the verifier key\n"
             "The verifier key file defaults to the signing key's .pub (data_dir/ledger.key.pub).");
        return has_flag(argc, argv, "--help") ? 0 : 2;
    }
    if (strcmp(sub, "verify-proof") == 0) return cmd_verify_proof(argc, argv);
    zt_error e = {0};
    char *keyfile = NULL, *verifier = NULL;
    if (opt(argc, argv, "--key"))
        keyfile = zt_strdup(opt(argc, argv, "--key"));
    else {
        char *k = zt_config_path(cfg, cfg->ledger_key_file, "ledger.key");
        size_t n = strlen(k) + 8;
        keyfile = zt_malloc(n);
        snprintf(keyfile, n, "%s.pub", k);
        free(k);
    }
    int rc = 0;
    if (strcmp(sub, "verify-checkpoint") == 0) {
        char note[65536];
        size_t len = fread(note, 1, sizeof note - 1, stdin);
        note[len] = 0;
        char *text = NULL, *origin = NULL;
        uint64_t size;
        zt_hash root;
        if (zt_ledger_read_verifier(keyfile, &verifier, &e) || zt_note_verify(verifier, note, &text, &e) ||
            zt_checkpoint_parse(text, &origin, &size, &root, &e)) {
            printf("INVALID checkpoint: %s\n", e.message);
            rc = e.field[0] && !strcmp(e.field, "file") ? 2 : 1;
        } else {
            char *b = zt_b64(root.b, ZT_HASH_LEN);
            printf("valid checkpoint of %s: size %llu, root %s\n", origin, (unsigned long long)size, b);
            free(b);
        }
        free(text);
        free(origin);
    } else if (strcmp(sub, "verify") == 0) {
        char *path = zt_config_db_path(cfg), *cpdir = NULL;
        zt_store_options so = {.path = path, .readonly = 1};
        zt_store *store = NULL;
        zt_ledger_outside outside[3];
        size_t nout = 0;
        struct stat st;
        /* the checkpoints outside the database first (issue #22 F10): each
         * file is written after its checkpoint committed, so the database
         * read afterwards holds every entry they cover */
        if (zt_ledger_outside_load(cfg, opt(argc, argv, "--checkpoint"), outside, &nout, &cpdir, &e)) {
            rc = die(&e);
        } else if (stat(path, &st) != 0) {
            fprintf(stderr, "zhengtong: no database at %s\n", path);
            rc = 2;
        } else if (nout == 0) {
            /* without one, rows deleted from ledger_checkpoints and a history
             * rewritten with its hashes would pass unseen */
            printf("FAILED: no signed checkpoint outside the database: none in %s and no --checkpoint FILE;"
                   " the database alone cannot prove its history\n",
                   cpdir);
            rc = 1;
        } else if (zt_ledger_read_verifier(keyfile, &verifier, &e) || zt_store_open(&so, &store, &e)) {
            rc = die(&e);
        } else {
            uint64_t entries;
            int64_t bad;
            zt_db *db = zt_store_reader(store);
            int64_t t0 = zt_mono_us();
            zt_err vr = zt_ledger_verify(db, verifier, outside, nout, &entries, &bad, &e);
            double secs = (double)(zt_mono_us() - t0) / 1e6;
            if (vr == ZT_OK) {
                printf("ok: %llu entries verified in %.3f s (every leaf, node, checkpoint root and signature;"
                       " consistent with %s)\n",
                       (unsigned long long)entries, secs, outside[nout - 1].from);
            } else {
                printf("FAILED: %s\n", e.message);
                if (bad >= 0) printf("first bad index: %lld\n", (long long)bad);
                rc = vr == ZT_ECONFLICT ? 1 : 2;
            }
        }
        zt_store_close(store);
        zt_ledger_outside_free(outside, nout);
        free(cpdir);
        free(path);
    } else if (strcmp(sub, "checkpoint") == 0 || strcmp(sub, "key") == 0) {
        zt_app app;
        if (app_open(&app, cfg, 0, &e) || zt_ledger_keys_load(&app, &e))
            rc = die(&e);
        else if (sub[0] == 'k')
            puts(app.ledger_verifier);
        else {
            uint64_t size;
            if (zt_ledger_checkpoint_now(&app, &size, &e))
                rc = die(&e);
            else
                printf("checkpoint signed at size %llu\n", (unsigned long long)size);
        }
        if (app.store) app_close(&app);
    } else {
        fprintf(stderr, "zhengtong: unknown ledger command '%s'; see zhengtong ledger --help\n", sub);
        rc = 2;
    }
    free(keyfile);
    free(verifier);
    return rc;
}

/* --- bench-gen --- */

static int cmd_benchgen(zt_config *cfg, int argc, char **argv) {
    const char *n = opt(argc, argv, "--cases");
    if (has_flag(argc, argv, "--help") || !n) {
        puts("usage: zhengtong bench-gen --cases N [--passwords FILE [--sample K]] [--batch B] [--quiet]\n"
             "Adds N cases to the database by cloning, round-robin, every case made through the API that has no\n"
             "supervision card (bench/seed.mjs makes such templates on a database from 'init --demo'). A clone\n"
             "is its template's rows (case, events, materials, supervision events, subject and timers, audit\n"
             "rows, ledger entries) under a new number of the same numbering; see docs/performance.md.\n"
             "--passwords FILE writes 'number<TAB>query password<TAB>state<TAB>department' for about K clones\n"
             "(default 10000), for the status-query benchmark. B clones per transaction (default 1000).");
        return has_flag(argc, argv, "--help") ? 0 : 2;
    }
    zt_benchgen_options o = {.passwords = opt(argc, argv, "--passwords"), .quiet = has_flag(argc, argv, "--quiet")};
    uint64_t v;
    if (parse_u64(n, &v) || v > 100000000) {
        fputs("zhengtong: --cases must be a number of cases (0 to 100000000)\n", stderr);
        return 2;
    }
    o.cases = (int64_t)v;
    if (opt(argc, argv, "--sample") && !parse_u64(opt(argc, argv, "--sample"), &v)) o.sample = (int64_t)v;
    if (opt(argc, argv, "--batch") && !parse_u64(opt(argc, argv, "--batch"), &v) && v > 0 && v <= 100000)
        o.batch = (int)v;
    zt_app app;
    zt_error e = {0};
    if (app_open(&app, cfg, 0, &e)) return die(&e);
    zt_benchgen_stats st;
    int rc = 0;
    if (zt_services_start(&app, &e) || zt_benchgen_run(&app, &o, &st, &e))
        rc = die(&e);
    else
        printf("bench-gen: %lld cases from %lld templates, %lld ledger entries, %.1f s (%.0f cases/s)%s%s\n",
               (long long)st.cases, (long long)st.templates, (long long)st.ledger_entries, st.seconds,
               st.seconds > 0 ? (double)st.cases / st.seconds : 0.0, o.passwords ? "; passwords in " : "",
               o.passwords ? o.passwords : "");
    app_close(&app);
    return rc;
}

/* zhengtong exchange gen-base ... (src/exchange/base.c) */
static int cmd_exchange(zt_config *cfg, int argc, char **argv) {
    if (argc < 2 || has_flag(argc, argv, "--help")) return zt_exchange_cli(NULL, argc, argv);
    zt_app app;
    zt_error e = {0};
    if (app_open(&app, cfg, 0, &e)) return die(&e);
    int rc = zt_exchange_cli(&app, argc, argv);
    app_close(&app);
    return rc;
}

/* One line per route of a set: markdown (ctx non-NULL) or plain. */
static void print_set(const zt_route *routes, size_t count, void *md) {
    for (size_t n = 0; n < count; n++) {
        const zt_route *r = &routes[n];
        char roles[256] = "";
        uint32_t rest = r->access;
        if (!rest) snprintf(roles, sizeof roles, "public");
        if ((rest & ZT_R_USERS) == ZT_R_USERS) {
            snprintf(roles, sizeof roles, "any user");
            rest &= ~(uint32_t)ZT_R_USERS;
        } else if ((rest & ZT_R_STAFF) == ZT_R_STAFF) {
            snprintf(roles, sizeof roles, "staff");
            rest &= ~(uint32_t)ZT_R_STAFF;
        }
        for (uint32_t b = 1; b <= ZT_R_EXPERT; b <<= 1)
            if (rest & b) {
                size_t l = strlen(roles);
                snprintf(roles + l, sizeof roles - l, "%s%s", l ? ", " : "", zt_role_name(b));
            }
        if (md)
            printf("| %s | %s | %s | %s |\n", r->method, r->pattern, roles, r->doc);
        else
            printf("%-7s %-36s %-32s %s\n", r->method, r->pattern, roles, r->doc);
    }
}

/* The route table: the API reference (docs/api-routes.md is this output
 * with --markdown; a test keeps the two equal). */
static int cmd_routes(int argc, char **argv) {
    int md = has_flag(argc, argv, "--markdown");
    if (md)
        puts("# HTTP routes\n\nGenerated by `zhengtong routes --markdown`; `tests/api/docs.test.mjs` checks that this\n"
             "file matches the binary. \"any user\" = every logged-in role; \"staff\" = every staff role.\n"
             "`PUT /api/admin/clock` exists only under `serve --fake-clock`.\n\n"
             "| method | path | who | what |\n|---|---|---|---|\n"
             "| GET | /healthz | public | liveness |\n"
             "| GET | /metrics | public | Prometheus metrics: to loopback clients, or to Authorization: Bearer "
             "<metrics.token> once that is set |");
    else
        printf("%-7s %-36s %-32s %s\n", "method", "path", "who", "what");
    zt_route_sets_each(1, print_set, md ? &md : NULL);
    return 0;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) {
        fputs("zhengtong: libsodium failed to initialise\n", stderr);
        return 1;
    }
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
        fputs(USAGE, stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    argv++;
    argc--;
    zt_config cfg;
    zt_config_defaults(&cfg);
    zt_error e = {0};
    if (zt_config_load(&cfg, &argc, argv, &e)) {
        zt_config_free(&cfg);
        return die(&e);
    }
    int rc;
    if (!strcmp(cmd, "serve"))
        rc = cmd_serve(&cfg, argc, argv);
    else if (!strcmp(cmd, "init"))
        rc = cmd_init(&cfg, argc, argv);
    else if (!strcmp(cmd, "user"))
        rc = cmd_user(&cfg, argc, argv);
    else if (!strcmp(cmd, "calendar"))
        rc = cmd_calendar(&cfg, argc, argv);
    else if (!strcmp(cmd, "ledger"))
        rc = cmd_ledger(&cfg, argc, argv);
    else if (!strcmp(cmd, "config")) {
        zt_config_print(&cfg);
        rc = 0;
    } else if (!strcmp(cmd, "bench-gen"))
        rc = cmd_benchgen(&cfg, argc, argv);
    else if (!strcmp(cmd, "trading"))
        rc = zt_rf_cli(argc, argv);
    else if (!strcmp(cmd, "zones"))
        rc = zt_zones_cli(&cfg, argc, argv);
    else if (!strcmp(cmd, "exchange"))
        rc = cmd_exchange(&cfg, argc, argv);
    else if (!strcmp(cmd, "routes"))
        rc = cmd_routes(argc, argv);
    else if (!strcmp(cmd, "experts"))
        rc = zt_experts_cli(argc, argv);
    else if (!strcmp(cmd, "version")) {
        puts("zhengtong " ZT_VERSION);
        rc = 0;
    } else {
        fprintf(stderr, "zhengtong: unknown command '%s'\n\n%s", cmd, USAGE);
        rc = 2;
    }
    zt_config_free(&cfg);
    return rc;
}

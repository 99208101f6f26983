/* base.c - the base databases of the demo city (人口, 法人), generated at a
 * realistic size with valid identifiers: `zhengtong exchange gen-base
 * --persons N --legal N [--seed S]`. Deterministic for a seed (splitmix64),
 * regions from the imported division data (the townships and their
 * counties), ID numbers with their GB 11643 check digit, credit codes with
 * their GB 11714 organisation-code and GB 32100 check characters. One
 * transaction through the store's writer and its cached prepared statements;
 * --raw FILE times the same rows inserted with SQLite's API alone, for the
 * ratio in docs/exchange.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/idcheck.h"
#include "exchange/exchange_int.h"
#include "store/rawbench.h"

typedef struct {
    uint64_t s;
} rng;

static uint64_t next(rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static int pick(rng *r, int n) { return (int)(next(r) % (uint64_t)n); }

static const char *const SURNAMES[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马",
                                       "朱", "胡", "郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许",
                                       "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋",
                                       "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "钟", "文"};
static const char *const GIVEN[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
                                    "涛", "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "文", "辉", "玲",
                                    "鹏", "飞", "斌", "宇", "浩", "凯", "健", "俊", "帆", "欣", "悦", "晨", "思", "雨",
                                    "婷", "雪", "琳", "梅", "兰", "春", "志", "国", "海", "峰", "波", "林", "红", "萍"};
static const char *const ETHNIC[] = {"汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族",
                                     "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "回族", "畲族"};
static const char *const MARITAL[] = {"未婚", "已婚", "已婚", "已婚", "离婚", "丧偶"};
static const char *const EDU[] = {"小学", "初中", "高中", "中专", "大学专科", "大学本科", "研究生"};
static const char *const ROADS[] = {"跃进路", "建设路", "萍安路", "楚萍路", "昭萍路", "公园路", "滨河路", "凤凰路"};
static const char *const WORDS[] = {"安源", "萍实", "武功", "赣西", "湘东", "芦溪", "上栗", "莲花", "鳌洲", "秋收",
                                    "杨岐", "明月", "金鱼", "玉湖", "白源", "麻山", "宣风", "福田", "桐木", "彭高"};
static const char *const TRADES[] = {"科技", "建材", "陶瓷", "机械", "贸易", "电子", "食品", "物流",
                                     "环保", "烟花", "化工", "医药", "农业", "文化", "建筑", "服饰"};
static const char *const FORMS[] = {"有限公司", "有限责任公司", "股份有限公司"};
static const char *const KINDS[] = {"有限责任公司（自然人投资或控股）", "有限责任公司（自然人独资）",
                                    "股份有限公司（非上市）", "其他有限责任公司"};
static const char *const SCOPES[] = {"技术开发、技术服务；软件销售",
                                     "建筑材料生产、销售",
                                     "工业陶瓷制造、销售",
                                     "普通机械设备制造",
                                     "日用百货批发零售",
                                     "食品生产、销售",
                                     "道路货物运输"};
static const char *const STATUS[] = {"存续", "存续", "存续", "存续", "存续", "存续", "存续", "存续", "吊销", "注销"};

typedef struct {
    char code[16], county[8], name[64];
} town;

typedef struct {
    town *t;
    int n;
} towns;

static zt_err load_towns(zt_db *db, towns *out, zt_error *e) {
    zt_stmt *st =
        zt_db_query(db, e,
                    "SELECT code, substr(code, 1, 6), name FROM regions WHERE level = ? AND retired_at IS NULL"
                    " ORDER BY code",
                    ZT_I(3));
    if (!st) return ZT_EINTERNAL;
    out->n = 0;
    out->t = NULL;
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        town *t = realloc(out->t, (size_t)(out->n + 1) * sizeof *t);
        if (!t) abort();
        out->t = t;
        snprintf(t[out->n].code, sizeof t[out->n].code, "%s", zt_col_text(st, 0));
        snprintf(t[out->n].county, sizeof t[out->n].county, "%s", zt_col_text(st, 1));
        snprintf(t[out->n].name, sizeof t[out->n].name, "%s", zt_col_text(st, 2));
        out->n++;
    }
    zt_db_release(db);
    if (zt_step_failed(rc)) return rc;
    if (!out->n) return zt_fail(e, ZT_EINVAL, "regions", "没有乡镇（街道）区划数据：先运行 zhengtong init 导入区划");
    return ZT_OK;
}

/* The 18th character of an ID number (GB 11643, ISO 7064 MOD 11-2). */
static char id_check(const char *s17) {
    static const int W[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (s17[i] - '0') * W[i];
    return "10X98765432"[sum % 11];
}

static const char USCC_CHARS[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int uscc_val(char c) {
    const char *p = strchr(USCC_CHARS, c);
    return p ? (int)(p - USCC_CHARS) : 0;
}

/* A credit code: 9 (工商) 1 (企业), the county, a GB 11714 organisation code
 * (8 characters and its check), the GB 32100 check character. */
static void make_uscc(rng *r, const char *county, char out[19]) {
    static const char ORG[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int W9[] = {3, 7, 9, 10, 5, 8, 4, 2};
    static const int W18[] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    memcpy(out, "91", 2);
    memcpy(out + 2, county, 6);
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        char c = ORG[pick(r, i == 0 ? 10 : 31)];
        out[8 + i] = c;
        sum += (c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10) * W9[i]; /* GB 11714: A = 10 .. Z = 35 */
    }
    int c9 = 11 - sum % 11;
    out[16] = c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
    sum = 0;
    for (int i = 0; i < 17; i++) sum += uscc_val(out[i]) * W18[i];
    out[17] = USCC_CHARS[(31 - sum % 31) % 31];
    out[18] = 0;
}

typedef struct {
    char vals[11][160];
} row;

static void gen_person(rng *r, const towns *ts, row *o) {
    const town *t = &ts->t[pick(r, ts->n)];
    int y = 1940 + pick(r, 68), m = 1 + pick(r, 12), d = 1 + pick(r, 28), seq = pick(r, 1000);
    char s17[32];
    snprintf(s17, sizeof s17, "%s%04d%02d%02d%03d", t->county, y, m, d, seq);
    snprintf(o->vals[0], sizeof o->vals[0], "%s%c", s17, id_check(s17));
    int two = pick(r, 3) != 0;
    snprintf(o->vals[1], sizeof o->vals[1], "%s%s%s", SURNAMES[pick(r, 52)], GIVEN[pick(r, 56)],
             two ? GIVEN[pick(r, 56)] : "");
    snprintf(o->vals[2], sizeof o->vals[2], "%s", seq % 2 ? "男" : "女"); /* the 17th digit: odd for men */
    snprintf(o->vals[3], sizeof o->vals[3], "%04d-%02d-%02d", y, m, d);
    snprintf(o->vals[4], sizeof o->vals[4], "%s", ETHNIC[pick(r, 20)]);
    snprintf(o->vals[5], sizeof o->vals[5], "%s", t->code);
    snprintf(o->vals[6], sizeof o->vals[6], "江西省萍乡市%s%s%d号", t->name, ROADS[pick(r, 8)], 1 + pick(r, 300));
    snprintf(o->vals[7], sizeof o->vals[7], "%s", y > 2000 ? "未婚" : MARITAL[pick(r, 6)]);
    snprintf(o->vals[8], sizeof o->vals[8], "%s", EDU[pick(r, 7)]);
    snprintf(o->vals[9], sizeof o->vals[9], "1%d%09d", 3 + pick(r, 7), pick(r, 1000000000));
}

static void gen_legal(rng *r, const towns *ts, row *o) {
    const town *t = &ts->t[pick(r, ts->n)];
    char code[19];
    make_uscc(r, t->county, code);
    snprintf(o->vals[0], sizeof o->vals[0], "%s", code);
    snprintf(o->vals[1], sizeof o->vals[1], "萍乡市%s%s%s%s", WORDS[pick(r, 20)], WORDS[pick(r, 20)],
             TRADES[pick(r, 16)], FORMS[pick(r, 3)]);
    snprintf(o->vals[2], sizeof o->vals[2], "%s", KINDS[pick(r, 4)]);
    snprintf(o->vals[3], sizeof o->vals[3], "%s%s%s", SURNAMES[pick(r, 52)], GIVEN[pick(r, 56)], GIVEN[pick(r, 56)]);
    snprintf(o->vals[4], sizeof o->vals[4], "%d", 10 + pick(r, 5000));
    snprintf(o->vals[5], sizeof o->vals[5], "%04d-%02d-%02d", 1995 + pick(r, 31), 1 + pick(r, 12), 1 + pick(r, 28));
    snprintf(o->vals[6], sizeof o->vals[6], "%s", t->code);
    snprintf(o->vals[7], sizeof o->vals[7], "江西省萍乡市%s%s%d号", t->name, ROADS[pick(r, 8)], 1 + pick(r, 300));
    snprintf(o->vals[8], sizeof o->vals[8], "%s", SCOPES[pick(r, 7)]);
    snprintf(o->vals[9], sizeof o->vals[9], "%s", STATUS[pick(r, 10)]);
}

#define PERSON_INSERT                                                                                                  \
    "INSERT INTO ex_persons (id_number, name, sex, birth_date, ethnicity, region_code, address, marital, education,"   \
    " phone, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
#define LEGAL_INSERT                                                                                                   \
    "INSERT INTO ex_legal_persons (uscc, name, kind, representative, capital, established, region_code, address,"      \
    " business_scope, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"

typedef struct {
    int64_t persons, legal, seed;
    int64_t added_persons, added_legal;
} gen_arg;

/* Insert until n new rows were added (a generated key that exists is
 * skipped); at most 4n attempts. */
static zt_err fill(zt_db *db, const char *sql, void (*gen)(rng *, const towns *, row *), rng *r, const towns *ts,
                   int64_t n, int64_t *added, zt_error *e) {
    int64_t now = zt_now();
    row o;
    for (int64_t tries = 0; *added < n && tries < 4 * n + 16; tries++) {
        gen(r, ts, &o);
        zt_stmt *st = zt_db_prepare(db, sql, e);
        if (!st) return ZT_EINTERNAL;
        for (int i = 0; i < 10; i++) {
            if (i == 4 && gen == gen_legal)
                zt_bind_int(st, 5, strtoll(o.vals[4], NULL, 10));
            else
                zt_bind_text(st, i + 1, o.vals[i]);
        }
        zt_bind_int(st, 11, now);
        zt_err rc = zt_step_done(st, e);
        if (rc) return rc;
        *added += zt_db_changes(db);
    }
    return ZT_OK;
}

static zt_err gen_write(zt_db *db, void *arg, zt_error *e) {
    gen_arg *g = arg;
    towns ts;
    zt_err rc = load_towns(db, &ts, e);
    if (rc) return rc;
    rng r = {(uint64_t)g->seed};
    rng r2 = {(uint64_t)g->seed ^ 0x5bd1e995u};
    rc = fill(db, PERSON_INSERT, gen_person, &r, &ts, g->persons, &g->added_persons, e);
    if (!rc) rc = fill(db, LEGAL_INSERT, gen_legal, &r2, &ts, g->legal, &g->added_legal, e);
    free(ts.t);
    /* the city's citizen accounts are in the population database too (so
     * that "who read my data" has a record to show): their name and what
     * the ID number says (birth date, sex, the county of registration) */
    if (!rc)
        rc = zt_db_run(db, e,
                       "INSERT INTO ex_persons (id_number, name, sex, birth_date, ethnicity, region_code, address,"
                       " marital, education, phone, updated_at)"
                       " SELECT u.id_number, u.name, CASE WHEN substr(u.id_number, 17, 1) IN ('1','3','5','7','9')"
                       " THEN '男' ELSE '女' END, substr(u.id_number, 7, 4) || '-' || substr(u.id_number, 11, 2) || '-'"
                       " || substr(u.id_number, 13, 2), '汉族', substr(u.id_number, 1, 6), '', '', '', '', ?"
                       " FROM users u WHERE u.role = 'citizen' AND u.id_number IS NOT NULL"
                       " AND length(u.id_number) = 18 ON CONFLICT DO NOTHING",
                       ZT_I(zt_now()));
    if (!rc) g->added_persons += zt_db_changes(db);
    return rc;
}

/* --- the raw reference ------------------------------------------------------ */

typedef struct {
    rng r;
    towns ts;
    row o;
    const char *ptrs[11];
    char now[24];
} raw_ctx;

static const char *const *raw_next(void *arg) {
    raw_ctx *x = arg;
    gen_person(&x->r, &x->ts, &x->o);
    for (int i = 0; i < 10; i++) x->ptrs[i] = x->o.vals[i];
    x->ptrs[10] = x->now;
    return x->ptrs;
}

static double secs(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int64_t opt_num(int argc, char **argv, const char *name, int64_t def, int64_t max) {
    for (int i = 0; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) {
            char *end;
            long long v = strtoll(argv[i + 1], &end, 10);
            return *end || v < 0 || v > max ? -1 : v;
        }
    return def;
}

static const char *opt_str(int argc, char **argv, const char *name) {
    for (int i = 0; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return NULL;
}

static int gen_base(zt_app *app, int argc, char **argv) {
    gen_arg g = {.persons = opt_num(argc, argv, "--persons", 200000, 100000000),
                 .legal = opt_num(argc, argv, "--legal", 20000, 10000000),
                 .seed = opt_num(argc, argv, "--seed", 20261208, INT64_MAX)};
    if (g.persons < 0 || g.legal < 0 || g.seed < 0) {
        fputs("zhengtong: --persons, --legal and --seed take non-negative numbers\n", stderr);
        return 2;
    }
    zt_error e = {0};
    double t0 = secs();
    if (zt_store_write(app->store, gen_write, &g, &e)) {
        fprintf(stderr, "zhengtong: gen-base: %s\n", e.message);
        return 1;
    }
    double dt = secs() - t0;
    int64_t rows = g.added_persons + g.added_legal;
    printf("gen-base: %lld persons, %lld legal persons added in %.2f s (%.0f rows/s, one transaction)\n",
           (long long)g.added_persons, (long long)g.added_legal, dt, dt > 0 ? (double)rows / dt : 0.0);
    const char *raw = opt_str(argc, argv, "--raw");
    if (raw && g.persons) {
        raw_ctx x = {.r = {(uint64_t)g.seed}};
        zt_db *db = zt_store_reader(app->store);
        if (load_towns(db, &x.ts, &e)) {
            fprintf(stderr, "zhengtong: gen-base: %s\n", e.message);
            return 1;
        }
        snprintf(x.now, sizeof x.now, "%lld", (long long)zt_now());
        double rt;
        char err[256];
        if (zt_rawbench_insert(raw,
                               "CREATE TABLE ex_persons (id_number TEXT PRIMARY KEY, name TEXT NOT NULL, sex TEXT NOT"
                               " NULL, birth_date TEXT NOT NULL, ethnicity TEXT NOT NULL, region_code TEXT NOT NULL,"
                               " address TEXT NOT NULL, marital TEXT NOT NULL, education TEXT NOT NULL, phone TEXT NOT"
                               " NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;"
                               " CREATE INDEX ex_persons_name ON ex_persons(name);",
                               PERSON_INSERT, 11, g.persons, raw_next, &x, &rt, err, sizeof err)) {
            fprintf(stderr, "zhengtong: gen-base --raw: %s\n", err);
            free(x.ts.t);
            return 1;
        }
        free(x.ts.t);
        double ours = dt > 0 ? (double)rows / dt : 0, theirs = rt > 0 ? (double)g.persons / rt : 0;
        printf("raw SQLite reference: %lld persons in %.2f s (%.0f rows/s); the platform's rate is %.2fx of it\n",
               (long long)g.persons, rt, theirs, theirs > 0 ? ours / theirs : 0);
    }
    return 0;
}

int zt_exchange_cli(zt_app *app, int argc, char **argv) {
    if (app && argc >= 2 && !strcmp(argv[1], "bench-calls")) {
        int64_t n = opt_num(argc, argv, "--calls", 20000, 10000000);
        if (n < 1) {
            fputs("zhengtong: --calls takes a positive number\n", stderr);
            return 2;
        }
        return ex_bench_calls(app, n);
    }
    if (argc < 2 || !strcmp(argv[1], "--help") || strcmp(argv[1], "gen-base")) {
        puts("usage: zhengtong exchange gen-base [--persons N] [--legal N] [--seed S] [--raw FILE]\n"
             "Adds N generated persons (default 200000) and N legal persons (default 20000) to the base\n"
             "databases the exchange serves: valid ID numbers (GB 11643) and credit codes (GB 32100), regions\n"
             "from the imported division data; the same seed gives the same rows. One transaction.\n"
             "--raw FILE also inserts the same persons into a new SQLite file with SQLite's API alone and\n"
             "prints the platform's rate against it (docs/exchange.md).\n"
             "usage: zhengtong exchange bench-calls [--calls N]\n"
             "Times N exchange reads with their call log (written in batches, then one transaction per call)\n"
             "against raw indexed SQLite reads. It writes log rows and ledger entries: use a scratch database.");
        return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
    }
    return gen_base(app, argc - 1, argv + 1);
}

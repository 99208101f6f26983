/* uploads.c - materials uploaded by applicants and staff.
 *
 * POST /api/uploads?name=申请表.pdf with the file's bytes as the body. The
 * type is decided by the bytes, never by the name or the Content-Type: PDF
 * ("%PDF-"), OFD (a ZIP whose central directory holds OFD.xml, GB/T 33190),
 * JPEG and PNG by their signatures; anything else (an executable renamed
 * .pdf included) gets 415. The bytes are stored once per SHA-256 under
 * services.files_dir/ab/cd/<hash>, written to a temporary file, fsynced and
 * renamed, so a stored file is always whole. The upload row records who
 * uploaded it under which name; cases refer to uploads by id.
 *
 * The body never sits in memory: the server admits the upload on its head
 * (who asks, the route's roles, the size announced) and writes the body to
 * a file in the spool directory as it arrives (ZT_ROUTE_SPOOL). The handler
 * maps that file to sniff and hash it, and renames it into place. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/tsv.h"
#include "ledger/record.h"
#include "services/services.h"

/* --- sniffing -------------------------------------------------------- */

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }

/* An OFD package is a ZIP archive with OFD.xml at its root (GB/T 33190-2016
 * §7.4). Find the end-of-central-directory record (within the last 64 KiB +
 * 22 bytes), then walk the central directory's entries for that name. */
static int zip_has_ofd_xml(const unsigned char *d, size_t len) {
    if (len < 22) return 0;
    size_t lo = len > 65557 ? len - 65557 : 0;
    for (size_t i = len - 22 + 1; i-- > lo;) {
        if (le32(d + i) != 0x06054b50u) continue;
        uint32_t entries = le16(d + i + 10), size = le32(d + i + 12), off = le32(d + i + 16);
        if ((size_t)off > i || (size_t)size > i - off) continue;
        size_t p = off, end = (size_t)off + size;
        for (uint32_t k = 0; k < entries; k++) {
            if (end - p < 46 || le32(d + p) != 0x02014b50u) break;
            size_t nlen = le16(d + p + 28), xlen = le16(d + p + 30), clen = le16(d + p + 32);
            if (end - p - 46 < nlen) break;
            if (nlen == 7 && memcmp(d + p + 46, "OFD.xml", 7) == 0) return 1;
            size_t step = 46 + nlen + xlen + clen;
            if (end - p < step) break;
            p += step;
        }
        return 0;
    }
    return 0;
}

const char *zt_sniff_type(const unsigned char *d, size_t len) {
    if (len >= 5 && memcmp(d, "%PDF-", 5) == 0) return "application/pdf";
    if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) return "image/png";
    if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return "image/jpeg";
    if (len >= 4 && memcmp(d, "PK\x03\x04", 4) == 0 && zip_has_ofd_xml(d, len)) return "application/ofd";
    return NULL;
}

/* --- storage --------------------------------------------------------- */

static size_t upload_limit = 20u << 20;

void zt_uploads_set_limit(size_t bytes) { upload_limit = bytes; }

static char *files_dir(const zt_config *cfg) { return zt_config_path(cfg, cfg->files_dir, "files"); }

char *zt_uploads_spool_dir(const zt_config *cfg) {
    char *root = files_dir(cfg);
    size_t n = strlen(root) + sizeof "/spool";
    char *dir = zt_malloc(n);
    snprintf(dir, n, "%s/spool", root);
    free(root);
    return dir;
}

static int mkdir_p(const char *dir) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0750) && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(tmp, 0750) && errno != EEXIST ? -1 : 0;
}

static int fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* The path of a stored file (dir/ab/cd/hash), into out. */
static void file_path(const char *root, const char *hex, char *out, size_t cap) {
    snprintf(out, cap, "%s/%.2s/%.2s/%s", root, hex, hex + 2, hex);
}

/* Move the spooled body (tmp, len bytes) into place durably, unless the
 * same content is already there (the spooled file is then left to the
 * server, which removes it). */
static zt_err store_file(zt_req *r, const zt_config *cfg, const char *hex, const char *tmp, size_t len, zt_error *e) {
    char *root = files_dir(cfg);
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/%.2s/%.2s", root, hex, hex + 2);
    file_path(root, hex, path, sizeof path);
    free(root);
    struct stat sb;
    if (stat(path, &sb) == 0 && (size_t)sb.st_size == len) return ZT_OK;
    if (mkdir_p(dir)) return zt_fail(e, ZT_EUNAVAIL, "file", "无法创建文件目录 %s：%s", dir, strerror(errno));
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    int ok = fd >= 0 && fchmod(fd, 0640) == 0 && fsync(fd) == 0;
    int err = errno;
    if (fd >= 0) close(fd);
    if (!ok || rename(tmp, path)) {
        if (ok) err = errno;
        return zt_fail(e, ZT_EUNAVAIL, "file", "无法保存文件：%s", strerror(err));
    }
    zt_req_body_keep(r); /* it is the stored file now */
    if (fsync_dir(dir)) return zt_fail(e, ZT_EUNAVAIL, "file", "无法保存文件：%s", strerror(errno));
    return ZT_OK;
}

/* --- the upload row -------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    const char *hex, *mime, *name;
    size_t size;
    int64_t id;
} upload_arg;

static zt_err upload_write(zt_db *db, void *arg, zt_error *e) {
    upload_arg *a = arg;
    zt_stmt *st = zt_db_query(
        db, e, "INSERT INTO files (sha256, mime, size, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
        ZT_T(a->hex), ZT_T(a->mime), ZT_I((int64_t)a->size), ZT_I(zt_now()));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    st = zt_db_query(db, e,
                     "INSERT INTO uploads (sha256, filename, owner_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                     ZT_T(a->hex), ZT_T(a->name), ZT_I(a->p->user_id), ZT_I(zt_now()));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (s != ZT_ROW) return zt_step_failed(s) ? s : ZT_EINTERNAL;
    a->id = zt_col_int(st, 0);
    zt_db_release(db);
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)a->id);
    json_t *detail = json_pack("{s:s,s:s,s:s,s:I}", "sha256", a->hex, "mime", a->mime, "filename", a->name, "size",
                               (json_int_t)a->size);
    rc = zt_record(db, a->p, "upload.create", "upload", idtext, a->p->user_id, detail, e);
    json_decref(detail);
    return rc;
}

/* --- files that crossed from the other zone (docs/zones.md) ---------------- */

char *zt_upload_file_path(const zt_config *cfg, const char *hex) {
    char *root = files_dir(cfg), path[4200];
    file_path(root, hex, path, sizeof path);
    free(root);
    return zt_strdup(path);
}

zt_err zt_upload_import(zt_db *db, const zt_config *cfg, const zt_principal *p, const char *filename,
                        const unsigned char *data, size_t len, int64_t *id, zt_error *e) {
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    const char *mime = zt_sniff_type(data, len);
    if (!mime) return zt_fail(e, ZT_EMEDIA, "file", "只接受 PDF、OFD、JPEG 或 PNG 文件");
    char *root = files_dir(cfg);
    char dir[4096], path[4200], tmp[4300];
    snprintf(dir, sizeof dir, "%s/%.2s/%.2s", root, hex, hex + 2);
    file_path(root, hex, path, sizeof path);
    free(root);
    struct stat sb;
    if (!(stat(path, &sb) == 0 && (size_t)sb.st_size == len)) {
        if (mkdir_p(dir)) return zt_fail(e, ZT_EUNAVAIL, "file", "无法创建文件目录 %s：%s", dir, strerror(errno));
        snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
        int fd = mkstemp(tmp);
        size_t off = 0;
        while (fd >= 0 && off < len) {
            ssize_t n = write(fd, data + off, len - off);
            if (n <= 0 && errno != EINTR) break;
            if (n > 0) off += (size_t)n;
        }
        int ok = fd >= 0 && off == len && fchmod(fd, 0640) == 0 && fsync(fd) == 0;
        int err = errno;
        if (fd >= 0) close(fd);
        if (!ok || rename(tmp, path) || fsync_dir(dir)) {
            if (ok) err = errno;
            unlink(tmp);
            return zt_fail(e, ZT_EUNAVAIL, "file", "无法保存文件：%s", strerror(err));
        }
    }
    upload_arg a = {.p = p, .hex = hex, .mime = mime, .name = filename, .size = len};
    zt_err rc = upload_write(db, &a, e);
    if (!rc) *id = a.id;
    return rc;
}

/* A file name as shown to people: 1-200 characters of clean UTF-8, no path
 * separators or control characters. */
static zt_err check_name(const char *name, zt_error *e) {
    if (!name || !*name) return zt_fail(e, ZT_EINVAL, "name", "请在 ?name= 中给出文件名");
    size_t chars = 0;
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        if (*s < 0x20 || *s == 0x7f || *s == '/' || *s == '\\')
            return zt_fail(e, ZT_EINVAL, "name", "文件名不能含有路径分隔符或控制字符");
        if ((*s & 0xC0) != 0x80) chars++;
    }
    char copy[1024];
    if (strlen(name) >= sizeof copy || chars > 200) return zt_fail(e, ZT_EINVAL, "name", "文件名不能超过 200 个字符");
    snprintf(copy, sizeof copy, "%s", name);
    zt_utf8_clean(copy);
    if (strcmp(copy, name) != 0) return zt_fail(e, ZT_EINVAL, "name", "文件名不是合法的 UTF-8 文本");
    if (!strcmp(name, ".") || !strcmp(name, "..")) return zt_fail(e, ZT_EINVAL, "name", "文件名不合法");
    return ZT_OK;
}

static json_t *upload_json(int64_t id, const char *hex, const char *mime, int64_t size, const char *name,
                           int64_t created) {
    char ts[32];
    zt_time_format(created, ts);
    return json_pack("{s:I,s:s,s:s,s:I,s:s,s:s}", "id", (json_int_t)id, "sha256", hex, "mime", mime, "size",
                     (json_int_t)size, "filename", name, "created_at", ts);
}

/* --- quotas ------------------------------------------------------------ */

/* An account's two upload quotas (issue #22 F13): files per hour and bytes
 * per day; both or neither are taken. */
typedef struct {
    zt_quota q[2];
    int64_t now, retry;
} upload_quota;

static void upload_quotas(const zt_config *cfg, const zt_principal *p, size_t len, char *who, size_t cap,
                          upload_quota *u) {
    snprintf(who, cap, "user/%lld", (long long)p->user_id);
    u->q[0] = (zt_quota){"quota.uploads_per_hour", "上传文件数", who, 3600, cfg->quota_uploads, 1, 0};
    u->q[1] =
        (zt_quota){"quota.upload_bytes_per_day", "上传文件总量", who, 86400, cfg->quota_upload_bytes, (int64_t)len, 1};
    u->now = zt_now();
    u->retry = 0;
}

static zt_err take_quotas(zt_db *db, void *arg, zt_error *e) {
    upload_quota *u = arg;
    zt_err rc = zt_quota_take(db, &u->q[0], u->now, &u->retry, e);
    return rc ? rc : zt_quota_take(db, &u->q[1], u->now, &u->retry, e);
}

/* The sweep deletes a file whose last upload expired after its write
 * committed; an upload of the same bytes meanwhile would find the file there
 * (store_file skips it) and lose it. Uploads in flight hold this shared;
 * the sweep holds it alone from its write to the last unlink. */
static pthread_rwlock_t files_lock = PTHREAD_RWLOCK_INITIALIZER;

static zt_err h_upload(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const char *name = zt_req_query(r, "name");
    zt_err rc = check_name(name, e);
    if (rc) return rc;
    size_t len;
    const char *tmp = zt_req_body_file(r, &len);
    if (!tmp || len == 0) return zt_fail(e, ZT_EINVAL, "file", "文件是空的");
    /* mapped, not read: the pages are the file's (the page cache), never
     * the process's own memory */
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    void *map = fd >= 0 ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    int err = errno;
    if (fd >= 0) close(fd);
    if (map == MAP_FAILED) return zt_fail(e, ZT_EUNAVAIL, "file", "无法读取上传的文件：%s", strerror(err));
    const unsigned char *body = map;
    const char *mime = zt_sniff_type(body, len);
    unsigned char h[crypto_hash_sha256_BYTES];
    if (mime) crypto_hash_sha256(h, body, len);
    munmap(map, len);
    if (!mime)
        return zt_fail(e, ZT_EMEDIA, "file",
                       "不支持的文件类型：只接受 PDF、OFD、JPEG、PNG 文件（按文件内容判断，与扩展名无关）");
    /* the quotas are taken before the bytes go to disk: a refused upload
     * stores nothing; one that fails later keeps its share taken */
    char who[40];
    upload_quota u;
    upload_quotas(app->cfg, zt_req_principal(r), len, who, sizeof who, &u);
    if ((rc = zt_store_write(app->store, take_quotas, &u, e))) {
        if (rc == ZT_ETHROTTLED) zt_quota_retry_after(r, u.retry);
        return rc;
    }
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    upload_arg a = {zt_req_principal(r), hex, mime, name, len, 0};
    pthread_rwlock_rdlock(&files_lock);
    if (!(rc = store_file(r, app->cfg, hex, tmp, len, e))) rc = zt_store_write(app->store, upload_write, &a, e);
    pthread_rwlock_unlock(&files_lock);
    if (rc) return rc;
    zt_reply_json(r, 201, upload_json(a.id, hex, mime, (int64_t)len, name, zt_now()));
    return ZT_OK;
}

zt_err zt_upload_check(zt_db *db, int64_t upload_id, int64_t user_id, const char *field, zt_error *e) {
    zt_stmt *st =
        zt_db_query(db, e, "SELECT 1 FROM uploads WHERE id = ? AND owner_id = ?", ZT_I(upload_id), ZT_I(user_id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    zt_db_release(db);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) return zt_fail(e, ZT_EINVAL, field, "上传文件 %lld 不存在或不是您上传的", (long long)upload_id);
    return ZT_OK;
}

/* May p read upload id? Its owner; staff of a department with a case that
 * holds it; supervisors, auditors and administrators (within their region
 * for supervisors). */
static int may_read(zt_db *db, const zt_principal *p, int64_t id, int64_t owner, zt_error *e) {
    if (p->user_id == owner || (p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR))) return 1;
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT c.dept_id, c.region_code, c.applicant_id FROM case_materials m"
                              " JOIN cases c ON c.id = m.case_id WHERE m.upload_id = ?",
                              ZT_I(id));
    if (!st) return 0;
    int ok = 0;
    while (!ok && zt_step(st, e) == ZT_ROW) {
        if ((p->role_bit & (ZT_R_CLERK | ZT_R_DEPT_HEAD)) && p->dept_id == zt_col_int(st, 0)) ok = 1;
        if ((p->role_bit & ZT_R_SUPERVISOR) && zt_region_within(zt_col_text(st, 1), p->region)) ok = 1;
        if (p->user_id == zt_col_int(st, 2)) ok = 1;
    }
    return ok;
}

/* GET /api/uploads/{id}: the bytes, as an attachment. */
static zt_err h_download(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    int64_t id;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT u.sha256, f.mime, f.size, u.filename, u.owner_id FROM uploads u"
                              " JOIN files f ON f.sha256 = u.sha256 WHERE u.id = ?",
                              ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "文件不存在");
    zt_arena *A = zt_req_arena(r);
    char *hex = zt_arena_strdup(A, zt_col_text(st, 0)), *mime = zt_arena_strdup(A, zt_col_text(st, 1));
    char *name = zt_arena_strdup(A, zt_col_text(st, 3));
    int64_t size = zt_col_int(st, 2), owner = zt_col_int(st, 4);
    zt_db_release(db);
    if (!may_read(db, zt_req_principal(r), id, owner, e)) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "id", "文件不存在");
    }
    zt_db_release(db);
    char *root = files_dir(app->cfg);
    char path[4200];
    file_path(root, hex, path, sizeof path);
    free(root);
    size_t len;
    zt_error fe;
    char *data = zt_read_file(path, &len, &fe);
    if (!data || (int64_t)len != size) {
        free(data);
        return zt_fail(e, ZT_EINTERNAL, "id", "文件内容缺失，请联系管理员");
    }
    /* RFC 6266 / RFC 8187: an ASCII fallback and the UTF-8 name */
    char disp[1400], *q = disp;
    q += snprintf(q, 64, "attachment; filename=\"upload-%lld\"; filename*=UTF-8''", (long long)id);
    for (const unsigned char *s = (const unsigned char *)name; *s && q < disp + sizeof disp - 4; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("-._~", *s))
            *q++ = (char)*s;
        else
            q += snprintf(q, 4, "%%%02X", *s);
    }
    *q = 0;
    zt_reply_data(r, 200, mime, data, len);
    zt_reply_header(r, "Content-Disposition", disp);
    free(data);
    return ZT_OK;
}

/* GET /api/my/uploads: what I uploaded, newest first. */
static zt_err h_mine(zt_req *r, zt_error *e) {
    int64_t limit, offset;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(((zt_app *)zt_req_app(r))->store);
    const zt_principal *p = zt_req_principal(r);
    zt_stmt *st = zt_db_query(db, e, "SELECT count(*) FROM uploads WHERE owner_id = ?", ZT_I(p->user_id));
    if (!st) return ZT_EINTERNAL;
    int64_t total = zt_step(st, e) == ZT_ROW ? zt_col_int(st, 0) : 0;
    st = zt_db_query(db, e,
                     "SELECT u.id, u.sha256, f.mime, f.size, u.filename, u.created_at FROM uploads u"
                     " JOIN files f ON f.sha256 = u.sha256 WHERE u.owner_id = ? ORDER BY u.id DESC LIMIT ? OFFSET ?",
                     ZT_I(p->user_id), ZT_I(limit), ZT_I(offset));
    if (!st) return ZT_EINTERNAL;
    json_t *items = json_array();
    while (zt_step(st, e) == ZT_ROW)
        json_array_append_new(items, upload_json(zt_col_int(st, 0), zt_col_text(st, 1), zt_col_text(st, 2),
                                                 zt_col_int(st, 3), zt_col_text(st, 4), zt_col_int(st, 5)));
    zt_reply_json(r, 200, zt_page_json(items, total, limit, offset));
    return ZT_OK;
}

/* --- expiry ------------------------------------------------------------ */

#define EXPIRE_BATCH 500 /* uploads per write; a bigger backlog takes several */
#define SCAN_PAGE    2000

static const zt_principal SWEEPER = {
    .role_bit = ZT_R_SYSTEM, .role = "system", .login = "system", .name = "过期上传清理"};

/* Every upload below this id is held by a case or gone: a case never lets
 * go of a material, and ids are never given again (migration 011), so the
 * next sweep starts here instead of reading every upload ever made. In
 * memory: after a restart the first sweep reads them all once. Sweeps run
 * one at a time (zt_services_sweep). */
static int64_t swept_below;

typedef struct {
    int64_t before;
    const int64_t *ids; /* candidates, judged again inside the write */
    size_t n;
    int expired;
    char (*gone)[65]; /* files whose last upload went: unlinked after the commit */
    size_t ngone;
} expire_arg;

/* One batch: each candidate still unheld and old enough goes, recorded (its
 * owner reads the entry, as he read upload.create), and its file row when no
 * other upload shares the bytes. */
static zt_err expire_write(zt_db *db, void *arg, zt_error *e) {
    expire_arg *a = arg;
    a->ngone = 0;
    a->expired = 0;
    for (size_t i = 0; i < a->n; i++) {
        zt_stmt *st = zt_db_query(db, e,
                                  "SELECT u.sha256, u.owner_id, u.filename, f.size, u.created_at FROM uploads u"
                                  " JOIN files f ON f.sha256 = u.sha256 WHERE u.id = ? AND u.created_at < ? AND NOT"
                                  " EXISTS (SELECT 1 FROM case_materials m WHERE m.upload_id = u.id)",
                                  ZT_I(a->ids[i]), ZT_I(a->before));
        if (!st) return ZT_EINTERNAL;
        zt_err rc = zt_step(st, e);
        if (zt_step_failed(rc)) return rc;
        if (rc == ZT_DONE) { /* attached (or gone) since the scan */
            zt_db_release(db);
            continue;
        }
        char hex[65], ts[32];
        snprintf(hex, sizeof hex, "%s", zt_col_text(st, 0));
        int64_t owner = zt_col_int(st, 1);
        zt_time_format(zt_col_int(st, 4), ts);
        json_t *detail = json_pack("{s:s,s:s,s:I,s:s,s:s}", "sha256", hex, "filename", zt_col_text(st, 2), "size",
                                   (json_int_t)zt_col_int(st, 3), "created_at", ts, "reason",
                                   "上传后未用于任何办件，已超过保留期限");
        zt_db_release(db);
        char idtext[24];
        snprintf(idtext, sizeof idtext, "%lld", (long long)a->ids[i]);
        if (!(rc = zt_db_run(db, e, "DELETE FROM uploads WHERE id = ?", ZT_I(a->ids[i]))) &&
            !(rc = zt_db_run(
                  db, e, "DELETE FROM files WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM uploads WHERE sha256 = ?)",
                  ZT_T(hex), ZT_T(hex)))) {
            if (zt_db_changes(db) > 0) memcpy(a->gone[a->ngone++], hex, sizeof hex);
            rc = zt_record(db, &SWEEPER, "upload.expire", "upload", idtext, owner, detail, e);
        }
        json_decref(detail);
        if (rc) return rc;
        a->expired++;
    }
    return ZT_OK;
}

/* The candidates from swept_below on: uploads older than before that no
 * case holds, into *ids (malloc'd); *mark gets the new swept_below (the
 * first upload that is neither held nor expiring, or past the last). */
static zt_err expire_scan(zt_db *db, int64_t before, int64_t **ids, size_t *n, int64_t *mark, zt_error *e) {
    size_t cap = 0;
    int64_t from = swept_below, blocked = 0;
    *ids = NULL;
    *n = 0;
    *mark = from;
    for (;;) {
        zt_stmt *st = zt_db_query(db, e,
                                  "SELECT u.id, u.created_at, EXISTS (SELECT 1 FROM case_materials m WHERE"
                                  " m.upload_id = u.id) FROM uploads u WHERE u.id >= ? ORDER BY u.id LIMIT ?",
                                  ZT_I(from), ZT_I(SCAN_PAGE));
        if (!st) return ZT_EINTERNAL;
        zt_err rc;
        int rows = 0;
        while ((rc = zt_step(st, e)) == ZT_ROW) {
            int64_t id = zt_col_int(st, 0);
            int held = zt_col_int(st, 2) != 0, old = zt_col_int(st, 1) < before;
            rows++;
            from = id + 1;
            if (!held && old) {
                if (*n == cap) *ids = zt_realloc(*ids, (cap = cap ? cap * 2 : 64) * sizeof **ids);
                (*ids)[(*n)++] = id;
            } else if (!held && !blocked) {
                blocked = id; /* a young loose upload: the next sweep looks again from here */
            }
        }
        zt_db_release(db);
        if (zt_step_failed(rc)) return rc;
        if (rows < SCAN_PAGE) break;
    }
    *mark = blocked ? blocked : from;
    return ZT_OK;
}

zt_err zt_uploads_expire(zt_app *app, int64_t now, int *n, zt_error *e) {
    expire_arg a = {.before = now - app->cfg->upload_ttl};
    int64_t *ids, mark;
    size_t count;
    int total = 0;
    zt_err rc = expire_scan(zt_store_reader(app->store), a.before, &ids, &count, &mark, e);
    char *root = files_dir(app->cfg);
    a.gone = zt_malloc(EXPIRE_BATCH * sizeof *a.gone);
    for (size_t i = 0; !rc && i < count; i += a.n) {
        a.ids = ids + i;
        a.n = count - i < EXPIRE_BATCH ? count - i : EXPIRE_BATCH;
        pthread_rwlock_wrlock(&files_lock);
        rc = zt_store_write(app->store, expire_write, &a, e);
        for (size_t k = 0; !rc && k < a.ngone; k++) {
            char path[4200];
            file_path(root, a.gone[k], path, sizeof path);
            if (unlink(path) && errno != ENOENT) zt_warn("expired upload: cannot remove %s: %s", path, strerror(errno));
        }
        pthread_rwlock_unlock(&files_lock);
        if (!rc) total += a.expired;
    }
    if (!rc) swept_below = mark;
    free(a.gone);
    free(ids);
    free(root);
    if (n) *n = total;
    return rc;
}

#define UPLOADERS (ZT_R_PEOPLE | ZT_R_CLERK | ZT_R_DEPT_HEAD)

static zt_route routes[] = {
    {"POST", "/api/uploads", h_upload, UPLOADERS,
     "upload a material (body = the file; ?name=); PDF, OFD, JPEG or PNG by content", 0, ZT_ROUTE_SPOOL},
    {"GET", "/api/uploads/{id}", h_download, ZT_R_USERS, "download an upload (owner, case's department, supervision)"},
    {"GET", "/api/my/uploads", h_mine, UPLOADERS, "my uploads, newest first"},
};

const zt_route *zt_uploads_routes(size_t *n) {
    routes[0].max_body = upload_limit;
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

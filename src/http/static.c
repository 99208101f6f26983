/* static.c - files under web.root: content types, ETag/Last-Modified and
 * conditional GET, index.html for directories, no listings, no way out of
 * the root (dot segments refused, symlinks resolved and checked). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/internal.h"

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".ico", "image/x-icon"},
    {".webp", "image/webp"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".pdf", "application/pdf"},
    {".map", "application/json; charset=utf-8"},
};

static const char *content_type(const char *path) {
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

/* Refuse empty, "." and ".." segments, hidden files, backslashes and NULs
 * before touching the file system. */
static int safe_path(const char *p) {
    if (p[0] != '/') return 0;
    for (const char *s = p; *s; s++)
        if (*s == '\\') return 0;
    const char *seg = p + 1;
    while (*seg) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0 && end) return 0; /* "//" */
        if (n > 0 && seg[0] == '.') return 0;
        if (!end) break;
        seg = end + 1;
    }
    return 1;
}

static void not_found(zt_req *r) {
    static const char body[] = "{\"error\":{\"code\":\"not_found\",\"message\":\"文件不存在\"}}";
    zt_reply_data(r, 404, "application/json; charset=utf-8", body, sizeof body - 1);
}

int zt_static_serve(zt_req *r, const char *root) {
    const char *path = r->path;
    if (!safe_path(path)) {
        not_found(r);
        return 1;
    }
    char full[PATH_MAX], real[PATH_MAX];
    const char *rootreal = root; /* resolved once at start (zt_server_start) */
    int n = snprintf(full, sizeof full, "%s%s", rootreal, path);
    if (n < 0 || (size_t)n >= sizeof full) {
        not_found(r);
        return 1;
    }
    struct stat st;
    if (stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
        size_t len = strlen(full);
        n = snprintf(full + len, sizeof full - len, "%sindex.html", full[len - 1] == '/' ? "" : "/");
        if (n < 0 || (size_t)n >= sizeof full - len) {
            not_found(r);
            return 1;
        }
    }
    size_t rl = strlen(rootreal);
    if (!realpath(full, real) || strncmp(real, rootreal, rl) != 0 || (real[rl] != '/' && real[rl] != 0)) {
        not_found(r);
        return 1;
    }
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        not_found(r);
        return 1;
    }
    char etag[64], lastmod[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000 + (unsigned long long)st.st_mtim.tv_nsec / 1000000);
    struct tm tm;
    gmtime_r(&st.st_mtime, &tm);
    strftime(lastmod, sizeof lastmod, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    const char *inm = zt_req_header(r, "If-None-Match");
    const char *ims = zt_req_header(r, "If-Modified-Since");
    int fresh = inm ? strstr(inm, etag) != NULL : (ims && strcmp(ims, lastmod) == 0);
    if (fresh) {
        close(fd);
        zt_reply_empty(r, 304);
    } else {
        struct MHD_Response *resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
        MHD_add_response_header(resp, "Content-Type", content_type(real));
        zt_reply_mhd(r, 200, resp, (size_t)st.st_size);
    }
    MHD_add_response_header(r->resp, "ETag", etag);
    MHD_add_response_header(r->resp, "Last-Modified", lastmod);
    MHD_add_response_header(r->resp, "Cache-Control", "no-cache");
    return 1;
}

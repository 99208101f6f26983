/* fuzz_config.c - the configuration file parser: the input becomes the file
 * named by --config (an in-memory file) and zt_config_load reads it.
 *
 * Checked: the result is ZT_OK or ZT_EINVAL; an error message starts with
 * "PATH:N: " where N is a line of the file and is valid UTF-8; as lines are
 * independent settings, N is the first bad line: the lines before it load
 * and line N alone fails (so a long line must not be read as several); on
 * success --config and its value are consumed and every value is within its
 * documented bounds. */
#include <unistd.h>

#include "base/config.h"
#include "fuzz.h"

extern char **environ;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    /* ZT_* variables override the file: start from none, for repeatable runs */
    for (;;) {
        char name[256] = "";
        for (char **e = environ; e && *e; e++)
            if (strncmp(*e, "ZT_", 3) == 0) {
                size_t n = strcspn(*e, "=");
                if (n < sizeof name) {
                    memcpy(name, *e, n);
                    name[n] = '\0';
                    break;
                }
            }
        if (!name[0]) break;
        unsetenv(name);
    }
    return 0;
}

static const char *cfg_path;

/* Load the bytes as the configuration file. */
static zt_err load(const uint8_t *data, size_t size, zt_config *c, int *argc, char **argv, zt_error *e) {
    const char *path = cfg_path = fuzz_file(data, size);
    static char a0[] = "zhengtong", a1[] = "--config", a2[64], a3[] = "serve";
    snprintf(a2, sizeof a2, "%s", path);
    argv[0] = a0;
    argv[1] = a1;
    argv[2] = a2;
    argv[3] = a3;
    argv[4] = NULL;
    *argc = 4;
    zt_config_defaults(c);
    *e = (zt_error){0};
    return zt_config_load(c, argc, argv, e);
}

/* The line number an error message starts with ("PATH:N: "). */
static long error_line(const zt_error *e, const char *path) {
    size_t pl = strlen(path);
    FUZZ_CHECK(strncmp(e->message, path, pl) == 0 && e->message[pl] == ':');
    char *end;
    long line = strtol(e->message + pl + 1, &end, 10);
    FUZZ_CHECK(end[0] == ':' && end[1] == ' ');
    return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *argv[5];
    int argc;
    zt_config c;
    zt_error e;
    zt_err rc = load(data, size, &c, &argc, argv, &e);
    FUZZ_CHECK(rc == ZT_OK || rc == ZT_EINVAL);
    if (rc != ZT_OK) {
        size_t lines = 1;
        for (size_t i = 0; i + 1 < size; i++) lines += data[i] == '\n';
        long line = error_line(&e, cfg_path);
        FUZZ_CHECK(line >= 1 && (size_t)line <= lines);
        FUZZ_CHECK(fuzz_utf8_ok(e.message, strlen(e.message)));
        FUZZ_CHECK(fuzz_utf8_ok(e.field, strlen(e.field)));
        zt_config_free(&c);
        /* Lines are independent settings, so the named line is the first
         * bad one: the lines before it load, and it fails on its own. */
        size_t from = 0;
        for (long l = 1; l < line; l++)
            from = (size_t)((const uint8_t *)memchr(data + from, '\n', size - from) - data) + 1;
        const uint8_t *nl = memchr(data + from, '\n', size - from);
        size_t to = nl ? (size_t)(nl - data) + 1 : size;
        FUZZ_CHECK(load(data, from, &c, &argc, argv, &e) == ZT_OK);
        zt_config_free(&c);
        FUZZ_CHECK(load(data + from, to - from, &c, &argc, argv, &e) == ZT_EINVAL);
        FUZZ_CHECK(error_line(&e, cfg_path) == 1);
    } else {
        FUZZ_CHECK(argc == 2 && strcmp(argv[1], "serve") == 0 && argv[2] == NULL);
        FUZZ_CHECK(c.listen_port >= 0 && c.listen_port <= 65535);
        FUZZ_CHECK(c.http_threads >= 0 && c.http_threads <= 256);
        FUZZ_CHECK(c.http_max_body >= 1024 && c.cookie_secure >= 0 && c.cookie_secure <= 1);
        FUZZ_CHECK(c.listen_address && c.data_dir && c.db_path && c.web_root && c.log_file && c.timezone);
        FUZZ_CHECK(strcmp(c.store_synchronous, "FULL") == 0 || strcmp(c.store_synchronous, "NORMAL") == 0 ||
                   strcmp(c.store_synchronous, "EXTRA") == 0);
        char *db = zt_config_db_path(&c);
        FUZZ_CHECK(db && db[0]);
        free(db);
    }
    zt_config_free(&c);
    return 0;
}

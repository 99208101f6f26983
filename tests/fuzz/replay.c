/* replay.c - run a fuzz driver over its committed corpus without libFuzzer
 * (SQLite's fuzzcheck idea): `make fuzz-replay` links each
 * tests/fuzz/fuzz_NAME.c with this file and the normal (or ASan) objects, so
 * every input that fuzzing ever found interesting is re-checked by
 * `make test` with any compiler.
 *
 *   replay_NAME DIR_OR_FILE...
 *
 * Calls LLVMFuzzerInitialize (when the driver has one), then
 * LLVMFuzzerTestOneInput on every regular file, directories read in name
 * order. Prints how many inputs ran; a failed check or a sanitizer report
 * stops the run with the input's path on stderr. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Optional in the driver; NULL when it is not defined. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Present when linked with a sanitizer runtime. */
__attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

static char current[4096];

static void say_current(void) {
    if (!current[0]) return;
    static const char pre[] = "fuzz replay: failing input: ";
    ssize_t w = write(2, pre, sizeof pre - 1);
    w = write(2, current, strlen(current));
    w = write(2, "\n", 1);
    (void)w;
}

static void on_signal(int sig) {
    say_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0, got;
    uint8_t *buf = malloc(cap);
    if (!buf) abort();
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            buf = realloc(buf, cap *= 2);
            if (!buf) abort();
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "fuzz replay: cannot read %s\n", path);
        free(buf);
        return -1;
    }
    snprintf(current, sizeof current, "%s", path);
    /* an exact-size copy, so ASan sees reads past the end of the input */
    uint8_t *in = malloc(n ? n : 1);
    if (!in) abort();
    if (n) memcpy(in, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(in, n);
    free(in);
    current[0] = '\0';
    return 0;
}

static int skip_entry(const struct dirent *d) { return d->d_name[0] != '.'; }

/* Returns the number of inputs run, or -1. */
static long run_path(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) return run_file(path) == 0 ? 1 : -1;
    struct dirent **names;
    int k = scandir(path, &names, skip_entry, alphasort);
    if (k < 0) {
        fprintf(stderr, "fuzz replay: cannot list %s: %s\n", path, strerror(errno));
        return -1;
    }
    long count = 0;
    for (int i = 0; i < k; i++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
        struct stat fs;
        if (count >= 0 && stat(sub, &fs) == 0 && S_ISREG(fs.st_mode)) count = run_file(sub) == 0 ? count + 1 : -1;
        free(names[i]);
    }
    free(names);
    return count;
}

int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", name);
        return 2;
    }
    signal(SIGABRT, on_signal);
    signal(SIGSEGV, on_signal);
    signal(SIGBUS, on_signal);
    signal(SIGFPE, on_signal);
    if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(say_current);
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    long total = 0;
    for (int i = 1; i < argc; i++) {
        long n = run_path(argv[i]);
        if (n < 0) return 1;
        printf("%s: %ld inputs from %s ok\n", name, n, argv[i]);
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "%s: no inputs found\n", name);
        return 1;
    }
    return 0;
}

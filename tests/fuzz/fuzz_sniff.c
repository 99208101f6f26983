/* fuzz_sniff.c - zt_sniff_type, which decides from an upload's bytes whether
 * it is a PDF, PNG, JPEG or OFD (a ZIP whose central directory lists
 * OFD.xml). The input is copied into an exactly-sized heap buffer so that
 * ASan catches any read past the end of the upload.
 *
 * Checked: the answer is NULL or one of the four types; it agrees with the
 * signatures at the start of the bytes; the answer does not depend on bytes
 * after the input (the same input with junk appended in a bigger buffer,
 * sniffed with the original length, gives the same type); OFD only for
 * inputs that start like a ZIP. */
#include "fuzz.h"
#include "services/services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *buf = calloc(1, size ? size : 1);
    if (size) memcpy(buf, data, size);
    const char *t = zt_sniff_type(buf, size);
    FUZZ_CHECK(t == NULL || !strcmp(t, "application/pdf") || !strcmp(t, "image/png") || !strcmp(t, "image/jpeg") ||
               !strcmp(t, "application/ofd"));
    if (size >= 5 && !memcmp(buf, "%PDF-", 5)) FUZZ_CHECK(t && !strcmp(t, "application/pdf"));
    if (t && !strcmp(t, "image/png")) FUZZ_CHECK(size >= 8 && buf[0] == 0x89);
    if (t && !strcmp(t, "image/jpeg")) FUZZ_CHECK(size >= 3 && buf[0] == 0xFF && buf[1] == 0xD8);
    if (t && !strcmp(t, "application/ofd")) FUZZ_CHECK(size >= 4 && !memcmp(buf, "PK\x03\x04", 4));
    unsigned char *big = malloc(size + 64);
    if (size) memcpy(big, buf, size);
    memset(big + size, 'P', 64);
    const char *t2 = zt_sniff_type(big, size);
    FUZZ_CHECK(t == t2 || (t && t2 && !strcmp(t, t2)));
    free(big);
    free(buf);
    return 0;
}

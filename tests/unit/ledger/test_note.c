/* test_note.c - C2SP signed notes and checkpoints (src/ledger/note.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/note.h"

static void sign_and_verify(void **state) {
    char *signer, *verifier, *note, *text = NULL;
    zt_error e;
    assert_int_equal(zt_note_keygen("example.org/log", &signer, &verifier, &e), ZT_OK);
    assert_true(strncmp(signer, "PRIVATE+KEY+example.org/log+", 28) == 0);
    assert_true(strncmp(verifier, "example.org/log+", 16) == 0);
    char *v2;
    assert_int_equal(zt_note_verifier_of(signer, &v2, &e), ZT_OK);
    assert_string_equal(v2, verifier);
    assert_int_equal(zt_note_sign(signer, "hello\nworld\n", &note, &e), ZT_OK);
    /* text, a blank line, one signature line "— name base64" */
    assert_true(strncmp(note, "hello\nworld\n\n\xe2\x80\x94 example.org/log ", 33) == 0);
    assert_int_equal(zt_note_verify(verifier, note, &text, &e), ZT_OK);
    assert_string_equal(text, "hello\nworld\n");
    free(text);

    /* one byte of the text changed */
    char *bad = strdup(note);
    bad[0] = 'j';
    assert_int_equal(zt_note_verify(verifier, bad, NULL, &e), ZT_EINVAL);
    assert_non_null(strstr(e.message, "bad signature"));
    free(bad);

    /* signed by another key of the same name: no signature by this key */
    char *signer2, *verifier2, *note2;
    assert_int_equal(zt_note_keygen("example.org/log", &signer2, &verifier2, &e), ZT_OK);
    assert_int_equal(zt_note_sign(signer2, "hello\nworld\n", &note2, &e), ZT_OK);
    assert_int_equal(zt_note_verify(verifier, note2, NULL, &e), ZT_EINVAL);
    assert_int_equal(zt_note_verify(verifier2, note2, NULL, &e), ZT_OK);

    /* text without a final newline cannot be signed; malformed notes fail */
    char *n3 = NULL;
    assert_int_equal(zt_note_sign(signer, "no newline", &n3, &e), ZT_EINVAL);
    assert_int_equal(zt_note_verify(verifier, "just text\n", NULL, &e), ZT_EINVAL);
    assert_int_equal(zt_note_verify(verifier, "text\n\nnot a signature\n", NULL, &e), ZT_EINVAL);
    /* a verifier key whose id does not match its key */
    char *wrong = strdup(verifier);
    char *plus = strchr(wrong, '+');
    plus[1] = plus[1] == '0' ? '1' : '0';
    assert_int_equal(zt_note_verify(wrong, note, NULL, &e), ZT_EINVAL);
    /* key names with '+' or spaces are refused */
    char *s4, *v4;
    assert_int_equal(zt_note_keygen("a+b", &s4, &v4, &e), ZT_EINVAL);
    assert_int_equal(zt_note_keygen("a b", &s4, &v4, &e), ZT_EINVAL);
    free(wrong);
    free(signer);
    free(verifier);
    free(v2);
    free(note);
    free(signer2);
    free(verifier2);
    free(note2);
}

static void checkpoint_format(void **state) {
    zt_hash root;
    for (int i = 0; i < 32; i++) root.b[i] = (unsigned char)i;
    char *body = zt_checkpoint_body("example.org/log", 12345, &root);
    assert_string_equal(body, "example.org/log\n12345\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
    char *origin;
    uint64_t size;
    zt_hash got;
    zt_error e;
    assert_int_equal(zt_checkpoint_parse(body, &origin, &size, &got, &e), ZT_OK);
    assert_string_equal(origin, "example.org/log");
    assert_int_equal(size, 12345);
    assert_memory_equal(got.b, root.b, 32);
    free(origin);
    free(body);
    assert_int_equal(zt_checkpoint_parse("o\n12x\nAAAA\n", NULL, &size, &got, &e), ZT_EINVAL);
    assert_int_equal(
        zt_checkpoint_parse("o\n012\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", NULL, &size, &got, &e),
        ZT_EINVAL);
    assert_int_equal(zt_checkpoint_parse("o\n12\nAAAA\n", NULL, &size, &got, &e), ZT_EINVAL);
    assert_int_equal(zt_checkpoint_parse("o\n12\n", NULL, &size, &got, &e), ZT_EINVAL);
}

int main(void) {
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {cmocka_unit_test(sign_and_verify), cmocka_unit_test(checkpoint_format)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

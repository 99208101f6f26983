/* fuzz_exchange.c - what the data exchange reads from departments beyond
 * jansson: a catalogue record (ex_record_doc: GB/T 21063 elements, sharing
 * type and basis, data items) and a grant's calling hours (ex_hours_parse,
 * "HH:MM-HH:MM"). The first byte chooses: 'h' the hours (the rest as a C
 * string), anything else a record (the input as JSON, duplicate keys
 * rejected, as zt_req_json reads bodies).
 *
 * Checked: hours are accepted exactly in the documented shape, start before
 * end, within the day, and print back to the input; a record is either
 * refused with ZT_EINVAL naming a member in a valid UTF-8 message, or its
 * document keeps the rules: a known sharing type, a basis for conditional
 * and not-shared records, a condition for conditional ones, a not-shared
 * record never open, 1-200 data items with unique [a-z0-9_] names and known
 * types, at most 10 keywords. */
#include <jansson.h>

#include "exchange/exchange_int.h"
#include "fuzz.h"

static void check_hours(const char *s) {
    int from = -1, to = -1;
    int rc = ex_hours_parse(s, &from, &to);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc) return;
    FUZZ_CHECK(strlen(s) == 11);
    FUZZ_CHECK(from >= 0 && from < to && to <= 24 * 60);
    char back[32];
    snprintf(back, sizeof back, "%02d:%02d-%02d:%02d", from / 60, from % 60, to / 60, to % 60);
    FUZZ_CHECK(strcmp(back, s) == 0);
}

static int one_of(const char *s, const char *const *set) {
    for (; s && *set; set++)
        if (!strcmp(s, *set)) return 1;
    return 0;
}

static void check_record(json_t *b) {
    static const char *const SHARE[] = {"unconditional", "conditional", "none", NULL};
    static const char *const TYPES[] = {"string", "number", "date", "datetime", "boolean", "binary", NULL};
    zt_error e = {0};
    json_t *doc = ex_record_doc(b, &e);
    if (!doc) {
        FUZZ_CHECK(e.code == ZT_EINVAL);
        FUZZ_CHECK(fuzz_utf8_ok(e.message, strlen(e.message)) && fuzz_utf8_ok(e.field, strlen(e.field)));
        json_t *m = json_string(e.message);
        FUZZ_CHECK(m != NULL);
        json_decref(m);
        return;
    }
    const char *st = json_string_value(json_object_get(doc, "share_type"));
    FUZZ_CHECK(one_of(st, SHARE));
    const char *basis = json_string_value(json_object_get(doc, "share_basis"));
    const char *cond = json_string_value(json_object_get(doc, "share_condition"));
    if (strcmp(st, "unconditional")) FUZZ_CHECK(basis && *basis);
    if (!strcmp(st, "conditional")) FUZZ_CHECK(cond && *cond);
    if (!strcmp(st, "none")) FUZZ_CHECK(!json_is_true(json_object_get(doc, "open")));
    FUZZ_CHECK(json_array_size(json_object_get(doc, "keywords")) <= 10);
    json_t *items = json_object_get(doc, "items");
    size_t n = json_array_size(items);
    FUZZ_CHECK(n >= 1 && n <= 200);
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        const char *name = json_string_value(json_object_get(it, "name"));
        FUZZ_CHECK(name && *name && strlen(name) <= 64);
        for (const char *c = name; *c; c++)
            FUZZ_CHECK((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
        FUZZ_CHECK(one_of(json_string_value(json_object_get(it, "type")), TYPES));
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(name, json_string_value(json_object_get(json_array_get(items, j), "name"))));
    }
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 65536) return 0;
    if (size && data[0] == 'h') {
        char *s = fuzz_cstr(data + 1, size - 1);
        check_hours(s);
        free(s);
        return 0;
    }
    json_t *b = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (b) check_record(b);
    json_decref(b);
    return 0;
}

/* fuzz_items.c - the validation of a power item's guide (办事指南):
 * zt_items_guide_check (src/services/items.h), which checks every item of
 * data/demo/items.json on import and the body of POST /api/items and
 * PUT /api/items/{code}/draft. The input is parsed as zt_req_json parses a
 * body (jansson, duplicate keys rejected); the directory is a fixed table
 * (the demo departments and windows the catalogue uses, a department whose
 * code is 54 bytes long, and a department and a hall whose lookups fail).
 *
 * Checked: a refusal is ZT_EINVAL (or the lookup's own failure, passed on)
 * with a non-empty field whose first segment is a member of the format (or
 * "body", or an unknown member of the input), and a non-empty message that
 * is valid UTF-8 (zt_utf8_clean leaves it as it is, json_string() accepts
 * it), starts with a printable character and has no '?' the input did not
 * have (a character cut in the middle shows as '?'); an accepted guide has
 * every property of docs/items.md "Validation of a guide" (checked here
 * independently: type among the 11, promised <= legal, 即办件 <=> both
 * limits 0 <=> on_the_spot, step limits within the promised one, forms
 * original/copy/electronic, ...), its region_code filled in, and refuses
 * the removal of any required member or the addition of an unknown one.
 * The check is deterministic, changes nothing but region_code, and gives
 * the same answer when run again on the guide it filled in. */
#include <jansson.h>

#include "base/err.h"
#include "fuzz.h"
#include "services/items.h"

enum { MAX_INPUT = 64 * 1024 };

/* The demo directory (data/demo/departments.tsv, windows.tsv); the id of a
 * department is its index + 1. */
/* clang-format off */
static const struct {
    const char *code, *region;
} DEPTS[] = {
    /* a code of 20 characters (the admin API allows 32), 54 bytes */
    {"萍乡市城乡规划建设管理委员会规划局-CX", "360300"},
    /* its lookup fails (storage unavailable) */
    {"360300-DOWN", "360300"},
    {"360300-CZ", "360300"},
    {"360300-DSW", "360300"},
    {"360300-FG", "360300"},
    {"360300-FGW", "360300"},
    {"360300-GA", "360300"},
    {"360300-GH", "360300"},
    {"360300-GS", "360300"},
    {"360300-GSW", "360300"},
    {"360300-GT", "360300"},
    {"360300-GXW", "360300"},
    {"360300-JS", "360300"},
    {"360300-JT", "360300"},
    {"360300-KJ", "360300"},
    {"360300-LY", "360300"},
    {"360300-MZ", "360300"},
    {"360300-NY", "360300"},
    {"360300-RKJS", "360300"},
    {"360300-RS", "360300"},
    {"360300-SF", "360300"},
    {"360300-SW", "360300"},
    {"360300-WGX", "360300"},
    {"360300-WS", "360300"},
    {"360302-GA", "360302"},
    {"360302-JT", "360302"},
    {"360302-MZ", "360302"},
    {"360302-RS", "360302"},
    {"360302-SCJG", "360302"},
    {"360302-WJW", "360302"},
    {"360302-ZJ", "360302"},
    {"360302-ZR", "360302"},
    {"360302001-BM", "360302001"},
    {"360313-GA", "360313"},
    {"360313-JT", "360313"},
    {"360313-MZ", "360313"},
    {"360313-RS", "360313"},
    {"360313-SCJG", "360313"},
    {"360313-WJW", "360313"},
    {"360313-ZJ", "360313"},
    {"360313-ZR", "360313"},
    {"360321-GA", "360321"},
    {"360321-JT", "360321"},
    {"360321-MZ", "360321"},
    {"360321-RS", "360321"},
    {"360321-SCJG", "360321"},
    {"360321-WJW", "360321"},
    {"360321-ZJ", "360321"},
    {"360321-ZR", "360321"},
    {"360322-GA", "360322"},
    {"360322-JT", "360322"},
    {"360322-MZ", "360322"},
    {"360322-RS", "360322"},
    {"360322-SCJG", "360322"},
    {"360322-WJW", "360322"},
    {"360322-ZJ", "360322"},
    {"360322-ZR", "360322"},
    {"360323-GA", "360323"},
    {"360323-JT", "360323"},
    {"360323-MZ", "360323"},
    {"360323-RS", "360323"},
    {"360323-SCJG", "360323"},
    {"360323-WJW", "360323"},
    {"360323-ZJ", "360323"},
    {"360323-ZR", "360323"},
};
static const struct {
    const char *hall;
    int64_t number;
    const char *dept;
} WINDOWS[] = {
    {"萍乡市行政服务中心", 30, "萍乡市城乡规划建设管理委员会规划局-CX"},
    {"萍乡市行政服务中心", 31, "360300-DOWN"},
    {"萍乡市备用大厅", 0, NULL}, /* a hall without windows */
    {"不可用大厅", 0, NULL},     /* its lookup fails */
    {"萍乡市行政服务中心", 1, "360300-GS"},
    {"萍乡市行政服务中心", 2, "360300-GSW"},
    {"萍乡市行政服务中心", 3, "360300-DSW"},
    {"萍乡市行政服务中心", 4, "360300-FGW"},
    {"萍乡市行政服务中心", 5, "360300-GXW"},
    {"萍乡市行政服务中心", 6, "360300-GA"},
    {"萍乡市行政服务中心", 7, "360300-MZ"},
    {"萍乡市行政服务中心", 8, "360300-RS"},
    {"萍乡市行政服务中心", 9, "360300-GT"},
    {"萍乡市行政服务中心", 10, "360300-JS"},
    {"萍乡市行政服务中心", 11, "360300-GH"},
    {"萍乡市行政服务中心", 12, "360300-FG"},
    {"萍乡市行政服务中心", 13, "360300-JT"},
    {"萍乡市行政服务中心", 14, "360300-SW"},
    {"萍乡市行政服务中心", 15, "360300-NY"},
    {"萍乡市行政服务中心", 16, "360300-LY"},
    {"萍乡市行政服务中心", 17, "360300-WS"},
    {"萍乡市行政服务中心", 18, "360300-RKJS"},
    {"萍乡市行政服务中心", 19, "360300-WGX"},
    {"萍乡市行政服务中心", 20, "360300-KJ"},
    {"萍乡市行政服务中心", 21, "360300-SF"},
    {"萍乡市行政服务中心", 22, "360300-CZ"},
    {"安源区政务服务中心", 1, "360302-SCJG"},
    {"安源区政务服务中心", 2, "360302-GA"},
    {"安源区政务服务中心", 3, "360302-RS"},
    {"安源区政务服务中心", 4, "360302-MZ"},
    {"安源区政务服务中心", 5, "360302-ZR"},
    {"安源区政务服务中心", 6, "360302-ZJ"},
    {"安源区政务服务中心", 7, "360302-WJW"},
    {"安源区政务服务中心", 8, "360302-JT"},
    {"湘东区政务服务中心", 1, "360313-SCJG"},
    {"湘东区政务服务中心", 2, "360313-GA"},
    {"湘东区政务服务中心", 3, "360313-RS"},
    {"湘东区政务服务中心", 4, "360313-MZ"},
    {"湘东区政务服务中心", 5, "360313-ZR"},
    {"湘东区政务服务中心", 6, "360313-ZJ"},
    {"湘东区政务服务中心", 7, "360313-WJW"},
    {"湘东区政务服务中心", 8, "360313-JT"},
    {"莲花县政务服务中心", 1, "360321-SCJG"},
    {"莲花县政务服务中心", 2, "360321-GA"},
    {"莲花县政务服务中心", 3, "360321-RS"},
    {"莲花县政务服务中心", 4, "360321-MZ"},
    {"莲花县政务服务中心", 5, "360321-ZR"},
    {"莲花县政务服务中心", 6, "360321-ZJ"},
    {"莲花县政务服务中心", 7, "360321-WJW"},
    {"莲花县政务服务中心", 8, "360321-JT"},
    {"上栗县政务服务中心", 1, "360322-SCJG"},
    {"上栗县政务服务中心", 2, "360322-GA"},
    {"上栗县政务服务中心", 3, "360322-RS"},
    {"上栗县政务服务中心", 4, "360322-MZ"},
    {"上栗县政务服务中心", 5, "360322-ZR"},
    {"上栗县政务服务中心", 6, "360322-ZJ"},
    {"上栗县政务服务中心", 7, "360322-WJW"},
    {"上栗县政务服务中心", 8, "360322-JT"},
    {"芦溪县政务服务中心", 1, "360323-SCJG"},
    {"芦溪县政务服务中心", 2, "360323-GA"},
    {"芦溪县政务服务中心", 3, "360323-RS"},
    {"芦溪县政务服务中心", 4, "360323-MZ"},
    {"芦溪县政务服务中心", 5, "360323-ZR"},
    {"芦溪县政务服务中心", 6, "360323-ZJ"},
    {"芦溪县政务服务中心", 7, "360323-WJW"},
    {"芦溪县政务服务中心", 8, "360323-JT"},
    {"东大街街道便民服务中心", 1, "360302001-BM"},
    {"东大街街道便民服务中心", 2, "360302001-BM"},
};
/* clang-format on */
#define NDEPTS   (sizeof DEPTS / sizeof DEPTS[0])
#define NWINDOWS (sizeof WINDOWS / sizeof WINDOWS[0])

static const char DOWN_DEPT[] = "360300-DOWN", DOWN_HALL[] = "不可用大厅", DOWN_MSG[] = "存储暂不可用";

/* Members of a guide (docs/items.md); the first 24 are required. */
static const char *const MEMBERS[] = {"code",
                                      "name",
                                      "type",
                                      "department",
                                      "implementing_body",
                                      "subjects",
                                      "legal_basis",
                                      "conditions",
                                      "materials",
                                      "steps",
                                      "legal_limit_days",
                                      "promised_limit_days",
                                      "case_kind",
                                      "process_kind",
                                      "joint_departments",
                                      "charge",
                                      "fees",
                                      "result",
                                      "place",
                                      "hours",
                                      "consult_phone",
                                      "complaint_phone",
                                      "online",
                                      "visits",
                                      "region_code",
                                      "limit_note",
                                      "forward_to",
                                      "special_procedures",
                                      NULL};
enum { NREQUIRED = 24 };

static const char *const TYPES[][2] = {{"行政许可", "XK"}, {"行政处罚", "CF"}, {"行政强制", "QZ"}, {"行政征收", "ZS"},
                                       {"行政给付", "JF"}, {"行政检查", "JC"}, {"行政确认", "QR"}, {"行政奖励", "JL"},
                                       {"行政裁决", "CJ"}, {"公共服务", "GG"}, {"其他", "QT"}};

typedef struct {
    int failed; /* a lookup returned ZT_EUNAVAIL */
} lookup_ctx;

static int dept_index(const char *code) {
    for (size_t i = 0; i < NDEPTS; i++)
        if (strcmp(DEPTS[i].code, code) == 0) return (int)i;
    return -1;
}

static zt_err fake_dept(void *ctx, const char *code, int64_t *id, char region[16], zt_error *e) {
    int i = dept_index(code);
    if (i < 0) return ZT_DONE;
    if (strcmp(code, DOWN_DEPT) == 0) {
        ((lookup_ctx *)ctx)->failed = 1;
        return zt_fail(e, ZT_EUNAVAIL, NULL, "%s", DOWN_MSG);
    }
    if (id) *id = i + 1;
    if (region) snprintf(region, 16, "%s", DEPTS[i].region);
    return ZT_ROW;
}

static zt_err fake_window(void *ctx, const char *hall, int64_t number, int64_t *dept_id, zt_error *e) {
    int hall_found = 0;
    if (strcmp(hall, DOWN_HALL) == 0) {
        ((lookup_ctx *)ctx)->failed = 1;
        return zt_fail(e, ZT_EUNAVAIL, NULL, "%s", DOWN_MSG);
    }
    for (size_t i = 0; i < NWINDOWS; i++) {
        if (strcmp(WINDOWS[i].hall, hall) != 0) continue;
        hall_found = 1;
        if (WINDOWS[i].dept && WINDOWS[i].number == number) {
            *dept_id = dept_index(WINDOWS[i].dept) + 1;
            return ZT_ROW;
        }
    }
    *dept_id = 0; /* the hall has no such window */
    return hall_found ? ZT_ROW : ZT_DONE;
}

static int member(const char *k, size_t n) {
    for (const char *const *m = MEMBERS; *m; m++)
        if (strlen(*m) == n && strncmp(*m, k, n) == 0) return 1;
    return 0;
}

static int one_of(const char *s, const char *const *set) {
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0) return 1;
    return 0;
}

static const char *str(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

static int blank(const char *s) { return strspn(s, " \t\r\n") == strlen(s); }

/* 12345, or 0 + 2-3 digits, '-', 7-8 digits */
static int phone_ok(const char *s) {
    if (!strcmp(s, "12345")) return 1;
    size_t a = strspn(s, "0123456789"), b;
    if (s[0] != '0' || a < 3 || a > 4 || s[a] != '-') return 0;
    b = strspn(s + a + 1, "0123456789");
    return b >= 7 && b <= 8 && s[a + 1 + b] == 0;
}

/* The names of an array of objects are distinct strings. */
static int names_unique(json_t *arr) {
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n; i++) {
        const char *a = str(json_array_get(arr, i), "name");
        if (!a || blank(a)) return 0;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(a, str(json_array_get(arr, j), "name"))) return 0;
    }
    return 1;
}

typedef struct {
    zt_err rc;
    zt_error e;
    zt_guide_info gi;
    int failed;
} outcome;

static outcome run(json_t *g) {
    outcome o;
    lookup_ctx ctx = {0};
    zt_item_lookup lk = {.dept = fake_dept, .window = fake_window, .ctx = &ctx};
    memset(&o, 0, sizeof o);
    o.rc = zt_items_guide_check(&lk, g, &o.gi, &o.e);
    o.failed = ctx.failed;
    return o;
}

static int same_str(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

static void check_same(const outcome *a, const outcome *b) {
    FUZZ_CHECK(a->rc == b->rc && a->failed == b->failed);
    if (a->rc) {
        FUZZ_CHECK(a->e.code == b->e.code);
        FUZZ_CHECK(!strcmp(a->e.message, b->e.message) && !strcmp(a->e.field, b->e.field));
        return;
    }
    const zt_guide_info *x = &a->gi, *y = &b->gi;
    FUZZ_CHECK(same_str(x->code, y->code) && same_str(x->name, y->name) && same_str(x->type, y->type));
    FUZZ_CHECK(same_str(x->flow, y->flow) && same_str(x->online, y->online));
    FUZZ_CHECK(x->legal == y->legal && x->promised == y->promised && x->dept_id == y->dept_id);
    FUZZ_CHECK(!strcmp(x->dept_code, y->dept_code) && !strcmp(x->region, y->region));
}

static void check_error(const outcome *o, json_t *g, const uint8_t *data, size_t size) {
    const zt_error *e = &o->e;
    FUZZ_CHECK(o->rc == e->code);
    FUZZ_CHECK(o->rc == ZT_EINVAL || (o->rc == ZT_EUNAVAIL && o->failed));
    if (o->rc == ZT_EUNAVAIL) {
        FUZZ_CHECK(!strcmp(e->message, DOWN_MSG));
        return;
    }
    size_t m = strlen(e->message), f = strlen(e->field);
    FUZZ_CHECK(m > 0 && m < sizeof e->message && f > 0 && f < sizeof e->field);
    FUZZ_CHECK(fuzz_utf8_ok(e->message, m) && fuzz_utf8_ok(e->field, f));
    char copy[sizeof e->message];
    memcpy(copy, e->message, m + 1);
    zt_utf8_clean(copy);
    FUZZ_CHECK(!strcmp(copy, e->message));
    json_t *jm = json_string(e->message), *jf = json_string(e->field);
    FUZZ_CHECK(jm && jf);
    json_decref(jm);
    json_decref(jf);
    /* a printable start: no blank, control character or '?' first */
    FUZZ_CHECK((unsigned char)e->message[0] > ' ' && e->message[0] != 0x7F && e->message[0] != '?');
    /* '?' comes from the input or marks a character cut in two */
    if (!memchr(data, '?', size)) FUZZ_CHECK(!strchr(e->message, '?') && !strchr(e->field, '?'));
    /* refused for the code's department part: the code does not carry the
     * department's suffix (the part of its code after the first '-') */
    if (!strcmp(e->field, "code") && strstr(e->message, "部门部分")) {
        int d = dept_index(str(g, "department"));
        FUZZ_CHECK(d >= 0);
        const char *code = str(g, "code"), *suffix = strchr(DEPTS[d].code, '-') + 1;
        const char *p = code + strspn(code, "0123456789") + 4;
        size_t n = strlen(suffix);
        FUZZ_CHECK(strncmp(p, suffix, n) != 0 || p[n] != '-');
    }
    /* the field is a member path, unless it names an unknown member (the
     * client's key, as sent) */
    const char *k;
    json_t *v;
    int unknown = 0;
    if (json_is_object(g)) json_object_foreach(g, k, v) unknown |= !member(k, strlen(k));
    if (!unknown) {
        size_t seg = strcspn(e->field, "[.");
        FUZZ_CHECK((unsigned char)e->field[0] > ' ' && e->field[0] != 0x7F);
        FUZZ_CHECK(member(e->field, seg) || !strcmp(e->field, "body"));
    }
}

/* docs/items.md "Validation of a guide", from the accepted guide g. */
static void check_accepted(const outcome *o, json_t *g) {
    const zt_guide_info *gi = &o->gi;
    json_t *v, *x;
    size_t i;
    const char *k;
    FUZZ_CHECK(!o->failed);
    json_object_foreach(g, k, v) FUZZ_CHECK(member(k, strlen(k)));
    for (int r = 0; r < NREQUIRED; r++) FUZZ_CHECK(json_object_get(g, MEMBERS[r]) != NULL);
    FUZZ_CHECK(same_str(gi->code, str(g, "code")) && same_str(gi->name, str(g, "name")));
    FUZZ_CHECK(same_str(gi->type, str(g, "type")) && same_str(gi->flow, str(g, "process_kind")));
    FUZZ_CHECK(same_str(gi->online, str(g, "online")));
    FUZZ_CHECK(!blank(gi->name) && !blank(gi->code));

    /* department, region and code */
    int d = dept_index(str(g, "department"));
    FUZZ_CHECK(d >= 0 && gi->dept_id == d + 1);
    FUZZ_CHECK(!strcmp(gi->dept_code, DEPTS[d].code) && !strcmp(gi->region, DEPTS[d].region));
    FUZZ_CHECK(same_str(str(g, "region_code"), DEPTS[d].region));
    const char *type_code = NULL;
    for (i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (!strcmp(TYPES[i][0], gi->type)) type_code = TYPES[i][1];
    FUZZ_CHECK(type_code != NULL);
    const char *suffix = strchr(DEPTS[d].code, '-') + 1;
    char want[96];
    snprintf(want, sizeof want, "%s-%s-%s-", DEPTS[d].region, type_code, suffix);
    FUZZ_CHECK(strncmp(gi->code, want, strlen(want)) == 0);
    const char *seq = gi->code + strlen(want);
    FUZZ_CHECK(strlen(seq) == 3 && strspn(seq, "0123456789") == 3);

    /* subjects, legal basis, conditions */
    static const char *const subjects[] = {"自然人", "法人", "其他组织", NULL};
    json_t *arr = json_object_get(g, "subjects");
    FUZZ_CHECK(json_array_size(arr) >= 1 && json_array_size(arr) <= 3);
    json_array_foreach(arr, i, v) {
        FUZZ_CHECK(one_of(json_string_value(v), subjects));
        for (size_t j = 0; j < i; j++) FUZZ_CHECK(!json_equal(v, json_array_get(arr, j)));
    }
    arr = json_object_get(g, "legal_basis");
    FUZZ_CHECK(json_array_size(arr) >= 1);
    json_array_foreach(arr, i, v) {
        const char *law = str(v, "law");
        FUZZ_CHECK(law && !strncmp(law, "《", 3) && strlen(law) > 6 && !strcmp(law + strlen(law) - 3, "》"));
        x = json_object_get(v, "article");
        FUZZ_CHECK(json_is_null(x) || (json_is_string(x) && !strncmp(json_string_value(x), "第", 3)));
    }
    arr = json_object_get(g, "conditions");
    FUZZ_CHECK(json_array_size(arr) >= 1);
    /* only spaces count as blank here (not tabs or line ends: README, noted) */
    json_array_foreach(arr, i, v) {
        FUZZ_CHECK(json_is_string(v));
        FUZZ_CHECK(strspn(json_string_value(v), " ") < strlen(json_string_value(v)));
    }

    /* materials */
    static const char *const forms[] = {"original", "copy", "electronic", NULL};
    int required = 0;
    arr = json_object_get(g, "materials");
    FUZZ_CHECK(json_array_size(arr) >= 1 && names_unique(arr));
    json_array_foreach(arr, i, v) {
        FUZZ_CHECK(one_of(str(v, "form"), forms));
        json_int_t n = json_integer_value(json_object_get(v, "count"));
        FUZZ_CHECK(json_is_integer(json_object_get(v, "count")) && n >= 1 && n <= 100);
        FUZZ_CHECK(json_is_boolean(json_object_get(v, "required")));
        required |= json_is_true(json_object_get(v, "required"));
        FUZZ_CHECK(json_is_string(json_object_get(v, "notes")));
    }
    FUZZ_CHECK(required);

    /* limits and steps */
    FUZZ_CHECK(gi->legal == json_integer_value(json_object_get(g, "legal_limit_days")));
    FUZZ_CHECK(gi->promised == json_integer_value(json_object_get(g, "promised_limit_days")));
    FUZZ_CHECK(0 <= gi->promised && gi->promised <= gi->legal && gi->legal <= 365);
    const char *case_kind = str(g, "case_kind");
    int on_spot = !strcmp(gi->flow, "on_the_spot"), joint = !strcmp(gi->flow, "joint_review");
    FUZZ_CHECK(on_spot || joint || !strcmp(gi->flow, "licensing"));
    FUZZ_CHECK((strcmp(case_kind, "即办件") == 0) == on_spot);
    FUZZ_CHECK(on_spot == (gi->legal == 0 && gi->promised == 0));
    FUZZ_CHECK(on_spot || gi->promised >= 1);
    int64_t sum = 0;
    int parallel = 0;
    arr = json_object_get(g, "steps");
    FUZZ_CHECK(json_array_size(arr) >= 1 && names_unique(arr));
    json_array_foreach(arr, i, v) {
        x = json_object_get(v, "limit_days");
        FUZZ_CHECK(json_is_integer(x) && json_integer_value(x) >= 0);
        FUZZ_CHECK(!on_spot || json_integer_value(x) == 0);
        sum += json_integer_value(x);
        x = json_object_get(v, "parallel");
        FUZZ_CHECK(!x || json_is_true(x));
        parallel += x != NULL;
    }
    FUZZ_CHECK(sum <= gi->promised);
    if (!strcmp(gi->type, "行政许可") && gi->legal > (joint ? 45 : 20))
        FUZZ_CHECK(json_is_string(json_object_get(g, "limit_note")));
    FUZZ_CHECK((strcmp(case_kind, "上报件") == 0) == (json_object_get(g, "forward_to") != NULL));
    FUZZ_CHECK(one_of(case_kind, (const char *const[]){"即办件", "承诺件", "上报件", NULL}));

    /* joint review */
    arr = json_object_get(g, "joint_departments");
    FUZZ_CHECK(joint ? json_array_size(arr) >= 2 && parallel > 0 : json_array_size(arr) == 0 && parallel == 0);
    json_array_foreach(arr, i, v) {
        const char *c = json_string_value(v);
        FUZZ_CHECK(c && dept_index(c) >= 0 && strcmp(c, DEPTS[d].code) != 0);
        for (size_t j = 0; j < i; j++) FUZZ_CHECK(!json_equal(v, json_array_get(arr, j)));
    }

    /* fees, result, place, phones, online */
    const char *charge = str(g, "charge");
    arr = json_object_get(g, "fees");
    FUZZ_CHECK(one_of(charge, (const char *const[]){"收费", "不收费", NULL}));
    FUZZ_CHECK((strcmp(charge, "收费") == 0) == (json_array_size(arr) > 0) && names_unique(arr));
    json_array_foreach(arr, i, v) {
        x = json_object_get(v, "amount_yuan");
        FUZZ_CHECK(json_is_null(x) || (json_is_number(x) && json_number_value(x) >= 0));
    }
    x = json_object_get(g, "result");
    FUZZ_CHECK(one_of(str(x, "type"), (const char *const[]){"证照", "文书", "其他", NULL}));
    x = json_object_get(g, "place");
    int64_t window_dept = 0;
    lookup_ctx ctx = {0};
    FUZZ_CHECK(fake_window(&ctx, str(x, "hall"), json_integer_value(json_object_get(x, "window")), &window_dept,
                           NULL) == ZT_ROW);
    FUZZ_CHECK(window_dept != 0 && window_dept == gi->dept_id);
    FUZZ_CHECK(!blank(str(g, "hours")));
    FUZZ_CHECK(phone_ok(str(g, "consult_phone")) && phone_ok(str(g, "complaint_phone")));
    FUZZ_CHECK(one_of(gi->online, (const char *const[]){"全程网办", "网上预审", "不可网办", NULL}));
    json_int_t visits = json_integer_value(json_object_get(g, "visits"));
    FUZZ_CHECK(visits >= 0 && visits <= 5);
    int full = !strcmp(gi->online, "全程网办");
    int initiated = !strcmp(gi->type, "行政处罚") || !strcmp(gi->type, "行政强制") || !strcmp(gi->type, "行政检查");
    FUZZ_CHECK(!full || visits == 0);
    FUZZ_CHECK(visits > 0 || full || initiated);
}

/* An accepted guide refuses each required member taken away, and an
 * unknown member or another region added. */
static void check_variants(json_t *g, const uint8_t *data, size_t size) {
    for (int r = 0; r < NREQUIRED; r++) {
        json_t *c = json_deep_copy(g);
        json_object_del(c, MEMBERS[r]);
        outcome o = run(c);
        FUZZ_CHECK(o.rc == ZT_EINVAL && !strcmp(o.e.field, MEMBERS[r]));
        char want[128];
        snprintf(want, sizeof want, "缺少必填字段 %s", MEMBERS[r]);
        FUZZ_CHECK(!strcmp(o.e.message, want));
        json_decref(c);
    }
    json_t *c = json_deep_copy(g);
    json_object_set_new(c, "remarks", json_string("备注"));
    outcome o = run(c);
    FUZZ_CHECK(o.rc == ZT_EINVAL && !strcmp(o.e.field, "remarks"));
    json_object_del(c, "remarks");
    json_object_set_new(c, "region_code", json_string("360000"));
    o = run(c);
    FUZZ_CHECK(o.rc == ZT_EINVAL && !strcmp(o.e.field, "region_code"));
    check_error(&o, c, data, size);
    json_decref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > MAX_INPUT) return 0;
    json_t *orig = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!orig) return 0;
    json_t *a = json_deep_copy(orig), *b = json_deep_copy(orig);
    FUZZ_CHECK(a && b);
    outcome oa = run(a), ob = run(b);
    check_same(&oa, &ob);
    FUZZ_CHECK(json_equal(a, b));

    /* nothing changes but region_code, which is filled in when absent */
    json_t *region = json_is_object(orig) ? json_object_get(orig, "region_code") : NULL;
    if (region || !json_is_object(orig)) {
        FUZZ_CHECK(json_equal(a, orig));
    } else {
        json_t *filled = json_object_get(a, "region_code");
        if (filled) FUZZ_CHECK(json_is_string(filled) && strlen(json_string_value(filled)) > 0);
        json_t *c = json_deep_copy(a);
        json_object_del(c, "region_code");
        FUZZ_CHECK(json_equal(c, orig));
        json_decref(c);
    }

    if (oa.rc) {
        check_error(&oa, orig, data, size);
    } else {
        check_accepted(&oa, a);
        check_variants(a, data, size);
    }
    /* the guide as filled in gives the same answer (gi points into b now) */
    outcome again = run(b);
    check_same(&oa, &again);

    json_decref(a);
    json_decref(b);
    json_decref(orig);
    return 0;
}

/* receipt.c - the acceptance receipt (受理通知书) and the other notices of a
 * case: an A4 PDF drawn with libharu, with a QR code from libqrencode
 * (docs/receipt.md).
 *
 * Fonts. The configured TrueType font (services.receipt_font, Droid Sans
 * Fallback by default) is embedded as a CID font through libharu's UTF-8
 * encoder. That font has the CJK glyphs but no Latin ones, not even digits,
 * so printable ASCII and Latin-1 (case numbers, dates, passwords, the "·" in
 * the names of minority applicants) are set in the standard Helvetica, which
 * every PDF reader provides. A character that neither font has becomes '?'.
 *
 * Lines are wrapped by characters, as Chinese has no spaces: each character
 * is measured on its own (HPDF_Font_TextWidth on one UTF-8 sequence), so a
 * sequence is never split. Punctuation that may not start a line hangs into
 * the margin in running text (标点悬挂) and pulls the previous character
 * down inside table cells; an opening bracket never ends a line.
 *
 * Two workarounds for libharu 2.3.0 (Debian 12):
 *  - its subsetter reads the glyph ids of composite glyph components as
 *    signed 16-bit and drops every component above 32767. Droid Sans
 *    Fallback (49382 glyphs) builds many hanzi from such components: 理,
 *    通, 知, 编 would lose half their strokes. mark_components() marks them
 *    before the document is saved, through the glyph table of the installed
 *    <hpdf_fontdef.h>.
 *  - HPDF_Page_MeasureText counts bytes, not characters, with UTF-8, so it
 *    is not used.
 *
 * Errors of libharu reach on_error(), which keeps the first one in the
 * context; every stage checks it (no longjmp). Each call has its own
 * HPDF_Doc and QRcode, so the function is thread-safe. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>
#include <hpdf_fontdef.h>
#include <qrencode.h>

#include "services/services.h"

/* A4 in points, 25 mm margins */
#define PAGE_W 595.276f
#define PAGE_H 841.89f
#define MARGIN 70.866f
#define LEFT   MARGIN
#define RIGHT  (PAGE_W - MARGIN)
#define TOP    (PAGE_H - MARGIN)
#define BOTTOM MARGIN
#define TEXT_W (RIGHT - LEFT)

#define TITLE_SIZE  22.0f
#define TITLE_LEAD  36.0f
#define DEPT_SIZE   14.0f
#define DEPT_LEAD   24.0f
#define TEXT_SIZE   12.0f
#define TEXT_LEAD   22.0f
#define CELL_SIZE   11.0f
#define CELL_LEAD   17.0f
#define CELL_PAD    6.0f
#define LABEL_W     112.0f
#define SMALL_SIZE  9.0f
#define QR_SIDE     99.213f /* 35 mm, quiet zone included */
#define QR_QUIET    4       /* modules */
#define LINE_WIDTH  0.6f
#define LABEL_SHADE 0.94f

typedef struct ctx {
    HPDF_Doc doc;
    HPDF_Font cjk, latin;
    HPDF_FontDef cjk_def;
    HPDF_Page page;
    HPDF_Page *pages; /* every page, for the page numbers */
    size_t npages, cap;
    HPDF_REAL y;             /* top of the free space on the page */
    HPDF_STATUS err, detail; /* the first libharu error */
    int oom;
} ctx;

static void on_error(HPDF_STATUS no, HPDF_STATUS detail, void *data) {
    ctx *c = data;
    if (!c->err) {
        c->err = no;
        c->detail = detail;
    }
}

static int failed(const ctx *c) { return c->err != 0 || c->oom; }

/* --- characters ------------------------------------------------------ */

/* The code point at s, valid UTF-8 (see clean); *n gets its length. */
static uint32_t decode(const char *s, size_t *n) {
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] < 0x80) {
        *n = 1;
        return p[0];
    }
    if (p[0] < 0xE0) {
        *n = 2;
        return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    }
    if (p[0] < 0xF0) {
        *n = 3;
        return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    }
    *n = 4;
    return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 | (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
}

/* Set in Helvetica: printable ASCII and Latin-1, whose WinAnsi byte is the
 * code point. */
static int is_latin(uint32_t cp) { return (cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp <= 0xFF); }

/* Is the character s[0..n) one of set? */
static int in_set(const char *set, const char *s, size_t n) {
    char ch[5];
    memcpy(ch, s, n);
    ch[n] = 0;
    return strstr(set, ch) != NULL;
}

/* Kinsoku (禁则): what may not start a line, what may not end one. */
static int no_line_start(const char *s, size_t n) {
    return in_set("，。、；：？！）》」』】〕〉”’…—·．,.;:?!)]}%", s, n);
}
static int no_line_end(const char *s, size_t n) { return in_set("（《「『【〔〈“‘([{", s, n); }

/* A copy of s (NULL reads as "") that the fonts can draw: invalid UTF-8
 * becomes '?' (zt_utf8_clean), control characters become spaces ('\n' is
 * kept when keep_nl, '\r' dropped), and a character outside the Basic
 * Multilingual Plane (libharu's UTF-8 encoder stops there) or missing from
 * the CJK font becomes '?'. NULL when out of memory. */
static char *clean(const ctx *c, const char *s, int keep_nl) {
    char *t = strdup(s ? s : "");
    if (!t) return NULL;
    zt_utf8_clean(t);
    size_t i = 0, o = 0;
    while (t[i]) {
        size_t n;
        uint32_t cp = decode(t + i, &n);
        if (cp == '\r') {
            /* dropped: "\r\n" is one line break */
        } else if (cp == '\n' && keep_nl) {
            t[o++] = '\n';
        } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            t[o++] = ' ';
        } else if (is_latin(cp) || (cp <= 0xFFFF && HPDF_TTFontDef_GetGlyphid(c->cjk_def, (HPDF_UINT16)cp) != 0)) {
            memmove(t + o, t + i, n);
            o += n;
        } else {
            t[o++] = '?';
        }
        i += n;
    }
    t[o] = 0;
    return t;
}

/* The width of the character at s at size, in points. */
static HPDF_REAL char_width(const ctx *c, const char *s, HPDF_REAL size) {
    size_t n;
    uint32_t cp = decode(s, &n);
    HPDF_TextWidth tw;
    if (is_latin(cp)) {
        HPDF_BYTE b = (HPDF_BYTE)cp;
        tw = HPDF_Font_TextWidth(c->latin, &b, 1);
    } else {
        tw = HPDF_Font_TextWidth(c->cjk, (const HPDF_BYTE *)s, (HPDF_UINT)n);
    }
    return (HPDF_REAL)tw.width * size / 1000.0f;
}

static HPDF_REAL text_width(const ctx *c, const char *s, size_t len, HPDF_REAL size) {
    HPDF_REAL w = 0;
    for (size_t i = 0, n; i < len; i += n) {
        decode(s + i, &n);
        w += char_width(c, s + i, size);
    }
    return w;
}

/* a + b + c, malloc'd; NULL when out of memory. */
static char *concat(const char *a, const char *b, const char *c) {
    size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
    char *s = malloc(na + nb + nc + 1);
    if (!s) return NULL;
    memcpy(s, a, na);
    memcpy(s + na, b, nb);
    memcpy(s + na + nb, c, nc + 1);
    return s;
}

/* --- lines ----------------------------------------------------------- */

typedef struct line {
    size_t off, len;
    HPDF_REAL indent;
} line;

typedef struct lines {
    line *v;
    size_t n, cap;
} lines;

static int lines_push(lines *l, size_t off, size_t len, HPDF_REAL indent) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        line *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (line){off, len, indent};
    return 0;
}

/* Break s into lines no wider than width at size: at every '\n' (a new
 * paragraph, whose first line is indented by indent) and between two
 * characters where the next does not fit. hang: punctuation that may not
 * start a line stays on the line past width (running text has a margin to
 * hang into); otherwise the character before it goes down with it. */
static int wrap(const ctx *c, const char *s, HPDF_REAL size, HPDF_REAL width, HPDF_REAL indent, int hang, lines *out) {
    size_t i = 0, start = 0, prev = 0; /* prev: where the line's last character starts */
    HPDF_REAL w = 0, ind = indent;
    for (;;) {
        if (s[i] == '\0' || s[i] == '\n') {
            if (lines_push(out, start, i - start, ind)) return -1;
            if (s[i] == '\0') return 0;
            start = ++i;
            w = 0;
            ind = indent;
            continue;
        }
        size_t n;
        decode(s + i, &n);
        HPDF_REAL cw = char_width(c, s + i, size);
        if (i > start && ind + w + cw > width) {
            size_t brk = i;
            if (no_line_start(s + i, n)) {
                if (hang)
                    brk = i + n;
                else if (prev > start)
                    brk = prev;
            } else if (prev > start && no_line_end(s + prev, i - prev)) {
                brk = prev;
            }
            if (lines_push(out, start, brk - start, ind)) return -1;
            start = i = brk;
            while (s[start] == ' ') start = ++i; /* a continuation line starts with text */
            w = 0;
            ind = 0;
            continue;
        }
        w += cw;
        prev = i;
        i += n;
    }
}

/* --- drawing --------------------------------------------------------- */

static void new_page(ctx *c) {
    if (failed(c)) return;
    if (c->npages == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        HPDF_Page *v = realloc(c->pages, cap * sizeof *v);
        if (!v) {
            c->oom = 1;
            return;
        }
        c->pages = v;
        c->cap = cap;
    }
    HPDF_Page p = HPDF_AddPage(c->doc);
    if (!p) return; /* on_error has the reason */
    HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    HPDF_Page_SetLineWidth(p, LINE_WIDTH);
    c->pages[c->npages++] = p;
    c->page = p;
    c->y = TOP;
}

/* Room for h points below the cursor, on a new page if need be. */
static void need(ctx *c, HPDF_REAL h) {
    if (c->y - h < BOTTOM && c->y < TOP) new_page(c);
}

/* The baseline of a line of text at size in a line box lead high whose top
 * is at y: the glyphs are centred in the box. */
static HPDF_REAL baseline(HPDF_REAL y, HPDF_REAL lead, HPDF_REAL size) { return y - lead / 2 - 0.36f * size; }

static void flush(ctx *c, char *buf, size_t *n, int latin, HPDF_REAL size) {
    if (!*n) return;
    buf[*n] = 0;
    HPDF_Page_SetFontAndSize(c->page, latin ? c->latin : c->cjk, size);
    HPDF_Page_ShowText(c->page, buf);
    *n = 0;
}

/* Draw s[0..len) with its baseline starting at (x, y), switching fonts
 * between runs of Latin and CJK characters. */
static void show(ctx *c, HPDF_REAL x, HPDF_REAL y, const char *s, size_t len, HPDF_REAL size) {
    if (failed(c) || len == 0) return;
    char buf[256];
    size_t n = 0;
    int font = -1;
    HPDF_Page_SetGrayFill(c->page, 0);
    HPDF_Page_BeginText(c->page);
    HPDF_Page_MoveTextPos(c->page, x, y);
    for (size_t i = 0, k; i < len; i += k) {
        uint32_t cp = decode(s + i, &k);
        int lat = is_latin(cp);
        if (lat != font || n + k >= sizeof buf) {
            flush(c, buf, &n, font, size);
            font = lat;
        }
        if (lat)
            buf[n++] = (char)cp; /* WinAnsi is Latin-1 from 0xA0 */
        else {
            memcpy(buf + n, s + i, k);
            n += k;
        }
    }
    flush(c, buf, &n, font, size);
    HPDF_Page_EndText(c->page);
}

enum { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT };

/* Draw the lines of s, laid out in width from x, from the cursor down,
 * flowing onto new pages. */
static void flow(ctx *c, const char *s, const lines *l, HPDF_REAL x, HPDF_REAL width, HPDF_REAL size, HPDF_REAL lead,
                 int align) {
    for (size_t i = 0; i < l->n && !failed(c); i++) {
        const line *ln = &l->v[i];
        need(c, lead);
        HPDF_REAL lx = x + ln->indent;
        if (align != ALIGN_LEFT) {
            HPDF_REAL free = width - text_width(c, s + ln->off, ln->len, size);
            lx = x + (align == ALIGN_CENTER ? free / 2 : free);
        }
        show(c, lx, baseline(c->y, lead, size), s + ln->off, ln->len, size);
        c->y -= lead;
    }
}

/* Wrap s to width and flow it from x. */
static void block_in(ctx *c, const char *s, HPDF_REAL x, HPDF_REAL width, HPDF_REAL size, HPDF_REAL lead,
                     HPDF_REAL indent, int align) {
    if (failed(c)) return;
    lines l = {0};
    if (wrap(c, s, size, width, indent, 1, &l))
        c->oom = 1;
    else
        flow(c, s, &l, x, width, size, lead, align);
    free(l.v);
}

static void block(ctx *c, const char *s, HPDF_REAL size, HPDF_REAL lead, HPDF_REAL indent, int align) {
    block_in(c, s, LEFT, TEXT_W, size, lead, indent, align);
}

static void hline(ctx *c, HPDF_REAL x0, HPDF_REAL x1, HPDF_REAL y) {
    HPDF_Page_MoveTo(c->page, x0, y);
    HPDF_Page_LineTo(c->page, x1, y);
    HPDF_Page_Stroke(c->page);
}

/* One ruled row of a table, the label cell (label may be NULL: a single
 * cell across the text width) shaded. A row taller than the space left
 * goes to the next page; a row taller than a page is split between pages. */
static void row(ctx *c, const char *label, const char *value) {
    if (failed(c)) return;
    HPDF_REAL label_w = label ? LABEL_W : 0, value_w = TEXT_W - label_w;
    lines ll = {0}, vl = {0};
    if ((label && wrap(c, label, CELL_SIZE, label_w - 2 * CELL_PAD, 0, 0, &ll)) ||
        wrap(c, value, CELL_SIZE, value_w - 2 * CELL_PAD, 0, 0, &vl)) {
        c->oom = 1;
        goto out;
    }
    size_t total = ll.n > vl.n ? ll.n : vl.n, done = 0;
    size_t per_page = (size_t)((TOP - BOTTOM - 2 * CELL_PAD) / CELL_LEAD);
    while (done < total && !failed(c)) {
        HPDF_REAL room = c->y - BOTTOM - 2 * CELL_PAD;
        size_t avail = room >= CELL_LEAD ? (size_t)(room / CELL_LEAD) : 0;
        size_t left = total - done;
        if (c->y < TOP && (avail == 0 || (done == 0 && left > avail && left <= per_page))) {
            new_page(c);
            continue;
        }
        size_t take = left < avail ? left : avail;
        if (take == 0) take = 1; /* cannot happen on a fresh page; never loop */
        HPDF_REAL h = (HPDF_REAL)take * CELL_LEAD + 2 * CELL_PAD, y0 = c->y - h;
        if (label) {
            HPDF_Page_SetGrayFill(c->page, LABEL_SHADE);
            HPDF_Page_Rectangle(c->page, LEFT, y0, label_w, h);
            HPDF_Page_Fill(c->page);
        }
        HPDF_Page_SetGrayStroke(c->page, 0);
        HPDF_Page_Rectangle(c->page, LEFT, y0, TEXT_W, h);
        HPDF_Page_Stroke(c->page);
        if (label) {
            HPDF_Page_MoveTo(c->page, LEFT + label_w, y0);
            HPDF_Page_LineTo(c->page, LEFT + label_w, c->y);
            HPDF_Page_Stroke(c->page);
        }
        for (size_t j = done; j < done + take; j++) {
            HPDF_REAL b = baseline(c->y - CELL_PAD - (HPDF_REAL)(j - done) * CELL_LEAD, CELL_LEAD, CELL_SIZE);
            if (j < ll.n) show(c, LEFT + CELL_PAD, b, label + ll.v[j].off, ll.v[j].len, CELL_SIZE);
            if (j < vl.n) show(c, LEFT + label_w + CELL_PAD, b, value + vl.v[j].off, vl.v[j].len, CELL_SIZE);
        }
        c->y = y0;
        done += take;
    }
out:
    free(ll.v);
    free(vl.v);
}

/* The QR code as filled rectangles (one per run of dark modules in a row),
 * side wide with its quiet zone, its top left corner at (x, top). */
static void draw_qr(ctx *c, const QRcode *q, HPDF_REAL x, HPDF_REAL top, HPDF_REAL side) {
    int w = q->width;
    HPDF_REAL m = side / (HPDF_REAL)(w + 2 * QR_QUIET);
    HPDF_Page_SetGrayFill(c->page, 0);
    for (int r = 0; r < w; r++) {
        const unsigned char *d = q->data + (size_t)r * (size_t)w;
        for (int i = 0; i < w;) {
            if (!(d[i] & 1)) {
                i++;
                continue;
            }
            int j = i;
            while (j < w && (d[j] & 1)) j++;
            HPDF_Page_Rectangle(c->page, x + (HPDF_REAL)(QR_QUIET + i) * m, top - (HPDF_REAL)(QR_QUIET + r + 1) * m,
                                (HPDF_REAL)(j - i) * m, m);
            i = j;
        }
    }
    HPDF_Page_Fill(c->page);
}

/* The closing: the QR code and its caption on the left; on the right,
 * sign: the department with "（盖章）", a '\n' and the date, side by side
 * when they fit a page. */
static void closing(ctx *c, const QRcode *q, const char *sign) {
    if (failed(c)) return;
    static const char caption[] = "扫码查询办件进度";
    /* the signature ends one character before the margin, as on paper */
    HPDF_REAL qr_h = q ? QR_SIDE + 16 : 0, sign_w = q ? TEXT_W - QR_SIDE - 2 * TEXT_SIZE : TEXT_W - TEXT_SIZE;
    lines sl = {0};
    if (wrap(c, sign, TEXT_SIZE, sign_w, 0, 1, &sl)) {
        c->oom = 1;
        goto out;
    }
    HPDF_REAL sign_h = (HPDF_REAL)sl.n * TEXT_LEAD, h = qr_h > sign_h ? qr_h : sign_h;
    if (h > TOP - BOTTOM) { /* a department name longer than a page: one after the other */
        flow(c, sign, &sl, LEFT, TEXT_W - TEXT_SIZE, TEXT_SIZE, TEXT_LEAD, ALIGN_RIGHT);
        sign_h = 0;
        h = qr_h;
    }
    need(c, h);
    if (failed(c)) goto out;
    HPDF_REAL top = c->y;
    if (q) {
        draw_qr(c, q, LEFT, top, QR_SIDE);
        HPDF_REAL cw = text_width(c, caption, strlen(caption), SMALL_SIZE);
        show(c, LEFT + (QR_SIDE - cw) / 2, top - QR_SIDE - 8, caption, strlen(caption), SMALL_SIZE);
    }
    if (sign_h > 0) {
        c->y = top - (h - sign_h) / 2; /* level with the middle of the QR code */
        flow(c, sign, &sl, LEFT, TEXT_W - TEXT_SIZE, TEXT_SIZE, TEXT_LEAD, ALIGN_RIGHT);
    }
    c->y = top - h;
out:
    free(sl.v);
}

/* "编号：… 第 1 页 共 2 页" at the foot of every page of a notice longer
 * than one (the number only when it fits the line). */
static void page_numbers(ctx *c, const char *number) {
    for (size_t i = 0; c->npages > 1 && i < c->npages && !failed(c); i++) {
        char pg[64];
        snprintf(pg, sizeof pg, "第 %zu 页 共 %zu 页", i + 1, c->npages);
        char *s = concat(number, *number ? "　" : "", pg);
        if (!s) {
            c->oom = 1;
            return;
        }
        const char *t = s;
        HPDF_REAL w = text_width(c, t, strlen(t), SMALL_SIZE);
        if (w > TEXT_W) w = text_width(c, t = pg, strlen(pg), SMALL_SIZE);
        c->page = c->pages[i];
        show(c, (PAGE_W - w) / 2, BOTTOM / 2, t, strlen(t), SMALL_SIZE);
        free(s);
    }
}

/* Mark the components of every composite glyph in use, whatever their id
 * (see the top of the file), until no new glyph is marked (components may
 * be composite too). */
static int read_u16(HPDF_Stream s, unsigned *v) {
    HPDF_BYTE b[2];
    HPDF_UINT n = 2;
    if (HPDF_Stream_Read(s, b, &n) != HPDF_OK || n != 2) return -1;
    *v = (unsigned)b[0] << 8 | b[1];
    return 0;
}

static void mark_components(ctx *c) {
    HPDF_TTFontDefAttr a = (HPDF_TTFontDefAttr)c->cjk_def->attr;
    if (failed(c) || !a->embedding || !a->stream) return;
    HPDF_BYTE *used = a->glyph_tbl.flgs;
    for (int pass = 0, changed = 1; changed && pass < 8; pass++) {
        changed = 0;
        for (unsigned g = 0; g < a->num_glyphs; g++) {
            HPDF_UINT32 off = a->glyph_tbl.offsets[g];
            if (!used[g] || a->glyph_tbl.offsets[g + 1] <= off) continue; /* unused or empty */
            if (a->header.index_to_loc_format == 0) off *= 2;
            unsigned contours, flags, gid;
            if (HPDF_Stream_Seek(a->stream, (HPDF_INT)(a->glyph_tbl.base_offset + off), HPDF_SEEK_SET) != HPDF_OK ||
                read_u16(a->stream, &contours))
                goto bad;
            if (!(contours & 0x8000)) continue;                                     /* a simple glyph */
            if (HPDF_Stream_Seek(a->stream, 8, HPDF_SEEK_CUR) != HPDF_OK) goto bad; /* the bounding box */
            do {
                if (read_u16(a->stream, &flags) || read_u16(a->stream, &gid)) goto bad;
                /* arguments (words or bytes), then a scale, an x and y
                 * scale or a 2x2 matrix */
                int skip = (flags & 0x01 ? 4 : 2) + (flags & 0x08 ? 2 : flags & 0x40 ? 4 : flags & 0x80 ? 8 : 0);
                if (HPDF_Stream_Seek(a->stream, skip, HPDF_SEEK_CUR) != HPDF_OK) goto bad;
                if (gid < a->num_glyphs && !used[gid]) {
                    used[gid] = 1;
                    changed = 1;
                }
            } while (flags & 0x20);
        }
    }
    return;
bad:
    if (!c->err) c->err = HPDF_TTF_INVALID_FOMAT;
}

/* --- the receipt ----------------------------------------------------- */

/* "2024-01-05" as "2024年1月5日"; anything else as it is. */
static char *format_date(const char *d) {
    size_t n = strlen(d);
    int ok = n == 10 && d[4] == '-' && d[7] == '-';
    for (size_t i = 0; ok && i < n; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9')) ok = 0;
    if (!ok) return strdup(d);
    int m = (d[5] - '0') * 10 + (d[6] - '0'), day = (d[8] - '0') * 10 + (d[9] - '0');
    char *s = malloc(32);
    if (s) snprintf(s, 32, "%.4s年%d月%d日", d, m, day);
    return s;
}

/* Every text of the receipt, cleaned, owned. */
typedef struct texts {
    char *title, *dept, *number, *salutation, *body, *item, *password;
    char *sign; /* "{dept}（盖章）\n{date}" */
    char **labels, **values;
    size_t nrows;
} texts;

static void texts_free(texts *t) {
    free(t->title);
    free(t->dept);
    free(t->number);
    free(t->salutation);
    free(t->body);
    free(t->item);
    free(t->password);
    free(t->sign);
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->labels) free(t->labels[i]);
        if (t->values) free(t->values[i]);
    }
    free(t->labels);
    free(t->values);
}

static int texts_init(const ctx *c, const zt_receipt *r, texts *t) {
    char *applicant = NULL, *pw = NULL, *date = NULL;
    int rc = -1;
    t->nrows = r->nrows;
    t->labels = calloc(r->nrows ? r->nrows : 1, sizeof *t->labels);
    t->values = calloc(r->nrows ? r->nrows : 1, sizeof *t->values);
    if (!t->labels || !t->values) goto out;
    for (size_t i = 0; i < r->nrows; i++) {
        t->labels[i] = clean(c, r->row_labels ? r->row_labels[i] : NULL, 0);
        t->values[i] = clean(c, r->row_values ? r->row_values[i] : NULL, 0);
        if (!t->labels[i] || !t->values[i]) goto out;
    }
    if (!(t->title = clean(c, r->title, 0)) || !(t->dept = clean(c, r->dept_name, 0)) ||
        !(t->body = clean(c, r->body, 1)) || !(t->item = clean(c, r->item_name, 0)) ||
        !(applicant = clean(c, r->applicant, 0)) || !(pw = clean(c, r->query_password, 0)) ||
        !(date = clean(c, r->date, 0)))
        goto out;
    char *num = clean(c, r->number, 0);
    if (!num) goto out;
    t->number = *num ? concat("编号：", num, "") : strdup("");
    free(num);
    t->salutation = *applicant ? concat(applicant, "：", "") : strdup("");
    t->password = *pw ? concat("查询密码：", pw, "，凭办件编号和查询密码可在政务服务网查询办理进度") : strdup("");
    char *day = format_date(date);
    if (day) t->sign = concat(t->dept, "（盖章）\n", day);
    free(day);
    if (t->number && t->salutation && t->password && t->sign) rc = 0;
out:
    free(applicant);
    free(pw);
    free(date);
    return rc;
}

/* A readable reason for a libharu error number. */
static const char *hpdf_reason(HPDF_STATUS no) {
    switch (no) {
    case HPDF_FILE_OPEN_ERROR:
        return "cannot open the file";
    case HPDF_FILE_IO_ERROR:
    case HPDF_STREAM_EOF:
        return "cannot read the file";
    case HPDF_TTF_CANNOT_EMBEDDING_FONT:
        return "the font does not allow embedding";
    case HPDF_TTF_INVALID_CMAP:
    case HPDF_TTF_INVALID_FOMAT:
    case HPDF_TTF_MISSING_TABLE:
    case HPDF_UNSUPPORTED_FONT_TYPE:
    case HPDF_INVALID_FONT_NAME:
        return "not a TrueType font libharu can load (OpenType/CFF fonts are not)";
    case HPDF_FAILD_TO_ALLOC_MEM:
        return "out of memory";
    default:
        return "libharu error";
    }
}

zt_err zt_receipt_pdf(const zt_receipt *r, const char *font_path, unsigned char **pdf, size_t *len, zt_error *e) {
    if (pdf) *pdf = NULL;
    if (len) *len = 0;
    if (!r || !pdf || !len) return zt_fail(e, ZT_EINTERNAL, NULL, "receipt: NULL argument");
    if (!font_path || !*font_path)
        return zt_fail(e, ZT_EINTERNAL, NULL, "receipt: no font configured (services.receipt_font)");

    zt_err rc = ZT_OK;
    ctx c = {0};
    texts t = {0};
    QRcode *qr = NULL;
    unsigned char *buf = NULL;

    c.doc = HPDF_New(on_error, &c);
    if (!c.doc) return zt_fail(e, ZT_EINTERNAL, NULL, "receipt: cannot create a PDF document");
    HPDF_SetCompressionMode(c.doc, HPDF_COMP_ALL);
    HPDF_SetInfoAttr(c.doc, HPDF_INFO_CREATOR, "zhengtong");
    HPDF_UseUTFEncodings(c.doc);
    const char *name = HPDF_LoadTTFontFromFile(c.doc, font_path, HPDF_TRUE);
    if (name) {
        c.cjk = HPDF_GetFont(c.doc, name, "UTF-8");
        c.cjk_def = HPDF_GetFontDef(c.doc, name);
    }
    c.latin = HPDF_GetFont(c.doc, "Helvetica", "WinAnsiEncoding");
    if (!name || !c.cjk || !c.cjk_def || !c.latin) {
        rc = zt_fail(e, ZT_EINTERNAL, NULL, "receipt font %s cannot be loaded: %s (0x%04X)", font_path,
                     hpdf_reason(c.err), (unsigned)c.err);
        goto out;
    }
    /* a TrueType font without Chinese would print a receipt of '?' */
    if (HPDF_TTFontDef_GetGlyphid(c.cjk_def, 0x53D7 /* 受 */) == 0) {
        rc = zt_fail(e, ZT_EINTERNAL, NULL, "receipt font %s has no Chinese glyphs", font_path);
        goto out;
    }
    if (texts_init(&c, r, &t)) {
        rc = zt_fail(e, ZT_EINTERNAL, NULL, "receipt: out of memory");
        goto out;
    }
    if (r->qr_url && *r->qr_url) {
        errno = 0;
        qr = QRcode_encodeString(r->qr_url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
        if (!qr) {
            rc = zt_fail(e, ZT_EINTERNAL, NULL, "receipt: the URL (%zu bytes) %s", strlen(r->qr_url),
                         errno == ERANGE ? "is too long for a QR code" : "cannot be encoded as a QR code");
            goto out;
        }
    }

    new_page(&c);
    block(&c, t.title, TITLE_SIZE, TITLE_LEAD, 0, ALIGN_CENTER);
    block(&c, t.dept, DEPT_SIZE, DEPT_LEAD, 0, ALIGN_CENTER);
    c.y -= 6;
    block(&c, t.number, TEXT_SIZE, TEXT_LEAD, 0, ALIGN_RIGHT);
    if (!failed(&c)) {
        HPDF_Page_SetGrayStroke(c.page, 0);
        hline(&c, LEFT, RIGHT, c.y - 2);
        c.y -= 14;
    }
    if (*t.salutation) block(&c, t.salutation, TEXT_SIZE, TEXT_LEAD, 0, ALIGN_LEFT);
    if (*t.body) block(&c, t.body, TEXT_SIZE, TEXT_LEAD, 2 * TEXT_SIZE, ALIGN_LEFT);
    if (*t.item || t.nrows) {
        c.y -= 10;
        if (*t.item) row(&c, "事项名称", t.item);
        for (size_t i = 0; i < t.nrows; i++) row(&c, t.labels[i], t.values[i]);
    }
    if (*t.password) {
        c.y -= 12;
        row(&c, NULL, t.password);
    }
    c.y -= 16;
    closing(&c, qr, t.sign);
    page_numbers(&c, t.number);
    if (c.cjk_def) mark_components(&c);
    if (failed(&c)) goto fail;

    if (HPDF_SaveToStream(c.doc) != HPDF_OK) goto fail;
    HPDF_UINT32 size = HPDF_GetStreamSize(c.doc), got = size;
    buf = malloc(size ? size : 1);
    if (!buf) {
        c.oom = 1;
        goto fail;
    }
    HPDF_STATUS st = HPDF_ReadFromStream(c.doc, buf, &got);
    if ((st != HPDF_OK && st != HPDF_STREAM_EOF) || got != size) goto fail;
    *pdf = buf;
    *len = size;
    buf = NULL;
    goto out;

fail:
    if (c.oom)
        rc = zt_fail(e, ZT_EINTERNAL, NULL, "receipt: out of memory");
    else
        rc = zt_fail(e, ZT_EINTERNAL, NULL, "receipt: %s (0x%04X, detail %u)", hpdf_reason(c.err), (unsigned)c.err,
                     (unsigned)c.detail);
out:
    free(buf);
    if (qr) QRcode_free(qr);
    texts_free(&t);
    free(c.pages);
    HPDF_Free(c.doc);
    return rc;
}

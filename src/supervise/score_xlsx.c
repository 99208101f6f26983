/* score_xlsx.c - the monthly report of the performance assessment
 * (绩效考核) as a workbook (libxlsxwriter): 部门排名, 扣分明细, 人员, 窗口.
 * score_api.c serves it as GET /api/supervision/scores/{YYYY-MM}.xlsx. */
#include <string.h>

#include <xlsxwriter.h>

#include "supervise/score.h"

/* What an indicator's occurrences are counted in: the stored definition's
 * unit, or (a month computed before the unit was kept) its source's. */
static const char *unit_of(json_t *d) {
    const char *u = json_string_value(json_object_get(d, "unit"));
    const zt_sv_source *src = u ? NULL : zt_sc_source(zt_sc_str(d, "source"));
    return u ? u : src ? src->unit : "次";
}

typedef struct {
    lxw_format *head, *text, *wrap, *pts, *pct, *count, *level;
} formats;

/* A bordered cell, with a number format (NULL: none). */
static lxw_format *cell_format(lxw_workbook *wb, const char *num) {
    lxw_format *f = workbook_add_format(wb);
    format_set_border(f, LXW_BORDER_THIN);
    if (num) format_set_num_format(f, num);
    return f;
}

static void head_row(lxw_worksheet *ws, const formats *f, const char *const *names, const double *widths, int n) {
    for (int i = 0; i < n; i++) {
        worksheet_write_string(ws, 0, (lxw_col_t)i, names[i], f->head);
        worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, widths[i], NULL);
    }
    worksheet_set_row(ws, 0, 30, NULL);
    worksheet_freeze_panes(ws, 1, 0);
}

static void write_value(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, json_t *v, lxw_format *f, lxw_format *text) {
    if (json_is_number(v))
        worksheet_write_number(ws, row, col, json_number_value(v), f);
    else
        worksheet_write_string(ws, row, col, "—", text);
}

zt_err zt_sc_xlsx(const char *path, const zt_sc_month *mo, json_t *rows[ZT_SC_NSCOPE], json_t *defs, zt_arena *a,
                  zt_error *e) {
    lxw_workbook *wb = workbook_new(path);
    if (!wb) return zt_fail(e, ZT_EINTERNAL, NULL, "无法创建 Excel 文件");
    lxw_doc_properties props = {.title = zt_arena_printf(a, "绩效考核 %s", mo->text), .author = "zhengtong"};
    workbook_set_properties(wb, &props);
    formats f;
    f.head = workbook_add_format(wb);
    format_set_bold(f.head);
    format_set_bg_color(f.head, 0xD9E1F2);
    format_set_border(f.head, LXW_BORDER_THIN);
    format_set_align(f.head, LXW_ALIGN_CENTER);
    format_set_align(f.head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(f.head);
    f.text = cell_format(wb, NULL);
    f.wrap = cell_format(wb, NULL);
    format_set_text_wrap(f.wrap);
    f.pts = cell_format(wb, "0.00");
    f.pct = cell_format(wb, "0.00%");
    f.count = cell_format(wb, "0");
    f.level = cell_format(wb, "0.00\" 级\"");

    size_t nd = json_array_size(defs);
    /* 部门排名: rank, department, score, each indicator's value and points */
    lxw_worksheet *ws = workbook_add_worksheet(wb, "部门排名");
    {
        int n = 0;
        const char **names = zt_arena_calloc(a, (8 + 2 * nd) * sizeof *names);
        double *widths = zt_arena_calloc(a, (8 + 2 * nd) * sizeof *widths);
        names[n] = "排名", widths[n++] = 6;
        names[n] = "部门", widths[n++] = 28;
        names[n] = "部门代码", widths[n++] = 14;
        names[n] = "总分", widths[n++] = 9;
        for (size_t i = 0; i < nd; i++) {
            json_t *d = json_array_get(defs, i);
            const char *kind = zt_sc_str(d, "kind");
            names[n] = !strcmp(kind, "deduct_per") ? zt_arena_printf(a, "%s（%s）", zt_sc_str(d, "name"), unit_of(d))
                                                   : zt_sc_str(d, "name");
            widths[n++] = 12;
            names[n] = zt_arena_printf(a, "%s得分（满分 %s）", zt_sc_str(d, "name"),
                                       zt_sc_num(a, json_number_value(json_object_get(d, "weight"))));
            widths[n++] = 14;
        }
        names[n] = "申诉调整", widths[n++] = 10;
        names[n] = "状态", widths[n++] = 8;
        head_row(ws, &f, names, widths, n);
        size_t i;
        json_t *row;
        json_array_foreach(rows[ZT_SC_DEPT], i, row) {
            lxw_row_t y = (lxw_row_t)i + 1;
            lxw_col_t x = 0;
            worksheet_write_number(ws, y, x++, (double)json_integer_value(json_object_get(row, "rank")), f.count);
            worksheet_write_string(ws, y, x++, zt_sc_str(row, "name"), f.text);
            worksheet_write_string(ws, y, x++, zt_sc_str(row, "scope_id"), f.text);
            worksheet_write_number(ws, y, x++, json_number_value(json_object_get(row, "score")), f.pts);
            for (size_t k = 0; k < nd; k++) {
                json_t *d = json_array_get(defs, k), *ind = zt_sc_indicator_in(row, zt_sc_str(d, "id"));
                const char *kind = zt_sc_str(d, "kind");
                lxw_format *vf = !strcmp(kind, "rate") ? f.pct : !strcmp(kind, "average") ? f.level : f.count;
                write_value(ws, y, x++, json_object_get(ind, "value"), vf, f.text);
                write_value(ws, y, x++, json_object_get(ind, "points"), f.pts, f.text);
            }
            worksheet_write_number(ws, y, x++, json_number_value(json_object_get(row, "adjustment")), f.pts);
            worksheet_write_string(ws, y, x++, json_is_true(json_object_get(row, "provisional")) ? "暂定" : "正式",
                                   f.text);
        }
    }
    /* 扣分明细: every deduction with its reason, of every scope */
    ws = workbook_add_worksheet(wb, "扣分明细");
    {
        static const char *const names[] = {"类别", "对象", "部门", "指标", "扣分", "原因"};
        static const double widths[] = {8, 28, 28, 12, 9, 90};
        head_row(ws, &f, names, widths, 6);
        lxw_row_t y = 1;
        for (int sc = 0; sc < ZT_SC_NSCOPE; sc++) {
            size_t i, j;
            json_t *row, *ded;
            json_array_foreach(rows[sc], i, row) json_array_foreach(json_object_get(row, "deductions"), j, ded) {
                worksheet_write_string(ws, y, 0, zt_sc_scope_labels[sc], f.text);
                worksheet_write_string(ws, y, 1, zt_sc_str(row, "name"), f.text);
                worksheet_write_string(ws, y, 2, zt_sc_str(row, "dept_name"), f.text);
                worksheet_write_string(ws, y, 3, zt_sc_str(ded, "name"), f.text);
                worksheet_write_number(ws, y, 4, json_number_value(json_object_get(ded, "points")), f.pts);
                worksheet_write_string(ws, y, 5, zt_sc_str(ded, "reason"), f.wrap);
                y++;
            }
        }
    }
    /* 人员 and 窗口: rank, who, department, score, each indicator's points */
    for (int sc = ZT_SC_STAFF; sc <= ZT_SC_WINDOW; sc++) {
        ws = workbook_add_worksheet(wb, sc == ZT_SC_STAFF ? "人员" : "窗口");
        int n = 0;
        const char **names = zt_arena_calloc(a, (6 + nd) * sizeof *names);
        double *widths = zt_arena_calloc(a, (6 + nd) * sizeof *widths);
        names[n] = "排名", widths[n++] = 6;
        names[n] = sc == ZT_SC_STAFF ? "姓名" : "窗口", widths[n++] = sc == ZT_SC_STAFF ? 24 : 36;
        names[n] = sc == ZT_SC_STAFF ? "账号" : "窗口编号", widths[n++] = 14;
        names[n] = "部门", widths[n++] = 28;
        names[n] = "得分", widths[n++] = 9;
        for (size_t i = 0; i < nd; i++) {
            json_t *d = json_array_get(defs, i);
            names[n] = zt_arena_printf(a, "%s得分", zt_sc_str(d, "name"));
            widths[n++] = 12;
        }
        head_row(ws, &f, names, widths, n);
        size_t i;
        json_t *row;
        json_array_foreach(rows[sc], i, row) {
            lxw_row_t y = (lxw_row_t)i + 1;
            worksheet_write_number(ws, y, 0, (double)json_integer_value(json_object_get(row, "rank")), f.count);
            worksheet_write_string(ws, y, 1, zt_sc_str(row, "name"), f.text);
            worksheet_write_string(ws, y, 2, zt_sc_str(row, "scope_id"), f.text);
            worksheet_write_string(ws, y, 3, zt_sc_str(row, "dept_name"), f.text);
            worksheet_write_number(ws, y, 4, json_number_value(json_object_get(row, "score")), f.pts);
            for (size_t k = 0; k < nd; k++) {
                json_t *ind = zt_sc_indicator_in(row, zt_sc_str(json_array_get(defs, k), "id"));
                write_value(ws, y, (lxw_col_t)(5 + k), json_object_get(ind, "points"), f.pts, f.text);
            }
        }
    }
    lxw_error err = workbook_close(wb);
    if (err != LXW_NO_ERROR) return zt_fail(e, ZT_EINTERNAL, NULL, "写入 Excel 文件失败：%s", lxw_strerror(err));
    return ZT_OK;
}

// format.js - dates, times, money and deadline colours as the pages show them.
// The server speaks RFC 3339 with +08:00; the pages show Beijing time.
const TZ = 'Asia/Shanghai';
const dateFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const timeFmt = new Intl.DateTimeFormat('zh-CN', {
    timeZone: TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
});

/** "2026-09-23 14:05" (empty for nothing). */
export function fmtTime(s) {
    if (!s) return '';
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) return String(s);
    return timeFmt.format(d).replace(/\//g, '-');
}

/** "2026-09-23" from a day or an instant. */
export function fmtDate(s) {
    if (!s) return '';
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) return String(s);
    return dateFmt.format(d).replace(/\//g, '-');
}

/** A file size as "12.3 KB" (empty for nothing). */
export function fmtSize(n) {
    if (n === null || n === undefined) return '';
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Yuan from fen (分) or a number of yuan: "¥1,234.50". */
export function fmtYuan(v, fen = false) {
    if (v === null || v === undefined || v === '') return '';
    const n = fen ? Number(v) / 100 : Number(v);
    return '¥' + n.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/**
 * The colour of a deadline by the working days left: overdue red (danger),
 * 0-1 left orange (warning), 2-3 yellow-ish (primary), else green (success).
 * Element Plus tag types.
 */
export function deadlineType(daysLeft) {
    if (daysLeft === null || daysLeft === undefined) return 'info';
    if (daysLeft < 0) return 'danger';
    if (daysLeft <= 1) return 'warning';
    if (daysLeft <= 3) return 'primary';
    return 'success';
}

/** "剩 3 个工作日" / "今日到期" / "超期 2 个工作日". */
export function deadlineText(daysLeft) {
    if (daysLeft === null || daysLeft === undefined) return '—';
    if (daysLeft < 0) return `超期 ${-daysLeft} 个工作日`;
    if (daysLeft === 0) return '今日到期';
    return `剩 ${daysLeft} 个工作日`;
}

/** Card levels (预警, 黄牌, 红牌) with their Element Plus tag types. */
export const LEVELS = {
    warning: { label: '预警', type: 'primary' },
    yellow: { label: '黄牌', type: 'warning' },
    red: { label: '红牌', type: 'danger' },
};

/** Element Plus tag type of a card level. */
export function levelType(level) {
    return (LEVELS[level] && LEVELS[level].type) || 'info';
}

/** Why a deadline is marked 暂定 (the API's deadlines.provisional: its year's holidays are not imported yet). */
export const PROVISIONAL_TIP = '该日期所在年度的节假日安排尚未发布，按周末规则暂计，导入新年度日历后将重新计算';

/** Is the deadline named (promised_due, legal_due, step_due) provisional in this list (a case's deadlines.provisional, a list row's provisional)? */
export function isProvisional(list, name) {
    return Array.isArray(list) && list.includes(name);
}

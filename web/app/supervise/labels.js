// labels.js - the supervision office's words: card states and actions,
// subject types, and the colour of a count of cards.
//
// A card's states and actions, and what they are called, are the card's
// process definition (data/flows/card.json) as the server serves it (GET
// /api/flows/card): loaded once, never copied here. Only the colour of a
// state's tag is the web's.
import { reactive } from 'vue';
import { api } from '../api.js';
import { LEVELS } from '../common/format.js';

export { LEVELS };

/** Card states {id: {label, type}} in the definition's order (empty until loaded). */
export const CARD_STATES = reactive({});
/** What each step of a card's life is called {action id: label} (the live feed names the action). */
export const CARD_ACTIONS = reactive({});
/** States a card may still leave (not terminal, not retracted): the default of the cards list. */
export const OPEN_STATES = reactive([]);

/** Element Plus tag types: the colour of a state (presentation, not meaning). */
const STATE_TYPES = { issued: 'warning', answered: 'primary', escalated: 'danger', appealed: 'warning', closed: 'success' };

let loading = null;
/** Load the card's definition once; resolves when the tables above are filled. */
export function loadCardFlow() {
    loading ??= api
        .get('/api/flows/card')
        .then((f) => {
            for (const st of f.states) {
                CARD_STATES[st.id] = { label: st.label, type: STATE_TYPES[st.id] || 'info' };
                if (!st.terminal && st.id !== 'retracted') OPEN_STATES.push(st.id);
            }
            for (const a of f.actions) CARD_ACTIONS[a.id] = a.label;
        })
        .catch((err) => {
            loading = null; // try again on the next page
            throw err;
        });
    return loading;
}
loadCardFlow().catch(() => {}); // the pages show ids until it comes; a failure is retried

export const stateLabel = (s) => (CARD_STATES[s] && CARD_STATES[s].label) || s || '';
export const stateType = (s) => (CARD_STATES[s] && CARD_STATES[s].type) || 'info';
export const levelLabel = (l) => (LEVELS[l] && LEVELS[l].label) || l || '';

export const SUBJECT_TYPES = {
    case: '办件',
    consultation: '咨询',
    complaint: '投诉',
    rating: '评价',
};
export const subjectTypeLabel = (t) => SUBJECT_TYPES[t] || t || '';

/** A supervision event's type ("case.accept") in words, for the live feed. */
const EVENT_ACTIONS = {
    submit: '提交',
    accept: '受理',
    pre_review_pass: '预审通过',
    refuse: '不予受理',
    supplement: '补正',
    approve: '批准',
    deny: '不予许可',
    complete: '办结',
    special_start: '特别程序开始',
    special_end: '特别程序结束',
    reply: '答复',
    rate: '评价',
    fix: '整改',
    visit: '回访',
    department: '转办',
};
export function eventTypeLabel(type) {
    const [t, a] = String(type || '').split('.');
    return `${subjectTypeLabel(t)}${EVENT_ACTIONS[a] || a || ''}`;
}

/** The worst level among counts {warning, yellow, red}: red, yellow, warning or '' (none). */
export function worstLevel(c) {
    if (!c) return '';
    if (c.red > 0) return 'red';
    if (c.yellow > 0) return 'yellow';
    if (c.warning > 0) return 'warning';
    return '';
}

/** The colours of the levels in charts (the tags' colours). */
export const LEVEL_COLORS = { warning: '#409eff', yellow: '#e6a23c', red: '#f56c6c' };

/** Names of a card's facts (the JSON the rule recorded), for the detail. */
export const FACT_NAMES = {
    moment: '信号时刻',
    deadline: '期限',
    limit_days: '时限（工作日）',
    overdue_days: '超期（工作日）',
    submitted_at: '提交时间',
    accepted_at: '受理时间',
    closed_at: '办结时间',
    rule_name: '规则',
    promised_due: '承诺期限',
    legal_due: '法定期限',
    due_day: '答复期限',
    fix_due: '整改期限',
    granted_days: '准予天数',
    days: '天数',
    fee_charged: '实收费用（分）',
    fee_limit: '收费标准（分）',
    fee_standard: '收费标准',
    event: '事件',
    missing: '缺少的字段',
    deemed_accepted: '视为受理',
    supplements: '补正次数',
    step: '环节',
    state: '状态',
};

/** Days "YYYY-MM-DD" from..to (both included), by the calendar, in UTC arithmetic. */
export function daysBack(today, n) {
    const [y, m, d] = today.split('-').map(Number);
    const out = [];
    for (let i = n - 1; i >= 0; i--) {
        const t = new Date(Date.UTC(y, m - 1, d - i));
        out.push(t.toISOString().slice(0, 10));
    }
    return out;
}

/** Rule categories (docs/supervision.md). */
export const CATEGORIES = { time: '时限', procedure: '程序', fee: '收费', content: '内容', integrity: '廉政' };
export const categoryLabel = (c) => CATEGORIES[c] || c || '';

/** The engine's own names of a card's step (the others are the flow's state ids). */
export const ENGINE_STEPS = { pre_review: '预审受理', special_procedure: '特别程序', supplement: '补正', fix: '差评整改' };

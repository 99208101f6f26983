// util.js - what several portal pages share: item types, online depths,
// case-state colours and what a step told the applicant.
import { onBeforeUnmount, onMounted, ref } from 'vue';
import { fmtYuan } from '../common/format.js';

/** The 11 item types (事项类型), in the catalogue's order. */
export const ITEM_TYPES = [
    '行政许可',
    '行政确认',
    '公共服务',
    '行政给付',
    '行政征收',
    '行政奖励',
    '行政裁决',
    '行政检查',
    '行政处罚',
    '行政强制',
    '其他',
];

/** Online depth (网上办理深度) with an Element Plus tag type. */
export const ONLINE = {
    全程网办: { type: 'success', text: '全程网办' },
    网上预审: { type: 'primary', text: '网上预审' },
    不可网办: { type: 'info', text: '窗口办理' },
};

export const canApplyOnline = (item) => !!item && item.online !== '不可网办';

/** Who may apply: a citizen needs 自然人 among the subjects, an enterprise 法人 or 其他组织. */
export function subjectFits(guide, role) {
    const s = (guide && guide.subjects) || [];
    if (role === 'citizen') return s.includes('自然人');
    if (role === 'enterprise') return s.includes('法人') || s.includes('其他组织');
    return false;
}

// the state's colour by what it means to the applicant (every flow's states)
const STATE_KIND = {
    submitted: 'pending',
    pre_reviewed: 'pending',
    received: 'pending',
    supplementing: 'warn',
    handling_suspended: 'paused',
    review_suspended: 'paused',
    suspended: 'paused',
    completed: 'done',
    answered: 'done',
    closed: 'done',
    denied: 'refused',
    not_accepted: 'refused',
    rejected: 'refused',
    voided: 'refused',
    withdrawn: 'ended',
};
const KIND_TAG = { pending: 'info', warn: 'warning', paused: 'warning', done: 'success', refused: 'danger', ended: 'info', active: 'primary' };

/** 'pending' | 'warn' | 'paused' | 'done' | 'refused' | 'ended' | 'active' */
export const stateKind = (state) => STATE_KIND[state] || 'active';
/** Element Plus tag type of a case or message state. */
export const stateTag = (state) => KIND_TAG[stateKind(state)];

/** What a step told the applicant: the fields shown to him, in order, with labels. */
export const TOLD = [
    ['reason', '原因'],
    ['legal_basis', '法律依据'],
    ['remedy_notice', '救济途径'],
    ['missing_materials', '需补正的材料'],
    ['notice', '补正要求'],
    ['note', '补正说明'],
    ['type', '特别程序'],
    ['days', '期限（工作日）'],
    ['start_date', '开始日期'],
    ['end_date', '结束日期'],
    ['result_type', '办理结果'],
    ['certificate_no', '证照编号'],
    ['fee_charged', '收费'],
    ['delivery', '送达方式'],
];

function fieldText(key, v) {
    if (key === 'fee_charged' && typeof v === 'number') return v ? fmtYuan(v, true) : '不收费';
    if (Array.isArray(v))
        return v.map((x) => (typeof x === 'object' && x ? x.name || x.material || JSON.stringify(x) : String(x))).join('、');
    if (typeof v === 'object' && v) return JSON.stringify(v);
    return String(v);
}

/** [[label, text]] of what a timeline step told the applicant (nothing internal). */
export function toldFields(fields) {
    const f = fields || {};
    return TOLD.filter(([k]) => f[k] !== undefined && f[k] !== null && f[k] !== '').map(([k, label]) => [label, fieldText(k, f[k])]);
}

/** A random idempotency key for one submission attempt (kept across retries of it). */
export function newKey(prefix) {
    const rnd = globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    return `${prefix}-${rnd}`.slice(0, 64);
}

export const MATERIAL_FORM = { original: '原件', copy: '复印件', electronic: '电子件' };

/** A reactive "is the screen phone-sized" (≤ 760px, the layout's breakpoint). */
export function useNarrow() {
    const mq = window.matchMedia('(max-width: 760px)');
    const narrow = ref(mq.matches);
    const on = (e) => (narrow.value = e.matches);
    onMounted(() => mq.addEventListener('change', on));
    onBeforeUnmount(() => mq.removeEventListener('change', on));
    return narrow;
}

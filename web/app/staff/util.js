// staff/util.js - small helpers the staff pages share.

/** Groups of case states for the to-do tabs (every flow's states). */
export const CASE_TABS = [
    { key: 'pending', label: '待受理', states: ['submitted', 'pre_reviewed', 'received'] },
    { key: 'handling', label: '办理中', states: ['handling', 'review', 'joint_review', 'approved', 'denied'] },
    { key: 'supplement', label: '补正', states: ['supplementing'] },
    { key: 'special', label: '特别程序', states: ['handling_suspended', 'review_suspended', 'suspended'] },
    { key: 'done', label: '已办结', open: 0 },
    { key: 'all', label: '全部' },
];

/** A field value of a timeline step as text. */
export function fieldText(v) {
    if (v === null || v === undefined) return '';
    if (Array.isArray(v)) return v.join('、');
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
}

/** The role names a timeline shows. */
export const ROLE_LABELS = {
    citizen: '申请人',
    enterprise: '申请单位',
    clerk: '窗口/承办',
    dept_head: '部门负责人',
    legal_reviewer: '法制审查',
    supervisor: '监察',
    admin: '管理员',
    system: '系统',
};

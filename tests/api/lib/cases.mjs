// cases.mjs - what the tests of cases and their supervision share: the
// passport item they apply for, a server on the fake clock with long
// sessions, asserting a status, and an application with every required
// material uploaded.
import assert from 'node:assert/strict';

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
/** serve flags: the fake clock, and sessions that outlive the months a test walks through */
export const LONG = ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'];
/** 普通护照签发 (360300-GA): promised 7, legal 15 working days; fee 120 元/本 */
export const PASSPORT = '360300-XK-GA-001';

/** The JSON of a reply, asserting its status. */
export async function ok(rp, status = 200) {
    const r = await rp;
    assert.equal(r.status, status, r.text);
    return r.json;
}

const guides = new Map(); // item code -> guide (items do not change while a test runs)

/** Every required material of item code, each with one upload of applicant c. */
export async function materialsFor(c, anon, code = PASSPORT) {
    if (!guides.has(code)) {
        const item = await ok(anon.get(`/api/items/${code}`));
        guides.set(code, item.guide || item);
    }
    const up = await ok(
        c.req('POST', `/api/uploads?name=${encodeURIComponent('材料.pdf')}`, {
            body: PDF,
            headers: { 'Content-Type': 'application/octet-stream' },
        }),
        201,
    );
    return guides.get(code).materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: up.id }));
}

/** Apply for item code as c (materials uploaded); the case's number. */
export async function applyCase(c, anon, code = PASSPORT, extra = {}) {
    return (await ok(c.post('/api/cases', { item_code: code, materials: await materialsFor(c, anon, code), ...extra }), 201))
        .number;
}

/**
 * One event of a case as 360300-GA's own system reports it
 * (docs/supervision-events.md): by default a 户口迁入 case (legal 20,
 * promised 10 working days) of a citizen at the window. Options: prefix of
 * the event ids, dept, the step's from/to, its fields, and caseInfo members
 * that replace the defaults.
 */
export function deptCaseEvent(number, seq, action, result, time, opts = {}) {
    const { prefix = 'ga-sys', dept = '360300-GA', from = '', to = action, fields = {}, caseInfo = {} } = opts;
    return {
        id: `${prefix}/${number}/${seq}`,
        type: `case.${action}`,
        time,
        subject_type: 'case',
        subject: number,
        seq,
        case: {
            number,
            title: '张三',
            item_code: PASSPORT,
            item_name: '户口迁入',
            department: dept,
            region: '360300',
            applicant_type: 'citizen',
            channel: 'window',
            legal_days: 20,
            promised_days: 10,
            state: to,
            ...caseInfo,
        },
        step: { action, result, from, to, actor: 'ga_clerk_ext', actor_role: 'clerk', fields },
    };
}

/** Log in as each of logins on server t (in order). */
export function people(t, as, ...logins) {
    return Promise.all(logins.map((l) => as(t, l)));
}

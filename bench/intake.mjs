#!/usr/bin/env node
// intake.mjs - external event intake over HTTP: a department's system (an API
// key of 360300-MZ, made by its head) reports its window cases to POST
// /api/supervision/events in batches of 500 events (125 cases x submit,
// accept, approve, complete: the shape of scripts/demo-activity.mjs and
// docs/supervision-events.md), from --clients concurrent senders, for
// --batches batches. Prints one line: "intake: N events in S s: R events/s
// (E bytes/event)". Every event must be accepted (a rejection stops it).
//
//   node bench/intake.mjs --base URL [--batches 40] [--clients 4]
const PASSWORD = 'Demo2026pass';
const o = { base: null, batches: 40, clients: 4 };
for (let i = 2; i < process.argv.length; i++) {
    const a = process.argv[i];
    if (a === '--base') o.base = process.argv[++i];
    else if (a === '--batches') o.batches = Number(process.argv[++i]);
    else if (a === '--clients') o.clients = Number(process.argv[++i]);
    else throw new Error(`intake: unknown option ${a}`);
}
if (!o.base) throw new Error('usage: node bench/intake.mjs --base URL [--batches N] [--clients N]');

async function call(method, p, body, headers = {}) {
    const res = await fetch(o.base + p, { method, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`intake: ${method} ${p}: HTTP ${res.status}\n${text.slice(0, 2000)}`);
    return { json: JSON.parse(text), headers: res.headers };
}

// the head of 民政局 makes the key, as scripts/demo-activity.mjs does
const login = await call('POST', '/api/auth/login', { login: 'mzj_head', password: PASSWORD });
const cookie = /zt_session=([^;]*)/.exec(login.headers.getSetCookie().join(';'))[1];
const dept = (await (await fetch(`${o.base}/api/departments?q=360300-MZ&per_page=10`, { headers: { Cookie: `zt_session=${cookie}` } })).json()).items.find((d) => d.code === '360300-MZ');
const key = (await call('POST', '/api/keys', { dept_id: dept.id, name: '基准：民政业务系统' }, { Cookie: `zt_session=${cookie}`, 'X-CSRF-Token': login.json.csrf_token })).json.key;

const run = `${process.pid}-${Date.now() % 100000}`;
const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const iso = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 19) + '+08:00';
const t0 = Date.now() - 4 * 3600e3;
function event(number, seq, action, result, from, to, extra = {}) {
    return {
        id: `bench-mz/${number}/${seq}`, type: `case.${action}`, time: iso(t0 + seq * 600e3), subject_type: 'case', subject: number, seq,
        case: {
            number, title: '民办非企业单位成立登记', item_code: 'BENCH-MZ-DJ', item_name: '民办非企业单位成立登记',
            department: '360300-MZ', region: '360300', applicant_type: 'citizen', channel: 'window', legal_days: 60,
            promised_days: 25, state: to, ...(seq >= 2 ? { accept_day: today } : {}),
        },
        step: { action, result, from, to, actor: 'mz_sys_clerk', actor_role: seq === 3 ? 'dept_head' : 'clerk', fields: extra.fields || {} },
        ...(extra.more || {}),
    };
}
function batch(b) {
    const events = [];
    for (let c = 0; c < 125; c++) {
        const number = `MZ-BENCH-${run}-${b}-${c}`;
        events.push(
            event(number, 1, 'submit', null, '', 'submitted'),
            event(number, 2, 'accept', 'accept', 'submitted', 'accepted'),
            event(number, 3, 'approve', 'approve', 'accepted', 'approved', { fields: { opinion: '符合条件，准予登记' } }),
            event(number, 4, 'complete', 'complete', 'approved', 'completed', {
                fields: { result_type: '准予登记', fee_charged: 0, fee_standard: '不收费' },
                more: { result: { result_type: '准予登记', certificate_no: `MZ-DJ-${b}-${c}`, fee_charged: 0, fee_standard: '不收费' } },
            }),
        );
    }
    return JSON.stringify({ events });
}
const bodies = Array.from({ length: o.batches }, (_, b) => batch(b));
let next = 0, events = 0;
const start = process.hrtime.bigint();
await Promise.all(Array.from({ length: o.clients }, async () => {
    while (next < bodies.length) {
        const body = bodies[next++];
        const res = await fetch(`${o.base}/api/supervision/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` }, body });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`intake: HTTP ${res.status}\n${text.slice(0, 2000)}`);
        const j = JSON.parse(text);
        if (j.rejected && j.rejected.length) throw new Error(`intake: rejected ${JSON.stringify(j.rejected.slice(0, 3))}`);
        events += 500;
    }
}));
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`intake: ${events} events in ${secs.toFixed(2)} s: ${(events / secs).toFixed(0)} events/s (${Math.round(bodies[0].length / 500)} bytes/event)`);

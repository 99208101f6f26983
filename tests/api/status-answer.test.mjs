// The status query's materialised answer (issue #13): every write of a case
// stores the exact bytes POST /api/public/case-status answers (cases.
// public_answer), so that the query is one indexed read. Proven here against
// the code that computes the answer: at every state a case passes through
// (licensing with a special procedure and a return, 不予受理, 补正 and
// resubmission, withdrawal, joint review, on the spot), the stored answer is
// read, then dropped in the database (the sqlite3 shell), and the query
// computes it live: both must be the same bytes. A department's rename drops
// the answers that name it; the next step stores them again.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startServer, as, Client } from './lib/server.mjs';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const LONG = ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'];

async function ok(rp, status = 200) {
    const r = await rp;
    assert.equal(r.status, status, r.text);
    return r.json;
}

async function act(c, number, action, fields = {}) {
    return ok(c.post(`/api/cases/${number}/actions/${action}`, { fields }));
}

async function materialsFor(c, anon, code) {
    const item = (await anon.get(`/api/items/${code}`)).json;
    const guide = item.guide || item;
    const up = await c.req('POST', '/api/uploads?name=a.pdf', { body: PDF, headers: { 'Content-Type': 'application/pdf' } });
    assert.equal(up.status, 201, up.text);
    return guide.materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: up.json.id }));
}

describe('the status answer stored by each write equals the answer computed live', () => {
    let t, anon, db, zs, qy, clerk, head, admin, states;
    const sql = (q) => {
        const r = spawnSync('sqlite3', [db], { encoding: 'utf8', input: `.timeout 5000\n${q}\n` });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
    };
    const quote = (s) => `'${s.replaceAll("'", "''")}'`;
    const query = (number, password) => anon.post('/api/public/case-status', { number, password });

    // the stored bytes, the query's answer, and the live answer: all the same
    async function check(number, password) {
        const stored = sql(`SELECT public_answer FROM cases WHERE number = ${quote(number)};`).replace(/\n$/, '');
        assert.ok(stored.startsWith('{'), `${number}: an answer is stored`);
        const served = await query(number, password);
        assert.equal(served.status, 200, served.text);
        assert.equal(served.text, stored, 'the query answers the stored bytes');
        assert.equal(served.headers.get('cache-control'), 'no-store');
        assert.match(served.headers.get('content-type'), /^application\/json/);
        sql(`UPDATE cases SET public_answer = NULL WHERE number = ${quote(number)};`);
        const live = await query(number, password);
        assert.equal(live.status, 200, live.text);
        assert.equal(live.text, stored, `${number} in ${served.json.state}: stored and live answers differ`);
        states.add(served.json.state);
        return served.json;
    }

    async function apply(c, item) {
        const r = await ok(c.post('/api/cases', { item_code: item, materials: await materialsFor(c, anon, item) }), 201);
        await check(r.number, r.query_password);
        return [r.number, r.query_password];
    }

    before(async () => {
        t = await startServer({ args: LONG });
        db = path.join(t.dir, 'zhengtong.db');
        anon = new Client(t);
        zs = await as(t, 'zhangsan');
        qy = await as(t, 'pxqiye');
        clerk = await as(t, 'gaj_clerk');
        head = await as(t, 'gaj_head');
        admin = await as(t, 'admin');
        states = new Set();
        const root = await ok(admin.put('/api/admin/clock', { now: '2026-09-23T02:00:00Z' }));
        assert.ok(root);
    });
    after(async () => t && (await t.stop()));

    test('licensing: submitted to completed, through a special procedure and a return', async () => {
        const [n, pw] = await apply(zs, '360300-XK-GA-001');
        const steps = [
            [clerk, 'pre_review_pass', { opinion: '材料齐全' }],
            [clerk, 'accept', { notice_no: '萍公出受〔2026〕88号' }],
            [head, 'assign', { assignee: '刘敏' }],
            [head, 'special_start', { type: '检验', reason: '需检验证件照片', legal_basis: '《中华人民共和国行政许可法》第四十五条', days: 5 }],
            [clerk, 'special_end', { result: '检验合格' }],
            [clerk, 'submit_review', { opinion: '符合条件' }],
            [head, 'return', { reason: '照片不清晰' }],
            [clerk, 'submit_review', { opinion: '已核实' }],
            [head, 'approve', { decision_no: '萍公出准〔2026〕12号' }],
            [clerk, 'complete', { result_type: '准予许可', certificate_no: 'E1', fee_charged: 12000, fee_standard: '120元/本', delivery: '邮寄送达' }],
        ];
        let done;
        for (const [who, action, fields] of steps) {
            await act(who, n, action, fields);
            done = await check(n, pw);
        }
        assert.equal(done.state, 'completed');
        assert.equal(done.result.certificate_no, 'E1');
        assert.deepEqual(done.timeline.find((e) => e.action === 'return').fields, {}, 'a step between staff stays inside');
    });

    test('不予受理, 补正 and resubmission, withdrawal', async () => {
        const [a, pa] = await apply(zs, '360300-XK-GA-001');
        await act(clerk, a, 'refuse_acceptance', { reason: '不属于本机关受理范围', legal_basis: '《护照法》第四条', remedy_notice: '可申请行政复议' });
        assert.equal((await check(a, pa)).state, 'not_accepted');
        const [b, pb] = await apply(zs, '360300-XK-GA-001');
        await act(clerk, b, 'request_supplement', { missing_materials: ['证件照片（白底）'] });
        await check(b, pb);
        await act(zs, b, 'resubmit', { note: '已补交' });
        await check(b, pb);
        await act(zs, b, 'withdraw', { reason: '行程取消' });
        assert.equal((await check(b, pb)).state, 'withdrawn');
    });

    test('joint review and an on-the-spot case', async () => {
        const depts = {};
        for (const code of ['360300-WS', '360300-JS', '360300-RKJS']) {
            const d = await ok(admin.get(`/api/departments?q=${code}`));
            depts[code] = d.items.find((x) => x.code === code).id;
        }
        for (const [login, code] of [['ws_clerk', '360300-WS'], ['js_clerk', '360300-JS'], ['rk_clerk', '360300-RKJS']])
            await ok(admin.post('/api/users', { login, name: login, role: 'clerk', dept_id: depts[code], password: 'Staff2026pass' }), 201);
        const ws = await as(t, 'ws_clerk', 'Staff2026pass');
        const js = await as(t, 'js_clerk', 'Staff2026pass');
        const rk = await as(t, 'rk_clerk', 'Staff2026pass');
        const [n, pw] = await apply(qy, '360300-XK-GA-003');
        await act(clerk, n, 'accept');
        await check(n, pw);
        await act(ws, n, 'opinion', { conclusion: '同意', opinion: '卫生条件符合要求' });
        await check(n, pw);
        await act(js, n, 'opinion', { conclusion: '有条件同意', opinion: '消防整改后开业', conditions: '整改消防通道' });
        await check(n, pw);
        await act(head, n, 'approve', { opinion: '准予' });
        assert.equal((await check(n, pw)).state, 'approved');

        // a rename of a department that took a step drops the stored answer; the
        // live answer names the new name, and the next step stores it again
        const wsName = (await ok(admin.get(`/api/departments/${depts['360300-WS']}`))).name;
        await ok(admin.patch(`/api/departments/${depts['360300-WS']}`, { name: `${wsName}（改）` }));
        assert.equal(sql(`SELECT public_answer IS NULL FROM cases WHERE number = ${quote(n)};`).trim(), '1');
        const live = await ok(query(n, pw));
        assert.ok(live.timeline.some((e) => e.department === `${wsName}（改）`), JSON.stringify(live.timeline));
        await act(clerk, n, 'complete', { result_type: '准予许可', fee_charged: 0, fee_standard: '不收费' });
        assert.equal((await check(n, pw)).state, 'completed');

        const [s, ps] = await apply(zs, '360300-GG-RKJS-001');
        await act(rk, s, 'complete', { result_type: '已办理', fee_charged: 0, fee_standard: '不收费' });
        assert.equal((await check(s, ps)).state, 'completed');
    });

    test('the states seen', () => {
        for (const s of ['submitted', 'pre_reviewed', 'handling', 'handling_suspended', 'approved', 'completed',
            'not_accepted', 'supplementing', 'withdrawn', 'received'])
            assert.ok(states.has(s), `${s} among ${[...states]}`);
    });

    test('a wrong password or an unknown number still answers 404, the stored answer unseen', async () => {
        const [n] = await apply(zs, '360300-XK-GA-001');
        const wrong = await query(n, 'ZZZZZZZZ');
        assert.equal(wrong.status, 404);
        assert.doesNotMatch(wrong.text, /timeline/);
        assert.equal((await query('360300-20260923-999999', 'ZZZZZZZZ')).status, 404);
    });
});

// benchgen.test.mjs - `zhengtong bench-gen` clones cases made through the
// real API; a clone must read back through the API exactly like its
// template (the case applied and handled for real), with only its number
// and query password different: lists, the case detail for the applicant
// and for staff, the status query, the supervision engine's view of it
// (projection, deadlines, timers), its ledger entries, `ledger verify`, and
// the engine taking a real action on a clone.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, as, Client, BIN, REPO } from './lib/server.mjs';
import { seed, HISTORIES } from '../../bench/seed.mjs';

const CLONES = 200;
const FAST_HASH = ['--auth.argon2_mem_kib', '8192', '--auth.argon2_ops', '1'];

function run(args) {
    const r = spawnSync(BIN, args, { cwd: REPO, encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Shanghai' } });
    return { code: r.status, out: r.stdout, err: r.stderr };
}

// the JSON with one number put for another (the only difference allowed)
const renumber = (v, from, to) => JSON.parse(JSON.stringify(v).split(from).join(to));

describe('bench-gen: cloned cases are the cases the real paths make', () => {
    let srv, dir, templates, listed, byTitle, pwFile;

    before(async () => {
        const first = await startServer({ keep: true });
        dir = first.dir;
        templates = await seed({ base: first.base, items: 3 }); // 18 cases, every history
        await first.stop();
        pwFile = path.join(dir, 'passwords.tsv');
        const g = run(['bench-gen', '--data-dir', dir, '--cases', String(CLONES), '--passwords', pwFile, '--sample', String(CLONES), '--batch', '64', '--quiet', ...FAST_HASH]);
        assert.equal(g.code, 0, g.err);
        assert.match(g.out, new RegExp(`bench-gen: ${CLONES} cases from ${templates.length} templates`));
        listed = readFileSync(pwFile, 'utf8').trim().split('\n').map((l) => {
            const [number, password, state, department] = l.split('\t');
            return { number, password, state, department };
        });
        srv = await startServer({ dir });
        // a template is found by its title (seed makes each one unique)
        const admin = await as(srv, 'admin');
        const all = [];
        for (let page = 1; ; page++) {
            const r = await admin.get(`/api/dept/cases?per_page=100&page=${page}`);
            assert.equal(r.status, 200, r.text);
            all.push(...r.json.items);
            if (page * 100 >= r.json.total) break;
        }
        byTitle = {};
        for (const c of all) (byTitle[c.title] ||= []).push(c);
    });

    after(async () => {
        if (srv) await srv.stop();
    });

    test('every clone was listed with its query password, every history among them', () => {
        assert.equal(listed.length, CLONES);
        assert.deepEqual([...new Set(listed.map((l) => l.state))].sort(), [...HISTORIES].sort());
        for (const l of listed) assert.match(l.password, /^[2-9A-HJKMNP-Za]{8}$/);
    });

    test('the lists hold templates and clones alike, each clone equal to its template but for the number', async () => {
        const total = Object.values(byTitle).reduce((n, l) => n + l.length, 0);
        assert.equal(total, templates.length + CLONES);
        for (const t of templates) {
            const group = byTitle[Object.keys(byTitle).find((k) => byTitle[k].some((c) => c.number === t.number))];
            assert.ok(group.length > 1, `template ${t.number} has clones`);
            const tpl = group.find((c) => c.number === t.number);
            for (const c of group.filter((x) => x.number !== t.number)) assert.deepEqual(c, renumber(tpl, t.number, c.number));
        }
        const own = { zhangsan: 0, pxqiye: 0 };
        for (const t of templates) own[await applicantOf(t)]++;
        for (const login of Object.keys(own)) {
            const mine = await (await as(srv, login)).get('/api/my/cases?per_page=1');
            if (own[login]) assert.ok(mine.json.total > own[login], `${login} sees his clones in his own list`);
        }
    });

    // the template of a listed clone
    const templateOf = (clone) => {
        const group = Object.values(byTitle).find((g) => g.some((c) => c.number === clone.number));
        return templates.find((t) => group.some((c) => c.number === t.number));
    };

    test('case detail: the applicant and the department read a clone as they read its template', async () => {
        const seen = new Set();
        for (const l of listed) {
            if (seen.has(l.state)) continue;
            seen.add(l.state);
            const t = templateOf(l);
            const applicant = await as(srv, await applicantOf(t));
            const a = await applicant.get(`/api/cases/${t.number}`);
            const b = await applicant.get(`/api/cases/${l.number}`);
            assert.equal(b.status, 200, b.text);
            assert.equal(b.json.query_password, l.password, 'the password bench-gen printed is the applicant’s');
            assert.notEqual(b.json.query_password, a.json.query_password);
            assert.deepEqual({ ...b.json, query_password: null }, renumber({ ...a.json, query_password: null }, t.number, l.number));
            const staff = await as(srv, t.department === '360300-GA' ? 'gaj_clerk' : `bg_${t.department.toLowerCase().replace(/[^a-z0-9]/g, '_')}_clerk`);
            const sa = await staff.get(`/api/cases/${t.number}`);
            const sb = await staff.get(`/api/cases/${l.number}`);
            assert.equal(sb.status, 200, sb.text);
            assert.deepEqual(sb.json, renumber(sa.json, t.number, l.number));
        }
        assert.equal(seen.size, HISTORIES.length);
    });

    async function applicantOf(t) {
        const admin = await as(srv, 'admin');
        const r = await admin.get(`/api/cases/${t.number}`);
        return r.json.applicant.type === 'citizen' ? 'zhangsan' : 'pxqiye';
    }

    test('status query: number + the printed password answers like the template; a wrong password does not', async () => {
        const anon = new Client(srv);
        for (const l of listed.slice(0, 12)) {
            const t = templateOf(l);
            const a = await anon.post('/api/public/case-status', { number: t.number, password: t.password });
            const b = await anon.post('/api/public/case-status', { number: l.number, password: l.password });
            assert.equal(a.status, 200, a.text);
            assert.equal(b.status, 200, b.text);
            assert.deepEqual(b.json, renumber(a.json, t.number, l.number));
        }
        const wrong = await anon.post('/api/public/case-status', { number: listed[0].number, password: listed[1].password === listed[0].password ? 'ZZZZZZZZ' : listed[1].password });
        assert.equal(wrong.status, 404);
    });

    test('supervision: the engine holds the same projection, deadlines and timers for a clone', async () => {
        const jc = await as(srv, 'jiancha');
        for (const state of HISTORIES) {
            const l = listed.find((x) => x.state === state);
            const t = templateOf(l);
            const a = await jc.get(`/api/supervision/cases/${t.number}?type=case`);
            const b = await jc.get(`/api/supervision/cases/${l.number}?type=case`);
            assert.equal(a.status, 200, a.text);
            assert.equal(b.status, 200, b.text);
            assert.notEqual(b.json.id, a.json.id);
            assert.deepEqual({ ...b.json, id: null }, renumber({ ...a.json, id: null }, t.number, l.number));
            assert.equal(b.json.state, state);
            if (state === 'handling') assert.ok(b.json.timers.length > 0, 'an accepted case has its deadline timers');
            if (state === 'completed') assert.ok(b.json.closed_at);
        }
    });

    test('ledger: a clone’s entries are its template’s but for index and number, and the whole ledger verifies', async () => {
        const aud = await as(srv, 'shenji');
        const l = listed.find((x) => x.state === 'completed');
        const t = templateOf(l);
        const entries = async (num) => {
            const out = [];
            for (let from = 0, size = 1; from < size; from += 1000) {
                const r = await aud.get(`/api/ledger/entries?subject=${encodeURIComponent(`case/${num}`)}&from=${from}&to=${from + 1000}`);
                assert.equal(r.status, 200, r.text);
                size = r.json.size;
                out.push(...r.json.items);
            }
            return out;
        };
        const a = await entries(t.number), b = await entries(l.number);
        assert.ok(a.length >= 6, `a completed case has its entries (${a.length})`);
        assert.equal(b.length, a.length);
        const body = (x) => {
            const o = JSON.parse(Buffer.from(x.entry, 'base64').toString('utf8'));
            assert.equal(o.index, x.index);
            delete o.index;
            return o;
        };
        for (let i = 0; i < a.length; i++) assert.deepEqual(body(b[i]), renumber(body(a[i]), t.number, l.number));
        const v = run(['ledger', 'verify', '--data-dir', dir]);
        assert.equal(v.code, 0, v.out + v.err);
        assert.match(v.out, /^ok: \d+ entries verified/);
    });

    test('the real paths go on from a clone: accepting a pre-reviewed clone moves it and its supervision subject', async () => {
        const l = listed.find((x) => x.state === 'pre_reviewed');
        const t = templateOf(l);
        const clerk = await as(srv, t.department === '360300-GA' ? 'gaj_clerk' : `bg_${t.department.toLowerCase().replace(/[^a-z0-9]/g, '_')}_clerk`);
        const r = await clerk.post(`/api/cases/${l.number}/actions/accept`, { fields: { notice_no: '萍受〔2026〕9001号', opinion: '予以受理' } });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'handling');
        assert.deepEqual(r.json.timeline.map((s) => s.action), ['submit', 'pre_review_pass', 'accept']);
        const jc = await as(srv, 'jiancha');
        const s = await jc.get(`/api/supervision/cases/${l.number}?type=case`);
        assert.equal(s.status, 200, s.text);
        assert.equal(s.json.state, 'handling');
        assert.ok(s.json.timers.length > 0);
        const v = run(['ledger', 'verify', '--data-dir', dir]);
        assert.equal(v.code, 0, v.out + v.err);
    });
});

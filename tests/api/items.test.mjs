// items.test.mjs - power items (权力事项): the published demo catalogue, its
// search, filters and pagination, the guide of an item, and the lifecycle
// (draft → legality review → published → new version / suspend / cancel)
// with its permissions, validation and audit trail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, REPO, as, errorOf, startServer } from './lib/server.mjs';

const CATALOGUE = JSON.parse(readFileSync(path.join(REPO, 'data/demo/items.json'), 'utf8')).items;
const byCode = (code) => CATALOGUE.find((it) => it.code === code);
const ELEMENTS = [
    'code', 'name', 'type', 'department', 'implementing_body', 'subjects', 'legal_basis', 'conditions',
    'materials', 'steps', 'legal_limit_days', 'promised_limit_days', 'case_kind', 'process_kind',
    'joint_departments', 'charge', 'fees', 'result', 'place', 'hours', 'consult_phone', 'complaint_phone',
    'online', 'visits',
];

let srv, anon, admin, fzb, gajClerk, gajHead, mzjClerk, mzjHead, zhangsan;

before(async () => {
    srv = await startServer();
    anon = new Client(srv);
    [admin, fzb, gajClerk, gajHead, mzjClerk, mzjHead, zhangsan] = await Promise.all(
        ['admin', 'fzb', 'gaj_clerk', 'gaj_head', 'mzj_clerk', 'mzj_head', 'zhangsan'].map((l) => as(srv, l)),
    );
});

after(async () => {
    if (srv) await srv.stop();
});

async function all(c, p) {
    const sep = p.includes('?') ? '&' : '?';
    const items = [];
    for (let page = 1; ; page++) {
        const r = await c.get(`${p}${sep}per_page=100&page=${page}`);
        assert.equal(r.status, 200, r.text);
        items.push(...r.json.items);
        if (r.json.items.length === 0 || items.length >= r.json.total) {
            assert.equal(items.length, r.json.total);
            return items;
        }
    }
}

// A new guide for 市公安局, derived from a demo item (valid by construction).
function newGuide(code = '360300-XK-GA-101', changes = {}) {
    const g = structuredClone(byCode('360300-XK-GA-001'));
    return { ...g, code, name: `测试事项 ${code}`, ...changes };
}

async function audited(action, code) {
    const r = await admin.get(`/api/audit?action=${action}&target_id=${encodeURIComponent(code)}`);
    assert.equal(r.status, 200, r.text);
    return r.json.items;
}

describe('public catalogue', () => {
    test('the demo catalogue: 71 published items, version 1, as in data/demo/items.json', async () => {
        assert.equal(CATALOGUE.length, 71);
        const items = await all(anon, '/api/items');
        assert.equal(items.length, 71);
        assert.deepEqual(items.map((i) => i.code), CATALOGUE.map((i) => i.code).sort());
        for (const it of items) {
            const src = byCode(it.code);
            assert.equal(it.version, 1);
            assert.equal(it.status, 'published');
            assert.equal(it.name, src.name);
            assert.equal(it.type, src.type);
            assert.equal(it.department, src.department);
            assert.ok(it.department_name, `${it.code} has a department name`);
            assert.equal(it.region_code, src.region_code);
            assert.equal(it.legal_limit_days, src.legal_limit_days);
            assert.equal(it.promised_limit_days, src.promised_limit_days);
            assert.equal(it.case_kind, src.case_kind);
            assert.equal(it.process_kind, src.process_kind);
            assert.equal(it.online, src.online);
            assert.equal(it.visits, src.visits);
            assert.equal(it.fee, src.charge === '收费');
            assert.ok(it.published_at);
        }
        // every import is audited, by the command line
        const imports = await audited('item.import', '360300-XK-GA-001');
        assert.equal(imports.length, 1);
        assert.equal(imports[0].actor_login, 'cli');
    });

    test('keyword search over names and codes: 户口, 食品, a code', async () => {
        const hukou = await anon.get(`/api/items?q=${encodeURIComponent('户口')}`);
        assert.equal(hukou.status, 200);
        const expectHukou = CATALOGUE.filter((i) => i.name.includes('户口') || i.code.includes('户口')).map((i) => i.code);
        assert.ok(expectHukou.length >= 1);
        assert.deepEqual(hukou.json.items.map((i) => i.code), expectHukou.sort());
        assert.ok(hukou.json.items.some((i) => i.name === '户口迁移（迁入）'));
        const food = await anon.get(`/api/items?q=${encodeURIComponent('食品')}`);
        const expectFood = CATALOGUE.filter((i) => i.name.includes('食品')).map((i) => i.code).sort();
        assert.deepEqual(food.json.items.map((i) => i.code), expectFood);
        assert.ok(food.json.items.some((i) => i.name === '食品经营许可'));
        const code = await anon.get('/api/items?q=360300-XK-GA');
        assert.deepEqual(
            code.json.items.map((i) => i.code),
            CATALOGUE.filter((i) => i.code.startsWith('360300-XK-GA')).map((i) => i.code).sort(),
        );
        // LIKE wildcards are taken literally
        assert.equal((await anon.get('/api/items?q=%25')).json.total, 0);
        assert.equal((await anon.get(`/api/items?q=${encodeURIComponent('不存在的事项')}`)).json.total, 0);
    });

    test('filters: dept, region (and below), type, online, kind', async () => {
        const count = (f) => CATALOGUE.filter(f).length;
        const total = async (q) => {
            const r = await anon.get(`/api/items?${q}`);
            assert.equal(r.status, 200, r.text);
            return r.json.total;
        };
        assert.equal(await total('dept=360300-GA'), count((i) => i.department === '360300-GA'));
        assert.equal(await total('region=360302'), count((i) => i.region_code.startsWith('360302')));
        assert.equal(await total('region=360300'), 71, 'the city covers every county and township');
        assert.equal(await total(`type=${encodeURIComponent('行政许可')}`), count((i) => i.type === '行政许可'));
        assert.equal(await total(`online=${encodeURIComponent('全程网办')}`), count((i) => i.online === '全程网办'));
        assert.equal(await total('online=1'), count((i) => i.online !== '不可网办'));
        assert.equal(await total('kind=joint_review'), count((i) => i.process_kind === 'joint_review'));
        assert.equal(await total('kind=on_the_spot'), count((i) => i.process_kind === 'on_the_spot'));
        assert.equal(
            await total(`kind=licensing&type=${encodeURIComponent('行政许可')}&region=360300`),
            count((i) => i.process_kind === 'licensing' && i.type === '行政许可'),
        );
        for (const [q, field] of [
            ['type=abc', 'type'],
            ['online=2', 'online'],
            ['kind=other', 'kind'],
            ['region=36', 'region'],
        ]) {
            const r = await anon.get(`/api/items?${q}`);
            assert.equal(r.status, 400, q);
            assert.equal(errorOf(r).field, field);
        }
    });

    test('pagination: pages partition the catalogue', async () => {
        const p1 = await anon.get('/api/items?per_page=30&page=1');
        const p3 = await anon.get('/api/items?per_page=30&page=3');
        assert.equal(p1.json.total, 71);
        assert.equal(p1.json.items.length, 30);
        assert.equal(p3.json.items.length, 11);
        assert.equal(p1.json.per_page, 30);
        assert.equal(p3.json.page, 3);
        const p2 = await anon.get('/api/items?per_page=30&page=2');
        const codes = [...p1.json.items, ...p2.json.items, ...p3.json.items].map((i) => i.code);
        assert.equal(new Set(codes).size, 71);
        assert.equal((await anon.get('/api/items?per_page=101')).status, 400);
    });

    test('an item: its whole guide, every element of DOMAIN §2, plus metadata', async () => {
        for (const code of ['360300-XK-GH-001', '360300-XK-GA-003', '360302-QR-GA-001']) {
            const r = await anon.get(`/api/items/${code}`);
            assert.equal(r.status, 200, r.text);
            const src = byCode(code);
            for (const k of ELEMENTS) assert.ok(k in r.json.guide, `${code}: ${k}`);
            assert.deepEqual(r.json.guide, src);
            assert.equal(r.json.version, 1);
            assert.equal(r.json.process_kind, src.process_kind);
            assert.ok(r.json.department_name.length > 0);
            assert.ok(r.json.published_at);
            assert.equal(r.json.review, undefined, 'review details are for staff');
        }
        const joint = await anon.get('/api/items/360300-XK-GA-003');
        assert.equal(joint.json.process_kind, 'joint_review');
        assert.ok(joint.json.guide.joint_departments.length >= 2);
        const v1 = await anon.get('/api/items/360300-XK-GH-001/versions/1');
        assert.equal(v1.status, 200);
        assert.equal(v1.json.version, 1);
    });

    test('404 for unknown items and versions, with a Chinese message', async () => {
        for (const p of ['/api/items/360300-XK-XX-999', '/api/items/360300-XK-GH-001/versions/9']) {
            const r = await anon.get(p);
            assert.equal(r.status, 404, p);
            assert.match(errorOf(r).message, /[\u4e00-\u9fff]/);
        }
        assert.equal((await anon.get('/api/items/360300-XK-GH-001/versions/0')).status, 400);
    });
});

describe('lifecycle', () => {
    test('draft → submit → return (opinion required) → edit → submit → approve → public', async () => {
        const code = '360300-XK-GA-101';
        const guide = newGuide(code);
        const created = await gajClerk.post('/api/items', guide);
        assert.equal(created.status, 201, created.text);
        assert.equal(created.json.status, 'draft');
        assert.equal(created.json.version, 1);
        assert.equal((await anon.get(`/api/items/${code}`)).status, 404, 'a draft is not public');
        assert.equal((await anon.get(`/api/items/${code}/versions/1`)).status, 404, 'nor its version');
        assert.equal((await gajHead.get(`/api/items/${code}/versions/1`)).status, 200, 'its department sees it');
        assert.equal((await mzjClerk.get(`/api/items/${code}/versions/1`)).status, 404, 'another one does not');
        assert.equal((await gajClerk.post('/api/items', guide)).status, 409, 'the code exists');

        // review before submission: nothing in review
        const early = await fzb.post(`/api/items/${code}/review`, { decision: 'approve' });
        assert.equal(early.status, 409);
        assert.equal(errorOf(early).field, 'status');

        const sub = await gajClerk.post(`/api/items/${code}/submit`);
        assert.equal(sub.status, 200, sub.text);
        assert.equal(sub.json.status, 'in_review');
        assert.ok(sub.json.review.submitted_at);
        const queue = await fzb.get('/api/items/review');
        assert.equal(queue.status, 200, queue.text);
        assert.ok(queue.json.items.some((i) => i.code === code && i.department_name));
        assert.equal((await gajClerk.get('/api/items/review')).status, 403, 'clerks do not review');
        const editing = await gajClerk.put(`/api/items/${code}/draft`, guide);
        assert.equal(editing.status, 409, 'no edits while in review');

        const noOpinion = await fzb.post(`/api/items/${code}/review`, { decision: 'return' });
        assert.equal(noOpinion.status, 400);
        assert.equal(errorOf(noOpinion).field, 'opinion');
        const badDecision = await fzb.post(`/api/items/${code}/review`, { decision: 'maybe' });
        assert.equal(errorOf(badDecision).field, 'decision');
        const ret = await fzb.post(`/api/items/${code}/review`, { decision: 'return', opinion: '设定依据条款不完整' });
        assert.equal(ret.status, 200, ret.text);
        assert.equal(ret.json.status, 'returned');
        assert.equal(ret.json.review.opinion, '设定依据条款不完整');
        assert.equal(ret.json.review.reviewer, 'fzb');

        const edited = await gajClerk.put(`/api/items/${code}/draft`, { ...guide, promised_limit_days: 8 });
        assert.equal(edited.status, 200, edited.text);
        assert.equal(edited.json.promised_limit_days, 8);
        assert.equal(edited.json.guide.promised_limit_days, 8);
        const wrongCode = await gajClerk.put(`/api/items/${code}/draft`, newGuide('360300-XK-GA-102'));
        assert.equal(wrongCode.status, 400);
        assert.equal(errorOf(wrongCode).field, 'code');

        assert.equal((await gajClerk.post(`/api/items/${code}/submit`)).json.status, 'in_review');
        const ok = await fzb.post(`/api/items/${code}/review`, { decision: 'approve', opinion: '合法' });
        assert.equal(ok.status, 200, ok.text);
        assert.equal(ok.json.status, 'published');

        const pub = await anon.get(`/api/items/${code}`);
        assert.equal(pub.status, 200);
        assert.equal(pub.json.guide.promised_limit_days, 8);
        assert.equal((await anon.get(`/api/items?q=${code}`)).json.total, 1);

        const again = await gajClerk.post(`/api/items/${code}/submit`);
        assert.equal(again.status, 409, 'a published item cannot be submitted');
        assert.equal(errorOf(again).field, 'status');
        assert.match(errorOf(again).message, /已发布/);

        const hist = await gajHead.get(`/api/items/${code}/history`);
        assert.equal(hist.status, 200, hist.text);
        assert.deepEqual(
            hist.json.items.map((h) => h.action),
            ['create', 'submit', 'return', 'edit', 'submit', 'approve'],
        );
        assert.equal(hist.json.items[2].opinion, '设定依据条款不完整');
        assert.equal(hist.json.items[2].actor, 'fzb');
        assert.equal((await mzjClerk.get(`/api/items/${code}/history`)).status, 403);
        assert.equal((await audited('item.approve', code)).length, 1);
        assert.equal((await audited('item.return', code))[0].actor_login, 'fzb');
    });

    test('a new version supersedes the old one, which stays readable', async () => {
        const code = '360300-XK-GA-002';
        const nv = await gajClerk.post(`/api/items/${code}/versions`);
        assert.equal(nv.status, 201, nv.text);
        assert.equal(nv.json.version, 2);
        assert.equal(nv.json.status, 'draft');
        assert.deepEqual(nv.json.guide, byCode(code), 'a copy of the published guide');
        assert.equal((await gajClerk.post(`/api/items/${code}/versions`)).status, 409, 'one open version at a time');

        const changed = { ...byCode(code), promised_limit_days: byCode(code).promised_limit_days - 1 };
        changed.steps = changed.steps.map((s) => ({ ...s, limit_days: 0 }));
        changed.steps[0].limit_days = 1;
        assert.equal((await gajClerk.put(`/api/items/${code}/draft`, changed)).status, 200);
        // the public still sees version 1 while version 2 is being made
        assert.equal((await anon.get(`/api/items/${code}`)).json.version, 1);
        assert.equal((await anon.get(`/api/items/${code}/versions/2`)).status, 404);
        assert.equal((await gajClerk.post(`/api/items/${code}/submit`)).status, 200);
        const ok = await fzb.post(`/api/items/${code}/review`, { decision: 'approve' });
        assert.equal(ok.status, 200, ok.text);

        const cur = await anon.get(`/api/items/${code}`);
        assert.equal(cur.json.version, 2);
        assert.equal(cur.json.promised_limit_days, changed.promised_limit_days);
        const old = await anon.get(`/api/items/${code}/versions/1`);
        assert.equal(old.status, 200, 'cases show the version they ran under');
        assert.equal(old.json.status, 'superseded');
        assert.deepEqual(old.json.guide, byCode(code));
        const list = await anon.get(`/api/items?q=${code}`);
        assert.deepEqual(list.json.items.map((i) => i.version), [2], 'one public version per code');
        const dept = await all(gajClerk, '/api/dept/items');
        assert.deepEqual(dept.filter((i) => i.code === code).map((i) => `${i.version}:${i.status}`), [
            '2:published',
            '1:superseded',
        ]);
    });

    test('suspend hides an item, resume shows it, cancel ends it', async () => {
        const code = '360300-XK-GA-001';
        const noReason = await gajHead.post(`/api/items/${code}/suspend`, {});
        assert.equal(noReason.status, 400);
        assert.equal(errorOf(noReason).field, 'reason');
        assert.equal((await gajClerk.post(`/api/items/${code}/suspend`, { reason: '系统升级' })).status, 403);
        assert.equal((await mzjHead.post(`/api/items/${code}/suspend`, { reason: '系统升级' })).status, 403);
        const s = await gajHead.post(`/api/items/${code}/suspend`, { reason: '系统升级' });
        assert.equal(s.status, 200, s.text);
        assert.equal(s.json.status, 'suspended');
        const hidden = await anon.get(`/api/items/${code}`);
        assert.equal(hidden.status, 404);
        assert.match(errorOf(hidden).message, /暂停/);
        assert.equal((await anon.get(`/api/items?q=${code}`)).json.total, 0);
        assert.equal((await anon.get(`/api/items/${code}/versions/1`)).status, 404);
        assert.equal((await gajClerk.get(`/api/items/${code}/versions/1`)).status, 200);
        assert.equal((await gajHead.post(`/api/items/${code}/suspend`, { reason: '再次' })).status, 409);
        assert.equal((await gajClerk.post(`/api/items/${code}/versions`)).status, 409, 'no new version while suspended');

        const r = await gajHead.post(`/api/items/${code}/resume`);
        assert.equal(r.status, 200, r.text);
        assert.equal((await anon.get(`/api/items/${code}`)).status, 200);
        assert.equal((await gajHead.post(`/api/items/${code}/resume`)).status, 409);

        const c = await admin.post(`/api/items/${code}/cancel`, { reason: '法律依据废止' });
        assert.equal(c.status, 200, c.text);
        assert.equal(c.json.status, 'cancelled');
        const gone = await anon.get(`/api/items/${code}`);
        assert.equal(gone.status, 404);
        assert.match(errorOf(gone).message, /取消/);
        for (const p of ['resume', 'suspend', 'submit', 'versions']) {
            const x = await gajHead.post(`/api/items/${code}/${p}`, p === 'suspend' ? { reason: 'x' } : undefined);
            assert.equal(x.status, 409, `${p} after cancel`);
        }
        assert.equal((await gajClerk.post('/api/items', newGuide(code))).status, 409, 'a cancelled code is not reused');
        const hist = await gajHead.get(`/api/items/${code}/history`);
        assert.deepEqual(hist.json.items.map((h) => h.action), ['import', 'suspend', 'resume', 'cancel']);
        assert.equal((await audited('item.cancel', code))[0].actor_login, 'admin');
    });
});

describe('permissions and validation', () => {
    test('citizens and other departments cannot draft or change an item', async () => {
        const g = newGuide('360300-XK-GA-103');
        assert.equal((await anon.post('/api/items', g)).status, 401);
        assert.equal((await zhangsan.post('/api/items', g)).status, 403);
        const other = await mzjClerk.post('/api/items', g);
        assert.equal(other.status, 403, 'a 公安局 item drafted by 民政局');
        assert.equal(errorOf(other).field, 'department');
        assert.equal((await fzb.post('/api/items', g)).status, 403);
        assert.equal((await gajClerk.post('/api/items', g)).status, 201);
        assert.equal((await mzjClerk.put('/api/items/360300-XK-GA-103/draft', g)).status, 403);
        assert.equal((await mzjClerk.post('/api/items/360300-XK-GA-103/submit')).status, 403);
        assert.equal((await mzjClerk.post('/api/items/360300-XK-MZ-001/versions')).status, 201, 'its own: fine');
        assert.equal((await gajClerk.post('/api/items/360300-XK-MZ-002/versions')).status, 403);
        assert.equal((await zhangsan.get('/api/dept/items')).status, 403);
        const mine = await all(mzjClerk, '/api/dept/items');
        assert.ok(mine.length > 0 && mine.every((i) => i.department === '360300-MZ'));
        const drafts = await mzjClerk.get('/api/dept/items?status=draft');
        assert.deepEqual(drafts.json.items.map((i) => i.code), ['360300-XK-MZ-001']);
        assert.equal((await mzjClerk.get('/api/dept/items?status=bogus')).status, 400);
        // an admin may draft for any department
        assert.equal((await admin.post('/api/items', newGuide('360300-XK-GA-104'))).status, 201);
    });

    test('invalid guides: 400 naming the member', async () => {
        const base = newGuide('360300-XK-GA-110');
        const cases = [
            [{ ...base, materials: [{ ...base.materials[0], form: 'paper' }] }, 'materials[0].form'],
            [{ ...base, materials: [{ ...base.materials[0], count: 0 }] }, 'materials[0].count'],
            [{ ...base, materials: [] }, 'materials'],
            [{ ...base, type: '行政命令' }, 'type'],
            [{ ...base, department: '360300-NOPE' }, 'department'],
            [{ ...base, code: '360300-XK-GA-1' }, 'code'],
            [{ ...base, code: '360300-CF-GA-110' }, 'code'],
            [{ ...base, promised_limit_days: base.legal_limit_days + 1 }, 'promised_limit_days'],
            [{ ...base, legal_limit_days: 1.5 }, 'legal_limit_days'],
            [{ ...base, process_kind: 'express' }, 'process_kind'],
            [{ ...base, online: '部分网办' }, 'online'],
            [{ ...base, visits: 9 }, 'visits'],
            [{ ...base, consult_phone: '110' }, 'consult_phone'],
            [{ ...base, legal_basis: [{ law: '行政许可法', article: null, summary: '' }] }, 'legal_basis[0].law'],
            [{ ...base, legal_basis: [{ law: '《行政许可法》', article: '第X条', summary: '' }] }, 'legal_basis[0].article'],
            [{ ...base, fees: [{ ...base.fees[0], basis: '' }] }, 'fees[0].basis'],
            [{ ...base, fees: [{ ...base.fees[0], amount_yuan: -1 }] }, 'fees[0].amount_yuan'],
            [{ ...base, charge: '不收费' }, 'fees'],
            [{ ...base, joint_departments: ['360300-MZ', '360300-CZ'] }, 'joint_departments'],
            [{ ...base, steps: [{ ...base.steps[0], limit_days: 999 }] }, 'steps[0].limit_days'],
            [{ ...base, place: { ...base.place, window: 999 } }, 'place.window'],
            [{ ...base, colour: 'red' }, 'colour'],
            [{ ...base, materials: [{ ...base.materials[0], colour: 'red' }] }, 'materials[0].colour'],
        ];
        const { subjects, ...noSubjects } = base;
        cases.push([noSubjects, 'subjects']);
        const joint = structuredClone(byCode('360300-XK-GA-003'));
        cases.push([{ ...joint, code: '360300-XK-GA-111', joint_departments: [] }, 'joint_departments']);
        cases.push([{ ...joint, code: '360300-XK-GA-111', joint_departments: ['360300-ZZZ', '360300-MZ'] }, 'joint_departments[0]']);
        for (const [body, field] of cases) {
            const r = await gajClerk.post('/api/items', body);
            assert.equal(r.status, 400, `${field}: ${r.text}`);
            assert.equal(errorOf(r).field, field, r.text);
            assert.match(errorOf(r).message, /[\u4e00-\u9fff]/, 'a Chinese message');
        }
        assert.equal((await gajClerk.get('/api/items/360300-XK-GA-110/versions/1')).status, 404, 'nothing was stored');
    });

    test('legal reviewers: the queue and decisions; others cannot decide', async () => {
        const code = '360300-XK-GA-120';
        assert.equal((await gajClerk.post('/api/items', newGuide(code))).status, 201);
        assert.equal((await gajClerk.post(`/api/items/${code}/submit`)).status, 200);
        assert.equal((await gajHead.post(`/api/items/${code}/review`, { decision: 'approve' })).status, 403);
        assert.equal((await zhangsan.post(`/api/items/${code}/review`, { decision: 'approve' })).status, 403);
        const q = await admin.get('/api/items/review?per_page=100');
        assert.ok(q.json.items.some((i) => i.code === code));
        assert.equal((await fzb.post(`/api/items/${code}/review`, { decision: 'approve' })).status, 200);
        const after = await fzb.get('/api/items/review?per_page=100');
        assert.ok(!after.json.items.some((i) => i.code === code));
    });
});

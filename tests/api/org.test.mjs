// org.test.mjs - the directory: regions, departments, halls, windows; its
// search and pagination; administrators' changes and their audit trail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, REPO, as, errorOf, rawHttp, startServer } from './lib/server.mjs';

// the source files init imported: the expectations come from them
function tsv(file) {
    return readFileSync(path.join(REPO, 'data', file), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split('\t'));
}
const REGIONS = tsv('regions.tsv').map(([code, name, level, parent]) => ({ code, name, level: Number(level), parent }));
const DEPTS = tsv('demo/departments.tsv').map(([region, code, name, , kind]) => ({ region, code, name, kind }));
const HALLS = tsv('demo/halls.tsv').map(([region, name]) => ({ region, name }));
const WINDOWS = tsv('demo/windows.tsv').map(([hall, number, name, dept]) => ({ hall, number: Number(number), name, dept }));

let srv, admin, anon;

before(async () => {
    srv = await startServer();
    admin = await as(srv, 'admin');
    anon = new Client(srv);
});

after(async () => {
    if (srv) await srv.stop();
});

async function all(c, p) {
    const sep = p.includes('?') ? '&' : '?';
    const items = [];
    let total;
    for (let page = 1; ; page++) {
        const r = await c.get(`${p}${sep}per_page=100&page=${page}`);
        assert.equal(r.status, 200, r.text);
        total = r.json.total;
        items.push(...r.json.items);
        if (r.json.items.length === 0 || items.length >= total) break;
    }
    assert.equal(items.length, total, `${p}: total matches the items`);
    return items;
}

async function deptByCode(code) {
    const r = await anon.get(`/api/departments?q=${encodeURIComponent(code)}&retired=1`);
    return r.json.items.find((d) => d.code === code);
}

async function audited(action, targetId) {
    const r = await admin.get(`/api/audit?action=${action}&target_id=${encodeURIComponent(targetId)}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.items.length, 1, `one ${action} of ${targetId}: ${r.text}`);
    assert.equal(r.json.items[0].actor_login, 'admin');
    return r.json.items[0];
}

describe('regions', () => {
    test('64 regions: 1 city, 5 counties, 58 townships, as in data/regions.tsv', async () => {
        assert.equal(REGIONS.length, 64);
        const items = await all(anon, '/api/regions');
        assert.equal(items.length, 64);
        assert.deepEqual(items.map((r) => r.code), REGIONS.map((r) => r.code).sort());
        const byLevel = (l) => items.filter((r) => r.level === l).length;
        assert.deepEqual([byLevel(1), byLevel(2), byLevel(3)], [1, 5, 58]);
        const city = items.find((r) => r.level === 1);
        assert.equal(city.code, '360300');
        assert.equal(city.name, '萍乡市');
        assert.equal((await anon.get('/api/regions?level=2')).json.total, 5);
        assert.equal((await anon.get('/api/regions?parent=360302')).json.total, REGIONS.filter((r) => r.parent === '360302').length);
        const one = await anon.get('/api/regions/360302');
        assert.equal(one.status, 200);
        assert.equal(one.json.name, '安源区');
        assert.equal(one.json.parent_code, '360300');
        assert.equal((await anon.get('/api/regions/999999')).status, 404);
        assert.equal((await anon.get('/api/regions?level=4')).status, 400);
    });

    test('the tree nests 萍乡市 -> 5 counties -> 58 townships', async () => {
        const r = await anon.get('/api/regions/tree');
        assert.equal(r.status, 200);
        assert.equal(r.json.items.length, 1);
        const city = r.json.items[0];
        assert.equal(city.name, '萍乡市');
        assert.equal(city.children.length, 5);
        let townships = 0;
        for (const county of city.children) {
            assert.equal(county.level, 2);
            assert.equal(county.parent_code, '360300');
            const want = REGIONS.filter((x) => x.parent === county.code).map((x) => x.code).sort();
            assert.deepEqual(county.children.map((t) => t.code).sort(), want, county.name);
            for (const t of county.children) {
                assert.ok(t.code.startsWith(county.code));
                assert.deepEqual(t.children, []);
            }
            townships += county.children.length;
        }
        assert.equal(townships, 58);
        assert.ok(!('departments' in city), 'departments only when asked');
        // with departments: each region carries its own
        const d = await anon.get('/api/regions/tree?departments=1');
        const ay = d.json.items[0].children.find((c) => c.code === '360302');
        assert.deepEqual(ay.departments.map((x) => x.code).sort(), DEPTS.filter((x) => x.region === '360302').map((x) => x.code).sort());
        const town = ay.children.find((t) => t.code === '360302001');
        assert.deepEqual(town.departments.map((x) => x.code), ['360302001-BM']);
        const nested = JSON.stringify(d.json).match(/"code":"\d{6,9}-[A-Z]+"/g).length;
        assert.equal(nested, DEPTS.length, 'every department appears once');
    });

    test('Chinese keyword search: ?q=街道', async () => {
        const items = await all(anon, `/api/regions?q=${encodeURIComponent('街道')}`);
        const want = REGIONS.filter((r) => r.name.includes('街道')).map((r) => r.code).sort();
        assert.ok(want.length > 0);
        assert.deepEqual(items.map((r) => r.code).sort(), want);
        assert.ok(items.every((r) => r.name.includes('街道')));
        assert.equal((await anon.get(`/api/regions?q=${encodeURIComponent('安源')}`)).json.items[0].code, '360302');
        assert.equal((await anon.get(`/api/regions?q=${encodeURIComponent('不存在的地方')}`)).json.total, 0);
        // LIKE wildcards are literal
        assert.equal((await anon.get('/api/regions?q=%25')).json.total, 0);
        assert.equal((await anon.get('/api/regions?q=_')).json.total, 0);
    });

    test('pagination: page/per_page, pages cover the list once, per_page over 100 is 400', async () => {
        const p1 = await anon.get('/api/regions?per_page=10&page=1');
        const p2 = await anon.get('/api/regions?per_page=10&page=2');
        assert.equal(p1.json.items.length, 10);
        assert.equal(p1.json.page, 1);
        assert.equal(p1.json.per_page, 10);
        assert.equal(p1.json.total, 64);
        assert.equal(p2.json.page, 2);
        const seen = new Set();
        for (let page = 1; page <= 7; page++) {
            const r = await anon.get(`/api/regions?per_page=10&page=${page}`);
            assert.equal(r.json.items.length, page < 7 ? 10 : 4);
            for (const x of r.json.items) {
                assert.ok(!seen.has(x.code), `${x.code} on two pages`);
                seen.add(x.code);
            }
        }
        assert.equal(seen.size, 64);
        assert.deepEqual((await anon.get('/api/regions?per_page=10&page=8')).json.items, []);
        assert.equal((await anon.get('/api/regions')).json.per_page, 20, 'default page size');
        for (const q of ['per_page=101', 'per_page=0', 'page=0', 'page=-1', 'per_page=abc', 'page=1x']) {
            const r = await anon.get(`/api/regions?${q}`);
            assert.equal(r.status, 400, q);
            assert.equal(errorOf(r).field, q.split('=')[0], q);
        }
        assert.equal((await anon.get('/api/regions?per_page=100')).status, 200);
    });

    test('an administrator adds, renames and retires a township; all audited', async () => {
        let r = await admin.post('/api/regions', { code: '360302999', name: '测试街道', parent_code: '360302' });
        assert.equal(r.status, 201, r.text);
        assert.equal(r.json.level, 3);
        r = await admin.post('/api/regions', { code: '360302999', name: '重复', parent_code: '360302' });
        assert.equal(r.status, 409);
        r = await admin.post('/api/regions', { code: '360313998', name: '错位', parent_code: '360302' });
        assert.equal(r.status, 400, 'a code outside its parent');
        assert.equal(errorOf(r).field, 'code');
        r = await admin.post('/api/regions', { code: '360399', name: '无上级', parent_code: '360399' });
        assert.equal(r.status, 400);
        r = await admin.patch('/api/regions/360302999', { name: '测试街道（改）' });
        assert.equal(r.status, 200);
        assert.equal(r.json.name, '测试街道（改）');
        r = await admin.del('/api/regions/360302');
        assert.equal(r.status, 409, 'a county with townships cannot be retired');
        r = await admin.del('/api/regions/360302999');
        assert.equal(r.status, 200);
        assert.ok(r.json.retired_at);
        assert.equal((await anon.get('/api/regions')).json.total, 64, 'retired regions are not listed');
        assert.equal((await anon.get('/api/regions?retired=1')).json.total, 65);
        await audited('region.create', '360302999');
        await audited('region.update', '360302999');
        await audited('region.retire', '360302999');
        assert.equal((await (await as(srv, 'jiancha')).post('/api/regions', { code: '360302998', name: 'x', parent_code: '360302' })).status, 403);
        assert.equal((await anon.post('/api/regions', { code: '360302998', name: 'x', parent_code: '360302' })).status, 401);
    });
});

describe('departments', () => {
    test('?region=360302 lists the county\'s departments and its townships\' centres, nothing else', async () => {
        const items = await all(anon, '/api/departments?region=360302');
        const want = DEPTS.filter((d) => d.region.startsWith('360302')).map((d) => d.code).sort();
        assert.deepEqual(items.map((d) => d.code).sort(), want);
        assert.ok(items.some((d) => d.region_code === '360302' && d.code === '360302-MZ'));
        assert.ok(items.some((d) => d.region_code === '360302001' && d.kind === 'centre'));
        assert.ok(items.every((d) => d.region_code.startsWith('360302')));
        // the city: everything; a township: itself
        assert.equal((await anon.get('/api/departments?region=360300')).json.total, DEPTS.length);
        assert.equal((await anon.get('/api/departments?region=360302001')).json.total, 1);
        assert.equal((await anon.get('/api/departments?kind=centre')).json.total, DEPTS.filter((d) => d.kind === 'centre').length);
        const q = await anon.get(`/api/departments?q=${encodeURIComponent('民政')}&per_page=100`);
        assert.ok(q.json.total >= 6);
        assert.ok(q.json.items.every((d) => d.name.includes('民政') || d.short_name.includes('民政')));
    });

    test('one department; 404 and 400 for bad ids', async () => {
        const ga = await deptByCode('360300-GA');
        const r = await anon.get(`/api/departments/${ga.id}`);
        assert.equal(r.status, 200);
        assert.equal(r.json.name, '萍乡市公安局');
        assert.equal(r.json.region_name, '萍乡市');
        assert.equal((await anon.get('/api/departments/999999')).status, 404);
        for (const bad of ['abc', '0', '-1', '1.5', '7x']) {
            const x = await anon.get(`/api/departments/${bad}`);
            assert.equal(x.status, 400, bad);
            assert.equal(errorOf(x).field, 'id');
        }
    });

    test('an administrator creates, changes and retires a department; retiring waits for its users and windows', async () => {
        let r = await admin.post('/api/departments', {
            code: '360302-TEST',
            name: '安源区测试局',
            region_code: '360302',
            kind: 'bureau',
            phone: '0799-1234567',
        });
        assert.equal(r.status, 201, r.text);
        const dept = r.json;
        assert.equal(dept.code, '360302-TEST');
        assert.equal(dept.region_name, '安源区');
        assert.equal((await admin.post('/api/departments', { code: '360302-TEST', name: '重复', region_code: '360302' })).status, 409);
        r = await admin.post('/api/departments', { code: '360302-BAD', name: '坏类型', region_code: '360302', kind: 'empire' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'kind');
        r = await admin.post('/api/departments', { code: '360302-NOREG', name: '无区划', region_code: '999999' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'region_code');
        r = await admin.patch(`/api/departments/${dept.id}`, { name: '安源区测试管理局', short_name: '测试局' });
        assert.equal(r.status, 200);
        assert.equal(r.json.name, '安源区测试管理局');
        assert.equal((await admin.patch('/api/departments/999999', { phone: '1' })).status, 404);

        // an active account blocks retirement
        const u = await admin.post('/api/users', {
            login: 'test_bureau_clerk',
            name: '测试局 窗口',
            role: 'clerk',
            dept_id: dept.id,
            password: 'Test2026pass',
        });
        assert.equal(u.status, 201, u.text);
        r = await admin.del(`/api/departments/${dept.id}`);
        assert.equal(r.status, 409, 'active user');
        assert.equal((await admin.post(`/api/users/${u.json.id}/disable`)).status, 200);
        // an open window blocks it too
        const hall = (await anon.get(`/api/halls?q=${encodeURIComponent('安源区政务服务中心')}`)).json.items[0];
        const w = await admin.post(`/api/halls/${hall.id}/windows`, { number: 90, name: '测试窗口', dept_id: dept.id });
        assert.equal(w.status, 201, w.text);
        r = await admin.del(`/api/departments/${dept.id}`);
        assert.equal(r.status, 409, 'open window');
        assert.equal((await admin.del(`/api/windows/${w.json.id}`)).status, 200);
        r = await admin.del(`/api/departments/${dept.id}`);
        assert.equal(r.status, 200, r.text);
        assert.ok(r.json.retired_at);
        assert.equal((await admin.del(`/api/departments/${dept.id}`)).status, 404, 'already retired');
        // retired: gone from the default list, still readable
        assert.ok(!(await all(anon, '/api/departments?region=360302')).some((d) => d.id === dept.id));
        assert.ok((await all(anon, '/api/departments?region=360302&retired=1')).some((d) => d.id === dept.id));
        assert.equal((await anon.get(`/api/departments/${dept.id}`)).status, 200);

        const created = await audited('department.create', String(dept.id));
        assert.equal(created.detail.code, '360302-TEST');
        await audited('department.update', String(dept.id));
        await audited('department.retire', String(dept.id));
        await audited('window.create', String(w.json.id));
        await audited('window.retire', String(w.json.id));
    });

    test('a retired department takes no new windows or keys', async () => {
        const dept = await deptByCode('360302-TEST');
        assert.ok(dept.retired_at);
        const hall = (await anon.get(`/api/halls?q=${encodeURIComponent('安源区政务服务中心')}`)).json.items[0];
        let r = await admin.post(`/api/halls/${hall.id}/windows`, { number: 91, name: '迟到窗口', dept_id: dept.id });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'dept_id');
        r = await admin.post('/api/keys', { dept_id: dept.id, name: '迟到密钥' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'dept_id');
    });

    test('a retired department takes no new accounts, nor accounts moved into it', async () => {
        const dept = await deptByCode('360302-TEST');
        assert.ok(dept.retired_at);
        let r = await admin.post('/api/users', {
            login: 'late_clerk',
            name: '迟到者',
            role: 'clerk',
            dept_id: dept.id,
            password: 'Late2026pass',
        });
        assert.equal(r.status, 400, `account created in a retired department: ${r.text}`);
        assert.equal(errorOf(r).field, 'dept');
        const users = await admin.get('/api/users?q=mzj_clerk');
        const id = users.json.items.find((u) => u.login === 'mzj_clerk').id;
        r = await admin.patch(`/api/users/${id}`, { dept_id: dept.id });
        assert.equal(r.status, 400, `account moved into a retired department: ${r.text}`);
        assert.equal(errorOf(r).field, 'dept_id');
    });

    test('only administrators create or retire departments', async () => {
        const head = await as(srv, 'gaj_head');
        assert.equal((await head.post('/api/departments', { code: '360300-X', name: 'x', region_code: '360300' })).status, 403);
        const ga = await deptByCode('360300-GA');
        assert.equal((await head.del(`/api/departments/${ga.id}`)).status, 403);
        assert.equal((await anon.del(`/api/departments/${ga.id}`)).status, 401);
    });
});

describe('halls and windows', () => {
    test('halls: one per region, each with its windows in number order', async () => {
        const halls = await all(anon, '/api/halls');
        assert.equal(halls.length, HALLS.length);
        assert.deepEqual(halls.map((h) => h.name).sort(), HALLS.map((h) => h.name).sort());
        const city = halls.find((h) => h.name === '萍乡市行政服务中心');
        const r = await anon.get(`/api/halls/${city.id}`);
        assert.equal(r.status, 200);
        const want = WINDOWS.filter((w) => w.hall === '萍乡市行政服务中心');
        assert.deepEqual(r.json.windows.map((w) => w.number), want.map((w) => w.number).sort((a, b) => a - b));
        assert.deepEqual(r.json.windows.map((w) => w.name), [...want].sort((a, b) => a.number - b.number).map((w) => w.name));
        assert.ok(r.json.windows.every((w) => w.hall_id === city.id && w.dept_name));
        assert.equal((await anon.get('/api/halls?region=360302')).json.total, HALLS.filter((h) => h.region === '360302').length);
        assert.equal((await anon.get('/api/halls/999999')).status, 404);
        const wins = await all(anon, `/api/windows?hall_id=${city.id}`);
        assert.equal(wins.length, want.length);
        assert.equal((await all(anon, '/api/windows')).length, WINDOWS.length);
    });

    test('opening a window: a duplicate number in the hall is 409 on number', async () => {
        const city = (await anon.get(`/api/halls?q=${encodeURIComponent('萍乡市行政服务中心')}`)).json.items[0];
        const ga = await deptByCode('360300-GA');
        let r = await admin.post(`/api/halls/${city.id}/windows`, { number: 1, name: '重复窗口', dept_id: ga.id });
        assert.equal(r.status, 409);
        assert.equal(errorOf(r).field, 'number');
        r = await admin.post(`/api/halls/${city.id}/windows`, { number: 99, name: '公安新窗口', dept_id: ga.id });
        assert.equal(r.status, 201, r.text);
        assert.equal(r.json.number, 99);
        assert.equal(r.json.dept_id, ga.id);
        const hall = await anon.get(`/api/halls/${city.id}`);
        assert.equal(hall.json.windows.at(-1).number, 99);
        for (const [body, field] of [
            [{ number: 0, name: 'x', dept_id: ga.id }, 'number'],
            [{ number: 10000, name: 'x', dept_id: ga.id }, 'number'],
            [{ number: '5', name: 'x', dept_id: ga.id }, 'number'],
            [{ number: 98, dept_id: ga.id }, 'name'],
            [{ number: 98, name: 'x', dept_id: 999999 }, 'dept_id'],
        ]) {
            r = await admin.post(`/api/halls/${city.id}/windows`, body);
            assert.equal(r.status, 400, JSON.stringify(body));
            assert.equal(errorOf(r).field, field, JSON.stringify(body));
        }
        assert.equal((await (await as(srv, 'gaj_head')).post(`/api/halls/${city.id}/windows`, { number: 97, name: 'x', dept_id: ga.id })).status, 403);
    });

    test('a window in a hall that does not exist is 404, not a complaint about the department', async () => {
        const ga = await deptByCode('360300-GA');
        const r = await admin.post('/api/halls/999999/windows', { number: 1, name: '不存在的大厅', dept_id: ga.id });
        assert.equal(r.status, 404, r.text);
        assert.notEqual(errorOf(r).field, 'dept_id');
    });

    test('a retired window\'s number can be given to a new window of the hall', async () => {
        const city = (await anon.get(`/api/halls?q=${encodeURIComponent('萍乡市行政服务中心')}`)).json.items[0];
        const ga = await deptByCode('360300-GA');
        let r = await admin.post(`/api/halls/${city.id}/windows`, { number: 60, name: '旧窗口', dept_id: ga.id });
        assert.equal(r.status, 201);
        assert.equal((await admin.del(`/api/windows/${r.json.id}`)).status, 200);
        // the hall no longer shows a window 60: a new one may take the number
        assert.ok(!(await anon.get(`/api/halls/${city.id}`)).json.windows.some((w) => w.number === 60));
        r = await admin.post(`/api/halls/${city.id}/windows`, { number: 60, name: '新窗口', dept_id: ga.id });
        assert.equal(r.status, 201, r.text);
    });

    test('an administrator creates, changes and retires a hall; retiring waits for its windows', async () => {
        let r = await admin.post('/api/halls', { name: '湘东区第二办事大厅', region_code: '360313', address: '湘东大道99号', hours: '周一至周五' });
        assert.equal(r.status, 201, r.text);
        const hall = r.json;
        assert.equal(hall.region_code, '360313');
        assert.equal((await admin.post('/api/halls', { name: '湘东区第二办事大厅', region_code: '360313' })).status, 409);
        r = await admin.post('/api/halls', { name: '无区划大厅', region_code: '999999' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'region_code');
        r = await admin.patch(`/api/halls/${hall.id}`, { phone: '0799-3419999' });
        assert.equal(r.status, 200);
        assert.equal(r.json.phone, '0799-3419999');
        assert.equal((await admin.patch(`/api/halls/${hall.id}`, { region_code: '360302' })).status, 400);
        const mz = await deptByCode('360313-MZ');
        const w = await admin.post(`/api/halls/${hall.id}/windows`, { number: 1, name: '民政窗口', dept_id: mz.id });
        assert.equal(w.status, 201);
        assert.equal((await admin.del(`/api/halls/${hall.id}`)).status, 409);
        // moving the window to another department (administrators)
        const cz = await deptByCode('360313-CZ');
        r = await admin.patch(`/api/windows/${w.json.id}`, { dept_id: cz.id });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.dept_id, cz.id);
        r = await admin.patch(`/api/windows/${w.json.id}`, { dept_id: 999999 });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'dept_id');
        assert.equal((await admin.del(`/api/windows/${w.json.id}`)).status, 200);
        assert.equal((await admin.del(`/api/windows/${w.json.id}`)).status, 404);
        r = await admin.del(`/api/halls/${hall.id}`);
        assert.equal(r.status, 200);
        assert.ok(r.json.retired_at);
        await audited('hall.create', String(hall.id));
        await audited('hall.update', String(hall.id));
        await audited('hall.retire', String(hall.id));
        await audited('window.update', String(w.json.id));
    });
});

// last: before the fix, an overflow left errno set in the server thread and
// poisoned the requests after it
describe('numbers that overflow', () => {
    test('an overflowing number is 400, and the requests after it on the connection are unharmed', async () => {
        const ga = await deptByCode('360300-GA');
        const good = `GET /api/departments/${ga.id} HTTP/1.1\r\nHost: t\r\n\r\n`;
        for (const bad of ['/api/departments/99999999999999999999', '/api/regions?per_page=99999999999999999999']) {
            const r = await rawHttp(srv.port, [`GET ${bad} HTTP/1.1\r\nHost: t\r\n\r\n`, good, good], {
                responses: 3,
                pauseMs: 100,
            });
            assert.equal(r.responses.length, 3, r.raw);
            assert.equal(r.responses[0].status, 400, bad);
            assert.ok(['id', 'per_page'].includes(JSON.parse(r.responses[0].body).error.field));
            for (const x of r.responses.slice(1)) {
                assert.equal(x.status, 200, `after ${bad}: ${x.body}`);
                assert.equal(JSON.parse(x.body).code, '360300-GA');
            }
        }
    });
});

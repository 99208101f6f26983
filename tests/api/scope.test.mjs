// scope.test.mjs - who sees and changes what: a department's own staff and
// contact data, a supervisor's region, administrators' account management.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, as, errorOf, startServer } from './lib/server.mjs';

let srv, admin;
const depts = {}; // code -> department

before(async () => {
    srv = await startServer();
    admin = await as(srv, 'admin');
    for (const code of ['360300-GA', '360300-MZ', '360302-MZ']) {
        const r = await admin.get(`/api/departments?q=${encodeURIComponent(code)}`);
        depts[code] = r.json.items.find((d) => d.code === code);
        assert.ok(depts[code], code);
    }
});

after(async () => {
    if (srv) await srv.stop();
});

async function allUsers(c, query = '') {
    const items = [];
    for (let page = 1; ; page++) {
        const r = await c.get(`/api/users?per_page=100&page=${page}${query}`);
        assert.equal(r.status, 200, r.text);
        items.push(...r.json.items);
        if (items.length >= r.json.total || r.json.items.length === 0) return { items, total: r.json.total };
    }
}

describe('a department\'s staff', () => {
    test('a clerk sees his own department\'s staff (200) but not another\'s (403)', async () => {
        const clerk = await as(srv, 'gaj_clerk');
        const own = await clerk.get(`/api/departments/${depts['360300-GA'].id}/staff`);
        assert.equal(own.status, 200);
        const logins = own.json.items.map((u) => u.login).sort();
        assert.deepEqual(logins, ['gaj_clerk', 'gaj_head']);
        assert.ok(own.json.items.every((u) => u.dept_id === depts['360300-GA'].id));
        const other = await clerk.get(`/api/departments/${depts['360300-MZ'].id}/staff`);
        assert.equal(other.status, 403);
        assert.ok(!other.text.includes('mzj_clerk'));
        assert.equal((await clerk.get('/api/departments/999999/staff')).status, 404);
    });

    test('a supervisor sees staff of departments in his region only', async () => {
        const ay = await as(srv, 'jiancha_ay');
        assert.equal((await ay.get(`/api/departments/${depts['360302-MZ'].id}/staff`)).status, 200);
        assert.equal((await ay.get(`/api/departments/${depts['360300-MZ'].id}/staff`)).status, 403);
        const city = await as(srv, 'jiancha');
        assert.equal((await city.get(`/api/departments/${depts['360302-MZ'].id}/staff`)).status, 200);
        assert.equal((await city.get(`/api/departments/${depts['360300-MZ'].id}/staff`)).status, 200);
    });

    test('citizens and the anonymous see no staff lists', async () => {
        assert.equal((await (await as(srv, 'zhangsan')).get(`/api/departments/${depts['360300-GA'].id}/staff`)).status, 403);
        assert.equal((await new Client(srv).get(`/api/departments/${depts['360300-GA'].id}/staff`)).status, 401);
    });
});

describe('a department\'s own data', () => {
    test('its head may change its phone (200), not another department\'s (403), not its name (403)', async () => {
        const head = await as(srv, 'gaj_head');
        const ga = depts['360300-GA'];
        let r = await head.patch(`/api/departments/${ga.id}`, { phone: '0799-6837000' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.phone, '0799-6837000');
        assert.equal(r.json.name, ga.name);
        assert.equal((await new Client(srv).get(`/api/departments/${ga.id}`)).json.phone, '0799-6837000');
        r = await head.patch(`/api/departments/${depts['360300-MZ'].id}`, { phone: '0799-0000000' });
        assert.equal(r.status, 403);
        assert.equal((await new Client(srv).get(`/api/departments/${depts['360300-MZ'].id}`)).json.phone, depts['360300-MZ'].phone);
        for (const body of [{ name: '萍乡市公安局（新）' }, { short_name: '公安' }, { kind: 'office' }, { phone: '1', name: 'x' }]) {
            r = await head.patch(`/api/departments/${ga.id}`, body);
            assert.equal(r.status, 403, JSON.stringify(body));
        }
        assert.equal((await new Client(srv).get(`/api/departments/${ga.id}`)).json.name, ga.name);
        // a clerk of the department may not change it at all
        const clerk = await as(srv, 'gaj_clerk');
        assert.equal((await clerk.patch(`/api/departments/${ga.id}`, { phone: '1' })).status, 403);
    });

    test('its head may rename its windows, not move or retire them, not touch other departments\' windows', async () => {
        const head = await as(srv, 'gaj_head');
        const wins = await new Client(srv).get(`/api/windows?dept_id=${depts['360300-GA'].id}&per_page=100`);
        assert.ok(wins.json.items.length > 0);
        const w = wins.json.items[0];
        let r = await head.patch(`/api/windows/${w.id}`, { name: '户籍业务窗口' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.name, '户籍业务窗口');
        r = await head.patch(`/api/windows/${w.id}`, { dept_id: depts['360300-MZ'].id });
        assert.equal(r.status, 403);
        r = await head.del(`/api/windows/${w.id}`);
        assert.equal(r.status, 403);
        const mz = await new Client(srv).get(`/api/windows?dept_id=${depts['360300-MZ'].id}`);
        r = await head.patch(`/api/windows/${mz.json.items[0].id}`, { name: '越权' });
        assert.equal(r.status, 403);
    });
});

describe('listing accounts', () => {
    test('a district supervisor sees only staff of his district', async () => {
        const ay = await as(srv, 'jiancha_ay');
        const { items, total } = await allUsers(ay);
        assert.equal(items.length, total);
        assert.ok(items.length >= 1);
        for (const u of items) {
            assert.ok(u.region_code.startsWith('360302'), `${u.login} (${u.region_code}) is outside 安源区`);
            assert.ok(!['citizen', 'enterprise'].includes(u.role), `${u.login} is not staff`);
        }
        assert.ok(items.some((u) => u.login === 'jiancha_ay'));
        assert.ok(!items.some((u) => u.login === 'gaj_clerk'), 'city staff are outside his scope');
        // a user of the city, asked for by id
        const ids = Object.fromEntries((await allUsers(admin)).items.map((u) => [u.login, u.id]));
        assert.equal((await ay.get(`/api/users/${ids.gaj_clerk}`)).status, 403);
        assert.equal((await ay.get(`/api/users/${ids.admin}`)).status, 403);
        // the filters cannot widen the scope
        const byDept = await ay.get(`/api/users?dept_id=${depts['360300-GA'].id}`);
        assert.equal(byDept.json.total, 0);
        const byRole = await ay.get('/api/users?role=citizen');
        assert.equal(byRole.json.total, 0);
    });

    test('the city supervisor sees all staff of the city and no citizens or enterprises', async () => {
        const city = await as(srv, 'jiancha');
        const { items } = await allUsers(city);
        const { items: everyone } = await allUsers(admin);
        // 评标专家 (expert) accounts are private persons too, not staff
        const staff = everyone.filter((u) => !['citizen', 'enterprise', 'expert'].includes(u.role)).map((u) => u.login).sort();
        assert.deepEqual(items.map((u) => u.login).sort(), staff);
        assert.ok(staff.includes('gaj_clerk') && staff.includes('jiancha_ay'));
        assert.ok(everyone.some((u) => u.role === 'citizen'), 'the administrator does see citizens');
        assert.ok(!items.some((u) => ['citizen', 'enterprise'].includes(u.role)));
        assert.equal((await city.get('/api/users?role=citizen')).json.total, 0);
        assert.equal((await city.get('/api/users?q=zhangsan')).json.total, 0);
    });

    test('a department head sees his department only', async () => {
        const head = await as(srv, 'mzj_head');
        const { items } = await allUsers(head);
        assert.deepEqual(items.map((u) => u.login).sort(), ['mzj_clerk', 'mzj_head']);
    });

    test('a clerk may not list accounts (403); the anonymous must log in (401)', async () => {
        assert.equal((await (await as(srv, 'gaj_clerk')).get('/api/users')).status, 403);
        assert.equal((await (await as(srv, 'zhangsan')).get('/api/users')).status, 403);
        const anon = await new Client(srv).get('/api/users');
        assert.equal(anon.status, 401);
        assert.equal(errorOf(anon).code, 'unauthenticated');
    });

    test('search and filters', async () => {
        const r = await admin.get(`/api/users?q=${encodeURIComponent('公安局')}`);
        assert.deepEqual(r.json.items.map((u) => u.login).sort(), ['gaj_clerk', 'gaj_head']);
        assert.equal((await admin.get('/api/users?role=nonsense')).status, 400);
        assert.equal((await admin.get('/api/users?q=%25')).json.total, 0, 'a % in the search is literal');
        assert.equal((await admin.get('/api/users?per_page=101')).status, 400);
    });
});

describe('managing accounts', () => {
    test('an administrator creates a clerk of a department; the clerk can log in', async () => {
        const r = await admin.post('/api/users', {
            login: 'ga_new_clerk',
            name: '市公安局 窗口 新人',
            role: 'clerk',
            dept_id: depts['360300-GA'].id,
            password: 'Clerk2026pass',
            phone: '13900000001',
        });
        assert.equal(r.status, 201, r.text);
        assert.equal(r.json.role, 'clerk');
        assert.equal(r.json.dept_id, depts['360300-GA'].id);
        assert.equal(r.json.region_code, '360300', 'the region comes from the department');
        const c = await as(srv, 'ga_new_clerk', 'Clerk2026pass');
        assert.equal(c.user.role, 'clerk');
        const staff = await c.get(`/api/departments/${depts['360300-GA'].id}/staff`);
        assert.ok(staff.json.items.some((u) => u.login === 'ga_new_clerk'));
    });

    test('bad accounts are refused with the field named', async () => {
        const base = { login: 'x_user', name: '某人', role: 'clerk', dept_id: depts['360300-GA'].id, password: 'Good2026pass' };
        const cases = [
            [{ ...base, role: 'emperor' }, 400, 'role'],
            [{ ...base, role: 'system' }, 400, 'role'],
            [{ ...base, dept_id: undefined }, 400, 'dept'],
            [{ ...base, dept_id: 999999 }, 400, 'dept'],
            [{ ...base, login: 'a b' }, 400, 'login'],
            [{ ...base, password: 'weak' }, 400, 'password'],
            [{ ...base, login: 'gaj_clerk' }, 409, 'login'],
            [{ ...base, extra: 1 }, 400, 'extra'],
            [{ ...base, role: 'citizen', dept_id: undefined }, 400, 'id_number'],
        ];
        for (const [body, status, field] of cases) {
            const r = await admin.post('/api/users', body);
            assert.equal(r.status, status, JSON.stringify(body));
            assert.ok(errorOf(r).field?.startsWith(field), `${JSON.stringify(body)}: field ${errorOf(r).field}`);
        }
        assert.equal((await (await as(srv, 'gaj_head')).post('/api/users', base)).status, 403, 'only administrators');
    });

    test('a change of role ends the user\'s sessions; the new role applies at the next login', async () => {
        const c = await as(srv, 'ga_new_clerk', 'Clerk2026pass');
        const id = c.user.id;
        let r = await admin.patch(`/api/users/${id}`, { name: '市公安局 新负责人' });
        assert.equal(r.status, 200);
        assert.equal((await c.get('/api/auth/me')).status, 200, 'a rename keeps the session');
        r = await admin.patch(`/api/users/${id}`, { role: 'dept_head' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.role, 'dept_head');
        assert.equal((await c.get('/api/auth/me')).status, 401, 'the clerk session is gone');
        const again = await as(srv, 'ga_new_clerk', 'Clerk2026pass');
        assert.equal(again.user.role, 'dept_head');
        assert.equal((await again.get('/api/users')).status, 200, 'now a head may list his department');
        // staff cannot become citizens, nor the other way round
        r = await admin.patch(`/api/users/${id}`, { role: 'citizen' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'role');
        // only administrators change accounts
        r = await again.patch(`/api/users/${id}`, { role: 'admin' });
        assert.equal(r.status, 403);
    });

    test('moving a user to another department takes that department\'s region and scope', async () => {
        const c = await as(srv, 'ga_new_clerk', 'Clerk2026pass');
        const id = c.user.id;
        const r = await admin.patch(`/api/users/${id}`, { dept_id: depts['360302-MZ'].id });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.dept_id, depts['360302-MZ'].id);
        assert.equal(r.json.region_code, '360302');
        const ay = await as(srv, 'jiancha_ay');
        const { items } = await allUsers(ay);
        assert.ok(items.some((u) => u.login === 'ga_new_clerk'), 'now inside 安源区\'s scope');
        const moved = await as(srv, 'ga_new_clerk', 'Clerk2026pass');
        assert.equal((await moved.get(`/api/departments/${depts['360300-GA'].id}/staff`)).status, 403);
        assert.equal((await moved.get(`/api/departments/${depts['360302-MZ'].id}/staff`)).status, 200);
    });

    test('an administrator resets a password: the old one and the sessions stop working', async () => {
        const c = await as(srv, 'xxzx');
        const r = await admin.post(`/api/users/${c.user.id}/password`, { password: 'Reset2026pass' });
        assert.equal(r.status, 204);
        assert.equal((await c.get('/api/auth/me')).status, 401);
        assert.equal((await new Client(srv).post('/api/auth/login', { login: 'xxzx', password: 'Demo2026pass' })).status, 401);
        await as(srv, 'xxzx', 'Reset2026pass');
    });
});

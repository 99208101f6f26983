// auth.test.mjs - logging in and out, sessions and CSRF, throttling,
// disabled accounts, registration, masking, API keys, the audit trail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, PASSWORD, as, errorOf, startServer } from './lib/server.mjs';

let srv, admin;
const ids = {}; // login -> user id
const depts = {}; // department code -> id

before(async () => {
    srv = await startServer();
    admin = await as(srv, 'admin');
    const users = await admin.get('/api/users?per_page=100');
    for (const u of users.json.items) ids[u.login] = u.id;
    for (const code of ['360300-GA', '360300-MZ']) {
        const r = await admin.get(`/api/departments?q=${encodeURIComponent(code)}`);
        depts[code] = r.json.items.find((d) => d.code === code).id;
    }
});

after(async () => {
    if (srv) await srv.stop();
});

// a valid 18-digit ID number (GB 11643 check character) for sequence n
function validId(n) {
    const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const base = '11010519491231' + String(n).padStart(3, '0');
    return base + '10X98765432'[[...base].reduce((a, c, i) => a + Number(c) * W[i], 0) % 11];
}

function sessionCookie(r) {
    const sc = r.setCookie.find((c) => c.startsWith('zt_session='));
    assert.ok(sc, `no zt_session cookie in ${JSON.stringify(r.setCookie)}`);
    return sc;
}

describe('login and logout', () => {
    test('a good password logs in: HttpOnly SameSite=Strict cookie and a CSRF token', async () => {
        const c = new Client(srv);
        const r = await c.post('/api/auth/login', { login: 'gaj_clerk', password: PASSWORD });
        assert.equal(r.status, 200);
        const sc = sessionCookie(r);
        assert.match(sc, /^zt_session=[A-Za-z0-9_-]{32,};/);
        assert.match(sc, /;\s*HttpOnly/i);
        assert.match(sc, /;\s*SameSite=Strict/i);
        assert.match(sc, /;\s*Path=\//);
        assert.equal(typeof r.json.csrf_token, 'string');
        assert.ok(r.json.csrf_token.length >= 16);
        assert.equal(r.json.user.login, 'gaj_clerk');
        assert.equal(r.json.user.role, 'clerk');
        assert.ok(!('password_hash' in r.json.user));
        assert.ok(!r.text.includes('$argon2'), 'no password hash in the reply');
    });

    test('a bad password and an unknown login are both 401 with the same message', async () => {
        const c = new Client(srv);
        const bad = await c.post('/api/auth/login', { login: 'gaj_clerk', password: 'Wrong2026pass' });
        const unknown = await c.post('/api/auth/login', { login: 'no_such_user', password: 'Wrong2026pass' });
        assert.equal(bad.status, 401);
        assert.equal(unknown.status, 401);
        assert.deepEqual(errorOf(bad), errorOf(unknown), 'the reply must not tell which one was wrong');
        assert.equal(bad.setCookie.length, 0);
        assert.equal(c.cookie, null);
    });

    test('missing login or password is 400 naming the field', async () => {
        const c = new Client(srv);
        let r = await c.post('/api/auth/login', { password: PASSWORD });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'login');
        r = await c.post('/api/auth/login', { login: 'admin' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'password');
        r = await c.post('/api/auth/login', { login: 'admin', password: 12345678 });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'password');
    });

    test('GET /api/auth/me returns the user and the session CSRF token', async () => {
        const c = await as(srv, 'mzj_clerk');
        const r = await c.get('/api/auth/me');
        assert.equal(r.status, 200);
        assert.equal(r.json.user.login, 'mzj_clerk');
        assert.equal(r.json.user.dept_id, depts['360300-MZ']);
        assert.equal(r.json.csrf_token, c.csrf);
        assert.ok(Date.parse(r.json.expires_at) > Date.now() - 60000);
        assert.equal((await new Client(srv).get('/api/auth/me')).status, 401, 'anonymous');
        const bogus = await new Client(srv).get('/api/auth/me', { cookie: 'not-a-session' });
        assert.equal(bogus.status, 401);
    });

    test('GET /api/auth/session: the same user and token, or {user: null} (200) when not logged in', async () => {
        const c = await as(srv, 'mzj_clerk');
        const r = await c.get('/api/auth/session');
        assert.equal(r.status, 200);
        assert.equal(r.json.user.login, 'mzj_clerk');
        assert.equal(r.json.csrf_token, c.csrf);
        for (const cookie of [undefined, 'not-a-session']) {
            const anon = await new Client(srv).get('/api/auth/session', cookie ? { cookie } : {});
            assert.equal(anon.status, 200);
            assert.deepEqual(anon.json, { user: null });
        }
    });

    test('logout ends the session: the cookie is cleared and the token no longer works', async () => {
        const c = await as(srv, 'fzb');
        const token = c.cookie;
        const r = await c.post('/api/auth/logout');
        assert.equal(r.status, 204);
        assert.match(sessionCookie(r), /Max-Age=0/);
        const me = await c.get('/api/auth/me', { cookie: token });
        assert.equal(me.status, 401);
    });

    test('a cookie write without, or with a wrong, X-CSRF-Token is 403 naming the header', async () => {
        const c = await as(srv, 'jyzx');
        const other = await as(srv, 'xxzx');
        for (const csrf of [false, 'wrong-token', other.csrf, c.csrf.slice(0, -1), c.csrf + 'x']) {
            const r = await c.post('/api/auth/logout', undefined, { csrf });
            assert.equal(r.status, 403, `token ${csrf}`);
            assert.equal(errorOf(r).field, 'X-CSRF-Token');
        }
        assert.equal((await c.get('/api/auth/me')).status, 200, 'the refused writes did nothing');
        // every unsafe method is covered, not only POST
        assert.equal((await admin.del('/api/keys/1', { csrf: false })).status, 403);
        assert.equal((await admin.patch(`/api/users/${ids.jyzx}`, { name: 'x' }, { csrf: false })).status, 403);
        assert.equal((await admin.put('/api/admin/calendar/days/2026-06-15', { kind: 'holiday', name: 'x' }, { csrf: false })).status, 403);
        assert.equal((await admin.get(`/api/users/${ids.jyzx}`)).json.name, '市公共资源交易中心 吴涛');
        assert.equal((await c.post('/api/auth/logout')).status, 204, 'the right token works');
    });

    test('session fixation: logging in with an old cookie gives a new token and ends the old one', async () => {
        const c = await as(srv, 'zhangsan');
        const old = c.cookie;
        const r = await c.post('/api/auth/login', { login: 'zhangsan', password: PASSWORD });
        assert.equal(r.status, 200);
        assert.notEqual(c.cookie, old);
        assert.notEqual(r.json.csrf_token, undefined);
        assert.equal((await c.get('/api/auth/me', { cookie: old })).status, 401, 'old token dead');
        assert.equal((await c.get('/api/auth/me')).status, 200, 'new token works');
        // a cookie value planted by someone else is never adopted
        const planted = 'planted-by-an-attacker-0123456789abcdef';
        const v = new Client(srv);
        v.cookie = planted;
        const r2 = await v.post('/api/auth/login', { login: 'zhangsan', password: PASSWORD });
        assert.equal(r2.status, 200);
        assert.notEqual(v.cookie, planted);
        assert.equal((await v.get('/api/auth/me', { cookie: planted })).status, 401);
    });

    test('changing one\'s own password ends the sessions; the new password works', async () => {
        const c = await as(srv, 'czj');
        const second = await as(srv, 'czj');
        let r = await c.post('/api/auth/password', { old_password: 'Wrong2026pass', new_password: 'Czj2026newpass' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'old_password');
        r = await c.post('/api/auth/password', { old_password: PASSWORD, new_password: 'short' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'new_password');
        r = await c.post('/api/auth/password', { old_password: PASSWORD, new_password: 'Czj2026newpass' });
        assert.equal(r.status, 204);
        assert.equal((await second.get('/api/auth/me')).status, 401, 'other sessions ended');
        assert.equal((await new Client(srv).post('/api/auth/login', { login: 'czj', password: PASSWORD })).status, 401);
        await as(srv, 'czj', 'Czj2026newpass');
    });
});

describe('disabled accounts', () => {
    test('a disabled user cannot log in and loses his sessions; enabling restores access', async () => {
        const c = await as(srv, 'mzj_head');
        const id = ids.mzj_head;
        let r = await admin.post(`/api/users/${id}/disable`);
        assert.equal(r.status, 200);
        assert.equal(r.json.disabled, true);
        assert.equal((await c.get('/api/auth/me')).status, 401, 'session ended');
        const login = await new Client(srv).post('/api/auth/login', { login: 'mzj_head', password: PASSWORD });
        assert.ok([401, 403].includes(login.status), `login of a disabled account: ${login.status}`);
        assert.equal(login.setCookie.length, 0);
        r = await admin.post(`/api/users/${id}/enable`);
        assert.equal(r.status, 200);
        assert.equal(r.json.disabled, false);
        await as(srv, 'mzj_head');
    });

    test('an administrator cannot disable himself; others cannot disable anyone', async () => {
        let r = await admin.post(`/api/users/${ids.admin}/disable`);
        assert.equal(r.status, 409);
        const head = await as(srv, 'gaj_head');
        r = await head.post(`/api/users/${ids.gaj_clerk}/disable`);
        assert.equal(r.status, 403);
        r = await admin.post('/api/users/999999/disable');
        assert.equal(r.status, 404);
    });
});

describe('registration', () => {
    const reg = (body) => new Client(srv).post('/api/auth/register', body);
    const citizen = (over = {}) => ({
        type: 'citizen',
        login: 'lisi',
        name: '李四',
        password: 'Lisi2026pass',
        id_number: '11010519491231002X',
        ...over,
    });

    test('a citizen with a valid ID number registers and can log in', async () => {
        const r = await reg(citizen());
        assert.equal(r.status, 201, r.text);
        assert.equal(r.json.login, 'lisi');
        assert.ok(!('id' in r.json), 'the answer is the same whether or not an account was made (F15)');
        const c = await as(srv, 'lisi', 'Lisi2026pass');
        const me = await c.get('/api/auth/me');
        assert.ok(me.json.user.id > 0);
        assert.equal(me.json.user.role, 'citizen');
        assert.equal(me.json.user.id_number, '11010519491231002X', 'a citizen sees his own ID in full');
        assert.equal(me.json.user.dept_id, null);
    });

    test('a wrong check digit, a bad birth date or a bad length is 400 on id_number', async () => {
        for (const id of ['110105194912310021', '110105194913310028', '11010519491231002', '1101051949123100XX']) {
            const r = await reg(citizen({ login: `bad${id.slice(-4)}`, id_number: id }));
            assert.equal(r.status, 400, id);
            assert.equal(errorOf(r).field, 'id_number', id);
        }
        const r = await reg(citizen({ login: 'noid', id_number: undefined }));
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'id_number');
    });

    test('an ID number typed with a lower-case x is accepted and kept upper-case', async () => {
        // idcheck.h: "a lower-case x is not accepted: callers upper-case on input"
        const r = await reg(citizen({ login: 'wangwu', name: '王五', id_number: '11010519491231010x' }));
        assert.equal(r.status, 201, r.text);
        const c = await as(srv, 'wangwu', 'Lisi2026pass');
        assert.equal((await c.get('/api/auth/me')).json.user.id_number, '11010519491231010X');
    });

    test('an enterprise with a valid unified social credit code registers; a bad one is 400', async () => {
        const ent = {
            type: 'enterprise',
            login: 'fjqiye',
            name: '福州示范有限公司',
            password: 'Qiye2026pass',
            credit_code: '91350100M000100Y43',
        };
        let r = await reg(ent);
        assert.equal(r.status, 201, r.text);
        for (const code of ['91350100M000100Y44', '91350100M000100Y4', 'ZZ350100M000100Y43', '91350100M000100Y4I']) {
            r = await reg({ ...ent, login: `e${code.slice(-3)}x`, credit_code: code });
            assert.equal(r.status, 400, code);
            assert.equal(errorOf(r).field, 'credit_code', code);
        }
        // an enterprise needs its code; a citizen may not carry one
        r = await reg({ ...ent, login: 'nocode', credit_code: undefined });
        assert.equal(errorOf(r).field, 'credit_code');
        r = await reg(citizen({ login: 'mixed', id_number: validId(101), credit_code: '91350100M000100Y43' }));
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'credit_code');
    });

    test('a taken login is 409 on login; an ID number that has an account gets the answer a new one gets', async () => {
        let r = await reg(citizen({ id_number: validId(102) })); // login lisi exists
        assert.equal(r.status, 409);
        assert.equal(errorOf(r).field, 'login');
        const fresh = await reg(citizen({ login: 'lisi_new', id_number: validId(106) }));
        r = await reg(citizen({ login: 'lisi2' })); // same ID number as lisi: no account, the same answer
        assert.equal(r.status, fresh.status);
        assert.deepEqual(Object.keys(r.json), Object.keys(fresh.json));
        assert.equal(r.json.message, fresh.json.message);
        assert.equal((await new Client(srv).post('/api/auth/login', { login: 'lisi2', password: 'Lisi2026pass' })).status, 401);
        r = await reg(citizen({ login: 'admin', id_number: validId(103) }));
        assert.equal(r.status, 409);
        assert.equal(errorOf(r).field, 'login');
    });

    test('ten simultaneous registrations of one login: exactly one wins, the rest are 409', async () => {
        const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) => reg(citizen({ login: 'racer', name: `赛跑者${i}`, id_number: validId(200 + i) }))),
        );
        const statuses = results.map((r) => r.status).sort();
        assert.deepEqual(statuses, [201, ...Array(9).fill(409)], JSON.stringify(results.map((r) => r.text)));
        assert.ok(results.filter((r) => r.status === 409).every((r) => errorOf(r).field === 'login'));
        // and ten different ones all succeed
        const many = await Promise.all(
            Array.from({ length: 10 }, (_, i) => reg(citizen({ login: `crowd${i}`, id_number: validId(300 + i) }))),
        );
        assert.deepEqual(many.map((r) => r.status), Array(10).fill(201));
        const crowd = await admin.get('/api/users?q=crowd&per_page=100');
        assert.equal(new Set(crowd.json.items.map((u) => u.id)).size, 10);
    });

    test('a weak password is 400 on password', async () => {
        for (const pw of ['short1', 'abcdef1', 'onlyletterslong', '1234567890', 'x'.repeat(128) + '1']) {
            const r = await reg(citizen({ login: 'weak', id_number: validId(104), password: pw }));
            assert.equal(r.status, 400, pw);
            assert.equal(errorOf(r).field, 'password', pw);
        }
    });

    test('an unknown field is 400 naming it (no self-made administrators)', async () => {
        for (const extra of ['role', 'dept_id', 'isAdmin']) {
            const r = await reg({ ...citizen({ login: 'sneaky', id_number: validId(105) }), [extra]: 'admin' });
            assert.equal(r.status, 400, extra);
            assert.equal(errorOf(r).field, extra);
        }
        const r = await reg({ ...citizen({ login: 'sneaky2' }), type: 'admin' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'type');
        assert.equal((await new Client(srv).post('/api/auth/login', { login: 'sneaky', password: 'Lisi2026pass' })).status, 401);
    });
});

describe('personal data', () => {
    test('a citizen\'s ID number: full to himself and to administrators, hidden from staff', async () => {
        const z = await as(srv, 'zhangsan');
        assert.equal((await z.get('/api/auth/me')).json.user.id_number, '360302198503120045');
        assert.equal((await z.get(`/api/users/${ids.zhangsan}`)).json.id_number, '360302198503120045');
        assert.equal((await admin.get(`/api/users/${ids.zhangsan}`)).json.id_number, '360302198503120045');
        for (const login of ['jiancha', 'jiancha_ay', 'gaj_head', 'gaj_clerk']) {
            const c = await as(srv, login);
            const r = await c.get(`/api/users/${ids.zhangsan}`);
            assert.equal(r.status, 403, login);
            assert.ok(!r.text.includes('198503'), `${login} sees no part of the ID`);
        }
        // one citizen cannot look at another
        assert.equal((await z.get(`/api/users/${ids.pxqiye}`)).status, 403);
        const q = await as(srv, 'pxqiye');
        assert.equal((await q.get('/api/auth/me')).json.user.credit_code, '91360300584267314N');
    });

    test('phone numbers are masked for anyone but the owner and administrators', async () => {
        let r = await admin.patch(`/api/users/${ids.gaj_clerk}`, { phone: '13812345678' });
        assert.equal(r.status, 200);
        assert.equal(r.json.phone, '13812345678');
        const head = await as(srv, 'gaj_head');
        r = await head.get(`/api/users/${ids.gaj_clerk}`);
        assert.equal(r.status, 200);
        assert.equal(r.json.phone, '138****5678');
        const sup = await as(srv, 'jiancha');
        assert.equal((await sup.get(`/api/users/${ids.gaj_clerk}`)).json.phone, '138****5678');
        const list = await sup.get('/api/users?per_page=100');
        assert.equal(list.json.items.find((u) => u.login === 'gaj_clerk').phone, '138****5678');
        assert.ok(!list.text.includes('13812345678'));
        const self = await as(srv, 'gaj_clerk');
        assert.equal((await self.get('/api/auth/me')).json.user.phone, '13812345678');
    });

    test('the audit trail does not give supervisors what masking hides from them', async () => {
        assert.equal((await admin.patch(`/api/users/${ids.gaj_clerk}`, { phone: '13987654321' })).status, 200);
        assert.equal((await admin.patch(`/api/users/${ids.zhangsan}`, { phone: '13700001111' })).status, 200);
        const full = await admin.get('/api/audit?action=user.update&per_page=100');
        assert.ok(full.text.includes('13987654321'), 'administrators see the change in full');
        for (const login of ['jiancha', 'jiancha_ay']) {
            const c = await as(srv, login);
            const r = await c.get('/api/audit?per_page=100');
            assert.equal(r.status, 200);
            // staff phones are masked for supervisors, citizens invisible to them
            for (const phone of ['13812345678', '13987654321', '13700001111'])
                assert.ok(!r.text.includes(phone), `${login} reads the phone ${phone} in the audit trail`);
        }
    });
});

describe('API keys', () => {
    let head, key, keyId;

    before(async () => {
        head = await as(srv, 'gaj_head');
    });

    test('a department head creates a key for his department; it is shown once', async () => {
        const r = await head.post('/api/keys', { dept_id: depts['360300-GA'], name: '人口信息系统' });
        assert.equal(r.status, 201, r.text);
        key = r.json.key;
        keyId = r.json.id;
        assert.match(key, /^zt_[A-Za-z0-9_-]+_[A-Za-z0-9_-]{20,}$/);
        assert.ok(key.startsWith(`zt_${r.json.prefix}_`));
        assert.equal(r.json.dept_id, depts['360300-GA']);
        const list = await head.get('/api/keys');
        assert.equal(list.status, 200);
        const item = list.json.items.find((k) => k.id === keyId);
        assert.ok(item, 'the key is listed');
        assert.equal(item.prefix, r.json.prefix);
        assert.equal(item.name, '人口信息系统');
        assert.equal(item.created_by, 'gaj_head');
        assert.ok(!('key' in item));
        const secret = key.slice(`zt_${r.json.prefix}_`.length);
        assert.ok(!list.text.includes(secret), 'the secret is never listed');
        assert.ok(!(await admin.get('/api/keys?per_page=100')).text.includes(secret));
    });

    test('no key for another department, nor its list', async () => {
        let r = await head.post('/api/keys', { dept_id: depts['360300-MZ'], name: '越权' });
        assert.equal(r.status, 403);
        assert.equal(errorOf(r).field, 'dept_id');
        r = await head.get(`/api/keys?dept_id=${depts['360300-MZ']}`);
        assert.equal(r.status, 403);
        const clerk = await as(srv, 'gaj_clerk');
        assert.equal((await clerk.post('/api/keys', { dept_id: depts['360300-GA'], name: 'x' })).status, 403);
        assert.equal((await clerk.get('/api/keys')).status, 403);
        // a key of 民政局 cannot be revoked by 公安局's head
        const mzj = await as(srv, 'mzj_head');
        const k = await mzj.post('/api/keys', { dept_id: depts['360300-MZ'], name: '救助系统' });
        assert.equal(k.status, 201);
        assert.equal((await head.del(`/api/keys/${k.json.id}`)).status, 403);
        assert.ok(!(await head.get('/api/keys')).json.items.some((x) => x.id === k.json.id));
    });

    test('a Bearer key authenticates as role system of its department', async () => {
        const sys = new Client(srv, { key });
        const r = await sys.get('/api/auth/me');
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.key.role, 'system');
        assert.equal(r.json.key.dept_id, depts['360300-GA']);
        assert.equal(r.json.key.id, keyId);
        // a system is not a person: no user routes
        assert.equal((await sys.get('/api/users')).status, 403);
        assert.equal((await sys.get('/api/audit')).status, 403);
        // public routes still work with a key
        assert.equal((await sys.get('/api/regions')).status, 200);
        // a wrong key or scheme is 401, never anonymous
        for (const auth of [`Bearer ${key}x`, 'Bearer zt_nothing_here', 'Basic YWRtaW46RGVtbzIwMjZwYXNz', 'Bearer ']) {
            const x = await new Client(srv).get('/api/regions', { headers: { Authorization: auth } });
            assert.equal(x.status, 401, auth);
            assert.equal(errorOf(x).field, 'Authorization');
        }
    });

    test('a revoked key is refused (401)', async () => {
        let r = await head.del(`/api/keys/${keyId}`);
        assert.equal(r.status, 204);
        r = await new Client(srv, { key }).get('/api/auth/me');
        assert.equal(r.status, 401);
        r = await head.del(`/api/keys/${keyId}`);
        assert.equal(r.status, 409, 'already revoked');
        const item = (await head.get('/api/keys')).json.items.find((k) => k.id === keyId);
        assert.ok(item.revoked_at, 'the list shows it revoked');
    });
});

describe('audit trail', () => {
    test('account and key changes are recorded with their actor', async () => {
        const head = await as(srv, 'gaj_head');
        const u = await admin.post('/api/users', {
            login: 'audit_target',
            name: '审计对象',
            role: 'clerk',
            dept_id: depts['360300-GA'],
            password: 'Audit2026pass',
        });
        assert.equal(u.status, 201, u.text);
        assert.equal((await admin.post(`/api/users/${u.json.id}/disable`)).status, 200);
        const k = await head.post('/api/keys', { dept_id: depts['360300-GA'], name: '审计用' });
        assert.equal(k.status, 201);
        assert.equal((await head.del(`/api/keys/${k.json.id}`)).status, 204);

        const find = async (action, target) => {
            const r = await admin.get(`/api/audit?action=${action}&target_id=${target}`);
            assert.equal(r.status, 200);
            assert.equal(r.json.items.length, 1, `${action} ${target}: ${r.text}`);
            return r.json.items[0];
        };
        const create = await find('user.create', u.json.id);
        assert.equal(create.actor_login, 'admin');
        assert.equal(create.actor_id, ids.admin);
        assert.equal(create.target_type, 'user');
        assert.equal(create.detail.login, 'audit_target');
        assert.ok(!JSON.stringify(create.detail).includes('Audit2026pass'), 'no password in the trail');
        const dis = await find('user.disable', u.json.id);
        assert.equal(dis.actor_login, 'admin');
        const kc = await find('key.create', k.json.id);
        assert.equal(kc.actor_login, 'gaj_head');
        assert.equal(kc.detail.prefix, k.json.prefix);
        assert.ok(!JSON.stringify(kc).includes(k.json.key), 'no key in the trail');
        const kr = await find('key.revoke', k.json.id);
        assert.equal(kr.actor_login, 'gaj_head');
        assert.ok(Date.parse(kr.at) > 0);
        // newest first
        const all = await admin.get('/api/audit?per_page=5');
        const idsDesc = all.json.items.map((x) => x.id);
        assert.deepEqual(idsDesc, [...idsDesc].sort((a, b) => b - a));
        // the registration earlier is recorded as self-service
        const regs = await admin.get('/api/audit?action=user.register');
        assert.ok(regs.json.items.some((x) => x.actor_login === 'lisi' && x.actor_id === null));
    });

    test('who may read the audit trail', async () => {
        assert.equal((await (await as(srv, 'jiancha')).get('/api/audit')).status, 200);
        assert.equal((await (await as(srv, 'gaj_head')).get('/api/audit')).status, 403);
        assert.equal((await (await as(srv, 'zhangsan')).get('/api/audit')).status, 403);
        assert.equal((await new Client(srv).get('/api/audit')).status, 401);
    });
});

describe('login throttling', () => {
    let t;
    before(async () => {
        t = await startServer({ args: ['--auth.login_max_failures', '3', '--auth.login_window', '60', '--fake-clock'] });
    });
    after(async () => {
        if (t) await t.stop();
    });

    test('after 3 failures the 4th attempt is 429 with Retry-After, even with the right password', async () => {
        const c = new Client(t);
        for (let i = 0; i < 3; i++) {
            const r = await c.post('/api/auth/login', { login: 'gaj_clerk', password: `Wrong${i}pass` });
            assert.equal(r.status, 401, `attempt ${i + 1}`);
        }
        const r = await c.post('/api/auth/login', { login: 'gaj_clerk', password: PASSWORD });
        assert.equal(r.status, 429);
        assert.equal(errorOf(r).code, 'throttled');
        const ra = Number(r.headers.get('retry-after'));
        assert.ok(Number.isInteger(ra) && ra > 0 && ra <= 60, `Retry-After ${r.headers.get('retry-after')}`);
        assert.equal(r.setCookie.length, 0);
        // another account from the same address is not locked by this one
        const other = await as(t, 'mzj_clerk');
        // when the window is over, the right password works again
        const root = await as(t, 'admin');
        const now = Date.parse((await other.get('/api/clock')).json.now);
        const later = new Date(now + 61000).toISOString().replace(/\.\d+Z$/, 'Z');
        assert.equal((await root.put('/api/admin/clock', { now: later })).status, 200);
        assert.equal((await c.post('/api/auth/login', { login: 'gaj_clerk', password: PASSWORD })).status, 200);
    });

    test('a success before the limit resets the account\'s count', async () => {
        const c = new Client(t);
        for (let i = 0; i < 2; i++)
            assert.equal((await c.post('/api/auth/login', { login: 'fzb', password: 'Wrong2026x' })).status, 401);
        await as(t, 'fzb');
        for (let i = 0; i < 2; i++)
            assert.equal((await c.post('/api/auth/login', { login: 'fzb', password: 'Wrong2026x' })).status, 401);
        await as(t, 'fzb');
    });
});

describe('session lifetime', () => {
    let t;
    before(async () => {
        t = await startServer({ args: ['--fake-clock', '--auth.session_idle', '1800', '--auth.session_ttl', '7200'] });
    });
    after(async () => {
        if (t) await t.stop();
    });

    // the fake clock moves only when an administrator sets it
    async function advance(root, seconds) {
        const now = Date.parse((await new Client(t).get('/api/clock')).json.now);
        const to = new Date(now + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        const r = await root.put('/api/admin/clock', { now: to });
        assert.equal(r.status, 200, r.text);
    }

    test('an idle session ends after auth.session_idle; use keeps it alive until auth.session_ttl', async () => {
        let root = await as(t, 'admin');
        const idle = await as(t, 'gaj_clerk');
        const busy = await as(t, 'mzj_clerk');
        for (let i = 0; i < 3; i++) {
            await advance(root, 20 * 60); // 20 minutes
            assert.equal((await busy.get('/api/auth/me')).status, 200, `busy after ${(i + 1) * 20} min`);
        }
        assert.equal((await idle.get('/api/auth/me')).status, 401, 'idle for an hour: gone');
        // keep the busy one going to its absolute end (2 hours)
        for (let i = 3; i < 5; i++) {
            await advance(root, 20 * 60);
            assert.equal((await busy.get('/api/auth/me')).status, 200, `busy after ${(i + 1) * 20} min`);
        }
        root = await as(t, 'admin'); // the administrator's own session is near its end too
        await advance(root, 25 * 60); // 125 minutes after login
        assert.equal((await busy.get('/api/auth/me')).status, 401, 'past auth.session_ttl');
    });
});

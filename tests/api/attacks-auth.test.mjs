// attacks-auth.test.mjs - issue 22's findings on accounts, each as the attack
// the penetration test made and the refusal it now gets: F3 (evicting a
// lockout), F4 (anonymous Argon2id: throttles before hashing, the bounded
// hashing pool, nginx's limit_req), F14 (guessing the old password), F15
// (registration telling who has an account), F18 (locking anyone out), F19
// (the status query's two paths), weak passwords, and the Secure cookie.
//
// Client addresses are made with X-Forwarded-For from http.trusted_proxy
// (127.0.0.1), as nginx sends them. Nothing here measures a duration: the
// pool's test observes the order of answers, F19 counts the work each path
// did (/metrics).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Client, PASSWORD, as, errorOf, startServer } from './lib/server.mjs';
import { startNginx } from './lib/nginx.mjs';

const PROXY = ['--http.trusted_proxy', '127.0.0.1'];
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

const from = (addr) => ({ headers: { 'X-Forwarded-For': addr } });
const login = (srv, name, password, addr) =>
    new Client(srv).post('/api/auth/login', { login: name, password }, addr ? from(addr) : {});

/** /metrics as {name: value} (series with labels keep them in the name). */
async function metrics(srv) {
    const r = await new Client(srv).get('/metrics');
    assert.equal(r.status, 200);
    const out = {};
    for (const line of r.text.split('\n')) {
        const m = /^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$/.exec(line);
        if (m) out[m[1]] = Number(m[2]);
    }
    return out;
}

function sqlite(srv, sql) {
    const r = spawnSync('sqlite3', ['-readonly', path.join(srv.dir, 'zhengtong.db'), sql], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
}

// a valid 18-digit ID number (GB 11643 check character) for sequence n
function validId(n) {
    const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const base = '11010519800101' + String(n).padStart(3, '0');
    return base + '10X98765432'[[...base].reduce((a, c, i) => a + Number(c) * W[i], 0) % 11];
}

// The slot the old in-memory table (4,096 slots, FNV-1a, 16 probes) gave a key.
function oldSlot(key) {
    let h = 1469598103934665603n;
    for (const b of Buffer.from(key)) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 1099511628211n);
    return Number(h % 4096n);
}

describe('F3: a lockout cannot be evicted, nor forgotten by a restart', () => {
    let srv, dir;
    before(async () => {
        srv = await startServer({ args: [...PROXY, '--auth.login_max_failures', '3'], keep: true });
        dir = srv.dir;
    });
    after(async () => {
        if (srv) await srv.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('failures under crafted logins that filled the old table around the victim leave his lock in place', async () => {
        const victim = 'gaj_clerk';
        for (let i = 0; i < 3; i++) assert.equal((await login(srv, victim, `Wrong${i}x2026`, '10.3.0.1')).status, 401);
        let r = await login(srv, victim, PASSWORD, '10.3.0.1');
        assert.equal(r.status, 429, 'locked');
        // the attack: logins whose keys took the victim's slot and the 15 after it
        // (then the 4,096-slot table overwrote the victim's count), each from
        // another address so that no per-address limit stops the attacker
        const target = oldSlot(`login:${victim}`);
        const crafted = [];
        for (let j = 15; j >= 0; j--) {
            for (let n = 0; ; n++) {
                const name = `ev${j}_${n}`;
                if (oldSlot(`login:${name}`) === (target + j) % 4096) {
                    crafted.push(name);
                    break;
                }
            }
        }
        for (const [i, name] of crafted.entries())
            assert.equal((await login(srv, name, 'Wrong2026x', `10.3.1.${i + 1}`)).status, 401, name);
        r = await login(srv, victim, PASSWORD, '10.3.0.1');
        assert.equal(r.status, 429, 'the lock survived the crafted failures');
        assert.ok(Number(r.headers.get('retry-after')) > 0);
        assert.equal(errorOf(r).field, 'login');
        // the count is a row of the database, not a slot in memory
        assert.equal(sqlite(srv, `SELECT count FROM auth_throttle WHERE key = 'login:${victim}|10.3.0.1'`), '3');
    });

    test('a restart keeps the lock', async () => {
        await srv.stop();
        srv = null;
        srv = await startServer({ dir, args: [...PROXY, '--auth.login_max_failures', '3'] });
        const r = await login(srv, 'gaj_clerk', PASSWORD, '10.3.0.1');
        assert.equal(r.status, 429);
    });
});

describe('F18: 5 bad logins lock the attacker\'s address, not the account', () => {
    let srv;
    before(async () => {
        srv = await startServer({
            args: [...PROXY, '--auth.login_max_failures', '3', '--auth.account_max_failures', '6'],
        });
    });
    after(async () => {
        if (srv) await srv.stop();
    });

    test('failures from one address lock that address only; the owner logs in from elsewhere', async () => {
        assert.equal((await login(srv, 'mzj_clerk', PASSWORD, '10.18.0.1')).status, 200, 'the owner\'s usual address');
        for (let i = 0; i < 3; i++) assert.equal((await login(srv, 'mzj_clerk', 'Wrong2026x', '10.18.9.1')).status, 401);
        assert.equal((await login(srv, 'mzj_clerk', PASSWORD, '10.18.9.1')).status, 429, 'the attacker\'s address');
        assert.equal((await login(srv, 'mzj_clerk', PASSWORD, '10.18.0.1')).status, 200, 'the owner is not locked out');
        assert.equal((await login(srv, 'mzj_clerk', PASSWORD, '10.18.5.5')).status, 200, 'nor from a new address');
    });

    test('past auth.account_max_failures from several addresses: new addresses wait, the usual ones get in', async () => {
        // 3 failures from 10.18.9.1 before, 3 now from another address: 6 for the account
        for (let i = 0; i < 3; i++) assert.equal((await login(srv, 'mzj_clerk', 'Wrong2026x', '10.18.9.2')).status, 401);
        const fresh = await login(srv, 'mzj_clerk', PASSWORD, '10.18.7.7');
        assert.equal(fresh.status, 429, 'a never-used address is refused while the account is under attack');
        assert.match(errorOf(fresh).message, /常用/);
        assert.ok(Number(fresh.headers.get('retry-after')) > 0);
        assert.equal((await login(srv, 'mzj_clerk', PASSWORD, '10.18.0.1')).status, 200, 'the usual address');
        assert.equal((await login(srv, 'mzj_clerk', PASSWORD, '10.18.5.5')).status, 200, 'another usual address');
    });

    test('an unknown login is locked the same way (the lock tells nothing about accounts)', async () => {
        const codes = [];
        for (let i = 0; i < 4; i++) codes.push((await login(srv, 'no_such_person', 'Wrong2026x', '10.18.8.8')).status);
        assert.deepEqual(codes, [401, 401, 401, 429]);
    });
});

describe('F14: guessing the old password is throttled as logins are', () => {
    let srv;
    before(async () => {
        srv = await startServer({ args: [...PROXY, '--auth.login_max_failures', '3'] });
    });
    after(async () => {
        if (srv) await srv.stop();
    });

    test('after 3 wrong old passwords the right one is 429, and the password is unchanged', async () => {
        const c = new Client(srv);
        const r0 = await c.post('/api/auth/login', { login: 'czj', password: PASSWORD }, from('10.14.0.1'));
        assert.equal(r0.status, 200);
        c.csrf = r0.json.csrf_token;
        const change = (old) => c.post('/api/auth/password', { old_password: old, new_password: 'Czj2026newpass' }, from('10.14.0.1'));
        for (let i = 0; i < 3; i++) {
            const r = await change(`Guess${i}x2026`);
            assert.equal(r.status, 400);
            assert.equal(errorOf(r).field, 'old_password');
        }
        const r = await change(PASSWORD);
        assert.equal(r.status, 429);
        assert.equal(errorOf(r).field, 'old_password');
        assert.ok(Number(r.headers.get('retry-after')) > 0);
        // the same counts as logins: a login from that address waits too
        assert.equal((await login(srv, 'czj', PASSWORD, '10.14.0.1')).status, 429);
        // nothing changed: the old password still works from elsewhere
        assert.equal((await login(srv, 'czj', PASSWORD, '10.14.0.2')).status, 200);
        assert.equal((await login(srv, 'czj', 'Czj2026newpass', '10.14.0.3')).status, 401);
    });
});

describe('F4: anonymous hashing', () => {
    test('registrations are counted per address before anything is hashed', async () => {
        const srv = await startServer({ args: [...PROXY, '--auth.register_max', '3', '--auth.register_window', '3600'] });
        try {
            const reg = (i, addr) =>
                new Client(srv).post(
                    '/api/auth/register',
                    { type: 'citizen', login: `flood${i}`, name: '灌水', password: 'Flood2026pass', id_number: validId(i) },
                    from(addr),
                );
            const m0 = await metrics(srv);
            const codes = [];
            for (let i = 0; i < 8; i++) codes.push((await reg(i, '10.4.0.1')).status);
            assert.deepEqual(codes, [201, 201, 201, 429, 429, 429, 429, 429]);
            const m1 = await metrics(srv);
            assert.equal(m1.zt_auth_hash_jobs_total - m0.zt_auth_hash_jobs_total, 3, 'the refused ones hashed nothing');
            assert.equal(m1['zt_auth_throttled_total{limit="register"}'], 5);
            const r = await reg(99, '10.4.0.1');
            assert.ok(Number(r.headers.get('retry-after')) > 0);
            assert.equal(errorOf(r).code, 'throttled');
            assert.equal((await reg(100, '10.4.0.2')).status, 201, 'another address');
        } finally {
            await srv.stop();
        }
    });

    test('hashing runs on the pool: with one HTTP thread, searches are answered while a login hashes', async () => {
        // one server thread, and a hash of 64 MiB x 20 passes for an unknown login
        const srv = await startServer({
            args: ['--http.threads', '1', '--auth.hash_threads', '1', '--auth.argon2_mem_kib', '65536', '--auth.argon2_ops', '20'],
        });
        try {
            let answered = false;
            const pending = login(srv, 'nobody_slow', 'Wrong2026x').then((r) => {
                answered = true;
                return r;
            });
            // wait until the job is on the pool, then search while it runs
            for (let i = 0; i < 200 && !answered; i++) {
                const m = await metrics(srv);
                if (m.zt_auth_hash_running + m.zt_auth_hash_queue_depth > 0) break;
            }
            const seen = [];
            for (let i = 0; i < 10; i++) {
                const r = await new Client(srv).get(`/api/items?q=${encodeURIComponent('护照')}`);
                seen.push(r.status);
                assert.equal(answered, false, `search ${i + 1} came after the login: the server thread was hashing`);
            }
            assert.deepEqual(seen, Array(10).fill(200));
            assert.equal((await pending).status, 401);
        } finally {
            await srv.stop();
        }
    });

    test('the pool is bounded: a full queue is refused at once with 503, never more hashes at a time than threads', async () => {
        const srv = await startServer({
            args: [...PROXY, '--auth.hash_threads', '1', '--auth.hash_queue', '2', '--auth.argon2_mem_kib', '65536', '--auth.argon2_ops', '6'],
        });
        try {
            const all = await Promise.all(
                Array.from({ length: 12 }, (_, i) => login(srv, `burst${i}`, 'Wrong2026x', `10.4.1.${i + 1}`)),
            );
            const codes = all.map((r) => r.status);
            assert.ok(codes.includes(503), `no 503 in ${codes}`);
            assert.ok(codes.includes(401), `none was tried: ${codes}`);
            for (const r of all.filter((x) => x.status === 503)) {
                assert.equal(r.headers.get('retry-after'), '1');
                assert.equal(errorOf(r).code, 'unavailable');
            }
            const m = await metrics(srv);
            assert.equal(m.zt_auth_hash_threads, 1);
            assert.equal(m.zt_auth_hash_running_max, 1, 'one hash at a time');
            assert.equal(m.zt_auth_hash_refused_total, codes.filter((c) => c === 503).length);
            // a refused attempt was never tried: it is not counted against the address
            const refused = all.findIndex((r) => r.status === 503);
            assert.equal(sqlite(srv, `SELECT count FROM auth_throttle WHERE key = 'address:10.4.1.${refused + 1}'`), '0');
        } finally {
            await srv.stop();
        }
    });

    test('nginx (deploy/nginx/zhengtong.conf) rate-limits registration and password changes', async () => {
        const srv = await startServer({ args: PROXY });
        const ng = await startNginx(srv.port);
        try {
            const regs = [];
            for (let i = 0; i < 8; i++)
                regs.push(await ng.request('POST', '/api/auth/register', { type: 'citizen', login: `ng${i}`, name: '经代理', password: 'Proxy2026pass', id_number: validId(200 + i) }));
            const rc = regs.map((r) => r.status);
            assert.ok(rc.includes(201), `none passed: ${rc}`);
            assert.ok(rc.includes(429), `no 429 from nginx: ${rc}`);
            assert.ok(regs.filter((r) => r.status === 429).every((r) => !r.json), 'the 429s are nginx\'s, not zhengtong\'s');
            const pw = [];
            for (let i = 0; i < 10; i++) pw.push((await ng.request('POST', '/api/auth/password', { old_password: 'x', new_password: 'y' })).status);
            assert.ok(pw.includes(429), `no 429 from nginx: ${pw}`);
        } finally {
            await ng.stop();
            await srv.stop();
        }
    });
});

describe('F15: registration does not tell who has an account', () => {
    let srv;
    before(async () => {
        srv = await startServer();
    });
    after(async () => {
        if (srv) await srv.stop();
    });

    test('zhangsan\'s ID number under a new login: the answer of a new account, no account, and zhangsan is told', async () => {
        const reg = (body) => new Client(srv).post('/api/auth/register', body);
        const fresh = await reg({ type: 'citizen', login: 'newcomer', name: '新人', password: 'Newcomer2026x', id_number: validId(15) });
        const probe = await reg({ type: 'citizen', login: 'prober', name: '张三', password: 'Prober2026x', id_number: '360302198503120045' });
        assert.equal(fresh.status, 201, fresh.text);
        assert.equal(probe.status, fresh.status);
        assert.deepEqual(Object.keys(probe.json).sort(), Object.keys(fresh.json).sort());
        assert.equal(probe.json.message, fresh.json.message);
        assert.equal(probe.json.login, 'prober');
        // an enterprise's credit code: the same
        const ent = await reg({ type: 'enterprise', login: 'prober_co', name: '探测公司', password: 'Prober2026x', credit_code: '91360300584267314N' });
        assert.equal(ent.status, 201);
        assert.equal(ent.json.message, fresh.json.message);
        // no account was made
        assert.equal((await login(srv, 'prober', 'Prober2026x')).status, 401);
        assert.equal((await login(srv, 'prober_co', 'Prober2026x')).status, 401);
        assert.equal((await login(srv, 'newcomer', 'Newcomer2026x')).status, 200);
        // the holders read it in their inbox (站内信), with the login that was tried
        const zs = await as(srv, 'zhangsan');
        const inbox = await zs.get('/api/inbox');
        assert.equal(inbox.status, 200);
        const note = inbox.json.items.find((n) => n.body.includes('prober'));
        assert.ok(note, JSON.stringify(inbox.json));
        assert.match(note.title, /身份证号码/);
        assert.ok(!note.body.includes('360302198503120045'), 'the number is masked');
        const qy = await as(srv, 'pxqiye');
        assert.ok((await qy.get('/api/inbox')).json.items.some((n) => n.body.includes('prober_co')));
        // and the attempt is on record, on the holder's account
        const admin = await as(srv, 'admin');
        const audit = await admin.get('/api/audit?action=user.register_duplicate');
        assert.equal(audit.json.items.length, 2);
        assert.ok(audit.json.items.some((x) => x.detail.login === 'prober' && String(x.target_id) === String(zs.user.id)));
    });

    test('a taken login is still 409 on login (a login is a public handle); it says nothing about the ID number', async () => {
        const r = await new Client(srv).post('/api/auth/register', { type: 'citizen', login: 'zhangsan', name: '张三', password: 'Prober2026x', id_number: validId(16) });
        assert.equal(r.status, 409);
        assert.equal(errorOf(r).field, 'login');
        assert.doesNotMatch(errorOf(r).message, /证件/);
    });
});

describe('F19: the status query does the same work for an unknown number and a wrong password', () => {
    let srv, number, password;
    before(async () => {
        srv = await startServer();
        const zs = await as(srv, 'zhangsan');
        const anon = new Client(srv);
        const code = '360300-XK-GA-001';
        const item = (await anon.get(`/api/items/${code}`)).json;
        const guide = item.guide || item;
        const up = await zs.req('POST', `/api/uploads?name=${encodeURIComponent('材料.pdf')}`, { body: PDF, headers: { 'Content-Type': 'application/pdf' } });
        assert.equal(up.status, 201, up.text);
        const materials = guide.materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: up.json.id }));
        const c = await zs.post('/api/cases', { item_code: code, materials });
        assert.equal(c.status, 201, c.text);
        number = c.json.number;
        password = c.json.query_password;
    });
    after(async () => {
        if (srv) await srv.stop();
    });

    test('one comparison each, and the case is read only for the right password', async () => {
        const q = (n, p) => new Client(srv).post('/api/public/case-status', { number: n, password: p });
        const unknown = number.replace(/\d{4}$/, (d) => String((Number(d) + 5000) % 10000).padStart(4, '0'));
        const m0 = await metrics(srv);
        const answers = [];
        for (let i = 0; i < 4; i++) answers.push(await q(unknown, `WRONG${i}XY`), await q(number, `WRONG${i}XY`));
        const m1 = await metrics(srv);
        assert.equal(m1.zt_status_query_compares_total - m0.zt_status_query_compares_total, 8, 'both paths compare');
        assert.equal(m1.zt_status_query_case_reads_total - m0.zt_status_query_case_reads_total, 0, 'neither reads the case');
        for (const r of answers) {
            assert.equal(r.status, 404);
            assert.deepEqual(r.json, answers[0].json, 'the same answer');
        }
        const ok = await q(number, password);
        assert.equal(ok.status, 200, ok.text);
        assert.equal(ok.json.number, number);
        const m2 = await metrics(srv);
        assert.equal(m2.zt_status_query_compares_total - m1.zt_status_query_compares_total, 1);
        assert.equal(m2.zt_status_query_case_reads_total - m1.zt_status_query_case_reads_total, 1);
    });
});

describe('weak passwords', () => {
    let srv;
    before(async () => {
        srv = await startServer();
    });
    after(async () => {
        if (srv) await srv.stop();
    });

    const WEAK = ['password1', 'Password2026', 'P@ssw0rd!1', 'qwerty123', 'Sunshine2026', 'iloveyou99', 'Dragon123!', 'aaaa1111', 'Elephant2026'];

    test('common passwords, dressed up or not, are 400 naming the field, in Chinese', async () => {
        for (const [i, pw] of WEAK.entries()) {
            const r = await new Client(srv).post('/api/auth/register', { type: 'citizen', login: `weak${i}`, name: '弱', password: pw, id_number: validId(400 + i) });
            assert.equal(r.status, 400, `${pw}: ${r.text}`);
            assert.equal(errorOf(r).field, 'password', pw);
            assert.match(errorOf(r).message, /[\u4e00-\u9fff]/, pw);
        }
        const self = await new Client(srv).post('/api/auth/register', { type: 'citizen', login: 'wangfang', name: '王芳', password: 'Wangfang2026', id_number: validId(420) });
        assert.equal(self.status, 400);
        assert.match(errorOf(self).message, /登录名/);
        const good = await new Client(srv).post('/api/auth/register', { type: 'citizen', login: 'strong1', name: '强', password: 'Pingxiang-Anyuan7', id_number: validId(421) });
        assert.equal(good.status, 201, good.text);
    });

    test('the same rules for one\'s own change (new_password) and for administrators (password)', async () => {
        const c = await as(srv, 'xxzx');
        let r = await c.post('/api/auth/password', { old_password: PASSWORD, new_password: 'password1' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'new_password');
        const admin = await as(srv, 'admin');
        r = await admin.post('/api/users', { login: 'weak_staff', name: '弱', role: 'citizen', id_number: validId(430), password: 'Qwerty2026' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'password');
        const users = await admin.get('/api/users?q=xxzx');
        r = await admin.post(`/api/users/${users.json.items[0].id}/password`, { password: 'letmein1' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'password');
    });
});

describe('the session cookie is Secure when the portal is https', () => {
    const cookieOf = async (args) => {
        const srv = await startServer({ args });
        try {
            const r = await login(srv, 'admin', PASSWORD);
            assert.equal(r.status, 200);
            return r.setCookie.find((c) => c.startsWith('zt_session='));
        } finally {
            await srv.stop();
        }
    };

    test('public.url https: Secure by default; http: not; auth.cookie_secure overrides', async () => {
        assert.match(await cookieOf(['--public.url', 'https://zhengtong.pingxiang.gov.cn']), /;\s*Secure/i);
        assert.doesNotMatch(await cookieOf([]), /;\s*Secure/i);
        assert.doesNotMatch(await cookieOf(['--public.url', 'https://zhengtong.pingxiang.gov.cn', '--auth.cookie_secure', '0']), /;\s*Secure/i);
        assert.match(await cookieOf(['--auth.cookie_secure', '1']), /;\s*Secure/i);
    });
});

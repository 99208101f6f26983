// attacks.test.mjs - what an attacker tries, and what he gets: SQL
// injection in the text fields of the write routes and in every query
// parameter the route table lists, path traversal on static and API paths,
// session fixation, CSRF, an executable uploaded as a PDF, oversized bodies,
// headers and URLs, slowloris, and a forged X-Forwarded-For. Raw sockets
// (node:net) where fetch would tidy the attack up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { BIN, Client, REPO, as, errorOf, rawHttp, startServer } from './lib/server.mjs';

const SQLI = [
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    '" OR ""="',
    "x') UNION SELECT password_hash, 1, 1 FROM users --",
    '1; SELECT sqlite_version()',
    "%' OR 1=1 --",
    "\\'; DELETE FROM sessions; --",
    "admin'--",
    '%',
    '_',
];
const PASSWORD = 'Attack2026pass';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
// a minimal ELF header (x86-64 executable), then zeros
const ELF = Buffer.concat([
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1, 0, 0, 0]),
    Buffer.alloc(232, 0),
]);

// a valid made-up resident ID number (GB 11643 check digit)
function idNumber(i) {
    const body = `360302199001${String(1 + (i % 28)).padStart(2, '0')}${String(100 + i).slice(-3)}`;
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const sum = [...body].reduce((s, c, k) => s + Number(c) * w[k], 0);
    return body + '10X98765432'[sum % 11];
}

function sqlite(dbPath, sql) {
    const r = spawnSync('sqlite3', ['-readonly', dbPath, sql], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
}

function tableCounts(dbPath) {
    const names = sqlite(dbPath, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").split('\n');
    const out = {};
    for (const n of names) out[n] = Number(sqlite(dbPath, `SELECT count(*) FROM "${n}"`));
    return out;
}

/** The route table with the query parameters each GET route's doc names. */
function getRoutes() {
    const r = spawnSync(BIN, ['routes', '--markdown'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
        .split('\n')
        .filter((l) => /^\| GET \|/.test(l))
        .map((l) => {
            const [, , p, who, what] = l.split('|').map((x) => x.trim());
            // "(q, level, parent, retired, page)", "(?state ?open ?q ...)", "(?type=case|...)"
            const params = new Set();
            for (const g of what.match(/\(([^)]*)\)/g) || [])
                for (const m of g.matchAll(/(?:^|[\s(,?])\??([a-z_]{2,20})(?=[\s,)=]|$)/g)) params.add(m[1]);
            for (const m of what.matchAll(/\?([a-z_]+)/g)) params.add(m[1]);
            return { path: p, who, params: [...params] };
        });
}

describe('SQL injection', () => {
    let srv, db, admin, zs, head, sup, clerk;
    let made = 0;

    before(async () => {
        srv = await startServer();
        db = path.join(srv.dir, 'zhengtong.db');
        // all logged in before the injected logins count failures against this address
        [admin, zs, head, sup, clerk] = await Promise.all(['admin', 'zhangsan', 'gaj_head', 'jiancha', 'gaj_clerk'].map((l) => as(srv, l)));
    });
    after(async () => srv && (await srv.stop()));

    // each probe: send(payload, i) -> response; read(response) -> the stored value
    const probes = () => [
        {
            name: 'register name',
            field: 'name',
            send: (p, i) => new Client(srv).post('/api/auth/register', { type: 'citizen', login: `sqli_r${i}`, name: p, password: PASSWORD, id_number: idNumber(i) }),
            // the registration's answer names no account (issue 22 F15): found by its login
            read: async (r) => (await admin.get(`/api/users?q=${r.json.login}`)).json.items.find((u) => u.login === r.json.login).name,
        },
        {
            name: 'register login',
            field: 'login',
            send: (p, i) => new Client(srv).post('/api/auth/register', { type: 'citizen', login: p, name: '注入', password: PASSWORD, id_number: idNumber(100 + i) }),
            read: async (r) => r.json.login,
        },
        {
            name: 'user name and phone',
            field: 'name',
            send: (p, i) => admin.post('/api/users', { login: `sqli_u${i}`, name: p, role: 'clerk', dept_id: head.user.dept_id, password: PASSWORD }),
            read: async (r) => (await admin.get(`/api/users/${r.json.id}`)).json.name,
        },
        {
            name: 'user phone (PATCH)',
            field: 'phone',
            send: (p) => admin.patch(`/api/users/${zs.user.id}`, { phone: p }),
            read: async () => (await admin.get(`/api/users/${zs.user.id}`)).json.phone,
        },
        {
            name: 'department name',
            field: 'name',
            send: (p, i) => admin.post('/api/departments', { code: `360302-SQ${i}`, name: p, region_code: '360302', kind: 'bureau' }),
            read: async (r) => (await new Client(srv).get(`/api/departments/${r.json.id}`)).json.name,
        },
        {
            name: 'department code',
            field: 'code',
            send: (p) => admin.post('/api/departments', { code: p, name: '注入局', region_code: '360302', kind: 'bureau' }),
            read: async (r) => (await new Client(srv).get(`/api/departments/${r.json.id}`)).json.code,
        },
        {
            name: 'region name',
            field: 'name',
            send: (p, i) => admin.post('/api/regions', { code: `36030299${i}`, name: p, parent_code: '360302' }),
            read: async (r) => (await new Client(srv).get(`/api/regions/${r.json.code}`)).json.name,
        },
        {
            name: 'API key name',
            field: 'name',
            send: (p) => head.post('/api/keys', { dept_id: head.user.dept_id, name: p }),
            read: async (r) => (await head.get('/api/keys')).json.items.find((k) => k.id === r.json.id).name,
        },
        {
            name: 'consultation title',
            field: 'title',
            send: (p, i) => zs.post('/api/consultations', { department: '360300-GA', title: p, content: '内容', idempotency_key: `sqli-c${i}` }),
            read: async (r) => (await zs.get(`/api/messages/${r.json.number}`)).json.title,
        },
        {
            name: 'complaint content',
            field: 'content',
            send: (p, i) => zs.post('/api/complaints', { department: '360300-GA', title: '投诉', content: p, idempotency_key: `sqli-k${i}` }),
            read: async (r) => (await zs.get(`/api/messages/${r.json.number}`)).json.content,
        },
        {
            name: 'upload file name (?name=)',
            field: 'name',
            send: (p) => zs.req('POST', `/api/uploads?name=${encodeURIComponent(p)}`, { body: PDF, headers: { 'Content-Type': 'application/pdf' } }),
            read: async (r) => (await zs.get('/api/my/uploads')).json.items.find((u) => u.id === r.json.id).filename,
        },
        {
            name: 'calendar day name',
            field: 'name',
            send: (p, i) => admin.put(`/api/admin/calendar/days/2027-03-${String(1 + i).padStart(2, '0')}`, { kind: 'holiday', name: p }),
            read: async (r) => r.json.name,
        },
    ];

    test('every text field of the write routes: stored verbatim or 400 naming the field, never a 5xx', async () => {
        const before0 = tableCounts(db);
        let stored = 0,
            refusedN = 0;
        for (const pr of probes()) {
            for (const [i, p] of SQLI.entries()) {
                const r = await pr.send(p, i);
                const what = `${pr.name} ${JSON.stringify(p)}: ${r.status} ${r.text.slice(0, 200)}`;
                assert.ok(r.status < 500, what);
                if (r.status >= 200 && r.status < 300) {
                    assert.equal(await pr.read(r), p, `stored verbatim: ${what}`);
                    stored++;
                } else {
                    assert.equal(r.status, 400, what);
                    assert.equal(errorOf(r).field, pr.field, what);
                    refusedN++;
                }
            }
        }
        made = stored;
        console.log(`SQL injection, write fields: ${probes().length} fields x ${SQLI.length} payloads: ${stored} stored verbatim, ${refusedN} refused with 400`);
        const after0 = tableCounts(db);
        assert.deepEqual(Object.keys(after0), Object.keys(before0), 'no table dropped or made');
        assert.equal(sqlite(db, 'PRAGMA integrity_check'), 'ok');
        // logins: an injected login or password never logs in
        for (const p of SQLI) {
            for (const body of [{ login: p, password: p }, { login: 'admin', password: p }, { login: p, password: 'Demo2026pass' }]) {
                const r = await new Client(srv).post('/api/auth/login', body);
                assert.ok([400, 401, 429].includes(r.status), `login ${JSON.stringify(body)}: ${r.status}`);
            }
            const s = await new Client(srv).post('/api/public/case-status', { number: p, password: p });
            assert.ok([400, 404, 429].includes(s.status), `status query ${p}: ${s.status} ${s.text}`);
        }
    });

    test('every query parameter of every GET route: never a 5xx or a database error, nothing written', async () => {
        const routes = getRoutes();
        const clients = { admin, supervisor: sup, citizen: zs, clerk, dept_head: head };
        const counts0 = tableCounts(db);
        delete counts0.sessions;
        let n = 0,
            params = 0;
        for (const r of routes) {
            if (r.path === '/api/supervision/stream') continue;
            // a caller the route allows
            let c;
            if (r.who === 'public') c = new Client(srv);
            else if (r.who.startsWith('any user') || r.who.startsWith('staff')) c = admin;
            else {
                const role = r.who.split(', ').find((x) => x in clients);
                if (!role) continue;
                c = clients[role];
            }
            const target = r.path.replace(/\{[a-z_]+\}/g, (m) => ({ '{date}': '2026-06-15', '{month}': '2026-01', '{file}': '2026-01.xlsx' })[m] || '1');
            params += r.params.length;
            await Promise.all(
                r.params.map(async (q) => {
                    for (const p of SQLI) {
                        const res = await c.get(`${target}?${q}=${encodeURIComponent(p)}`);
                        n++;
                        const what = `${r.path}?${q}=${p}: ${res.status} ${res.text.slice(0, 200)}`;
                        assert.ok(res.status < 500, what);
                        assert.notEqual(res.status, 401, what);
                        // a 400 names a parameter: this one, or one the route needs and did not get
                        if (res.status === 400) assert.ok(errorOf(res).field, what);
                        if (res.status >= 400)
                            assert.ok(!/sqlite|SQL|syntax error|no such (table|column)/i.test(errorOf(res).message.split(p).join('')), `database error text: ${what}`);
                        // a search for the injection finds nothing (LIKE wildcards escaped)
                        if (q === 'q' && res.status === 200 && res.json && 'total' in res.json)
                            assert.equal(res.json.total, 0, `${what}: the search matched`);
                    }
                }),
            );
        }
        console.log(`SQL injection, query parameters: ${params} parameters of ${routes.length} GET routes, ${n} requests`);
        assert.ok(params >= 80, `${params} parameters found in the route table`);
        const counts1 = tableCounts(db);
        delete counts1.sessions;
        assert.deepEqual(counts1, counts0, 'reads wrote no rows');
        assert.equal(sqlite(db, 'PRAGMA integrity_check'), 'ok');
        assert.ok(made > 0);
    });
});

describe('path traversal', () => {
    let srv, admin;
    before(async () => {
        srv = await startServer();
        admin = await as(srv, 'admin');
    });
    after(async () => srv && (await srv.stop()));

    const STATIC = [
        '/../../../../etc/passwd',
        '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
        '/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        '/%252e%252e/%252e%252e/etc/passwd',
        '/..%5c..%5c..%5cetc%5cpasswd',
        '/..\\..\\..\\etc\\passwd',
        '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
        '/.%2e/.%2e/.%2e/etc/passwd',
        '//etc/passwd',
        '/index.html/../../../etc/passwd',
        '/%00../../etc/passwd',
        '/../zhengtong.db',
        '/.git/config',
        '/%2egit/config',
    ];
    // the data directory and the ledger key through API routes that name files
    const API = [
        '/api/supervision/scores/..%2f..%2f..%2fetc%2fpasswd',
        '/api/supervision/scores/%2e%2e%2fzhengtong.db',
        '/api/supervision/scores/..%2fledger.key',
        '/api/supervision/scores/....%2f%2f....%2f%2fetc%2fpasswd',
        '/api/uploads/..%2f..%2fzhengtong.db',
        '/api/uploads/1%00',
        '/api/flows/..%2f..%2f..%2fetc%2fpasswd',
        '/api/flows/%2e%2e%2fflows%2flicensing',
        '/api/items/..%2f..%2fetc%2fpasswd',
        '/api/cases/..%2f..%2fzhengtong.db/receipt.pdf',
        '/api/../etc/passwd',
        '/api/%2e%2e/%2e%2e/etc/passwd',
    ];

    test('static paths: nothing outside web.root, whatever the encoding', async () => {
        const ok = await rawHttp(srv.port, 'GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n');
        assert.equal(ok.responses[0].status, 200, 'the web root itself is served');
        for (const p of STATIC) {
            const r = await rawHttp(srv.port, `GET ${p} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`, { waitClose: true });
            const res = r.responses[0];
            if (!res) {
                assert.ok(r.closed, `${p}: neither an answer nor a close`);
                continue;
            }
            assert.ok([400, 403, 404].includes(res.status), `${p}: ${res.status}`);
            assert.ok(!/root:|\[core\]|SQLite format/.test(res.body), `${p}: leaked ${res.body.slice(0, 80)}`);
        }
    });

    test('API paths that name files: 4xx, never a file of the data directory', async () => {
        const cookie = `zt_session=${admin.cookie}`;
        for (const p of API) {
            const r = await rawHttp(srv.port, `GET ${p} HTTP/1.1\r\nHost: t\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`, { waitClose: true });
            const res = r.responses[0];
            assert.ok(res, `${p}: no answer`);
            assert.ok(res.status >= 400 && res.status < 500, `${p}: ${res.status} ${res.body.slice(0, 120)}`);
            assert.ok(!/root:|SQLite format|PRIVATE|PK\x03\x04/.test(res.body), `${p}: leaked ${res.body.slice(0, 80)}`);
        }
    });
});

describe('sessions and CSRF', () => {
    let srv;
    before(async () => {
        srv = await startServer();
    });
    after(async () => srv && (await srv.stop()));

    test('session fixation: a planted cookie is replaced at login and dies', async () => {
        // the attacker's own valid session, planted in the victim's browser
        const attacker = await as(srv, 'pxqiye');
        const planted = attacker.cookie;
        const victim = new Client(srv);
        victim.cookie = planted;
        await victim.login('zhangsan');
        assert.ok(victim.cookie && victim.cookie !== planted, 'a new token at login');
        const me = await victim.get('/api/auth/me');
        assert.equal(me.json.user.login, 'zhangsan');
        // the planted token is no longer anybody's session: the attacker cannot ride the victim's login
        const ride = await new Client(srv).get('/api/auth/session', { cookie: planted });
        assert.equal(ride.json.user, null);
        // an invented token is nobody
        const made = await new Client(srv).get('/api/auth/me', { cookie: 'A'.repeat(43) });
        assert.equal(made.status, 401);
    });

    test('CSRF: a cookie write without the token, with a wrong one, or from another site is 403; nothing changes', async () => {
        const zs = await as(srv, 'zhangsan');
        const body = { department: '360300-GA', title: 'CSRF 测试', content: '跨站' };
        const count = async () => (await zs.get('/api/my/messages')).json.total;
        const n0 = await count();
        const none = await zs.post('/api/consultations', body, { csrf: false });
        assert.equal(none.status, 403);
        assert.equal(errorOf(none).field, 'X-CSRF-Token');
        const wrong = await zs.post('/api/consultations', body, { csrf: zs.csrf.slice(0, -2) + 'xx' });
        assert.equal(wrong.status, 403);
        assert.equal(errorOf(wrong).field, 'X-CSRF-Token');
        const longer = await zs.post('/api/consultations', body, { csrf: zs.csrf + 'x' });
        assert.equal(longer.status, 403);
        for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${srv.port}.evil.example`, 'http://127.0.0.1']) {
            const cross = await zs.post('/api/consultations', body, { headers: { Origin: origin } });
            assert.equal(cross.status, 403, `Origin ${origin}: ${cross.text}`);
            assert.equal(errorOf(cross).field, 'Origin');
        }
        // a form post (text/plain, no token) from another site
        const form = await zs.req('POST', '/api/consultations', {
            body: 'department=360300-GA&title=x&content=y',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' },
            csrf: false,
        });
        assert.equal(form.status, 403);
        assert.equal(await count(), n0, 'nothing was written');
        // the same request from our own origin, with the token, is accepted
        const own = await zs.post('/api/consultations', body, { headers: { Origin: `http://127.0.0.1:${srv.port}` } });
        assert.equal(own.status, 201, own.text);
        assert.equal(await count(), n0 + 1);
        // an API key has no cookie to ride: the Origin does not matter to it
    });
});

describe('uploads that are not what they claim', () => {
    let srv, zs;
    before(async () => {
        srv = await startServer({ args: ['--services.upload_max_bytes', '65536'] });
        zs = await as(srv, 'zhangsan');
    });
    after(async () => srv && (await srv.stop()));

    const up = (bytes, name, type = 'application/pdf') =>
        zs.req('POST', `/api/uploads?name=${encodeURIComponent(name)}`, { body: bytes, headers: { 'Content-Type': type } });

    test('an ELF executable named x.pdf with Content-Type application/pdf: 415', async () => {
        const r = await up(ELF, 'x.pdf');
        assert.equal(r.status, 415, r.text);
        assert.equal(errorOf(r).field, 'file');
        for (const [bytes, name] of [
            [Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]), 'setup.pdf'], // a PE (Windows) executable
            [Buffer.from('#!/bin/sh\nrm -rf /\n'), 'run.pdf'],
            [Buffer.from('<html><script>alert(1)</script></html>'), 'page.pdf'],
            [Buffer.from(' %PDF-1.4\n'), 'space.pdf'],
        ]) {
            const x = await up(bytes, name);
            assert.equal(x.status, 415, `${name}: ${x.text}`);
        }
        assert.equal((await zs.get('/api/my/uploads')).json.total, 0, 'nothing stored');
    });

    test('a PDF header followed by an ELF: a PDF (not executable), served back only as a PDF attachment', async () => {
        // The kernel runs an ELF only with \x7fELF at offset 0, so these bytes
        // are no executable; a reader treats them as a (broken) PDF. The
        // sniffer decides by the first bytes, and the download keeps it inert.
        const poly = Buffer.concat([Buffer.from('%PDF-1.7\n'), ELF]);
        const r = await up(poly, '材料.pdf', 'application/x-executable');
        assert.equal(r.status, 201, r.text);
        assert.equal(r.json.mime, 'application/pdf');
        const d = await zs.get(`/api/uploads/${r.json.id}`);
        assert.equal(d.status, 200);
        assert.equal(d.headers.get('content-type'), 'application/pdf');
        assert.match(d.headers.get('content-disposition'), /^attachment;/);
        assert.equal(d.headers.get('x-content-type-options'), 'nosniff');
        assert.ok(d.bytes.equals(poly), 'the bytes come back unchanged');
        assert.notDeepEqual([...d.bytes.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
    });
});

// Write the head (and nothing of the body) and read what comes back.
function headOnly(port, head, { timeoutMs = 5000 } = {}) {
    return rawHttp(port, head, { waitClose: true, timeoutMs });
}

describe('oversized requests', () => {
    let srv;
    before(async () => {
        srv = await startServer({ args: ['--http.max_body', '4096', '--services.upload_max_bytes', '8192'] });
    });
    after(async () => srv && (await srv.stop()));

    test('a body over http.max_body: 413 on the head alone, before any of the body is sent', async () => {
        for (const len of [4097, 1 << 20, 1e12]) {
            const r = await headOnly(
                srv.port,
                `POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`,
            );
            assert.ok(!r.timedOut, `${len}: no answer without the body`);
            assert.equal(r.responses[0]?.status, 413, `${len}: ${r.raw.slice(0, 100)}`);
            assert.equal(JSON.parse(r.responses[0].body).error.field, 'body');
            assert.ok(r.closed, 'and the connection is closed');
        }
        // Expect: 100-continue: refused without the 100, the client never sends the body
        const e = await headOnly(
            srv.port,
            'POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n',
        );
        assert.equal(e.responses[0]?.status, 413, e.raw.slice(0, 100));
        assert.ok(!/100 Continue/.test(e.raw));
        // the upload route has its own limit (services.upload_max_bytes)
        const zs = await as(srv, 'zhangsan');
        const u = await headOnly(
            srv.port,
            `POST /api/uploads?name=a.pdf HTTP/1.1\r\nHost: t\r\nCookie: zt_session=${zs.cookie}\r\nX-CSRF-Token: ${zs.csrf}\r\nContent-Length: 8193\r\n\r\n`,
        );
        assert.equal(u.responses[0]?.status, 413, u.raw.slice(0, 100));
        const ok = await zs.req('POST', '/api/uploads?name=a.pdf', { body: Buffer.concat([PDF, Buffer.alloc(6000, 32)]), headers: { 'Content-Type': 'application/pdf' } });
        assert.equal(ok.status, 201, 'a body over http.max_body but within the upload limit is taken');
    });

    test('a chunked body that grows past the limit: 413, the connection closed', async () => {
        const chunk = 'x'.repeat(1000);
        const parts = ['POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'];
        for (let i = 0; i < 8; i++) parts.push(`3e8\r\n${chunk}\r\n`);
        parts.push('0\r\n\r\n');
        const r = await rawHttp(srv.port, parts, { waitClose: true, pauseMs: 5 });
        assert.equal(r.responses[0]?.status, 413, r.raw.slice(0, 100));
    });

    test('huge URLs, huge and many headers: a 4xx, and the server goes on', async () => {
        for (const [what, head] of [
            ['a search of 60 KB', `GET /api/regions?q=${'a'.repeat(60000)} HTTP/1.1\r\nHost: t\r\n\r\n`],
            ['URL of 200 KB', `GET /api/regions?q=${'a'.repeat(200000)} HTTP/1.1\r\nHost: t\r\n\r\n`],
            ['path of 1 MB', `GET /${'a'.repeat(1 << 20)} HTTP/1.1\r\nHost: t\r\n\r\n`],
            ['a header of 1 MB', `GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ${'b'.repeat(1 << 20)}\r\n\r\n`],
            ['20000 headers', `GET /healthz HTTP/1.1\r\nHost: t\r\n${'X-A: 1\r\n'.repeat(20000)}\r\n`],
            ['a cookie of 300 KB', `GET /api/auth/session HTTP/1.1\r\nHost: t\r\nCookie: zt_session=${'c'.repeat(300000)}\r\n\r\n`],
        ]) {
            const r = await rawHttp(srv.port, head, { timeoutMs: 10000 });
            const st = r.responses[0]?.status;
            assert.ok(st >= 400 && st < 500, `${what}: ${st} ${r.raw.slice(0, 80)}`);
        }
        // a long search is refused naming the parameter (SQLite refuses LIKE patterns over 50000 bytes: it was a 500)
        const q = await new Client(srv).get(`/api/items?q=${'护'.repeat(2000)}`);
        assert.equal(q.status, 400, q.text.slice(0, 200));
        assert.equal(errorOf(q).field, 'q');
        const fine = await new Client(srv).get(`/api/items?q=${'护'.repeat(1000)}`);
        assert.equal(fine.status, 200, 'a search of 3000 bytes is fine');
        assert.equal((await new Client(srv).get('/healthz')).status, 200);
    });
});

describe('slowloris', () => {
    test('connections sending their head a byte at a time are dropped after http.timeout; others are served meanwhile', async () => {
        const srv = await startServer({ args: ['--http.timeout', '2'] });
        const N = 40;
        const head = `GET /healthz HTTP/1.1\r\nHost: t\r\nUser-Agent: ${'s'.repeat(300)}\r\n\r\n`;
        const socks = [];
        try {
            const dropped = Array.from(
                { length: N },
                () =>
                    new Promise((resolve) => {
                        const s = net.connect(srv.port, '127.0.0.1');
                        socks.push(s);
                        let i = 0;
                        let got = '';
                        // one byte every 100 ms: the head would take 30 s
                        const iv = setInterval(() => {
                            if (!s.destroyed && i < head.length) s.write(head[i++]);
                        }, 100);
                        s.on('data', (d) => (got += d));
                        s.on('error', () => {});
                        s.on('close', () => {
                            clearInterval(iv);
                            resolve({ sent: i, got });
                        });
                    }),
            );
            // meanwhile an ordinary client is served, again and again
            for (let k = 0; k < 5; k++) {
                const r = await new Client(srv).get('/healthz');
                assert.equal(r.status, 200);
                await new Promise((r) => setTimeout(r, 200));
            }
            const res = await Promise.all(dropped);
            for (const x of res) {
                assert.ok(x.sent < head.length, `the server waited for the whole head (${x.sent} bytes)`);
                assert.equal(x.got, '', 'no answer to a head that never ended');
            }
            assert.equal((await new Client(srv).get('/healthz')).status, 200);
        } finally {
            socks.forEach((s) => s.destroy());
            await srv.stop();
        }
    });

    test('an idle keep-alive connection is still closed after http.timeout, a streaming answer is not', async () => {
        const srv = await startServer({ args: ['--http.timeout', '2'] });
        try {
            const r = await rawHttp(srv.port, 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n', { waitClose: true, timeoutMs: 15000 });
            assert.equal(r.responses[0].status, 200);
            assert.ok(r.closed && !r.timedOut, 'closed by the server');
            // a supervisor's live feed outlives http.timeout (it has its heartbeat)
            const sup = await as(srv, 'jiancha');
            const ac = new AbortController();
            const res = await fetch(srv.url('/api/supervision/stream'), { headers: { Cookie: `zt_session=${sup.cookie}` }, signal: ac.signal });
            assert.equal(res.status, 200);
            const reader = res.body.getReader();
            await new Promise((r) => setTimeout(r, 3500));
            const more = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r({ timeout: true }), 100))]);
            assert.ok(more.timeout || !more.done, 'the stream is still open after http.timeout');
            ac.abort();
        } finally {
            await srv.stop();
        }
    });
});

describe('X-Forwarded-For', () => {
    // failed logins from one address: 4 x auth.login_max_failures, then 429
    const fail = (srv, xff, i) =>
        new Client(srv).post('/api/auth/login', { login: `nobody${i}`, password: 'Wrong2026pass' }, { headers: { 'X-Forwarded-For': xff } });

    test('not trusted by default: a client cannot choose the address its failures count under', async () => {
        const srv = await startServer({ args: ['--auth.login_max_failures', '2'] });
        try {
            const st = [];
            for (let i = 0; i < 9; i++) st.push((await fail(srv, `10.0.0.${i}`, i)).status);
            assert.deepEqual(st, [401, 401, 401, 401, 401, 401, 401, 401, 429]);
        } finally {
            await srv.stop();
        }
    });

    test('from http.trusted_proxy: the last X-Forwarded-For address is the client', async () => {
        const srv = await startServer({ args: ['--auth.login_max_failures', '2', '--http.trusted_proxy', '127.0.0.1'] });
        try {
            for (let i = 0; i < 8; i++) assert.equal((await fail(srv, `6.6.6.6, 10.0.0.1`, i)).status, 401);
            assert.equal((await fail(srv, '10.0.0.1', 99)).status, 429, '10.0.0.1 is blocked');
            // what the client put before the proxy's entry does not matter ...
            assert.equal((await fail(srv, '10.0.0.1, 10.0.0.1', 98)).status, 429);
            // ... another client behind the same proxy is not blocked
            assert.equal((await fail(srv, '10.0.0.2', 97)).status, 401);
            // a malformed header falls back to the peer
            assert.equal((await fail(srv, 'not-an-address', 96)).status, 401);
        } finally {
            await srv.stop();
        }
    });

    test('http.trusted_proxy must be an address', async () => {
        await assert.rejects(startServer({ args: ['--http.trusted_proxy', 'localhost'] }), /http\.trusted_proxy/);
    });
});

// attacks-http.test.mjs - issue #22's findings on the HTTP layer, each as the
// attack, then the refusal (docs/security.md, "Pentest findings F5, F6, F16,
// metrics"):
//   F5  upload bodies were buffered before authentication and a trickling
//       body was held forever: an upload is refused on its head (401/403)
//       without its body being read, an admitted one goes to disk as it
//       arrives, and the memory of bodies in flight stays within
//       http.body_budget (beyond it 503 with Retry-After);
//   F6  connections that trickle their body were never reaped and one address
//       could open thousands: a body slower than http.body_min_rate is cut
//       after http.timeout, an address holds http.max_connections_per_address
//       connections at most, and the server answers others meanwhile;
//   F16 one supervisor could take every live-feed slot: a user has
//       http.max_streams_per_user streams at most, the others get theirs;
//   /metrics was anonymous on the direct port: loopback only, or the bearer
//       token metrics.token.
// Raw sockets (node:net) from chosen loopback addresses (127.0.0.2 is the
// attacker, 127.0.0.1 and 127.0.0.3 everybody else). Behaviour is asserted,
// never durations: what was answered, what was closed, what the server holds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BIN, Client, REPO, as, metricValue, parseResponse, startServer } from './lib/server.mjs';

const ATTACKER = '127.0.0.2';
const OTHER = '127.0.0.3';
const MiB = 1 << 20;
const UPLOAD_MAX = 20 * MiB; // services.upload_max_bytes
const WAIT_MS = 20000; // generous: no speed is asserted
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond, what, ms = WAIT_MS) {
    const until = Date.now() + ms;
    for (;;) {
        const v = await cond();
        if (v) return v;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
    }
}

/** A raw connection from a chosen local address: what came back, whether the server closed it. */
function connect(port, from = '127.0.0.1') {
    return new Promise((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port, localAddress: from });
        const c = {
            sock,
            raw: Buffer.alloc(0),
            responses: [],
            closed: false,
            write: (b) => !sock.destroyed && sock.write(b),
            /** the first response, or null when the server closed the connection without one */
            answer: () => waitFor(() => c.responses[0] || (c.closed && 'closed'), 'an answer or the close').then((x) => (x === 'closed' ? null : x)),
            whenClosed: () => waitFor(() => c.closed, 'the server to close the connection'),
        };
        let used = 0;
        sock.on('data', (d) => {
            c.raw = Buffer.concat([c.raw, d]);
            for (;;) {
                let skip = c.raw.indexOf('HTTP/1.1 100 ', used, 'latin1') === used ? c.raw.indexOf('\r\n\r\n', used, 'latin1') : -1;
                if (skip >= 0) {
                    used = skip + 4;
                    continue;
                }
                const r = parseResponse(c.raw, used);
                if (!r) break;
                c.responses.push(r.response);
                used = r.end;
            }
        });
        const closed = () => (c.closed = true);
        sock.on('end', closed);
        sock.on('close', closed);
        sock.on('error', (err) => {
            if (!c.connected) reject(err);
            closed();
        });
        sock.on('connect', () => {
            c.connected = true;
            resolve(c);
        });
    });
}


async function metric(srv, name, labels) {
    const r = await fetch(srv.url('/metrics'));
    assert.equal(r.status, 200);
    const v = metricValue(await r.text(), name, labels);
    assert.notEqual(v, undefined, `metric ${name} ${JSON.stringify(labels || {})}`);
    return v;
}

const spoolDir = (srv) => path.join(srv.dir, 'files', 'spool');
const spooled = (srv) => (existsSync(spoolDir(srv)) ? readdirSync(spoolDir(srv)) : []);

function head(method, target, headers = {}) {
    return `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

function jsonError(res) {
    assert.match(res.headers['content-type'] || '', /^application\/json/);
    const e = JSON.parse(res.body).error;
    assert.ok(e && e.code && e.message, res.body);
    assert.match(e.message, /[\u4e00-\u9fff]/, `a Chinese message: ${e.message}`);
    return e;
}

// A body of exactly n bytes (JSON, then spaces: jansson takes trailing white space).
function padded(value, n) {
    const json = JSON.stringify(value);
    return Buffer.from(json + ' '.repeat(n - Buffer.byteLength(json)));
}
const loginBody = (n, login = 'zhangsan') => padded({ login, password: 'Demo2026pass' }, n);
// A batch of events of n bytes, one not an event at all: 200, rejected.
const eventsBody = (n) => padded({ events: [{ note: 'x' }] }, n);

describe('F5: upload bodies before authentication, in memory and for ever', () => {
    let srv;
    before(async () => {
        srv = await startServer();
    });
    after(async () => srv && (await srv.stop()));

    test('anonymous uploads announcing 20 MiB each: all refused 401 on the head, no body read, nothing held', async () => {
        // the attack: many anonymous uploads of the largest size, their bodies never coming
        const N = 40;
        const conns = await Promise.all(Array.from({ length: N }, () => connect(srv.port, ATTACKER)));
        conns.forEach((c, i) =>
            c.write(
                head('POST', '/api/uploads?name=a.pdf', {
                    'Content-Type': 'application/pdf',
                    'Content-Length': UPLOAD_MAX,
                    ...(i % 2 ? { Expect: '100-continue' } : {}),
                }),
            ),
        );
        for (const c of conns) {
            const r = await c.answer();
            assert.ok(r, 'answered without the body');
            assert.equal(r.status, 401);
            assert.equal(jsonError(r).code, 'unauthenticated');
            assert.ok(!/100 Continue/.test(c.raw.toString('latin1')), 'no 100 Continue: the body is not wanted');
            await c.whenClosed();
        }
        assert.equal(await metric(srv, 'zt_http_body_memory_bytes'), 0);
        assert.equal(await metric(srv, 'zt_http_body_spooled_bytes'), 0);
        assert.deepEqual(spooled(srv), [], 'no spool file was made');
    });

    test('a bad key, a role the route does not admit, a missing CSRF token: refused on the head too', async () => {
        const [sup, zs] = await Promise.all([as(srv, 'jiancha'), as(srv, 'zhangsan')]);
        const cases = [
            [{ Authorization: 'Bearer zt_nothing_nothing' }, 401, 'Authorization'],
            [{ Cookie: `zt_session=${sup.cookie}`, 'X-CSRF-Token': sup.csrf }, 403, undefined], // a supervisor uploads nothing
            [{ Cookie: `zt_session=${zs.cookie}` }, 403, 'X-CSRF-Token'],
            [{ Cookie: `zt_session=${zs.cookie}`, 'X-CSRF-Token': zs.csrf, Origin: 'http://evil.example' }, 403, 'Origin'],
        ];
        for (const [h, status, field] of cases) {
            const c = await connect(srv.port, ATTACKER);
            c.write(head('POST', '/api/uploads?name=a.pdf', { ...h, 'Content-Type': 'application/pdf', 'Content-Length': UPLOAD_MAX }));
            const r = await c.answer();
            assert.ok(r, `${JSON.stringify(h)}: answered without the body`);
            assert.equal(r.status, status, r.body);
            assert.equal(jsonError(r).field, field);
            await c.whenClosed();
        }
        assert.deepEqual(spooled(srv), []);
    });

    test('an admitted upload goes to a file as it arrives, not to memory, and is moved into place', async () => {
        const zs = await as(srv, 'zhangsan');
        const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(6 * MiB)]);
        const c = await connect(srv.port);
        c.write(
            head('POST', '/api/uploads?name=%E5%A4%A7%E6%96%87%E4%BB%B6.pdf', {
                Cookie: `zt_session=${zs.cookie}`,
                'X-CSRF-Token': zs.csrf,
                'Content-Type': 'application/pdf',
                'Content-Length': bytes.length,
            }),
        );
        const part = 4 * MiB;
        c.write(bytes.subarray(0, part));
        // two thirds sent: on disk, in the spool directory; no memory held for it
        await waitFor(async () => (await metric(srv, 'zt_http_body_spooled_bytes')) >= part, 'the body on disk');
        assert.equal(await metric(srv, 'zt_http_body_memory_bytes'), 0, 'the upload holds no memory budget');
        const files = spooled(srv);
        assert.equal(files.length, 1, `one spool file: ${files}`);
        assert.ok(statSync(path.join(spoolDir(srv), files[0])).size >= part);
        c.write(bytes.subarray(part));
        const r = await c.answer();
        assert.equal(r.status, 201, r.body);
        const up = JSON.parse(r.body);
        const hex = createHash('sha256').update(bytes).digest('hex');
        assert.equal(up.sha256, hex);
        assert.equal(up.size, bytes.length);
        assert.equal(up.mime, 'application/pdf');
        assert.ok(existsSync(path.join(srv.dir, 'files', hex.slice(0, 2), hex.slice(2, 4), hex)), 'moved into place');
        assert.deepEqual(spooled(srv), [], 'nothing left in the spool');
        assert.equal(await metric(srv, 'zt_http_body_spooled_bytes'), 0);
        const back = await zs.get(`/api/uploads/${up.id}`);
        assert.equal(back.status, 200);
        assert.ok(back.bytes.equals(bytes), 'the stored bytes are the uploaded ones');
        c.sock.destroy();
        // the same bytes again: stored once, the second spool file removed
        const again = await zs.req('POST', '/api/uploads?name=again.pdf', { body: bytes, headers: { 'Content-Type': 'application/pdf' } });
        assert.equal(again.status, 201);
        assert.equal(again.json.sha256, hex);
        assert.deepEqual(spooled(srv), []);
        // an executable is still refused by its bytes, and its spool file removed
        const elf = await zs.req('POST', '/api/uploads?name=x.pdf', { body: Buffer.from('\x7fELF\x02\x01\x01'), headers: { 'Content-Type': 'application/pdf' } });
        assert.equal(elf.status, 415);
        assert.deepEqual(spooled(srv), []);
    });
});

describe('F5: the memory of bodies in flight stays within http.body_budget', () => {
    const BUDGET = MiB;
    const BODY = 400000; // two fit in the budget, a third does not
    let srv, key;
    // the public forms take small bodies only (ZT_SMALL_BODY): a big body needs a route that admits
    // its caller, here a department system's key on the event intake
    const events = (extra) => ({ 'Content-Type': 'application/json', Authorization: `Bearer ${key}`, ...extra });
    before(async () => {
        srv = await startServer({ args: ['--http.body_budget', String(BUDGET), '--http.max_body', '524288'] });
        const admin = await as(srv, 'admin');
        const depts = (await admin.get('/api/departments?q=360300-GA')).json.items;
        const k = await (await as(srv, 'gaj_head')).post('/api/keys', { dept_id: depts.find((d) => d.code === '360300-GA').id, name: '预算' });
        assert.equal(k.status, 201, k.text);
        key = k.json.key;
    });
    after(async () => srv && (await srv.stop()));

    test('the public forms take 16 KiB at most: a bigger login, registration or status query is 413 on its head', async () => {
        for (const p of ['/api/auth/login', '/api/auth/register', '/api/public/case-status']) {
            const c = await connect(srv.port, ATTACKER);
            c.write(head('POST', p, { 'Content-Type': 'application/json', 'Content-Length': 16 * 1024 + 1 }));
            const r = await c.answer();
            assert.equal(r.status, 413, p);
            assert.equal(jsonError(r).field, 'body');
            c.sock.destroy();
        }
        // and a login of 16 KiB is still read
        const c = await connect(srv.port, OTHER);
        c.write(head('POST', '/api/auth/login', { 'Content-Type': 'application/json', 'Content-Length': 16 * 1024 }));
        c.write(loginBody(16 * 1024));
        assert.equal((await c.answer()).status, 200);
        c.sock.destroy();
    });

    test('bodies announced and never sent: those beyond the budget get 503 with Retry-After on the head', async () => {
        const conns = await Promise.all(Array.from({ length: 6 }, () => connect(srv.port, ATTACKER)));
        for (const c of conns) {
            c.write(head('POST', '/api/supervision/events', events({ 'Content-Length': BODY })));
            c.write('{"events":[');
        }
        // four are refused at once, two are held (reading their bodies)
        const refused = await waitFor(() => {
            const r = conns.filter((c) => c.responses.length);
            return r.length >= 4 && r;
        }, 'four refusals');
        await sleep(200);
        assert.equal(conns.filter((c) => c.responses.length).length, 4, 'exactly the bodies that fit are being read');
        for (const c of refused) {
            const r = c.responses[0];
            assert.equal(r.status, 503);
            assert.ok(Number(r.headers['retry-after']) > 0, 'Retry-After');
            const e = jsonError(r);
            assert.equal(e.code, 'unavailable');
            assert.equal(e.field, 'body');
            assert.match(e.message, /http\.body_budget/);
            await c.whenClosed();
        }
        const held = conns.filter((c) => !c.responses.length);
        assert.ok(held.every((c) => !c.closed));
        const mem = await metric(srv, 'zt_http_body_memory_bytes');
        assert.ok(mem <= BUDGET, `${mem} bytes held, budget ${BUDGET}`);
        assert.equal(mem, 2 * (BODY + 1));
        assert.ok((await metric(srv, 'zt_http_refused_total', { limit: 'body_budget' })) >= 4);

        // small bodies still fit: people log in meanwhile
        await as(srv, 'zhangsan');
        // a chunked body that outgrows what is left: 503 at its end, nothing kept
        const ch = await connect(srv.port, OTHER);
        ch.write(head('POST', '/api/supervision/events', events({ 'Transfer-Encoding': 'chunked' })));
        for (let i = 0; i < 10; i++) ch.write(`7530\r\n${' '.repeat(30000)}\r\n`);
        ch.write('0\r\n\r\n');
        const cr = await ch.answer();
        assert.equal(cr.status, 503);
        assert.equal(jsonError(cr).field, 'body');
        assert.equal(await metric(srv, 'zt_http_body_memory_bytes'), 2 * (BODY + 1));

        // the held ones go away: the budget is free again for a body that size
        held.forEach((c) => c.sock.destroy());
        await waitFor(async () => (await metric(srv, 'zt_http_body_memory_bytes')) === 0, 'the budget given back');
        const ok = await connect(srv.port, OTHER);
        ok.write(head('POST', '/api/supervision/events', events({ 'Content-Length': BODY })));
        ok.write(eventsBody(BODY));
        const okr = await ok.answer();
        assert.equal(okr.status, 200, okr.body);
        ok.sock.destroy();
    });
});

describe('F6: slow bodies and connections per address', () => {
    let srv;
    before(async () => {
        srv = await startServer({ args: ['--http.timeout', '2', '--http.body_min_rate', '1024'] });
    });
    after(async () => srv && (await srv.stop()));

    test('bodies trickled a byte at a time are cut after http.timeout; the server answers others meanwhile', async () => {
        const N = 20;
        const conns = await Promise.all(Array.from({ length: N }, () => connect(srv.port, ATTACKER)));
        const zs = await as(srv, 'zhangsan');
        // an authenticated upload trickled too: its spool file is removed when it is cut
        const up = await connect(srv.port, ATTACKER);
        up.write(
            head('POST', '/api/uploads?name=slow.pdf', {
                Cookie: `zt_session=${zs.cookie}`,
                'X-CSRF-Token': zs.csrf,
                'Content-Length': MiB,
            }),
        );
        up.write('%PDF-');
        for (const c of conns) c.write(head('POST', '/api/auth/login', { 'Content-Type': 'application/json', 'Content-Length': 1000 }));
        const all = [...conns, up];
        const drip = setInterval(() => all.forEach((c) => c.write(' ')), 250); // 4 bytes a second
        try {
            // meanwhile an ordinary client is served, again and again
            for (let k = 0; k < 5; k++) {
                assert.equal((await new Client(srv).get('/healthz')).status, 200);
                await sleep(200);
            }
            for (const c of all) {
                await c.whenClosed();
                assert.equal(c.responses.length, 0, 'cut, not answered');
            }
        } finally {
            clearInterval(drip);
        }
        assert.ok((await metric(srv, 'zt_http_reaped_total', { phase: 'body' })) >= N + 1);
        assert.equal(await metric(srv, 'zt_http_body_memory_bytes'), 0);
        await waitFor(async () => (await metric(srv, 'zt_http_body_spooled_bytes')) === 0, 'the spooled bytes given back');
        assert.deepEqual(spooled(srv), []);
        assert.equal((await new Client(srv).get('/healthz')).status, 200);
    });

    test('a slow body above http.body_min_rate is taken, however long it takes past http.timeout', async () => {
        const SIZE = 8000; // at 2000 bytes a second: twice the minimum rate, four seconds
        const c = await connect(srv.port, OTHER);
        c.write(head('POST', '/api/auth/login', { 'Content-Type': 'application/json', 'Content-Length': SIZE }));
        const body = loginBody(SIZE);
        for (let off = 0; off < SIZE; off += 200) {
            c.write(body.subarray(off, off + 200));
            await sleep(100);
        }
        const r = await c.answer();
        assert.ok(r, 'answered, not cut');
        assert.equal(r.status, 200, r.body);
        c.sock.destroy();
    });
});

describe('F6: connections per address', () => {
    const CAP = 8;
    let srv;
    before(async () => {
        // 127.0.0.1 is the trusted proxy here (nginx, which counts per client itself): no cap for it
        srv = await startServer({ args: ['--http.max_connections_per_address', String(CAP), '--http.trusted_proxy', '127.0.0.1'] });
    });
    after(async () => srv && (await srv.stop()));

    test('one address holds http.max_connections_per_address connections; the rest are closed; others are served', async () => {
        const N = 20;
        const conns = [];
        for (let i = 0; i < N; i++) conns.push(await connect(srv.port, ATTACKER));
        await waitFor(() => conns.filter((c) => c.closed).length >= N - CAP, 'the connections over the cap closed');
        await sleep(200);
        const open = conns.filter((c) => !c.closed);
        assert.equal(open.length, CAP, 'the cap is held, not more');
        assert.ok(conns.every((c) => !c.responses.length));
        assert.ok((await metric(srv, 'zt_http_refused_total', { limit: 'max_connections_per_address' })) >= N - CAP);
        // the held ones work (keep-alive)
        for (const c of open) c.write(head('GET', '/healthz'));
        for (const c of open) assert.equal((await c.answer()).status, 200);
        // another address is served, and the proxy's address has no cap
        const other = await connect(srv.port, OTHER);
        other.write(head('GET', '/healthz'));
        assert.equal((await other.answer()).status, 200);
        const proxied = await Promise.all(Array.from({ length: 2 * CAP }, () => connect(srv.port, '127.0.0.1')));
        proxied.forEach((c) => c.write(head('GET', '/healthz', { 'X-Forwarded-For': '198.51.100.7' })));
        for (const c of proxied) assert.equal((await c.answer())?.status, 200);
        // a slot given back is used
        open.forEach((c) => c.sock.destroy());
        proxied.forEach((c) => c.sock.destroy());
        await waitFor(async () => {
            const c = await connect(srv.port, ATTACKER);
            c.write(head('GET', '/healthz'));
            const r = await c.answer();
            c.sock.destroy();
            return r && r.status === 200;
        }, 'a new connection from the address once its connections closed');
    });
});

describe('F16: live-feed streams per user', () => {
    let srv;
    before(async () => {
        srv = await startServer(); // the defaults: 256 streams, 4 a user
    });
    after(async () => srv && (await srv.stop()));

    const open = (c) =>
        connect(srv.port).then((s) => {
            s.write(head('GET', '/api/supervision/stream', { Cookie: `zt_session=${c.cookie}` }));
            return waitFor(() => {
                const h = s.raw.indexOf('\r\n\r\n');
                if (s.responses[0]) return { status: s.responses[0].status, res: s.responses[0], s };
                if (h > 0 && /^HTTP\/1\.1 200 /.test(s.raw.toString('latin1'))) return { status: 200, s };
                return s.closed && { status: 0, s };
            }, 'the stream to start');
        });

    test('one supervisor opening stream after stream gets http.max_streams_per_user; the city supervisor still gets his', async () => {
        const [ay, city, admin] = await Promise.all(['jiancha_ay', 'jiancha', 'admin'].map((l) => as(srv, l)));
        const mine = [];
        for (let i = 0; i < 10; i++) mine.push(await open(ay));
        assert.deepEqual(mine.map((x) => x.status), [200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);
        for (const x of mine.filter((m) => m.status === 429)) {
            const e = jsonError(x.res);
            assert.equal(e.code, 'throttled');
            assert.match(e.message, /http\.max_streams_per_user = 4/);
            assert.ok(Number(x.res.headers['retry-after']) > 0);
        }
        const others = [await open(city), await open(admin)];
        assert.deepEqual(others.map((x) => x.status), [200, 200], 'the limit leaves room for others');
        assert.equal(await metric(srv, 'zt_http_streams_open'), 6);
        assert.equal(await metric(srv, 'zt_http_refused_total', { limit: 'max_streams_per_user' }), 6);
        // a tab closed: its slot is his again
        mine[0].s.sock.destroy();
        const again = await waitFor(async () => {
            const x = await open(ay);
            if (x.status === 200) return x;
            x.s.sock.destroy();
            return null;
        }, 'a stream in the slot given back');
        assert.equal(again.status, 200);
        [...mine, ...others, again].forEach((x) => x.s.sock.destroy());
    });
});

describe('/metrics on the direct port', () => {
    const TOKEN = 'prom-' + randomBytes(16).toString('hex');
    let viaProxy, withToken;
    before(async () => {
        [viaProxy, withToken] = await Promise.all([
            startServer({ args: ['--http.trusted_proxy', '127.0.0.1'] }),
            startServer({ args: ['--metrics.token', TOKEN] }),
        ]);
    });
    after(async () => {
        await viaProxy?.stop();
        await withToken?.stop();
    });

    const get = (srv, headers = {}) => fetch(srv.url('/metrics'), { headers });

    test('without metrics.token: a client from elsewhere gets 403, a scraper on the machine its figures', async () => {
        // the client as the trusted proxy saw it: not this machine
        let r = await get(viaProxy, { 'X-Forwarded-For': '203.0.113.9' });
        assert.equal(r.status, 403);
        const e = (await r.json()).error;
        assert.equal(e.field, 'Authorization');
        assert.match(e.message, /metrics\.token/);
        r = await get(viaProxy, { 'X-Forwarded-For': '203.0.113.9', Authorization: 'Bearer guess' });
        assert.equal(r.status, 403, 'no token is configured: none opens it');
        r = await get(viaProxy, { 'X-Forwarded-For': '127.0.0.1' });
        assert.equal(r.status, 200);
        r = await get(viaProxy);
        assert.equal(r.status, 200);
        assert.match(await r.text(), /^zt_http_requests_total/m);
    });

    test('with metrics.token: only "Authorization: Bearer <token>" opens it, from anywhere; the token is not printed', async () => {
        let r = await get(withToken);
        assert.equal(r.status, 401, 'loopback is not enough once a token is set');
        assert.match(r.headers.get('www-authenticate') || '', /^Bearer/);
        assert.equal((await r.json()).error.field, 'Authorization');
        for (const wrong of ['x', TOKEN.slice(0, -1), TOKEN + 'x', TOKEN.toUpperCase(), ` ${TOKEN}`]) {
            r = await get(withToken, { Authorization: `Bearer ${wrong}` });
            assert.equal(r.status, 401, wrong);
        }
        r = await get(withToken, { Authorization: `Basic ${TOKEN}` });
        assert.equal(r.status, 401);
        r = await get(withToken, { Authorization: `Bearer ${TOKEN}` });
        assert.equal(r.status, 200);
        assert.match(await r.text(), /^zt_http_body_memory_budget_bytes \d+$/m);
        const cfg = spawnSync(BIN, ['config', '--metrics.token', TOKEN], { cwd: REPO, encoding: 'utf8' });
        assert.equal(cfg.status, 0, cfg.stderr);
        assert.match(cfg.stdout, /^metrics\.token = \(set, not shown\)$/m);
        assert.ok(!cfg.stdout.includes(TOKEN));
    });
});

// nginx.test.mjs - the shipped deploy/nginx/zhengtong.conf in front of a
// live zhengtong: a self-signed certificate (openssl) in a temporary
// directory, the config with its "# site:" lines pointed at that directory
// and at free loopback ports, nginx as a foreground child with its own pid,
// logs and temporary paths. Then what production relies on: TLS 1.2/1.3 and
// HTTP/2, security headers, a login and API calls through the proxy (the
// Origin check sees the right Host), the body limit, the live feed passing
// events at once, static files with their cache headers, plain HTTP sent to
// HTTPS, rate limits, and a forged X-Forwarded-For that does not get through.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import path from 'node:path';
import tls from 'node:tls';
import { as, startServer, tempDir } from './lib/server.mjs';
import { startNginx } from './lib/nginx.mjs';

const WAIT_MS = 15000; // generous: no speed is asserted

describe('nginx in front (deploy/nginx/zhengtong.conf)', () => {
    let dir, srv, nginx, ports, ca, h2;
    let webRoot;

    before(async () => {
        dir = tempDir('zt-nginx-');
        // the web root both serve: a page, a stylesheet, a vendored library, a hidden file
        webRoot = path.join(dir, 'web');
        mkdirSync(path.join(webRoot, 'vendor'), { recursive: true });
        mkdirSync(path.join(webRoot, '.git'));
        writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>政通</title><p>首页</p>\n');
        writeFileSync(path.join(webRoot, 'app.css'), 'body { margin: 0 }\n');
        writeFileSync(path.join(webRoot, 'vendor', 'lib-1.0.0.js'), 'export const v = 1;\n');
        writeFileSync(path.join(webRoot, '.git', 'config'), '[core]\n');
        srv = await startServer({
            args: ['--web.root', webRoot, '--http.trusted_proxy', '127.0.0.1', '--auth.cookie_secure', '1'],
        });
        nginx = await startNginx(srv.port, { dir, webRoot });
        ({ ports, ca } = nginx);
        h2 = http2.connect(`https://127.0.0.1:${ports.https}`, { ca });
        h2.on('error', () => {});
    });

    after(async () => {
        if (h2) h2.close();
        if (nginx) await nginx.stop(); // removes dir
        if (srv) await srv.stop();
    });

    /** One request over the HTTP/2 session: {status, headers, body (Buffer), text, json}. */
    function req(method, p, { headers = {}, body, cookie } = {}) {
        return new Promise((resolve, reject) => {
            const h = { ':method': method, ':path': p, ...headers };
            if (cookie) h.cookie = `zt_session=${cookie}`;
            if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
                body = JSON.stringify(body);
                h['content-type'] = 'application/json';
            }
            const s = h2.request(h, { endStream: body === undefined });
            const chunks = [];
            let head;
            s.on('response', (x) => (head = x));
            s.on('data', (d) => chunks.push(d));
            s.on('end', () => {
                const buf = Buffer.concat(chunks);
                const text = buf.toString('utf8');
                let json = null;
                if ((head['content-type'] || '').startsWith('application/json') && text) json = JSON.parse(text);
                resolve({ status: head[':status'], headers: head, body: buf, text, json });
            });
            s.on('error', reject);
            if (body !== undefined) s.end(body);
        });
    }

    const sessions = {};
    // logins are rate-limited by nginx (10 a minute, bursts of 5): one each
    async function login(loginName) {
        if (!sessions[loginName]) sessions[loginName] = await newLogin(loginName);
        return sessions[loginName];
    }
    async function newLogin(loginName) {
        const r = await req('POST', '/api/auth/login', { body: { login: loginName, password: 'Demo2026pass' } });
        assert.equal(r.status, 200, r.text);
        const sc = [].concat(r.headers['set-cookie'] || []);
        const m = /zt_session=([^;]+)/.exec(sc.join('\n'));
        assert.ok(m, 'a session cookie');
        return { cookie: m[1], csrf: r.json.csrf_token, setCookie: sc.join('\n') };
    }

    test('TLS 1.3 and HTTP/2 by default, TLS 1.2 still, nothing older', async () => {
        const r = await req('GET', '/healthz');
        assert.equal(r.status, 200);
        assert.equal(h2.alpnProtocol, 'h2');
        assert.equal(h2.socket.getProtocol(), 'TLSv1.3');
        const v12 = await new Promise((resolve, reject) => {
            const s = tls.connect({ host: '127.0.0.1', port: ports.https, ca, maxVersion: 'TLSv1.2', servername: undefined }, () => {
                resolve(s.getProtocol());
                s.end();
            });
            s.on('error', reject);
        });
        assert.equal(v12, 'TLSv1.2');
        const old = await new Promise((resolve) => {
            const s = tls.connect({ host: '127.0.0.1', port: ports.https, ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, () => {
                resolve(s.getProtocol());
                s.end();
            });
            s.on('error', (e) => resolve(`refused: ${e.code}`));
        });
        assert.match(old, /^refused/);
    });

    test('security headers: zhengtong\'s come through, nginx adds HSTS, no version is told', async () => {
        for (const p of ['/api/regions', '/api/no-such', '/', '/app.css']) {
            const r = await req('GET', p);
            assert.match(r.headers['strict-transport-security'] || '', /max-age=\d{8}/, p);
            assert.match(r.headers['content-security-policy'] || '', /frame-ancestors 'none'/, p);
            assert.equal(r.headers['x-frame-options'], 'DENY', p);
            assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
            assert.equal(r.headers['referrer-policy'], 'same-origin', p);
            assert.equal(r.headers.server, 'nginx', `${p}: ${r.headers.server}`);
        }
    });

    test('log in and work through the proxy: Secure cookie, CSRF and Origin checks see the real site', async () => {
        const zs = await login('zhangsan');
        assert.match(zs.setCookie, /; Secure/);
        const me = await req('GET', '/api/auth/me', { cookie: zs.cookie });
        assert.equal(me.status, 200);
        assert.equal(me.json.user.login, 'zhangsan');
        const origin = `https://127.0.0.1:${ports.https}`;
        const body = { department: '360300-GA', title: '经由代理的咨询', content: '测试' };
        const ok = await req('POST', '/api/consultations', { cookie: zs.cookie, body, headers: { 'x-csrf-token': zs.csrf, origin } });
        assert.equal(ok.status, 201, ok.text);
        const cross = await req('POST', '/api/consultations', { cookie: zs.cookie, body, headers: { 'x-csrf-token': zs.csrf, origin: 'https://evil.example' } });
        assert.equal(cross.status, 403, cross.text);
    });

    test('a body over client_max_body_size (20 MiB) is refused by nginx with 413', async () => {
        const zs = await login('zhangsan');
        const r = await req('POST', `/api/uploads?name=big.pdf`, {
            cookie: zs.cookie,
            headers: { 'x-csrf-token': zs.csrf, 'content-length': String(21 << 20), 'content-type': 'application/pdf' },
            body: Buffer.from('%PDF-1.4\n'),
        });
        assert.equal(r.status, 413);
        // within nginx's limit but over zhengtong's http.max_body: zhengtong's JSON 413
        const j = await req('POST', '/api/consultations', {
            cookie: zs.cookie,
            headers: { 'x-csrf-token': zs.csrf, 'content-type': 'application/json' },
            body: JSON.stringify({ title: 'x'.repeat(2 << 20) }),
        });
        assert.equal(j.status, 413);
        assert.equal(j.json.error.field, 'body');
    });

    test('the live feed passes each event through nginx as it happens', async () => {
        const sup = await login('jiancha');
        const zs = await login('zhangsan');
        const s = h2.request({ ':method': 'GET', ':path': '/api/supervision/stream', cookie: `zt_session=${sup.cookie}` });
        let buf = '';
        let head;
        const got = (pred) =>
            new Promise((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error(`no event through nginx: ${buf.slice(-500)}`)), WAIT_MS);
                const check = () => {
                    if (pred(buf)) {
                        clearTimeout(timer);
                        s.off('data', check);
                        resolve();
                    }
                };
                s.on('data', check);
                check();
            });
        s.setEncoding('utf8');
        s.on('response', (h) => (head = h));
        s.on('data', (d) => (buf += d));
        try {
            await got(() => head);
            assert.equal(head[':status'], 200);
            assert.match(head['content-type'], /^text\/event-stream/);
            const title = `直播测试 ${Date.now()}`;
            const r = await req('POST', '/api/consultations', {
                cookie: zs.cookie,
                body: { department: '360300-GA', title, content: '经由 nginx 的实时推送' },
                headers: { 'x-csrf-token': zs.csrf },
            });
            assert.equal(r.status, 201, r.text);
            // the stream is still open (no end) and carries the new subject
            await got((b) => b.includes(r.json.number));
            assert.ok(!s.closed, 'the stream is still open');
        } finally {
            s.close();
        }
    });

    test('static files come from nginx with their cache headers; hidden files do not', async () => {
        const page = await req('GET', '/');
        assert.equal(page.status, 200);
        assert.match(page.text, /首页/);
        assert.equal(page.headers['cache-control'], 'no-cache');
        const etag = page.headers.etag;
        assert.ok(etag);
        assert.equal((await req('GET', '/', { headers: { 'if-none-match': etag } })).status, 304);
        const lib = await req('GET', '/vendor/lib-1.0.0.js');
        assert.equal(lib.status, 200);
        assert.match(lib.headers['cache-control'], /max-age=31536000/);
        assert.match(lib.headers['content-type'], /javascript/);
        assert.equal((await req('GET', '/.git/config')).status, 404);
        assert.equal((await req('GET', '/../../etc/passwd')).status, 400);
        // and nginx served them: zhengtong's access log has no line for them
        assert.ok(!/"GET \/vendor\/lib-1\.0\.0\.js"/.test(srv.log()), 'the file was proxied, not served by nginx');
    });

    test('plain HTTP is redirected to HTTPS', async () => {
        const r = await new Promise((resolve, reject) => {
            http.get({ host: '127.0.0.1', port: ports.http, path: '/api/items?q=1' }, (res) => {
                res.resume();
                resolve(res);
            }).on('error', reject);
        });
        assert.equal(r.statusCode, 301);
        assert.match(r.headers.location, /^https:\/\/127\.0\.0\.1(:\d+)?\/api\/items\?q=1$/);
    });

    test('a forged X-Forwarded-For does not get through: the session records the real peer', async () => {
        const r = await req('POST', '/api/auth/login', {
            body: { login: 'gaj_clerk', password: 'Demo2026pass' },
            headers: { 'x-forwarded-for': '9.9.9.9' },
        });
        assert.equal(r.status, 200, r.text);
        const q = spawnSync('sqlite3', ['-readonly', path.join(srv.dir, 'zhengtong.db'), "SELECT DISTINCT client FROM sessions"], { encoding: 'utf8' });
        assert.equal(q.status, 0, q.stderr);
        assert.ok(!q.stdout.includes('9.9.9.9'), q.stdout);
        assert.ok(q.stdout.includes('127.0.0.1'), q.stdout);
    });
    test('limit_conn: one address holds 64 requests at most, whatever the location (slow uploads the attack)', async () => {
        // a session of its own: 64 uploads whose bodies never finish, held by nginx (request buffering)
        const s2 = http2.connect(`https://127.0.0.1:${ports.https}`, { ca });
        s2.on('error', () => {});
        const held = [];
        const one = (p, method = 'GET') =>
            new Promise((resolve, reject) => {
                const r = s2.request({ ':method': method, ':path': p });
                r.on('response', (h) => {
                    resolve(h[':status']);
                    r.close();
                });
                r.on('error', reject);
                r.end();
            });
        try {
            for (let i = 0; i < 64; i++) {
                const r = s2.request({ ':method': 'POST', ':path': '/api/uploads?name=slow.pdf', 'content-length': String(1 << 20) });
                r.on('error', () => {});
                r.write(Buffer.from('%PDF-1.4\n'));
                held.push(r);
            }
            const until = Date.now() + WAIT_MS;
            while ((await one('/healthz')) !== 429) {
                assert.ok(Date.now() < until, 'the 65th request was never refused');
                await new Promise((r) => setTimeout(r, 50));
            }
            for (const [p, m] of [['/api/items?q=1'], ['/api/auth/login', 'POST'], ['/api/supervision/stream'], ['/api/public/case-status', 'POST'], ['/'], ['/metrics']])
                assert.equal(await one(p, m), 429, `${m || 'GET'} ${p}`);
        } finally {
            held.forEach((r) => r.close());
        }
        const until = Date.now() + WAIT_MS;
        while ((await one('/healthz')) !== 200) {
            assert.ok(Date.now() < until, 'served again once the uploads went away');
            await new Promise((r) => setTimeout(r, 50));
        }
        s2.close();
    });

    test('rate limits: the status query and logins answer 429 to a burst', async () => {
        const burst = await Promise.all(
            Array.from({ length: 30 }, () => req('POST', '/api/public/case-status', { body: { number: '360300-20260101-000001', password: 'x' } })),
        );
        const codes = burst.map((r) => r.status);
        assert.ok(codes.includes(429), `no 429 in ${codes}`);
        assert.ok(codes.includes(404) || codes.includes(400), `nothing passed: ${codes}`);
        const logins = await Promise.all(
            Array.from({ length: 12 }, (_, i) => req('POST', '/api/auth/login', { body: { login: `nobody${i}`, password: 'Wrong2026pass' } })),
        );
        assert.ok(logins.some((r) => r.status === 429), `no 429 in ${logins.map((r) => r.status)}`);
    });

});

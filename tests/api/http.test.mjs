// http.test.mjs - the HTTP layer: health and metrics, error replies,
// body limits and request smuggling, security headers, keep-alive,
// connection limits, static files (types, caching, no way out of the root),
// shutdown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { Client, REPO, canConnect, errorOf, metricValue, rawHttp, startServer, tempDir } from './lib/server.mjs';

const MAX_BODY = 4096;
const SECRET = 'TOP-SECRET-OUTSIDE-THE-WEB-ROOT';

let srv, tmp, web, anon;

before(async () => {
    // a web root of our own: files, a directory without index.html, a hidden
    // file and symlinks that point outside the root
    tmp = tempDir('zt-web-');
    web = path.join(tmp, 'web');
    mkdirSync(path.join(web, 'sub'), { recursive: true });
    mkdirSync(path.join(web, 'noindex'));
    mkdirSync(path.join(tmp, 'outside'));
    writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>政通</title><p>首页</p>\n');
    writeFileSync(path.join(web, 'a.css'), 'body { color: #333; }\n');
    writeFileSync(path.join(web, 'sub', 'b.js'), 'export const b = 1;\n');
    writeFileSync(path.join(web, 'sub', 'index.html'), '<!doctype html><p>sub index</p>\n');
    writeFileSync(path.join(web, 'noindex', 'c.txt'), 'c\n');
    writeFileSync(path.join(web, 'data.bin.xyz'), 'raw');
    writeFileSync(path.join(web, '.hidden'), SECRET);
    writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
    writeFileSync(path.join(tmp, 'outside', 's.txt'), SECRET);
    symlinkSync(path.join(tmp, 'secret.txt'), path.join(web, 'leak.txt'));
    symlinkSync('../outside', path.join(web, 'outdir'));
    // a fixed mtime so Last-Modified is predictable
    const t = new Date('2026-01-05T08:00:00Z');
    utimesSync(path.join(web, 'a.css'), t, t);
    srv = await startServer({ args: ['--http.max_body', String(MAX_BODY), '--web.root', web] });
    anon = new Client(srv);
});

after(async () => {
    try {
        if (srv) await srv.stop();
    } finally {
        rmSync(tmp, { recursive: true, force: true });
    }
});

function assertSecurityHeaders(h, what) {
    const get = (k) => (typeof h.get === 'function' ? h.get(k) : h[k.toLowerCase()]);
    const csp = get('content-security-policy');
    assert.ok(csp, `${what}: Content-Security-Policy missing`);
    const directives = Object.fromEntries(
        csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
            const [name, ...vals] = d.split(/\s+/);
            return [name, vals];
        }),
    );
    const scriptSrc = directives['script-src'] || directives['default-src'];
    assert.ok(scriptSrc, `${what}: no script-src/default-src in ${csp}`);
    assert.ok(!scriptSrc.includes("'unsafe-inline'"), `${what}: script-src allows inline scripts: ${csp}`);
    assert.ok(!scriptSrc.includes("'unsafe-eval'"), `${what}: script-src allows eval: ${csp}`);
    assert.deepEqual(directives['frame-ancestors'], ["'none'"], `${what}: frame-ancestors in ${csp}`);
    assert.equal(get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
    assert.ok(get('referrer-policy'), `${what}: Referrer-Policy missing`);
}

// --- health helpers ---

// The years data/calendar.tsv covers (what init imported).
function shippedYears() {
    return readFileSync(path.join(REPO, 'data/calendar.tsv'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('year\t'))
        .map((l) => Number(l.slice(5)));
}

// The server's day in the city (GET /api/clock answers in +08:00).
const serverToday = async (c) => (await c.get('/api/clock')).json.now.slice(0, 10);

// --- metrics helpers ---


describe('health and metrics', () => {
    test('GET /healthz answers 200 {"status":"ok"} with a writable store, and how far the calendar reaches', async () => {
        // the calendar's member depends on the server's day: read it on both
        // sides of the request, again if midnight fell in between
        let r, today;
        for (;;) {
            const before = await serverToday(anon);
            r = await anon.get('/healthz');
            today = await serverToday(anon);
            if (today === before) break;
        }
        assert.equal(r.status, 200);
        const { calendar, ...node } = r.json;
        assert.deepEqual(node, { status: 'ok', store: { writable: true, fault: 'none', failed_commits: 0 } });
        assert.match(r.headers.get('content-type'), /^application\/json/);
        // data/calendar.tsv's last year; degraded from 60 days (calendar.warn_days)
        // before its last day on: a warning about data, which leaves the node "ok"
        const coveredUntil = `${Math.max(...shippedYears())}-12-31`;
        const warnFrom = new Date(Date.parse(`${coveredUntil}T00:00:00Z`) - 60 * 86400000).toISOString().slice(0, 10);
        const { message, ...rest } = calendar;
        assert.deepEqual(rest, { status: today >= warnFrom ? 'degraded' : 'ok', covered_until: coveredUntil, warn_days: 60 });
        assert.ok(message.includes(coveredUntil), message);
    });

    test('GET /metrics is Prometheus text with request counts, latency histogram and database figures', async () => {
        const m0 = (await anon.get('/metrics')).text;
        const before = metricValue(m0, 'zt_http_requests_total', { route: 'GET /healthz', status: '200' }) || 0;
        for (let i = 0; i < 3; i++) assert.equal((await anon.get('/healthz')).status, 200);
        await anon.get('/api/no-such-thing');
        const r = await anon.get('/metrics');
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
        const t = r.text;
        assert.match(t, /^# TYPE zt_http_requests_total counter$/m);
        assert.equal(metricValue(t, 'zt_http_requests_total', { route: 'GET /healthz', status: '200' }), before + 3);
        assert.ok(metricValue(t, 'zt_http_requests_total', { route: 'unmatched', status: '404' }) >= 1, 'the 404 is counted');
        // histogram: cumulative buckets, +Inf equals _count
        assert.match(t, /^# TYPE zt_http_request_duration_seconds histogram$/m);
        const buckets = [...t.matchAll(/^zt_http_request_duration_seconds_bucket\{route="GET \/healthz",le="([^"]+)"\} (\d+)$/gm)];
        assert.ok(buckets.length >= 2, 'healthz has latency buckets');
        for (let i = 1; i < buckets.length; i++)
            assert.ok(Number(buckets[i][2]) >= Number(buckets[i - 1][2]), 'buckets are cumulative');
        assert.equal(buckets.at(-1)[1], '+Inf');
        const count = metricValue(t, 'zt_http_request_duration_seconds_count', { route: 'GET /healthz' });
        assert.equal(Number(buckets.at(-1)[2]), count);
        assert.ok(count >= before + 3);
        assert.ok(metricValue(t, 'zt_http_request_duration_seconds_sum', { route: 'GET /healthz' }) >= 0);
        assert.match(t, /^# TYPE zt_db_writer_queue_depth gauge$/m);
        assert.ok(Number.isFinite(metricValue(t, 'zt_db_writer_queue_depth')));
        assert.match(t, /^# TYPE zt_db_time_seconds_total counter$/m);
        assert.ok(metricValue(t, 'zt_db_time_seconds_total', { kind: 'read' }) >= 0);
        assert.ok(metricValue(t, 'zt_db_time_seconds_total', { kind: 'write' }) >= 0);
        // every sample line is "name{labels} number" or "name number"
        for (const line of t.split('\n')) {
            if (!line || line.startsWith('#')) continue;
            assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+$|^\S+ (\+Inf|NaN)$/, `bad line: ${line}`);
        }
    });
});

describe('error replies', () => {
    test('an unknown /api route is 404 with a JSON error', async () => {
        const r = await anon.get('/api/no/such/route');
        assert.equal(r.status, 404);
        const e = errorOf(r);
        assert.equal(e.code, 'not_found');
        assert.ok(e.message.length > 0);
        // /api never falls through to static files
        assert.equal((await anon.get('/api')).status, 404);
    });

    test('a wrong method on a known path is 405 with Allow and a JSON error', async () => {
        let r = await anon.req('DELETE', '/healthz');
        assert.equal(r.status, 405);
        assert.equal(r.headers.get('allow'), 'GET');
        assert.ok(errorOf(r).message);
        r = await anon.req('PUT', '/api/auth/login', { body: {} });
        assert.equal(r.status, 405);
        assert.equal(r.headers.get('allow'), 'POST');
        errorOf(r);
        // one path, several methods: all of them are listed
        r = await anon.req('PUT', '/api/users/1', { body: {} });
        assert.equal(r.status, 405);
        assert.deepEqual(r.headers.get('allow').split(/,\s*/).sort(), ['GET', 'PATCH']);
    });

    test('HEAD is served by GET routes', async () => {
        const r = await anon.req('HEAD', '/healthz');
        assert.equal(r.status, 200);
        assert.equal(r.text, '');
    });

    test('a body that is not JSON is 400 naming "body"', async () => {
        const r = await anon.post('/api/auth/login', '{"login": "admin", ');
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'body');
        assert.equal(errorOf(r).code, 'invalid');
    });

    test('duplicate keys in a JSON body are refused (400)', async () => {
        const r = await anon.post('/api/auth/login', '{"login":"a","login":"b","password":"x"}');
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'body');
    });

    test('JSON that is not an object is 400', async () => {
        for (const body of ['[1,2]', '"admin"', '42', 'null']) {
            const r = await anon.post('/api/auth/login', body);
            assert.equal(r.status, 400, body);
            assert.equal(errorOf(r).field, 'body', body);
        }
    });

    test('trailing garbage after the JSON object is refused', async () => {
        const r = await anon.post('/api/auth/login', '{"login":"admin","password":"Demo2026pass"} x');
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'body');
    });

    test('an empty body where JSON is needed is 400 naming "body"', async () => {
        const r = await anon.req('POST', '/api/auth/login', { headers: { 'Content-Type': 'application/json' } });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'body');
    });

    test('a JSON body without Content-Type application/json is refused (400)', async () => {
        const r = await anon.post('/api/auth/login', '{"login":"admin","password":"Demo2026pass"}', {
            headers: { 'Content-Type': 'text/plain' },
        });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'Content-Type');
    });

    test('a body over http.max_body is 413 and the connection is closed', async () => {
        const big = JSON.stringify({ login: 'x'.repeat(MAX_BODY), password: 'y' });
        const r = await anon.post('/api/auth/login', big);
        assert.equal(r.status, 413);
        assert.equal(errorOf(r).code, 'too_large');
        assertSecurityHeaders(r.headers, '413');
        // the same over a raw socket, declared length and chunked
        const raw = await rawHttp(
            srv.port,
            [
                `POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n`,
                'x'.repeat(MAX_BODY + 1),
            ],
            { waitClose: true },
        );
        assert.equal(raw.responses[0]?.status, 413);
        assert.ok(raw.closed, 'connection closed after 413');
        const chunked = await rawHttp(
            srv.port,
            [
                'POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
                `${(MAX_BODY + 10).toString(16)}\r\n${'x'.repeat(MAX_BODY + 10)}\r\n0\r\n\r\n`,
            ],
            { waitClose: true },
        );
        assert.equal(chunked.responses[0]?.status, 413);
        assert.ok(chunked.closed);
        // a body right at the limit is accepted (as far as size goes)
        const atLimit = JSON.stringify({ login: 'nobody', password: 'p'.repeat(100) }).padEnd(MAX_BODY, ' ');
        const ok = await anon.post('/api/auth/login', atLimit);
        assert.notEqual(ok.status, 413);
    });

    test('two Content-Length headers: 400 and the connection is closed', async () => {
        const body = '{"login":"a","password":"b"}';
        const r = await rawHttp(
            srv.port,
            `POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
            { waitClose: true },
        );
        assert.equal(r.responses.length, 1, r.raw);
        assert.equal(r.responses[0].status, 400);
        assert.ok(r.closed, 'connection closed');
        assert.equal(JSON.parse(r.responses[0].body).error.code, 'invalid');
    });

    test('Content-Length together with Transfer-Encoding: chunked: 400, connection closed, nothing smuggled', async () => {
        // a smuggled second request hides in the chunked body
        const smuggled = 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n';
        const r = await rawHttp(
            srv.port,
            'POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n' +
                `Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
            { waitClose: true, responses: 2 },
        );
        assert.ok(r.responses.length >= 1, r.raw);
        assert.equal(r.responses[0].status, 400);
        assert.equal(r.responses.length, 1, 'the smuggled request must not be answered');
        assert.ok(r.closed);
    });

    test('invalid UTF-8 in the path still gives a JSON 404, not a 500', async () => {
        // the error message quotes the path; it must stay valid JSON
        const r = await rawHttp(srv.port, 'GET /api/%FF%FE HTTP/1.1\r\nHost: t\r\n\r\n');
        assert.equal(r.responses[0].status, 404, r.responses[0].body);
        assert.equal(JSON.parse(r.responses[0].body).error.code, 'not_found');
        const m = await rawHttp(srv.port, 'DELETE /api/regions/%FF HTTP/1.1\r\nHost: t\r\n\r\n');
        assert.equal(m.responses[0].status, 401, m.responses[0].body); // admin only: anonymous -> 401
        const n = await rawHttp(srv.port, 'PUT /api/regions/%FF HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n');
        assert.equal(n.responses[0].status, 405, n.responses[0].body);
        assert.equal(JSON.parse(n.responses[0].body).error.code, 'method_not_allowed');
        const d = await rawHttp(srv.port, 'GET /api/calendar/day/%FF2026-01-01 HTTP/1.1\r\nHost: t\r\n\r\n');
        assert.equal(d.responses[0].status, 400, d.responses[0].body);
        assert.equal(JSON.parse(d.responses[0].body).error.field, 'date');
    });

    test('a URL with many query parameters is answered at once, not left hanging', async () => {
        // 500 parameters make a 4 KB URL; MHD's per-connection pool (32 KiB)
        // runs out of room for the records, and MHD 0.9.75 logs a 431 it
        // never sends and closes the connection
        const q = Array.from({ length: 500 }, (_, i) => `p${i}=${i}`).join('&');
        const t0 = Date.now();
        const r = await rawHttp(srv.port, `GET /api/regions?${q} HTTP/1.1\r\nHost: t\r\n\r\n`, { timeoutMs: 5000 });
        assert.ok(!r.timedOut, `no answer in 5 s (${Date.now() - t0} ms)`);
        assert.equal(r.responses.length, 1, `connection ${r.closed ? 'closed' : 'open'} without an answer`);
        // more parameters than any route reads: our own 414, before MHD
        // records them in its (small) per-connection pool
        assert.equal(r.responses[0].status, 414, r.responses[0].body);
        assert.equal(JSON.parse(r.responses[0].body).error.code, 'uri_too_long');
        // 4,000 two-byte parameters: 414 as well (256 KiB of pool was not
        // enough for them either)
        const many = await rawHttp(srv.port, `GET /api/regions?${'a&'.repeat(4000)} HTTP/1.1\r\nHost: t\r\n\r\n`, { timeoutMs: 5000 });
        assert.equal(many.responses[0]?.status, 414);
        // 100 parameters are still read (and a long value is refused by name)
        const q100 = Array.from({ length: 100 }, (_, i) => `p${i}=${i}`).join('&');
        const ok = await rawHttp(srv.port, `GET /api/calendar/day/2026-10-01?${q100} HTTP/1.1\r\nHost: t\r\n\r\n`, { timeoutMs: 5000 });
        assert.equal(ok.responses[0]?.status, 200, ok.responses[0]?.body);
        // a huge header is refused at once
        const big = await rawHttp(srv.port, `GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ${'b'.repeat(1 << 20)}\r\n\r\n`, { timeoutMs: 5000 });
        assert.equal(big.responses[0]?.status, 431);
    });

    test('a long error message is cut on a character boundary, never into a 500', async () => {
        // messages are limited in length; a cut in the middle of a Chinese
        // character made the reply unencodable
        for (const pad of ['', 'a', 'ab']) {
            const p = `/api/${pad}${'中'.repeat(120)}`;
            const r = await anon.get(encodeURI(p));
            assert.equal(r.status, 404, `${pad}: ${r.text}`);
            errorOf(r);
            const d = await anon.get(`/api/calendar/day/${encodeURIComponent(pad + '日'.repeat(120))}`);
            assert.equal(d.status, 400, `${pad}: ${d.text}`);
            assert.equal(errorOf(d).field, 'date');
        }
        // an unknown field with a long Chinese name: 400 naming it
        for (const pad of ['', 'a', 'ab']) {
            const key = pad + '字'.repeat(100);
            const r = await anon.post('/api/auth/register', { [key]: 1 });
            assert.equal(r.status, 400, `${pad}: ${r.text}`);
            assert.ok(key.startsWith(errorOf(r).field ?? ''), 'field is a prefix of the key');
        }
    });
});

describe('headers and connections', () => {
    test('security headers on every kind of response', async () => {
        const cases = [
            ['GET', '/healthz'],
            ['GET', '/metrics'],
            ['GET', '/api/no-such'],
            ['DELETE', '/healthz'],
            ['GET', '/api/users'], // 401
            ['GET', '/'],
            ['GET', '/a.css'],
            ['GET', '/missing.html'],
        ];
        for (const [m, p] of cases) {
            const r = await anon.req(m, p);
            assertSecurityHeaders(r.headers, `${m} ${p} (${r.status})`);
        }
        const login = await anon.post('/api/auth/login', { login: 'admin', password: 'wrong-pass-1' });
        assertSecurityHeaders(login.headers, 'login 401');
        const etag = (await anon.get('/a.css')).headers.get('etag');
        const nm = await anon.get('/a.css', { headers: { 'If-None-Match': etag } });
        assert.equal(nm.status, 304);
        assertSecurityHeaders(nm.headers, '304');
        const dup = await rawHttp(
            srv.port,
            'POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}',
            { waitClose: true },
        );
        assertSecurityHeaders(dup.responses[0].headers, 'smuggling 400');
    });

    test('API replies are not cached', async () => {
        const r = await anon.get('/api/regions');
        assert.equal(r.headers.get('cache-control'), 'no-store');
    });

    test('keep-alive: two requests on one connection are both answered', async () => {
        const r = await rawHttp(
            srv.port,
            'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /api/calendar/day/2026-10-01 HTTP/1.1\r\nHost: t\r\n\r\n',
            { responses: 2 },
        );
        assert.equal(r.responses.length, 2, r.raw);
        assert.equal(r.responses[0].status, 200);
        assert.equal(JSON.parse(r.responses[0].body).status, 'ok');
        assert.equal(r.responses[1].status, 200);
        assert.equal(JSON.parse(r.responses[1].body).working, false);
        assert.equal(r.closed, false);
        // one after the other on the same socket, with a body in between
        const body = '{"login":"nobody","password":"nothing1"}';
        const seq = await rawHttp(
            srv.port,
            [
                `POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
                'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n',
            ],
            { responses: 2, pauseMs: 200 },
        );
        assert.deepEqual(seq.responses.map((x) => x.status), [401, 200]);
    });
});

describe('connection limits', () => {
    test('an idle or half-sent request is dropped after http.timeout', async () => {
        const s = await startServer({ args: ['--http.timeout', '2'] });
        try {
            const t0 = Date.now();
            const r = await rawHttp(s.port, 'GET /healthz HTTP/1.1\r\nHost: t\r\n', { waitClose: true, timeoutMs: 15000 });
            assert.ok(r.closed && !r.timedOut, 'the server closed the connection');
            assert.ok(Date.now() - t0 >= 1500, `closed after ${Date.now() - t0} ms, before the timeout`);
            assert.equal(r.responses.length, 0);
        } finally {
            await s.stop();
        }
    });

    test('http.max_connections caps the open connections; a freed slot is used', async () => {
        const s = await startServer({ args: ['--http.max_connections', '16'] });
        const held = [];
        try {
            // 16 keep-alive connections, each answered once: all accepted, now idle
            for (let i = 0; i < 16; i++) {
                const r = await rawHttp(s.port, 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n', { keepOpen: true });
                held.push(r.socket);
                assert.equal(r.responses[0]?.status, 200, `connection ${i + 1}`);
            }
            assert.ok(held.every((x) => !x.destroyed), 'the 16 stay open');
            // the 17th waits while the cap is reached ...
            const pending = rawHttp(s.port, 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n', { timeoutMs: 15000 });
            const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r(null), 1000))]);
            assert.equal(early, null, 'answered beyond the cap');
            // ... and is served once one of the 16 goes away
            held.pop().destroy();
            const r = await pending;
            assert.equal(r.responses[0]?.status, 200);
        } finally {
            held.forEach((x) => x.destroy());
            await s.stop();
        }
    });
});

describe('static files', () => {
    test('content types by extension', async () => {
        const want = {
            '/index.html': 'text/html; charset=utf-8',
            '/a.css': 'text/css; charset=utf-8',
            '/sub/b.js': 'text/javascript; charset=utf-8',
            '/data.bin.xyz': 'application/octet-stream',
        };
        for (const [p, type] of Object.entries(want)) {
            const r = await anon.get(p);
            assert.equal(r.status, 200, p);
            assert.equal(r.headers.get('content-type'), type, p);
        }
        assert.equal((await anon.get('/sub/b.js')).text, 'export const b = 1;\n');
    });

    test('ETag and Last-Modified; 304 on If-None-Match and If-Modified-Since', async () => {
        const r = await anon.get('/a.css');
        const etag = r.headers.get('etag');
        assert.match(etag, /^"[^"]+"$/);
        assert.equal(r.headers.get('last-modified'), 'Mon, 05 Jan 2026 08:00:00 GMT');
        const nm = await anon.get('/a.css', { headers: { 'If-None-Match': etag } });
        assert.equal(nm.status, 304);
        assert.equal(nm.text, '');
        assert.equal(nm.headers.get('etag'), etag);
        const list = await anon.get('/a.css', { headers: { 'If-None-Match': `"nope", ${etag}` } });
        assert.equal(list.status, 304);
        const other = await anon.get('/a.css', { headers: { 'If-None-Match': '"something-else"' } });
        assert.equal(other.status, 200);
        assert.equal(other.text, 'body { color: #333; }\n');
        const ims = await anon.get('/a.css', { headers: { 'If-Modified-Since': r.headers.get('last-modified') } });
        assert.equal(ims.status, 304);
        // a changed file gets a new ETag
        writeFileSync(path.join(web, 'a.css'), 'body { color: #000; }\n');
        const changed = await anon.get('/a.css', { headers: { 'If-None-Match': etag } });
        assert.equal(changed.status, 200);
        assert.notEqual(changed.headers.get('etag'), etag);
        assert.equal(changed.text, 'body { color: #000; }\n');
    });

    test('a directory serves its index.html; no listing without one', async () => {
        const root = await anon.get('/');
        assert.equal(root.status, 200);
        assert.match(root.text, /首页/);
        assert.equal(root.headers.get('content-type'), 'text/html; charset=utf-8');
        const sub = await anon.get('/sub/');
        assert.equal(sub.status, 200);
        assert.match(sub.text, /sub index/);
        for (const p of ['/noindex', '/noindex/']) {
            const r = await anon.get(p);
            assert.equal(r.status, 404, p);
            assert.doesNotMatch(r.text, /c\.txt/, 'no directory listing');
        }
        assert.equal((await anon.get('/missing.html')).status, 404);
    });

    test('HEAD of a file: headers and length, no body', async () => {
        const r = await anon.req('HEAD', '/sub/b.js');
        assert.equal(r.status, 200);
        assert.equal(r.text, '');
        assert.equal(r.headers.get('content-length'), String('export const b = 1;\n'.length));
    });

    test('no way out of the web root: traversal, encoded dots, symlinks, hidden files -> 404', async () => {
        const attempts = [
            '/../etc/passwd',
            '/../../../../etc/passwd',
            '/%2e%2e/%2e%2e/etc/passwd',
            '/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
            '/sub/../../secret.txt',
            '/sub/%2e%2e/%2e%2e/secret.txt',
            '/..%2fsecret.txt',
            '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
            '/..\\secret.txt',
            '/sub/..%5c..%5csecret.txt',
            '//etc/passwd',
            '///etc/passwd',
            '/./secret.txt',
            '/leak.txt',
            '/outdir/s.txt',
            '/outdir/',
            '/.hidden',
            '/sub/../.hidden',
            '/%2ehidden',
            '/index.html%00.txt',
        ];
        for (const p of attempts) {
            const r = await rawHttp(srv.port, `GET ${p} HTTP/1.1\r\nHost: t\r\n\r\n`);
            const res = r.responses[0];
            assert.ok(res, `${p}: no response`);
            assert.ok(!res.body.includes(SECRET), `${p}: leaked a file outside the root`);
            assert.ok(!/root:.*:0:0:/.test(res.body), `${p}: leaked /etc/passwd`);
            if (p === '/index.html%00.txt') {
                assert.ok([400, 404].includes(res.status) || res.body.includes('首页'), `${p}: ${res.status}`);
                continue;
            }
            assert.ok([400, 404].includes(res.status), `${p}: status ${res.status}`);
        }
        // the same through fetch (which normalises dot segments itself)
        for (const p of ['/leak.txt', '/outdir/s.txt', '/.hidden']) {
            const r = await anon.get(p);
            assert.equal(r.status, 404, p);
            assert.ok(!r.text.includes(SECRET), p);
        }
    });

    test('only GET and HEAD reach static files', async () => {
        const r = await anon.req('POST', '/index.html', { body: {} });
        assert.equal(r.status, 404);
        assert.ok(!r.text.includes('首页'));
    });
});

describe('shutdown', () => {
    test('SIGTERM finishes the request in flight, refuses new connections, exits 0', async () => {
        const s = await startServer();
        let stopped = false;
        try {
            const body = '{"login":"nobody","password":"wrong-pass-1"}';
            const half = Math.floor(body.length / 2);
            // headers and half the body: the request is in flight
            let sock;
            const pending = rawHttp(
                s.port,
                `POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`,
                { timeoutMs: 30000, onSocket: (x) => (sock = x) },
            );
            await waitFor(async () => (await metricsInFlight(s)) >= 2, 'request in flight'); // it + the metrics request
            s.proc.kill('SIGTERM');
            await waitFor(async () => /finishing requests in flight/.test(s.log()), 'signal logged');
            assert.equal(s.proc.exitCode, null, 'still running while a request is in flight');
            await waitFor(async () => !(await canConnect(s.port)), 'listening socket closed');
            // the rest of the body: the request is completed and answered
            sock.write(body.slice(half));
            const res = await pending;
            assert.equal(res.responses[0]?.status, 401, res.raw);
            stopped = true;
            assert.equal(await s.stop(), 0);
            assert.equal(await canConnect(s.port), false, 'port closed after exit');
        } finally {
            if (!stopped) await s.stop().catch(() => {});
        }
    });
});

async function metricsInFlight(s) {
    const r = await fetch(s.url('/metrics'));
    const t = await r.text();
    return metricValue(t, 'zt_http_requests_in_flight');
}

async function waitFor(fn, what, timeoutMs = 20000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
        if (await fn()) return;
        if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

// server.mjs - a live zhengtong on loopback for the API tests.
//
// startServer() creates a fresh data directory, runs `zhengtong init --demo`
// in it and starts `zhengtong serve --port 0`, learning the port from the
// "listening on http://127.0.0.1:PORT/" log line. stop() sends SIGTERM,
// checks the exit status is 0 and that no sanitizer report was printed, and
// removes the directory. The binary is $ZT_BIN (make api sets it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = process.env.ZT_BIN ? path.resolve(process.env.ZT_BIN) : path.join(REPO, 'build/zhengtong');
export const PASSWORD = 'Demo2026pass';

// cheap password hashing: tests log in a lot
const FAST_HASH = ['--auth.argon2_mem_kib', '8192', '--auth.argon2_ops', '1'];
// every suite registers its accounts from 127.0.0.1: the per-address limit on
// registrations (auth.register_max) is tested on its own (attacks-auth.test.mjs)
const TEST_LIMITS = ['--auth.register_max', '100000'];
const START_TIMEOUT_MS = 30000;
const STOP_TIMEOUT_MS = 45000;

if (!existsSync(BIN)) throw new Error(`zhengtong binary not found at ${BIN}: run make, or set ZT_BIN`);

// servers a crashed test run left behind are killed when node exits
const live = new Set();
process.on('exit', () => {
    for (const p of live) p.kill('SIGKILL');
});

const SANITIZER = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer/;

/** Make a temporary directory (removed by the caller). */
export function tempDir(prefix = 'zt-api-') {
    return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Run `zhengtong init --demo` into dir (throws on failure). */
export function initDemo(dir, extra = []) {
    const r = spawnSync(BIN, ['init', '--demo', '--data-dir', dir, ...FAST_HASH, ...extra], {
        cwd: REPO,
        encoding: 'utf8',
        env: cleanEnv(),
        timeout: 60000,
    });
    if (r.status !== 0) throw new Error(`zhengtong init failed (${r.status}): ${r.stderr}\n${r.stdout}`);
    return r.stdout;
}

// ZT_* variables of the developer's shell would change the configuration
function cleanEnv() {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ZT_')) env[k] = v;
    env.TZ = 'Asia/Shanghai';
    return env;
}

/**
 * Start a server. Options:
 *   args:    extra serve flags (['--fake-clock'], ['--http.max_body', '4096'] ...)
 *   dir:     reuse a data directory (no init; not removed by stop unless keep is false)
 *   keep:    leave the data directory in place on stop (to restart on it)
 *   bin:     serve with another build of the product (init still uses $ZT_BIN)
 */
export async function startServer({ args = [], dir = null, keep = false, bin = BIN } = {}) {
    const own = !dir;
    if (own) {
        dir = tempDir();
        try {
            initDemo(dir);
        } catch (err) {
            rmSync(dir, { recursive: true, force: true });
            throw err;
        }
    }
    // ZT_WEB_ROOT: serve another build of the web UI (node scripts/build-web.mjs DIR)
    const web = process.env.ZT_WEB_ROOT ? ['--web.root', path.resolve(process.env.ZT_WEB_ROOT)] : [];
    const proc = spawn(bin, ['serve', '--data-dir', dir, '--port', '0', ...FAST_HASH, ...TEST_LIMITS, ...web, ...args], {
        cwd: REPO,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(proc);
    let log = '';
    const exited = new Promise((resolve) =>
        proc.on('exit', (code, signal) => {
            live.delete(proc);
            resolve({ code, signal });
        }),
    );
    proc.stdout.on('data', (b) => (log += b.toString()));
    const port = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${log}`)), START_TIMEOUT_MS);
        proc.stderr.on('data', (b) => {
            log += b.toString();
            const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        exited.then(({ code, signal }) => {
            clearTimeout(timer);
            reject(new Error(`server exited before listening (code ${code}, signal ${signal}):\n${log}`));
        });
    });
    const srv = {
        port,
        dir,
        proc,
        base: `http://127.0.0.1:${port}`,
        url: (p) => `http://127.0.0.1:${port}${p}`,
        log: () => log,
        exited,
        /** SIGTERM; resolves to the exit code. Throws on a non-zero exit or a sanitizer report. */
        async stop() {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
            let timer;
            const res = await Promise.race([
                exited,
                new Promise((resolve) => {
                    timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS);
                }),
            ]);
            clearTimeout(timer);
            if (!res) {
                proc.kill('SIGKILL');
                await exited;
            }
            if (own && !keep) rmSync(dir, { recursive: true, force: true });
            if (!res) throw new Error(`server did not stop within ${STOP_TIMEOUT_MS} ms after SIGTERM:\n${tail(log)}`);
            if (SANITIZER.test(log)) throw new Error(`sanitizer report in the server log:\n${tail(log, 8000)}`);
            if (res.code !== 0) throw new Error(`server exited with ${res.code} (signal ${res.signal}):\n${tail(log)}`);
            return res.code;
        },
    };
    return srv;
}

function tail(s, n = 4000) {
    return s.length > n ? '...' + s.slice(-n) : s;
}

/** Does a TCP connect to the port succeed? */
export function canConnect(port) {
    return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.on('connect', () => {
            s.destroy();
            resolve(true);
        });
        s.on('error', () => resolve(false));
    });
}

/**
 * A user of the API: keeps the session cookie and the CSRF token, sends
 * JSON, parses JSON replies. req() never throws on an HTTP status.
 */
export class Client {
    constructor(srv, { key = null } = {}) {
        this.srv = srv;
        this.cookie = null; // the zt_session value
        this.csrf = null;
        this.key = key; // an API key: sent as Bearer
        this.user = null;
    }

    async login(login, password = PASSWORD) {
        const r = await this.req('POST', '/api/auth/login', { body: { login, password } });
        if (r.status !== 200) throw new Error(`login ${login}: ${r.status} ${r.text}`);
        this.csrf = r.json.csrf_token;
        this.user = r.json.user;
        return r;
    }

    /**
     * method, path; opts: body (object -> JSON, string or bytes -> as is), headers,
     * csrf (false: do not send the token; a string: send that), cookie
     * (override the cookie value; null: none).
     */
    async req(method, p, opts = {}) {
        const headers = { ...(opts.headers || {}) };
        let body;
        if (opts.body !== undefined) {
            const raw = typeof opts.body === 'string' || opts.body instanceof Uint8Array;
            body = raw ? opts.body : JSON.stringify(opts.body);
            if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
                headers['Content-Type'] = 'application/json';
        }
        const cookie = 'cookie' in opts ? opts.cookie : this.cookie;
        if (cookie) headers.Cookie = `zt_session=${cookie}`;
        if (this.key) headers.Authorization = `Bearer ${this.key}`;
        const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(method);
        if (unsafe && opts.csrf !== false) {
            const tok = typeof opts.csrf === 'string' ? opts.csrf : this.csrf;
            if (tok) headers['X-CSRF-Token'] = tok;
        }
        const res = await fetch(this.srv.url(p), { method, headers, body });
        const bytes = Buffer.from(await res.arrayBuffer());
        const text = bytes.toString('utf8');
        for (const sc of res.headers.getSetCookie()) {
            const m = /^zt_session=([^;]*)/.exec(sc);
            if (m && !('cookie' in opts)) this.cookie = m[1] || null;
        }
        let json = null;
        if ((res.headers.get('content-type') || '').startsWith('application/json') && text) {
            json = JSON.parse(text);
        }
        return { status: res.status, headers: res.headers, text, bytes, json, setCookie: res.headers.getSetCookie() };
    }

    get(p, opts) {
        return this.req('GET', p, opts);
    }
    post(p, body, opts = {}) {
        return this.req('POST', p, { ...opts, body });
    }
    patch(p, body, opts = {}) {
        return this.req('PATCH', p, { ...opts, body });
    }
    put(p, body, opts = {}) {
        return this.req('PUT', p, { ...opts, body });
    }
    del(p, opts) {
        return this.req('DELETE', p, opts);
    }
}

/** Log a demo user in and return the client. */
export async function as(srv, login, password = PASSWORD) {
    const c = new Client(srv);
    await c.login(login, password);
    return c;
}

/**
 * Send raw bytes on one TCP connection and collect what comes back.
 * Resolves when `responses` complete responses have been parsed (then the
 * socket is left open and reported as closed: false unless the server
 * closed it), or when the server closes the connection, or after timeoutMs.
 * Returns { responses: [{status, headers (lower-case keys), body}], closed, raw }.
 * chunks may be a string/Buffer or an array of them written with a pause;
 * onSocket(sock) gets the socket to write more later; keepOpen leaves it
 * open after the responses (the caller destroys it).
 */
export function rawHttp(
    port,
    chunks,
    { responses = 1, timeoutMs = 10000, waitClose = false, pauseMs = 50, onSocket, keepOpen = false } = {},
) {
    return new Promise((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port });
        if (onSocket) onSocket(sock);
        let buf = Buffer.alloc(0);
        let done = false;
        let closed = false;
        const parsed = [];
        const finish = () => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve({ responses: parsed, closed, raw: buf.toString('latin1'), socket: sock });
            if (!waitClose && !keepOpen) sock.destroy();
        };
        const timer = setTimeout(() => {
            if (done) return;
            done = true;
            sock.destroy();
            resolve({ responses: parsed, closed, raw: buf.toString('latin1'), timedOut: true });
        }, timeoutMs);
        sock.on('data', (d) => {
            buf = Buffer.concat([buf, d]);
            parseAll();
            if (parsed.length >= responses && !waitClose) finish();
        });
        sock.on('end', () => {
            closed = true;
            parseAll();
            finish();
        });
        sock.on('close', () => {
            closed = true;
            finish();
        });
        sock.on('error', (err) => {
            if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
                closed = true;
                parseAll();
                finish();
            } else if (!done) {
                done = true;
                clearTimeout(timer);
                reject(err);
            }
        });
        let consumed = 0;
        function parseAll() {
            for (;;) {
                const r = parseResponse(buf, consumed);
                if (!r) return;
                parsed.push(r.response);
                consumed = r.end;
            }
        }
        sock.on('connect', async () => {
            const list = Array.isArray(chunks) ? chunks : [chunks];
            for (let i = 0; i < list.length; i++) {
                if (done || sock.destroyed) return;
                sock.write(list[i]);
                if (i + 1 < list.length) await new Promise((r) => setTimeout(r, pauseMs));
            }
        });
    });
}

/**
 * GET many paths fast: a few keep-alive connections, each with up to
 * `window` pipelined requests outstanding (fetch costs ~2 ms a request, a
 * pipelined socket a fraction of that). Resolves to the responses in the
 * order of paths: [{status, headers, body}].
 */
export function getMany(port, paths, { connections = 4, window = 32 } = {}) {
    const results = new Array(paths.length);
    let next = 0;
    const worker = () =>
        new Promise((resolve, reject) => {
            const sock = net.connect({ host: '127.0.0.1', port });
            sock.setNoDelay(true);
            const inflight = []; // indexes, in order
            let buf = Buffer.alloc(0);
            const pump = () => {
                let out = '';
                while (inflight.length < window && next < paths.length) {
                    const i = next++;
                    inflight.push(i);
                    out += `GET ${paths[i]} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
                }
                if (out) sock.write(out);
                if (!inflight.length) {
                    sock.end();
                    resolve();
                }
            };
            sock.on('connect', pump);
            sock.on('data', (d) => {
                buf = Buffer.concat([buf, d]);
                for (;;) {
                    let r;
                    try {
                        r = parseResponse(buf, 0);
                    } catch (err) {
                        reject(err);
                        return;
                    }
                    if (!r) break;
                    results[inflight.shift()] = r.response;
                    buf = buf.subarray(r.end);
                }
                pump();
            });
            sock.on('error', reject);
            sock.on('close', () => {
                if (inflight.length) reject(new Error(`connection closed with ${inflight.length} requests unanswered`));
            });
        });
    return Promise.all(Array.from({ length: connections }, worker)).then(() => results);
}

/** Parse one HTTP/1.1 response from buf at offset; null if incomplete. */
export function parseResponse(buf, offset = 0) {
    const head = buf.indexOf('\r\n\r\n', offset, 'latin1');
    if (head < 0) return null;
    const lines = buf.subarray(offset, head).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
    const headers = {};
    for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        const k = l.slice(0, i).trim().toLowerCase();
        const v = l.slice(i + 1).trim();
        headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
    }
    const status = Number(m[1]);
    let start = head + 4;
    if (status === 304 || status === 204 || status < 200) {
        return { response: { status, headers, body: '' }, end: start };
    }
    if (/chunked/i.test(headers['transfer-encoding'] || '')) {
        let pos = start;
        const parts = [];
        for (;;) {
            const eol = buf.indexOf('\r\n', pos, 'latin1');
            if (eol < 0) return null;
            const size = parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
            if (buf.length < eol + 2 + size + 2) return null;
            if (size === 0) {
                return { response: { status, headers, body: Buffer.concat(parts).toString('utf8') }, end: eol + 4 };
            }
            parts.push(buf.subarray(eol + 2, eol + 2 + size));
            pos = eol + 2 + size + 2;
        }
    }
    const len = Number(headers['content-length'] || 0);
    if (buf.length < start + len) return null;
    return { response: { status, headers, body: buf.subarray(start, start + len).toString('utf8') }, end: start + len };
}

/** Assert-friendly: the error object of a JSON error reply. */
export function errorOf(r) {
    if (!r.json || typeof r.json.error !== 'object')
        throw new Error(`expected a JSON error body, got ${r.status} ${r.text}`);
    return r.json.error;
}

/** The value of a Prometheus sample in text (/metrics) whose labels include labels, or undefined. */
export function metricValue(text, name, labels = {}) {
    for (const line of text.split('\n')) {
        if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
        const m = /^([a-z_]+)(\{([^}]*)\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const got = {};
        for (const kv of (m[3] || '').matchAll(/(\w+)="([^"]*)"/g)) got[kv[1]] = kv[2];
        if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
    }
    return undefined;
}

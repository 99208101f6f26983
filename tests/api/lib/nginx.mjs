// nginx.mjs - the shipped deploy/nginx/zhengtong.conf in front of a live
// zhengtong, for suites that test what nginx does for them: a self-signed
// certificate (openssl) in a temporary directory, the config with its
// "# site:" lines pointed at that directory and at free loopback ports,
// nginx as a foreground child with its own pid, logs and temporary paths.
// nginx.test.mjs uses it with a web root of its own.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { REPO, canConnect, tempDir } from './server.mjs';

const NGINX = process.env.NGINX || '/usr/sbin/nginx';
const CONF = path.join(REPO, 'deploy/nginx/zhengtong.conf');
const WAIT_MS = 15000; // generous: no speed is asserted

export function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
        s.on('error', reject);
    });
}

/** The shipped config with its site lines replaced; throws if one is not found. */
export function siteConfig(text, { ztPort, httpPort, httpsPort, cert, key, webRoot }) {
    const subs = [
        [/server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${ztPort};`],
        [/listen 80;/, `listen 127.0.0.1:${httpPort};`],
        [/listen 443 ssl http2;/, `listen 127.0.0.1:${httpsPort} ssl http2;`],
        [/ssl_certificate +\/etc\/ssl\/zhengtong\/fullchain\.pem;/, `ssl_certificate ${cert};`],
        [/ssl_certificate_key +\/etc\/ssl\/zhengtong\/privkey\.pem;/, `ssl_certificate_key ${key};`],
        [/root \/srv\/zhengtong\/build\/web;/, `root ${webRoot};`],
    ];
    let n = 0;
    const out = text
        .split('\n')
        .map((line) => {
            if (!/ # site: [^#]*$/.test(line)) return line;
            for (const [re, to] of subs)
                if (re.test(line)) {
                    n++;
                    return line.replace(re, to);
                }
            if (/server_name/.test(line)) return line;
            throw new Error(`a site line the helper does not know: ${line.trim()}`);
        })
        .join('\n');
    assert.equal(n, subs.length, 'every site line substituted once');
    return out;
}

/**
 * Start nginx with the shipped config in front of the zhengtong on ztPort.
 * Options: dir (the temporary directory to use, removed by stop; a new one
 * by default), webRoot (the files nginx serves; a one-page root in dir by
 * default). Resolves to { port (HTTPS), ports {http, https}, ca, dir,
 * log(), request(method, path, body, headers), stop() }.
 */
export async function startNginx(ztPort, { dir = tempDir('zt-nginx-'), webRoot = null } = {}) {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const o = spawnSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
            '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
        { encoding: 'utf8' },
    );
    assert.equal(o.status, 0, o.stderr);
    const ca = readFileSync(cert);
    if (!webRoot) {
        webRoot = path.join(dir, 'web');
        mkdirSync(webRoot, { recursive: true });
        writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>政通</title>\n');
    }
    const ports = { http: await freePort(), https: await freePort() };
    writeFileSync(
        path.join(dir, 'zhengtong.conf'),
        siteConfig(readFileSync(CONF, 'utf8'), { ztPort, httpPort: ports.http, httpsPort: ports.https, cert, key, webRoot }),
    );
    for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, 'tmp', t), { recursive: true });
    const main = [
        'daemon off;',
        process.getuid() === 0 ? 'user root;' : '',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events { worker_connections 512; }',
        'http {',
        '    include /etc/nginx/mime.types;',
        '    default_type application/octet-stream;',
        `    access_log ${dir}/access.log;`,
        ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t === 'body' ? 'client_body' : t}_temp_path ${dir}/tmp/${t};`),
        `    include ${dir}/zhengtong.conf;`,
        '}',
    ].join('\n');
    writeFileSync(path.join(dir, 'nginx.conf'), main);
    const args = ['-e', path.join(dir, 'error.log'), '-p', dir, '-c', path.join(dir, 'nginx.conf')];
    const t = spawnSync(NGINX, ['-t', ...args], { encoding: 'utf8' });
    assert.equal(t.status, 0, `nginx -t:\n${t.stderr}`);
    const proc = spawn(NGINX, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    proc.stderr.on('data', (b) => (log += b));
    const until = Date.now() + WAIT_MS;
    while (!(await canConnect(ports.https)) || !(await canConnect(ports.http))) {
        assert.ok(Date.now() < until && proc.exitCode === null, `nginx did not start: ${log}`);
        await new Promise((r) => setTimeout(r, 50));
    }
    const agent = new https.Agent({ ca, keepAlive: true });
    return {
        port: ports.https,
        ports,
        ca,
        dir,
        log: () => log,
        /** One HTTPS request through nginx: {status, headers, text, json}. */
        request(method, p, body, headers = {}) {
            return new Promise((resolve, reject) => {
                const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
                const req = https.request(
                    {
                        host: '127.0.0.1',
                        port: ports.https,
                        method,
                        path: p,
                        agent,
                        headers: {
                            ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}),
                            ...headers,
                        },
                    },
                    (res) => {
                        const chunks = [];
                        res.on('data', (c) => chunks.push(c));
                        res.on('end', () => {
                            const text = Buffer.concat(chunks).toString('utf8');
                            let json = null;
                            if ((res.headers['content-type'] || '').startsWith('application/json')) json = JSON.parse(text);
                            resolve({ status: res.statusCode, headers: res.headers, text, json });
                        });
                    },
                );
                req.on('error', reject);
                if (data) req.write(data);
                req.end();
            });
        },
        async stop() {
            agent.destroy();
            if (proc.exitCode === null) {
                proc.kill('SIGQUIT');
                await new Promise((r) => proc.once('exit', r));
            }
            rmSync(dir, { recursive: true, force: true });
        },
    };
}

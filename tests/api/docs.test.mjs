// docs.test.mjs - docs/api-routes.md is the output of `zhengtong routes
// --markdown`, and every route it lists is served, with the roles it lists:
// anonymous requests are 401, every other role 403, before any handler runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, Client, REPO, as, startServer } from './lib/server.mjs';

const USERS = {
    citizen: 'zhangsan',
    enterprise: 'pxqiye',
    clerk: 'gaj_clerk',
    dept_head: 'gaj_head',
    legal_reviewer: 'fzb',
    supervisor: 'jiancha',
    trading_officer: 'jyzx',
    finance_officer: 'czj',
    data_officer: 'xxzx',
    auditor: 'shenji',
    admin: 'admin',
};
const PEOPLE = ['citizen', 'enterprise'];
const STAFF = Object.keys(USERS).filter((r) => !PEOPLE.includes(r));

function markdown() {
    const r = spawnSync(BIN, ['routes', '--markdown'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
}

// [{method, path, roles: Set | null (public)}]
function routes() {
    return markdown()
        .split('\n')
        .filter((l) => /^\| (GET|POST|PUT|PATCH|DELETE) \|/.test(l))
        .map((l) => {
            const [, method, p, who] = l.split('|').map((x) => x.trim());
            if (who === 'public') return { method, path: p, roles: null };
            const roles = new Set();
            for (const w of who.split(',').map((x) => x.trim())) {
                if (w === 'any user') [...PEOPLE, ...STAFF].forEach((x) => roles.add(x));
                else if (w === 'staff') STAFF.forEach((x) => roles.add(x));
                else roles.add(w);
            }
            return { method, path: p, roles };
        });
}

const concrete = (p) => p.replace('{id}', '1').replace('{code}', '360300').replace('{date}', '2026-06-15');

test('docs/api-routes.md is what `zhengtong routes --markdown` prints', () => {
    const doc = readFileSync(path.join(REPO, 'docs/api-routes.md'), 'utf8');
    assert.equal(doc, markdown(), 'regenerate: zhengtong routes --markdown > docs/api-routes.md');
});

describe('the route table against a live server', () => {
    let srv;
    const clients = {};

    before(async () => {
        srv = await startServer({ args: ['--fake-clock'] });
        for (const [role, login] of Object.entries(USERS)) clients[role] = await as(srv, login);
        const k = await clients.admin.post('/api/keys', { dept_id: clients.dept_head.user.dept_id, name: '矩阵' });
        assert.equal(k.status, 201);
        clients.system = new Client(srv, { key: k.json.key });
    });

    after(async () => {
        if (srv) await srv.stop();
    });

    test('every listed route is served (OPTIONS on it is 405 with Allow naming the method)', async () => {
        const list = routes();
        assert.ok(list.length >= 40);
        for (const r of list) {
            const res = await new Client(srv).req('OPTIONS', concrete(r.path));
            assert.equal(res.status, 405, `${r.method} ${r.path}`);
            assert.ok(res.headers.get('allow').split(/,\s*/).includes(r.method), `${r.method} ${r.path}: Allow ${res.headers.get('allow')}`);
        }
    });

    test('anonymous: 401 on every route that is not public', async () => {
        for (const r of routes().filter((x) => x.roles)) {
            const res = await new Client(srv).req(r.method, concrete(r.path), r.method === 'GET' ? {} : { body: {} });
            assert.equal(res.status, 401, `${r.method} ${r.path}`);
        }
    });

    test('every role: 403 on every route that does not list it', async () => {
        for (const r of routes().filter((x) => x.roles)) {
            for (const role of [...Object.keys(USERS), 'system']) {
                if (r.roles.has(role)) continue;
                const res = await clients[role].req(r.method, concrete(r.path), r.method === 'GET' ? {} : { body: {} });
                assert.equal(res.status, 403, `${role} ${r.method} ${r.path}: ${res.text}`);
            }
        }
        // the sessions survived all of that
        for (const role of Object.keys(USERS)) assert.equal((await clients[role].get('/api/auth/me')).status, 200, role);
    });
});

// docs.test.mjs - docs/api-routes.md is the output of `zhengtong routes
// --markdown`, and every route it lists is served. Who may call each route
// (every route x every role, anonymous and API keys) is the authorisation
// matrix of authz.test.mjs, which reads the same table.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, Client, REPO, startServer } from './lib/server.mjs';

function markdown() {
    const r = spawnSync(BIN, ['routes', '--markdown'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
}

// [{method, path}] of the table
function routeTable() {
    return markdown()
        .split('\n')
        .filter((l) => /^\| (GET|POST|PUT|PATCH|DELETE) \|/.test(l))
        .map((l) => {
            const [, method, p] = l.split('|').map((x) => x.trim());
            return { method, path: p };
        });
}

const concrete = (p) => p.replace(/\{[a-z_]+\}/g, '1');

test('docs/api-routes.md is what `zhengtong routes --markdown` prints', () => {
    const doc = readFileSync(path.join(REPO, 'docs/api-routes.md'), 'utf8');
    assert.equal(doc, markdown(), 'regenerate: zhengtong routes --markdown > docs/api-routes.md');
});

describe('the route table against a live server', () => {
    let srv;

    before(async () => {
        srv = await startServer({ args: ['--fake-clock'] });
    });

    after(async () => {
        if (srv) await srv.stop();
    });

    test('every listed route is served (OPTIONS on it is 405 with Allow naming the method)', async () => {
        const list = routeTable();
        assert.ok(list.length >= 40);
        for (const r of list) {
            const res = await new Client(srv).req('OPTIONS', concrete(r.path));
            assert.equal(res.status, 405, `${r.method} ${r.path}`);
            assert.ok(res.headers.get('allow').split(/,\s*/).includes(r.method), `${r.method} ${r.path}: Allow ${res.headers.get('allow')}`);
        }
    });
});

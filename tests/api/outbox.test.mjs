// SMS and e-mail after the commit (issue #13, src/supervise/notify.c): a card's
// notices go to notify_outbox in the write that raises it and are sent by the
// sender thread once the write is durable, each exactly once; a write rolled
// back sends nothing; a failed send is retried. The failures are real: the
// database's write lock held by another process (the sqlite3 shell, as in
// faults.test.mjs) makes the tick's commit fail; a spool path that is a file,
// not a directory, makes the spool sender fail until the directory exists.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, initDemo, tempDir, as, Client } from './lib/server.mjs';
import { LONG, PASSPORT, materialsFor, ok } from './lib/cases.mjs';

const WAIT_MS = 20000; // waiting for a state, not measuring speed

function sql(db, q) {
    const r = spawnSync('sqlite3', [db], { encoding: 'utf8', input: `.timeout 5000\n${q}\n` });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
}

async function until(what, fn) {
    const end = Date.now() + WAIT_MS;
    for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

// two accepted passport cases; late() moves the clock past their promised limit (cards at the tick)
async function lateCases(t) {
    const admin = await as(t, 'admin');
    await ok(admin.put('/api/admin/clock', { now: '2026-09-23T02:00:00Z' }));
    const zs = await as(t, 'zhangsan');
    const clerk = await as(t, 'gaj_clerk');
    const anon = new Client(t);
    const numbers = [];
    for (let i = 0; i < 2; i++) {
        const c = await ok(zs.post('/api/cases', { item_code: PASSPORT, materials: await materialsFor(zs, anon, PASSPORT) }), 201);
        await ok(clerk.post(`/api/cases/${c.number}/actions/pre_review_pass`, { fields: {} }));
        await ok(clerk.post(`/api/cases/${c.number}/actions/accept`, { fields: {} }));
        numbers.push(c.number);
    }
    return { admin, numbers, late: () => admin.put('/api/admin/clock', { now: '2026-10-14T02:00:00Z' }) };
}

describe('a card\'s notices leave after its commit, once; a rolled-back card sends nothing', () => {
    let t, dir, db;
    before(async () => {
        dir = tempDir('zt-outbox-');
        initDemo(dir);
        db = path.join(dir, 'zhengtong.db');
        t = await startServer({ dir, args: [...LONG, '--store.busy_timeout_ms', '300'] });
    });
    after(async () => {
        if (t) await t.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('the lock held: the tick fails and nothing is sent; released: each notice is sent exactly once', { timeout: 120000 }, async () => {
        const { admin, numbers, late } = await lateCases(t);
        const notifyLines = () => t.log().split('\n').filter((l) => / notify (sms|email) to /.test(l));
        const before = notifyLines().length;

        // another process holds the write lock: the tick's write (cards, inbox, notices) cannot commit
        const holder = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        holder.stdout.on('data', (b) => (out += b));
        holder.stdin.write(".timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n");
        await until('the lock', () => out.includes('locked'));
        // moving the clock ticks in its write, and so does the tick: both 503
        assert.equal((await late()).status, 503);
        const failed = await admin.post('/api/admin/tick', {});
        assert.equal(failed.status, 503, failed.text);
        await new Promise((r) => setTimeout(r, 1500)); // the ticker thread tries too, and fails
        assert.equal(sql(db, 'SELECT count(*) FROM sv_cards;'), '0', 'no card committed');
        assert.equal(sql(db, 'SELECT count(*) FROM notify_outbox;'), '0', 'no notice committed');
        assert.equal(notifyLines().length, before, `nothing sent for a rolled-back card:\n${notifyLines().join('\n')}`);
        holder.stdin.write('ROLLBACK;\n');
        holder.stdin.end();
        await new Promise((r) => holder.on('exit', r));

        await ok(late());
        await ok(admin.post('/api/admin/tick', {}));
        const cards = Number(sql(db, 'SELECT count(*) FROM sv_cards;'));
        assert.ok(cards >= numbers.length, `a card (or more) per late case: ${cards}`);
        const notices = Number(sql(db, 'SELECT count(*) FROM notify_outbox;'));
        assert.ok(notices >= 2 * cards, `SMS and e-mail for every recipient: ${notices}`);
        await until('every notice sent', () => sql(db, 'SELECT count(*) FROM notify_outbox WHERE sent_at IS NULL;') === '0');
        await new Promise((r) => setTimeout(r, 1500)); // a later tick or sender run sends nothing again
        await ok(admin.post('/api/admin/tick', {}));
        const ids = notifyLines().map((l) => /\(notice (\d+)\)/.exec(l)?.[1]);
        assert.equal(ids.length - before, notices, 'one line per notice');
        assert.equal(new Set(ids).size, ids.length, 'no notice sent twice');
        for (const n of numbers) assert.ok(notifyLines().some((l) => l.includes(n)), `a notice names ${n}`);
        assert.equal(sql(db, 'SELECT count(*) FROM notify_outbox WHERE attempts != 1;'), '0');
    });
});

describe('a failed send is retried until the gateway takes it (notify.spool_dir)', () => {
    let t, dir, db, spool;
    before(async () => {
        dir = tempDir('zt-outbox-');
        initDemo(dir);
        db = path.join(dir, 'zhengtong.db');
        spool = path.join(dir, 'spool');
        writeFileSync(spool, 'not a directory');
        t = await startServer({
            dir, args: [...LONG, '--notify.spool_dir', spool, '--notify.retry_seconds', '1', '--notify.max_attempts', '50'],
        });
    });
    after(async () => {
        if (t) await t.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('the spool is not a directory: notices wait with their error; once it is, each is written once', { timeout: 120000 }, async () => {
        const { admin, late } = await lateCases(t);
        await ok(late());
        await ok(admin.post('/api/admin/tick', {}));
        const notices = Number(sql(db, 'SELECT count(*) FROM notify_outbox;'));
        assert.ok(notices >= 4, `notices: ${notices}`);
        await until('a failed attempt', () => sql(db, 'SELECT count(*) FROM notify_outbox WHERE attempts >= 1 AND sent_at IS NULL;') === String(notices));
        assert.match(sql(db, 'SELECT last_error FROM notify_outbox LIMIT 1;'), /Not a directory/);
        rmSync(spool);
        mkdirSync(spool);
        await until('every notice sent', () => sql(db, 'SELECT count(*) FROM notify_outbox WHERE sent_at IS NULL;') === '0');
        const files = readdirSync(spool).filter((f) => f.endsWith('.json'));
        assert.equal(files.length, notices, files.join(' '));
        assert.deepEqual(readdirSync(spool).filter((f) => f.endsWith('.tmp')), []);
        const rows = sql(db, 'SELECT id, channel, login FROM notify_outbox ORDER BY id;').split('\n').map((l) => l.split('|'));
        for (const [id, channel, login] of rows) {
            const j = JSON.parse(readFileSync(path.join(spool, `${id}-${channel}.json`), 'utf8'));
            assert.equal(j.id, Number(id));
            assert.equal(j.login, login);
            assert.match(j.text, /预警|黄牌/);
        }
        assert.ok(Number(sql(db, 'SELECT min(attempts) FROM notify_outbox;')) >= 2, 'retried');
    });
});

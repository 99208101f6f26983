// ledger.test.mjs - the tamper-evident ledger (issue #3) end to end: every
// audited change becomes an entry; checkpoints verify with Node's own
// Ed25519 (not libsodium) and proofs with an RFC 9162 verifier written here
// (not the C one); the auditor's commands catch altered, missing, reordered
// and truncated entries and forged checkpoints; a SIGKILL loses no answered
// append.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BIN, REPO, Client, as, startServer, tempDir } from './lib/server.mjs';
import { leafHash, nodeHash, verifyConsistency, verifyInclusion, verifyNote } from './lib/merkle.mjs';





function parseCheckpoint(text) {
    const [origin, size, root] = text.split('\n');
    return { origin, size: Number(size), root: Buffer.from(root, 'base64') };
}

function zt(args, input) {
    return spawnSync(BIN, args, { cwd: REPO, encoding: 'utf8', input, timeout: 60000 });
}

async function waitForCheckpoint(c, minSize) {
    for (let i = 0; i < 100; i++) {
        const r = await c.get('/api/ledger/checkpoint');
        if (r.status === 200 && parseCheckpoint(r.text).size >= minSize) return r.text;
        await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`no checkpoint of size >= ${minSize}`);
}

describe('the ledger over HTTP', () => {
    let srv, anon, sup;
    before(async () => {
        srv = await startServer({ args: ['--ledger.checkpoint_entries', '1', '--ledger.checkpoint_seconds', '1'] });
        anon = new Client(srv);
        sup = await as(srv, 'jiancha');
    });
    after(() => srv.stop());

    test('the checkpoint is a C2SP signed note that Node Ed25519 verifies with the served key', async () => {
        const key = await anon.get('/api/ledger/key');
        assert.equal(key.status, 200);
        const note = await anon.get('/api/ledger/checkpoint');
        assert.equal(note.status, 200);
        assert.match(note.headers.get('content-type'), /^text\/plain/);
        const text = verifyNote(key.text, note.text);
        assert.ok(text, 'signature verifies');
        const cp = parseCheckpoint(text);
        assert.equal(cp.origin, 'zhengtong.pingxiang.gov.cn/ledger');
        assert.ok(cp.size > 0);
        assert.equal(cp.root.length, 32);
        assert.equal(readFileSync(path.join(srv.dir, 'ledger.key.pub'), 'utf8'), key.text);
        // one byte changed: no longer verifies
        const forged = note.text.replace(`\n${cp.size}\n`, `\n${cp.size + 1}\n`);
        assert.equal(verifyNote(key.text, forged), null);
    });

    test('a change of the platform becomes an entry, and the root over all entries is the signed root', async () => {
        const admin = await as(srv, 'admin');
        const before1 = (await sup.get('/api/ledger/entries?from=0&to=1000')).json.size;
        const r = await admin.post('/api/users', {
            login: 'ledger_li', name: '李账本', role: 'clerk', dept_id: 7, password: 'Ledger2026x',
        });
        assert.equal(r.status, 201);
        const list = await sup.get(`/api/ledger/entries?from=0&to=1000`);
        assert.equal(list.status, 200);
        assert.equal(list.json.size, before1 + 1);
        const last = list.json.items.at(-1);
        assert.equal(last.index, before1);
        assert.equal(last.subject, `user/${r.json.id}`);
        assert.equal(last.event.kind, 'user.create');
        assert.equal(last.event.actor, 'admin');
        assert.equal(last.event.index, last.index);
        const entry = Buffer.from(last.entry, 'base64');
        assert.deepEqual(leafHash(entry), Buffer.from(last.leaf_hash, 'base64'));
        assert.equal(JSON.parse(entry.toString()).payload.login, 'ledger_li');

        // every leaf recomputed here, folded into the RFC 6962 root = the checkpoint's
        const key = (await anon.get('/api/ledger/key')).text;
        const cp = parseCheckpoint(verifyNote(key, await waitForCheckpoint(anon, list.json.size)));
        const leaves = list.json.items.slice(0, cp.size).map((it) => leafHash(Buffer.from(it.entry, 'base64')));
        const mth = (a) => (a.length === 1 ? a[0] : (() => {
            let k = 1;
            while (k * 2 < a.length) k *= 2;
            return nodeHash(mth(a.slice(0, k)), mth(a.slice(k)));
        })());
        assert.deepEqual(mth(leaves), cp.root);
    });

    test('a subject\'s entries over the whole log in one request (?subject=), in pages of 1000 with next_from', async () => {
        const admin = await as(srv, 'admin');
        const r = await admin.post('/api/users', {
            login: 'ledger_zhao', name: '赵账本', role: 'clerk', dept_id: 7, password: 'Ledger2026x',
        });
        assert.equal(r.status, 201);
        for (const phone of ['13800000001', '13800000002'])
            assert.equal((await admin.patch(`/api/users/${r.json.id}`, { phone })).status, 200);
        const subject = `user/${r.json.id}`;
        const all = (await sup.get('/api/ledger/entries?from=0&to=1000')).json;
        const want = all.items.filter((it) => it.subject === subject).map((it) => it.index);
        assert.equal(want.length, 3);
        // no range given: the whole log, only that subject
        const one = await sup.get(`/api/ledger/entries?subject=${encodeURIComponent(subject)}`);
        assert.equal(one.status, 200);
        assert.deepEqual(one.json.items.map((it) => it.index), want);
        assert.equal(one.json.to, all.size);
        assert.equal(one.json.next_from, undefined);
        // a range past the 1000-index cap is fine with a subject, refused without one
        assert.equal((await sup.get(`/api/ledger/entries?from=0&to=5000&subject=${subject}`)).status, 200);
        assert.equal((await sup.get('/api/ledger/entries?from=0&to=5000')).status, 400);
        // from after the first entry: the rest
        const rest = (await sup.get(`/api/ledger/entries?from=${want[0] + 1}&subject=${subject}`)).json;
        assert.deepEqual(rest.items.map((it) => it.index), want.slice(1));
    });

    test('inclusion proofs of every entry and consistency proofs verify with an independent verifier', async () => {
        const list = (await sup.get('/api/ledger/entries?from=0&to=1000')).json;
        const size = list.size;
        for (const it of list.items) {
            const p = await sup.get(`/api/ledger/proof/inclusion?index=${it.index}&size=${size}`);
            assert.equal(p.status, 200);
            const proof = p.json.proof.map((h) => Buffer.from(h, 'base64'));
            const leaf = Buffer.from(p.json.leaf_hash, 'base64');
            const root = Buffer.from(p.json.root, 'base64');
            assert.ok(verifyInclusion(it.index, size, leaf, proof, root), `inclusion ${it.index}/${size}`);
            if (proof.length) {
                proof[0] = Buffer.from(proof[0]);
                proof[0][0] ^= 1;
                assert.ok(!verifyInclusion(it.index, size, leaf, proof, root));
            }
        }
        for (let m = 0; m <= size; m++) {
            const p = await sup.get(`/api/ledger/proof/consistency?from=${m}&to=${size}`);
            assert.equal(p.status, 200);
            const proof = p.json.proof.map((h) => Buffer.from(h, 'base64'));
            assert.ok(verifyConsistency(m, size, Buffer.from(p.json.root1, 'base64'),
                Buffer.from(p.json.root2, 'base64'), proof), `consistency ${m}->${size}`);
        }
    });

    test('the offline verify-proof commands agree, and refuse flipped, short and malformed proofs', async () => {
        const size = (await sup.get('/api/ledger/entries?from=0&to=1')).json.size;
        const index = Math.floor(size / 2);
        const p = (await sup.get(`/api/ledger/proof/inclusion?index=${index}&size=${size}`)).json;
        const args = ['ledger', 'verify-proof', 'inclusion', '--leaf-index', String(index), '--tree-size', String(size),
            '--leaf-hash', p.leaf_hash, '--root', p.root, '--proof', p.proof.join(',')];
        assert.equal(zt(args).status, 0);
        const flipped = Buffer.from(p.proof[0], 'base64');
        flipped[5] ^= 0x10;
        assert.equal(zt([...args.slice(0, -1), [flipped.toString('base64'), ...p.proof.slice(1)].join(',')]).status, 1);
        assert.equal(zt([...args.slice(0, -1), p.proof.slice(1).join(',')]).status, 1);
        assert.equal(zt([...args.slice(0, -1), 'not base64!']).status, 2);
        assert.equal(zt(['ledger', 'verify-proof', 'inclusion', '--leaf-index', 'x']).status, 2);

        const c = (await sup.get(`/api/ledger/proof/consistency?from=3&to=${size}`)).json;
        const cargs = ['ledger', 'verify-proof', 'consistency', '--size1', '3', '--size2', String(size),
            '--root1', c.root1, '--root2', c.root2, '--proof', c.proof.join(',')];
        assert.equal(zt(cargs).status, 0);
        const swapped = [...cargs];
        swapped[8] = c.root2;
        swapped[10] = c.root1;
        assert.equal(zt(swapped).status, 1);
        // the same size: an empty proof, given as --proof ""
        assert.equal(zt(['ledger', 'verify-proof', 'consistency', '--size1', String(size), '--size2', String(size),
            '--root1', c.root2, '--root2', c.root2, '--proof', '']).status, 0);
    });

    test('verify-checkpoint accepts the served note and refuses a changed byte or another key', async () => {
        const note = (await anon.get('/api/ledger/checkpoint')).text;
        const keyFile = path.join(srv.dir, 'ledger.key.pub');
        const ok = zt(['ledger', 'verify-checkpoint', '--key', keyFile], note);
        assert.equal(ok.status, 0, ok.stdout + ok.stderr);
        assert.match(ok.stdout, /valid checkpoint/);
        const bad = zt(['ledger', 'verify-checkpoint', '--key', keyFile], note.replace(/\n(\d+)\n/, (m, n) => `\n${+n + 1}\n`));
        assert.equal(bad.status, 1);
        // a key pair of another installation
        const other = tempDir('zt-ledger-other-');
        try {
            const init = zt(['init', '--data-dir', other, '--admin-password', 'Other2026pw', '--auth.argon2_mem_kib', '8192']);
            assert.equal(init.status, 0, init.stderr);
            assert.equal(zt(['ledger', 'verify-checkpoint', '--key', path.join(other, 'ledger.key.pub')], note).status, 1);
        } finally {
            rmSync(other, { recursive: true, force: true });
        }
    });

    test('who reads the ledger: supervisors, auditors, administrators; citizens only their own entries', async () => {
        assert.equal((await anon.get('/api/ledger/entries')).status, 401);
        const clerk = await as(srv, 'gaj_clerk');
        assert.equal((await clerk.get('/api/ledger/entries')).status, 403);
        for (const who of ['jiancha', 'shenji', 'admin']) {
            assert.equal((await (await as(srv, who)).get('/api/ledger/entries')).status, 200, who);
        }
        // a citizen registers: that event is his; the others are not
        const reg = await anon.post('/api/auth/register', {
            type: 'citizen', login: 'ledger_wang', name: '王账本', password: 'Citizen2026x', id_number: '11010519491231002X',
        });
        assert.equal(reg.status, 201);
        const citizen = await as(srv, 'ledger_wang', 'Citizen2026x');
        const mine = await citizen.get('/api/ledger/entries?from=0&to=1000');
        assert.equal(mine.status, 200);
        assert.equal(mine.json.items.length, 1);
        assert.equal(mine.json.items[0].subject, `user/${(await citizen.get('/api/auth/me')).json.user.id}`);
        assert.equal(mine.json.items[0].event.kind, 'user.register');
        const idx = mine.json.items[0].index;
        const size = mine.json.size;
        const proof = await citizen.get(`/api/ledger/proof/inclusion?index=${idx}&size=${size}`);
        assert.equal(proof.status, 200);
        assert.equal((await citizen.get(`/api/ledger/proof/inclusion?index=0&size=${size}`)).status, 403);
        assert.equal((await citizen.get(`/api/ledger/proof/consistency?from=1&to=${size}`)).status, 403);
    });

    test('bad proof requests are 400 naming the field', async () => {
        const size = (await sup.get('/api/ledger/entries?from=0&to=1')).json.size;
        for (const [q, field] of [
            [`index=${size}&size=${size}`, 'index'],
            [`index=0&size=${size + 1}`, 'size'],
            ['size=3', 'index'],
            ['index=0', 'size'],
            ['index=-1&size=3', 'index'],
        ]) {
            const r = await sup.get(`/api/ledger/proof/inclusion?${q}`);
            assert.equal(r.status, 400, q);
            assert.equal(r.json.error.field, field, q);
        }
        const r = await sup.get(`/api/ledger/proof/consistency?from=5&to=3`);
        assert.equal(r.status, 400);
        assert.equal((await sup.get('/api/ledger/entries?from=0&to=5000')).status, 400);
    });
});

describe('the auditor catches tampering (sqlite3 shell on a copy of the database)', () => {
    let dir;
    before(async () => {
        const srv = await startServer({ keep: true });
        const admin = await as(srv, 'admin');
        for (let i = 0; i < 6; i++) assert.equal((await admin.patch('/api/users/4', { phone: `1380000000${i}` })).status, 200);
        await srv.stop(); // a last checkpoint is signed at stop
        dir = srv.dir;
        const ok = zt(['ledger', 'verify', '--data-dir', dir]);
        assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    function tampered(sql) {
        const copy = tempDir('zt-tamper-');
        cpSync(dir, copy, { recursive: true });
        const s = spawnSync('sqlite3', [path.join(copy, 'zhengtong.db'), sql], { encoding: 'utf8' });
        assert.equal(s.status, 0, s.stderr);
        const r = zt(['ledger', 'verify', '--data-dir', copy]);
        rmSync(copy, { recursive: true, force: true });
        return r;
    }

    test('one byte of an entry changed: altered, at that index', () => {
        const r = tampered(`UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), '"actor":', '"actor" :') AS BLOB) WHERE idx = 7`);
        assert.equal(r.status, 1);
        assert.match(r.stdout, /altered/);
        assert.match(r.stdout, /first bad index: 7\n/);
    });

    test('an entry and its leaf hash rewritten together: the stored nodes give it away', () => {
        const q = spawnSync('sqlite3', [path.join(dir, 'zhengtong.db'), 'SELECT hex(entry) FROM ledger_entries WHERE idx = 16'],
            { encoding: 'utf8' });
        const entry = Buffer.from(Buffer.from(q.stdout.trim(), 'hex').toString().replace('"kind":"', '"kind":"forged.'));
        const r = tampered(`UPDATE ledger_entries SET entry = x'${entry.toString('hex')}',
            leaf_hash = x'${leafHash(entry).toString('hex')}' WHERE idx = 16`);
        assert.equal(r.status, 1, r.stdout);
        // entry 16 closes the checkpoint of init (size 17) before it completes
        // the stored node (level 1, 8): the signed root is what disagrees first
        assert.match(r.stdout, /checkpoint mismatch: the first 17 entries|altered: stored node \(level 1, 8\)/);
        assert.match(r.stdout, /first bad index: 16\n/);
    });

    test('past the last checkpoint, a rewritten entry and leaf hash disagree with the stored node', () => {
        const q = spawnSync('sqlite3', [path.join(dir, 'zhengtong.db'), 'SELECT hex(entry) FROM ledger_entries WHERE idx = 18'],
            { encoding: 'utf8' });
        const entry = Buffer.from(Buffer.from(q.stdout.trim(), 'hex').toString().replace('"kind":"', '"kind":"forged.'));
        const r = tampered(`DELETE FROM ledger_checkpoints WHERE size > 17;
            UPDATE ledger_entries SET entry = x'${entry.toString('hex')}', leaf_hash = x'${leafHash(entry).toString('hex')}'
            WHERE idx = 18`);
        assert.equal(r.status, 1, r.stdout);
        assert.match(r.stdout, /altered: stored node \(level 1, 9\) over entries 18\.\.19/);
        assert.match(r.stdout, /first bad index: 18\n/);
    });

    test('a row deleted: missing', () => {
        const r = tampered('DELETE FROM ledger_entries WHERE idx = 3');
        assert.equal(r.status, 1);
        assert.match(r.stdout, /missing/);
        assert.match(r.stdout, /first bad index: 3\n/);
    });

    test('two rows swapped: reordered', () => {
        const r = tampered(`UPDATE ledger_entries SET idx = -1 WHERE idx = 2; UPDATE ledger_entries SET idx = 2 WHERE idx = 5;
            UPDATE ledger_entries SET idx = 5 WHERE idx = -1;`);
        assert.equal(r.status, 1);
        assert.match(r.stdout, /reordered/);
        assert.match(r.stdout, /first bad index: 2\n/);
    });

    test('the table truncated: missing entries that a checkpoint covers', () => {
        const r = tampered('DELETE FROM ledger_entries WHERE idx >= 10');
        assert.equal(r.status, 1);
        assert.match(r.stdout, /missing: entries 10\.\./);
        assert.match(r.stdout, /first bad index: 10\n/);
    });

    test('a checkpoint with one byte changed, or its root replaced: bad signature / mismatch', () => {
        let r = tampered(`UPDATE ledger_checkpoints SET note = replace(note, 'zhengtong.pingxiang', 'zhengtong.pingxianG')`);
        assert.equal(r.status, 1);
        assert.match(r.stdout, /bad signature/);
        r = tampered(`UPDATE ledger_checkpoints SET root = zeroblob(32)`);
        assert.equal(r.status, 1);
        assert.match(r.stdout, /checkpoint mismatch/);
    });

    test('a checkpoint signed by another key fails', () => {
        const other = tempDir('zt-otherkey-');
        try {
            assert.equal(zt(['init', '--data-dir', other, '--admin-password', 'Other2026pw', '--auth.argon2_mem_kib', '8192']).status, 0);
            const r = zt(['ledger', 'verify', '--data-dir', dir, '--key', path.join(other, 'ledger.key.pub')]);
            assert.equal(r.status, 1);
            assert.match(r.stdout, /bad signature|no signature/);
        } finally {
            rmSync(other, { recursive: true, force: true });
        }
    });
});

describe('crash: SIGKILL while clients append', () => {
    test('every answered append is present after restart and the ledger verifies', async () => {
        const srv = await startServer({ keep: true });
        const admin = await as(srv, 'admin');
        let answered = 0, stop = false;
        const worker = async (w) => {
            for (let i = 0; !stop; i++) {
                try {
                    const r = await admin.patch('/api/users/4', { phone: `139${w}${String(i).padStart(7, '0')}` });
                    if (r.status === 200) answered++;
                } catch {
                    return; // the connection died with the server
                }
            }
        };
        const workers = [0, 1, 2, 3, 4, 5, 6, 7].map(worker);
        await new Promise((res) => setTimeout(res, 400 + Math.floor(Math.random() * 600)));
        srv.proc.kill('SIGKILL');
        stop = true;
        await Promise.all(workers);
        await srv.exited;
        assert.ok(answered > 0, 'some appends were answered before the kill');

        const again = await startServer({ dir: srv.dir });
        try {
            const sup = await as(again, 'jiancha');
            let updates = 0;
            const size = (await sup.get('/api/ledger/entries?from=0&to=1')).json.size;
            for (let from = 0; from < size; from += 1000) {
                const page = await sup.get(`/api/ledger/entries?from=${from}&to=${from + 1000}`);
                updates += page.json.items.filter((it) => it.event.kind === 'user.update').length;
            }
            assert.ok(updates >= answered, `${updates} user.update entries for ${answered} answered requests`);
        } finally {
            await again.stop();
        }
        const v = zt(['ledger', 'verify', '--data-dir', srv.dir]);
        rmSync(srv.dir, { recursive: true, force: true });
        assert.equal(v.status, 0, v.stdout + v.stderr);
    });
});

// attacks-ledger.test.mjs - the ledger findings of the penetration test
// (issue #22: F7, F8, F10, F11 and the verify-proof trailing comma), each
// as the attack that worked, then the refusal it now gets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, REPO, as, startServer, tempDir } from './lib/server.mjs';

const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (entry) => sha256(Buffer.from([0]), entry);
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);

function sqlite(db, sql) {
    const r = spawnSync('sqlite3', [db], { encoding: 'utf8', input: sql });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
}

function zt(args, input) {
    return spawnSync(BIN, args, { cwd: REPO, encoding: 'utf8', input, timeout: 60000 });
}

// RFC 6962 vectors (transparency-dev/merkle testdata), read in place
const VECTORS = path.join(REPO, '..', 'shared', 'vectors', 'merkle', 'testdata');

describe('verify-proof: an empty element is a malformed proof (exit 2)', () => {
    const v = JSON.parse(readFileSync(path.join(VECTORS, 'inclusion', '1', 'happy-path.json'), 'utf8'));
    const c = JSON.parse(readFileSync(path.join(VECTORS, 'consistency', '1', 'happy-path.json'), 'utf8'));
    const inclusion = (proof) =>
        zt(['ledger', 'verify-proof', 'inclusion', '--leaf-index', String(v.leafIdx), '--tree-size', String(v.treeSize),
            '--leaf-hash', v.leafHash, '--root', v.root, '--proof', proof]);
    const consistency = (proof) =>
        zt(['ledger', 'verify-proof', 'consistency', '--size1', String(c.size1), '--size2', String(c.size2),
            '--root1', c.root1, '--root2', c.root2, '--proof', proof]);

    test('the vector as given is valid (exit 0)', () => {
        assert.equal(inclusion(v.proof.join(',')).status, 0);
        assert.equal(consistency(c.proof.join(',')).status, 0);
    });

    test('a trailing comma (the attack: it was judged valid), a doubled or a leading one: exit 2', () => {
        const [a, b, cc] = v.proof;
        for (const p of [`${a},${b},${cc},`, `${a},,${b},${cc}`, `,${a},${b},${cc}`, ',', `${a},${b},${cc},,`]) {
            const r = inclusion(p);
            assert.equal(r.status, 2, `--proof '${p}': ${r.stdout}${r.stderr}`);
            assert.match(r.stderr, /malformed/);
        }
        const r = consistency(`${c.proof.join(',')},`);
        assert.equal(r.status, 2, r.stdout + r.stderr);
    });

    test('the empty proof is still --proof "" (a one-leaf tree)', () => {
        const one = JSON.parse(readFileSync(path.join(VECTORS, 'inclusion', 'single-entry', 'matching-root-and-leaf.json'), 'utf8'));
        assert.deepEqual(one.proof, []);
        const r = zt(['ledger', 'verify-proof', 'inclusion', '--leaf-index', '0', '--tree-size', '1', '--leaf-hash',
            one.leafHash, '--root', one.root, '--proof', '']);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });
});

// F10: the attacker rewrites an entry, recomputes its leaf hash and every
// stored node (so the database agrees with itself) and deletes the rows of
// ledger_checkpoints. `ledger verify` passed: it read only the database.
describe('F10: verify holds the database to the signed checkpoints kept outside it', () => {
    let dir;
    before(async () => {
        const srv = await startServer({ keep: true });
        const admin = await as(srv, 'admin');
        for (let i = 0; i < 5; i++)
            assert.equal((await admin.patch('/api/users/4', { phone: `1390000000${i}` })).status, 200);
        await srv.stop(); // a last checkpoint is signed at stop, in the database and in checkpoints/
        dir = srv.dir;
        const ok = zt(['ledger', 'verify', '--data-dir', dir]);
        assert.equal(ok.status, 0, ok.stdout + ok.stderr);
        assert.match(ok.stdout, /consistent with .*checkpoints\/checkpoint/);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    // a copy of the data directory with history rewritten consistently
    function rewritten() {
        const copy = tempDir('zt-f10-');
        cpSync(dir, copy, { recursive: true });
        const db = path.join(copy, 'zhengtong.db');
        const rows = sqlite(db, "SELECT idx, hex(entry) FROM ledger_entries ORDER BY idx;")
            .trim().split('\n').map((l) => l.split('|'));
        const entries = rows.map(([, hex]) => Buffer.from(hex, 'hex'));
        // the first phone change (13900000000) becomes another number
        const k = entries.findIndex((b) => b.includes('13900000000'));
        assert.ok(k > 0, 'the entry to rewrite');
        entries[k] = Buffer.from(entries[k].toString().replaceAll('13900000000', '13999999999'));
        const leaves = entries.map(leafHash);
        let sql = 'BEGIN;\n';
        sql += `UPDATE ledger_entries SET entry = x'${entries[k].toString('hex')}', leaf_hash = x'${leaves[k].toString('hex')}' WHERE idx = ${k};\n`;
        sql += 'DELETE FROM ledger_nodes;\n';
        for (let level = 1, nodes = leaves; nodes.length >= 2; level++) {
            const up = [];
            for (let i = 0; i + 1 < nodes.length; i += 2) up.push(nodeHash(nodes[i], nodes[i + 1]));
            up.forEach((h, i) => (sql += `INSERT INTO ledger_nodes VALUES (${level}, ${i}, x'${h.toString('hex')}');\n`));
            nodes = up;
        }
        sql += 'DELETE FROM ledger_checkpoints;\nCOMMIT;\n';
        sqlite(db, sql);
        return { copy, k };
    }

    test('the rewrite agrees with itself, and the checkpoint files catch it (exit 1, naming the file)', () => {
        const { copy, k } = rewritten();
        try {
            assert.equal(sqlite(path.join(copy, 'zhengtong.db'), 'SELECT count(*) FROM ledger_checkpoints;').trim(), '0');
            const r = zt(['ledger', 'verify', '--data-dir', copy]);
            assert.equal(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, /checkpoint mismatch: the first \d+ entries do not give the root signed in .*checkpoints\/checkpoint.* \(kept outside the database\)/);
            assert.match(r.stdout, new RegExp(`first bad index: \\d+\\n`));
            assert.ok(Number(/first bad index: (\d+)/.exec(r.stdout)[1]) >= k);
        } finally {
            rmSync(copy, { recursive: true, force: true });
        }
    });

    test('the checkpoint directory emptied too: a copy kept elsewhere (--checkpoint FILE) catches it', () => {
        const keep = tempDir('zt-f10-offsite-');
        const { copy } = rewritten();
        try {
            const cpdir = path.join(copy, 'checkpoints');
            writeFileSync(path.join(keep, 'checkpoint'), readFileSync(path.join(cpdir, 'checkpoint')));
            for (const f of readdirSync(cpdir)) rmSync(path.join(cpdir, f));
            // nothing outside the database: the database alone proves nothing, and says so
            const none = zt(['ledger', 'verify', '--data-dir', copy]);
            assert.equal(none.status, 1, none.stdout + none.stderr);
            assert.match(none.stdout, /no signed checkpoint outside the database/);
            const r = zt(['ledger', 'verify', '--data-dir', copy, '--checkpoint', path.join(keep, 'checkpoint')]);
            assert.equal(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, /checkpoint mismatch: .*zt-f10-offsite-.*\/checkpoint \(kept outside the database\)/);
            // the untouched database passes against the same copy
            const ok = zt(['ledger', 'verify', '--data-dir', dir, '--checkpoint', path.join(keep, 'checkpoint')]);
            assert.equal(ok.status, 0, ok.stdout + ok.stderr);
        } finally {
            rmSync(copy, { recursive: true, force: true });
            rmSync(keep, { recursive: true, force: true });
        }
    });

    test('entries cut from the end after the rows were deleted: missing, against the file', () => {
        const copy = tempDir('zt-f10-cut-');
        cpSync(dir, copy, { recursive: true });
        try {
            const db = path.join(copy, 'zhengtong.db');
            const size = Number(sqlite(db, 'SELECT max(idx) + 1 FROM ledger_entries;').trim());
            sqlite(db, `DELETE FROM ledger_checkpoints; DELETE FROM ledger_entries WHERE idx >= ${size - 3};
                DELETE FROM ledger_nodes WHERE ((idx + 1) << level) > ${size - 3};`);
            const r = zt(['ledger', 'verify', '--data-dir', copy]);
            assert.equal(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, new RegExp(`missing: entries ${size - 3}\\.\\.${size - 1} \\(.*checkpoint.* \\(kept outside the database\\) covers ${size} entries\\)`));
        } finally {
            rmSync(copy, { recursive: true, force: true });
        }
    });

    test('a checkpoint file not signed by the ledger key, or unreadable: refused', () => {
        const copy = tempDir('zt-f10-forged-');
        cpSync(dir, copy, { recursive: true });
        try {
            const f = path.join(copy, 'checkpoints', 'checkpoint');
            writeFileSync(f, readFileSync(f, 'utf8').replace(/\n(\d+)\n/, (m, n) => `\n${+n + 1}\n`));
            const r = zt(['ledger', 'verify', '--data-dir', copy]);
            assert.equal(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, /bad signature: checkpoint .*checkpoints\/checkpoint:/);
            const missing = zt(['ledger', 'verify', '--data-dir', dir, '--checkpoint', path.join(copy, 'nothing-here')]);
            assert.equal(missing.status, 2, missing.stdout + missing.stderr);
            assert.match(missing.stderr, /cannot read the checkpoint/);
        } finally {
            rmSync(copy, { recursive: true, force: true });
        }
    });
});

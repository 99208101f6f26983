// attacks-ledger.test.mjs - the ledger findings of the penetration test
// (issue #22: F7, F8, F10, F11 and the verify-proof trailing comma), each
// as the attack that worked, then the refusal it now gets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, REPO } from './lib/server.mjs';

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

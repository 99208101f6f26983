// merkle.mjs - the ledger's proofs checked independently of src/ledger/: RFC
// 6962 / 9162 hashes and proofs and C2SP signed notes, with Node's own
// SHA-256 and Ed25519 (tests/api/ledger.test.mjs, attacks-ledger.test.mjs).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

export const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
export const leafHash = (entry) => sha256(Buffer.from([0]), entry);
export const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);

// RFC 9162 §2.1.3.2, independently of src/ledger/merkle.c
export function verifyInclusion(index, size, leaf, proof, root) {
    if (index >= size) return false;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
        if (sn === 0) return false;
        if (fn % 2 === 1 || fn === sn) {
            r = nodeHash(p, r);
            while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        } else r = nodeHash(r, p);
        fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && r.equals(root);
}

// RFC 9162 §2.1.4.2
export function verifyConsistency(m, n, root1, root2, proof) {
    if (m === n) return proof.length === 0 && root1.equals(root2);
    if (m === 0) return proof.length === 0;
    if (proof.length === 0) return false;
    let path = proof;
    if ((m & (m - 1)) === 0) path = [root1, ...proof];
    let fn = m - 1, sn = n - 1;
    while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
        if (sn === 0) return false;
        if (fn % 2 === 1 || fn === sn) {
            fr = nodeHash(c, fr); sr = nodeHash(c, sr);
            while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        } else sr = nodeHash(sr, c);
        fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return fr.equals(root1) && sr.equals(root2) && sn === 0;
}

// A C2SP signed note, checked with Node's Ed25519: the signed text, or null
export function verifyNote(verifierKey, note) {
    // name+keyid+base64: the base64 may itself contain '+'
    const [name, idHex, ...rest] = verifierKey.trim().split('+');
    const keyB64 = rest.join('+');
    const enc = Buffer.from(keyB64, 'base64');
    assert.equal(enc[0], 1, 'Ed25519 algorithm byte');
    const pub = enc.subarray(1);
    const id = sha256(Buffer.from(name + '\n'), enc).subarray(0, 4);
    assert.equal(id.toString('hex'), idHex, 'key id = SHA-256(name \\n 0x01 key)[:4]');
    const split = note.lastIndexOf('\n\n');
    const text = note.slice(0, split + 1);
    const key = crypto.createPublicKey({
        key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]),
        format: 'der',
        type: 'spki',
    });
    for (const line of note.slice(split + 2).split('\n')) {
        const m = /^\u2014 (\S+) (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const sig = Buffer.from(m[2], 'base64');
        if (!sig.subarray(0, 4).equals(id)) continue;
        if (crypto.verify(null, Buffer.from(text), key, sig.subarray(4))) return text;
    }
    return null;
}

// ledger.js - checking the ledger in the browser with WebCrypto, trusting
// nothing the server computed: RFC 6962 / RFC 9162 hashing (docs/ledger.md),
// the C2SP signed note of a checkpoint and its Ed25519 signature.
//
// leafHash(bytes)                 SHA-256(0x00 || entry bytes)
// verifyInclusion(i, n, leaf, proof, root)   RFC 9162 §2.1.3.2
// parseCheckpoint(text)           {origin, size, root, body, signatures}
// verifyNote(text, verifierKey)   the Ed25519 signature of the checkpoint

const subtle = globalThis.crypto.subtle;

export function b64decode(s) {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
}

export function b64encode(bytes) {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
}

function concat(...parts) {
    const n = parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
        out.set(p, o);
        o += p.length;
    }
    return out;
}

async function sha256(bytes) {
    return new Uint8Array(await subtle.digest('SHA-256', bytes));
}

export function equalBytes(a, b) {
    if (a.length !== b.length) return false;
    let d = 0;
    for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
}

/** The leaf hash of an entry's stored bytes: SHA-256(0x00 || entry). */
export function leafHash(entry) {
    return sha256(concat(Uint8Array.of(0), entry));
}

/** An interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left, right) {
    return sha256(concat(Uint8Array.of(1), left, right));
}

/**
 * Is leaf (32 bytes) the entry at index of a tree of size with this root,
 * by this inclusion proof (an array of 32-byte hashes)? RFC 9162 §2.1.3.2.
 */
export async function verifyInclusion(index, size, leaf, proof, root) {
    if (!(index >= 0 && index < size)) return false;
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of proof) {
        if (sn === 0) return false;
        if (fn % 2 === 1 || fn === sn) {
            r = await nodeHash(p, r);
            if (fn % 2 === 0) {
                while (fn % 2 === 0 && fn !== 0) {
                    fn = Math.floor(fn / 2);
                    sn = Math.floor(sn / 2);
                }
            }
        } else {
            r = await nodeHash(r, p);
        }
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
    }
    return sn === 0 && equalBytes(r, root);
}

/**
 * A checkpoint note: "origin\nsize\nbase64 root\n\n— name base64sig\n".
 * Returns {origin, size, root (bytes), rootB64, body (the signed text),
 * signatures: [{name, keyId (bytes), sig (bytes)}]}; throws on a malformed note.
 */
export function parseCheckpoint(text) {
    const cut = text.indexOf('\n\n');
    if (cut < 0) throw new Error('检查点格式错误：缺少签名');
    const body = text.slice(0, cut + 1);
    const lines = body.split('\n');
    if (lines.length < 4 || !/^\d+$/.test(lines[1])) throw new Error('检查点格式错误');
    const root = b64decode(lines[2]);
    if (root.length !== 32) throw new Error('检查点格式错误：根哈希长度不对');
    const signatures = [];
    for (const line of text.slice(cut + 2).split('\n')) {
        const m = /^\u2014 (\S+) (\S+)$/.exec(line);
        if (!m) continue;
        const raw = b64decode(m[2]);
        if (raw.length !== 68) continue;
        signatures.push({ name: m[1], keyId: raw.slice(0, 4), sig: raw.slice(4) });
    }
    return { origin: lines[0], size: Number(lines[1]), root, rootB64: lines[2], body, signatures };
}

/**
 * Check the note's Ed25519 signature with the verifier key
 * "name+hexid+base64(0x01 || public key)". Resolves {ok, reason}: reason
 * says why not (no signature by that key, a key id that does not match
 * the key, a bad signature, a browser without Ed25519).
 */
export async function verifyNote(cp, verifierKey) {
    const m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(verifierKey.trim());
    if (!m) return { ok: false, reason: '验证公钥格式错误' };
    const [, name, hexId, b64] = m;
    const key = b64decode(b64);
    if (key.length !== 33 || key[0] !== 1) return { ok: false, reason: '验证公钥不是 Ed25519 公钥' };
    const enc = new TextEncoder();
    const id = (await sha256(concat(enc.encode(name + '\n'), key))).slice(0, 4);
    const idHex = Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('');
    if (idHex !== hexId) return { ok: false, reason: '公钥编号与公钥不符' };
    const s = cp.signatures.find((x) => x.name === name && equalBytes(x.keyId, id));
    if (!s) return { ok: false, reason: '检查点没有该公钥的签名' };
    let pub;
    try {
        pub = await subtle.importKey('raw', key.slice(1), { name: 'Ed25519' }, false, ['verify']);
    } catch {
        return { ok: false, reason: '浏览器不支持 Ed25519 验签' };
    }
    const ok = await subtle.verify({ name: 'Ed25519' }, pub, s.sig, enc.encode(cp.body));
    return ok ? { ok: true, reason: '' } : { ok: false, reason: '签名无效' };
}

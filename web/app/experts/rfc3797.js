// rfc3797.js - RFC 3797 selection in the browser, to re-check a published
// draw (docs/experts.md) the way `zhengtong experts draw-verify` does: the
// key from the seeds file, then MD5(i ‖ key ‖ i) mod the entries left.
// MD5 (RFC 1321) is written here because no npm package of it is installed
// and WebCrypto has none; it is checked against RFC 1321's test suite and
// RFC 3797's example (tests/api/experts.test.mjs).

const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

/** MD5 of bytes (Uint8Array): 16 bytes. */
export function md5(bytes) {
    const n = bytes.length;
    const total = (((n + 8) >> 6) + 1) * 64;
    const m = new Uint8Array(total);
    m.set(bytes);
    m[n] = 0x80;
    const bits = n * 8;
    const dv = new DataView(m.buffer);
    dv.setUint32(total - 8, bits >>> 0, true);
    dv.setUint32(total - 4, Math.floor(bits / 2 ** 32), true);
    let a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
    for (let off = 0; off < total; off += 64) {
        let a = a0, b = b0, c = c0, d = d0;
        for (let i = 0; i < 64; i++) {
            let f, g;
            if (i < 16) (f = (b & c) | (~b & d)), (g = i);
            else if (i < 32) (f = (d & b) | (~d & c)), (g = (5 * i + 1) % 16);
            else if (i < 48) (f = b ^ c ^ d), (g = (3 * i + 5) % 16);
            else (f = c ^ (b | ~d)), (g = (7 * i) % 16);
            const x = (a + f + K[i] + dv.getUint32(off + 4 * g, true)) >>> 0;
            const s = S[(i >> 4) * 4 + (i % 4)];
            a = d;
            d = c;
            c = b;
            b = (b + ((x << s) | (x >>> (32 - s)))) >>> 0;
        }
        a0 = (a0 + a) >>> 0;
        b0 = (b0 + b) >>> 0;
        c0 = (c0 + c) >>> 0;
        d0 = (d0 + d) >>> 0;
    }
    const out = new Uint8Array(16);
    const ov = new DataView(out.buffer);
    [a0, b0, c0, d0].forEach((w, i) => ov.setUint32(4 * i, w, true));
    return out;
}

export const hex = (b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();

/** The RFC 3797 key of a seeds text (one source a line, '#' lines ignored); throws on a bad line. */
export function rfc3797Key(seeds) {
    let key = '';
    for (const raw of seeds.split('\n')) {
        const line = raw.replace(/\r$/, '').trim();
        if (!line || line.startsWith('#')) continue;
        const nums = line.split(/[ \t]+/).map((t) => {
            if (!/^[0-9]+$/.test(t)) throw new Error(`不是整数：${t}`);
            return t.replace(/^0+(?=[0-9])/, '');
        });
        nums.sort((x, y) => x.length - y.length || (x < y ? -1 : x > y ? 1 : 0));
        key += nums.map((x) => x + '.').join('') + '/';
    }
    if (!key) throw new Error('没有种子');
    return key;
}

/** The first count picks of pool (an array, in committed order): [{index, md5, remaining, position, name}]. */
export function rfc3797Pick(key, pool, count) {
    const kb = new TextEncoder().encode(key);
    const left = pool.map((name, i) => ({ name, position: i + 1 }));
    const out = [];
    for (let i = 0; i < count && left.length; i++) {
        const buf = new Uint8Array(kb.length + 4);
        buf[0] = buf[kb.length + 2] = (i >> 8) & 0xff;
        buf[1] = buf[kb.length + 3] = i & 0xff;
        buf.set(kb, 2);
        const h = md5(buf);
        let r = 0;
        for (const byte of h) r = (r * 256 + byte) % left.length;
        const [pick] = left.splice(r, 1);
        out.push({ index: i + 1, md5: hex(h), remaining: left.length + 1, position: pick.position, name: pick.name });
    }
    return out;
}

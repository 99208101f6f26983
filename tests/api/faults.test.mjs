// faults.test.mjs - storage faults under a live server (issue #7, docs/reliability.md):
// the disk full, the volume turned read-only under the server, and the writer
// stalled by another process holding SQLite's write lock. Each runs a real
// server with its data directory on a small volume of its own. Under each
// fault writes answer 503 with a Chinese message naming the fault, reads keep
// working, /healthz says "degraded" with the fault; nothing acknowledged is
// lost, the database passes PRAGMA integrity_check and the ledger verifies.
// Disk full and the stalled writer recover without a restart; a volume the
// kernel turned read-only after an error cannot be made writable again without
// unmounting it (docs/reliability.md says why), so that one recovers across
// umount, e2fsck and a restart.
//
// Mounting needs root (CI runs as root): a run without it FAILS, it does not skip.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, initDemo, as, Client, errorOf, BIN, REPO } from './lib/server.mjs';

const WAIT_MS = 20000; // generous: waiting for a state, not measuring speed

function sh(cmd, args, { ok = [0] } = {}) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (!ok.includes(r.status)) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

function needRoot() {
    if (process.getuid() !== 0)
        throw new Error('faults.test.mjs mounts volumes and needs root (CI runs as root; run it with sudo)');
}

// Volumes made by this file: unmounted in after() even when a test failed.
const mounts = [];
function cleanup() {
    for (const m of mounts.reverse()) {
        spawnSync('umount', [m.dir]);
        if (spawnSync('findmnt', ['-n', m.dir]).status === 0) spawnSync('umount', ['-l', m.dir]);
        if (m.image) rmSync(m.image, { force: true });
        rmSync(m.dir, { recursive: true, force: true });
    }
    mounts.length = 0;
}

function tmpfs(sizeMb) {
    needRoot();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zt-fault-'));
    sh('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0755`, 'tmpfs', dir]);
    mounts.push({ dir });
    return dir;
}

// An ext4 file system on a loop device that the kernel turns read-only on
// its first error (errors=remount-ro), as a production volume would be.
function ext4(sizeMb) {
    needRoot();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zt-fault-'));
    const image = `${dir}.img`;
    sh('truncate', ['-s', `${sizeMb}M`, image]);
    sh('mkfs.ext4', ['-q', '-F', image]);
    sh('mount', ['-o', 'loop,errors=remount-ro', image, dir]);
    mounts.push({ dir, image });
    const dev = sh('findmnt', ['-n', '-o', 'SOURCE', dir]).trim();
    return { dir, image, dev };
}

const health = async (srv) => (await new Client(srv).get('/healthz')).json;

async function waitHealth(srv, status) {
    const end = Date.now() + WAIT_MS;
    for (;;) {
        const h = await health(srv);
        if (h.status === status) return h;
        if (Date.now() > end) throw new Error(`/healthz did not become ${status}: ${JSON.stringify(h)}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

const consult = (c, title) =>
    c.post('/api/consultations', { department: '360300-GA', title, content: '存储故障测试' });

// Every acknowledged consultation is there, whole, with its one event.
async function checkAcked(srv, acked) {
    const zs = await as(srv, 'zhangsan');
    for (const [number, title] of acked) {
        const r = await zs.get(`/api/messages/${number}`);
        assert.equal(r.status, 200, `${number} lost: ${r.text}`);
        assert.equal(r.json.title, title);
        assert.equal(r.json.events.length, 1);
    }
}

function integrityOk(db) {
    const out = sh('sqlite3', [db, 'PRAGMA integrity_check;']).trim();
    assert.equal(out, 'ok', `integrity_check: ${out}`);
}

function ledgerVerifies(dataDir) {
    const v = spawnSync(BIN, ['ledger', 'verify', '--data-dir', dataDir], { cwd: REPO, encoding: 'utf8' });
    assert.equal(v.status, 0, `ledger verify:\n${v.stdout}\n${v.stderr}`);
}

// Reads that must keep working under any write fault.
async function readsWork(srv, zs, number) {
    const anon = new Client(srv);
    const items = await anon.get(`/api/items?q=${encodeURIComponent('护照')}`);
    assert.equal(items.status, 200, items.text);
    assert.ok(items.json.total >= 1);
    const m = await zs.get(`/api/messages/${number}`);
    assert.equal(m.status, 200, m.text);
}

function assertUnavailable(r, pattern) {
    assert.equal(r.status, 503, r.text);
    const e = errorOf(r);
    assert.equal(e.code, 'unavailable');
    assert.match(e.message, pattern);
    assert.doesNotMatch(e.message, /[a-z]{4,}/i, 'the user reads Chinese, not SQLite');
}

after(cleanup);

describe('disk full', () => {
    let srv, dir, ballast;
    const acked = new Map();
    before(() => {
        dir = path.join(tmpfs(48), 'd');
        initDemo(dir);
    });
    after(async () => {
        if (srv) await srv.stop().catch(() => {});
    });

    test('writes get 503 disk_full, reads work, /healthz degraded; freeing space recovers without a restart; nothing lost, no corruption', { timeout: 180000 }, async () => {
        srv = await startServer({ dir, keep: true });
        const zs = await as(srv, 'zhangsan');
        for (let i = 0; i < 5; i++) {
            const r = await consult(zs, `满盘前 ${i}`);
            assert.equal(r.status, 201, r.text);
            acked.set(r.json.number, `满盘前 ${i}`);
        }
        // fill the volume: 1 MiB blocks, then 4 KiB ones, until ENOSPC
        ballast = path.join(path.dirname(dir), 'ballast');
        const fd = openSync(ballast, 'w');
        for (const size of [1 << 20, 4096]) {
            const buf = Buffer.alloc(size, 0x5a);
            for (;;) {
                try {
                    writeSync(fd, buf);
                } catch (err) {
                    if (err.code !== 'ENOSPC') throw err;
                    break;
                }
            }
        }
        closeSync(fd);
        // the WAL may still have room it reuses: write until the first refusal
        let refused = null;
        for (let i = 0; i < 3000 && !refused; i++) {
            const title = `满盘后 ${i}`;
            const r = await consult(zs, title);
            if (r.status === 201) acked.set(r.json.number, title);
            else refused = r;
        }
        assert.ok(refused, 'a write was refused once the disk was full');
        assertUnavailable(refused, /存储空间已满/);
        // the fault stays while the disk is full: the next write too
        assertUnavailable(await consult(zs, '仍然满盘'), /存储空间已满/);
        await readsWork(srv, zs, [...acked.keys()][0]);
        const h = await health(srv);
        assert.equal(h.status, 'degraded', JSON.stringify(h));
        assert.equal(h.store.writable, false);
        assert.equal(h.store.fault, 'disk_full');
        assert.match(h.store.message, /存储空间已满/);
        assert.ok(h.store.since > 0);

        // the fault clears: /healthz turns ok by itself (the writer's probe), writes work
        unlinkSync(ballast);
        const ok = await waitHealth(srv, 'ok');
        assert.equal(ok.store.writable, true);
        for (let i = 0; i < 5; i++) {
            const r = await consult(zs, `恢复后 ${i}`);
            assert.equal(r.status, 201, r.text);
            acked.set(r.json.number, `恢复后 ${i}`);
        }
        await checkAcked(srv, acked);
        await srv.stop();
        srv = null;
        integrityOk(path.join(dir, 'zhengtong.db'));
        ledgerVerifies(dir);
        // and after a restart
        srv = await startServer({ dir, keep: true });
        await checkAcked(srv, acked);
    });
});

describe('the writer stalled by another process holding the write lock', () => {
    let srv, dir, holder;
    const acked = new Map();
    const BUSY_MS = 1000;
    before(() => {
        dir = path.join(tmpfs(64), 'd');
        initDemo(dir);
    });
    after(async () => {
        if (holder && holder.exitCode === null) holder.kill('SIGKILL');
        if (srv) await srv.stop().catch(() => {});
    });

    // the sqlite3 shell on a pipe: commands in, a marker line out when done
    function shell(db) {
        const p = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (b) => (out += b.toString()));
        p.stderr.on('data', (b) => (out += b.toString()));
        let n = 0;
        p.run = (sql) => {
            const mark = `done-${++n}`;
            p.stdin.write(`${sql}\nSELECT '${mark}';\n`);
            return new Promise((resolve, reject) => {
                const end = Date.now() + WAIT_MS;
                const tick = () => {
                    if (out.includes(mark)) return resolve(out);
                    if (p.exitCode !== null || Date.now() > end) return reject(new Error(`sqlite3: ${out}`));
                    setTimeout(tick, 20);
                };
                tick();
            });
        };
        return p;
    }

    test(`writes answer 503 busy while the lock is held (store.busy_timeout_ms ${BUSY_MS}); reads work; release recovers`, { timeout: 180000 }, async () => {
        srv = await startServer({ dir, keep: true, args: ['--store.busy_timeout_ms', String(BUSY_MS)] });
        const zs = await as(srv, 'zhangsan');
        const first = await consult(zs, '加锁前');
        assert.equal(first.status, 201, first.text);
        acked.set(first.json.number, '加锁前');

        holder = shell(path.join(dir, 'zhengtong.db'));
        await holder.run('.timeout 10000\nBEGIN IMMEDIATE;');
        // 24 writes at once, while the lock stays held: every one is answered
        // (503) before it is released, so none waits for the lock without end
        // and the queue does not wait busy_timeout_ms once per write
        const t0 = Date.now();
        const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => consult(zs, `加锁中 ${i}`)));
        const elapsed = Date.now() - t0;
        for (const r of answers) {
            if (r.status === 201) throw new Error(`a write committed while another process held the lock: ${r.text}`);
            assertUnavailable(r, /数据库繁忙/);
        }
        console.log(`# 24 writes under a held lock: all 503 in ${elapsed} ms (busy_timeout_ms ${BUSY_MS})`);
        await readsWork(srv, zs, first.json.number);
        const h = await health(srv);
        assert.equal(h.status, 'degraded', JSON.stringify(h));
        assert.equal(h.store.fault, 'busy');
        assert.match(h.store.message, /数据库繁忙/);
        assert.equal(holder.exitCode, null, 'the lock was held throughout');

        await holder.run('ROLLBACK;');
        holder.stdin.end();
        const ok = await waitHealth(srv, 'ok');
        assert.equal(ok.store.writable, true);
        for (let i = 0; i < 3; i++) {
            const r = await consult(zs, `解锁后 ${i}`);
            assert.equal(r.status, 201, r.text);
            acked.set(r.json.number, `解锁后 ${i}`);
        }
        await checkAcked(srv, acked);
        await srv.stop();
        srv = null;
        integrityOk(path.join(dir, 'zhengtong.db'));
        ledgerVerifies(dir);
    });
});

describe('the volume turned read-only under the running server', () => {
    let srv, vol, dir;
    const acked = new Map();
    before(() => {
        vol = ext4(64);
        dir = path.join(vol.dir, 'd');
        initDemo(dir);
    });
    after(async () => {
        if (srv) await srv.stop().catch(() => {});
    });

    test('an ext4 error remounts it ro: writes 503 read_only, reads work, /healthz degraded; after fsck and a restart nothing is lost', { timeout: 180000 }, async () => {
        srv = await startServer({ dir, keep: true });
        const zs = await as(srv, 'zhangsan');
        for (let i = 0; i < 5; i++) {
            const r = await consult(zs, `只读前 ${i}`);
            assert.equal(r.status, 201, r.text);
            acked.set(r.json.number, `只读前 ${i}`);
        }
        // what the kernel does on a metadata error with errors=remount-ro
        sh('sh', ['-c', `echo 1 > /sys/fs/ext4/${path.basename(vol.dev)}/trigger_fs_error`]);
        const r = await consult(zs, '只读后');
        assertUnavailable(r, /只读/);
        assertUnavailable(await consult(zs, '只读后 2'), /只读/);
        await readsWork(srv, zs, [...acked.keys()][0]);
        const h = await health(srv);
        assert.equal(h.status, 'degraded', JSON.stringify(h));
        assert.equal(h.store.fault, 'read_only');
        assert.match(h.store.message, /只读/);

        // the server stops cleanly on the read-only volume (exit 0)
        await srv.stop();
        srv = null;
        // the operator's recovery: the kernel allows rw again only after umount
        sh('umount', [vol.dir]);
        sh('e2fsck', ['-fy', vol.image], { ok: [0, 1] });
        sh('mount', ['-o', 'loop,errors=remount-ro', vol.image, vol.dir]);
        integrityOk(path.join(dir, 'zhengtong.db'));
        srv = await startServer({ dir, keep: true });
        await checkAcked(srv, acked);
        const zs2 = await as(srv, 'zhangsan');
        const again = await consult(zs2, '恢复后');
        assert.equal(again.status, 201, again.text);
        assert.equal((await health(srv)).status, 'ok');
        await srv.stop();
        srv = null;
        ledgerVerifies(dir);
    });
});

// Crash safety (issue #7, short version): the server is killed with SIGKILL
// at random moments while citizens keep submitting consultations (each one a
// message row, a supervision event, the engine's projection and a ledger
// entry in one write). After every restart each acknowledged submission
// (201) is there, whole, and at the end the ledger verifies from the first
// entry to the last. ZT_CRASH_ROUNDS sets the number of kills (default 6 in
// `make test`; `ZT_CRASH_ROUNDS=100 make api` is the full run).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startServer, initDemo, tempDir, as, BIN, REPO } from './lib/server.mjs';

const ROUNDS = Number(process.env.ZT_CRASH_ROUNDS || 6);
const WRITERS = 4;

describe('SIGKILL under write load', () => {
    const dir = tempDir('zt-crash-');
    after(() => rmSync(dir, { recursive: true, force: true }));

    test(`${ROUNDS} kills: every acknowledged write survives whole; the ledger verifies`, { timeout: 60000 + ROUNDS * 8000 }, async () => {
        initDemo(dir);
        const acked = new Map(); // number -> title
        let lastRound = new Map();
        let seed = 20261128;
        const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
        for (let round = 0; round < ROUNDS; round++) {
            const srv = await startServer({ dir, keep: true });
            const zs = await as(srv, 'zhangsan');
            // what the round before acknowledged is there (all of it is checked at the end)
            for (const [number, title] of lastRound) {
                const r = await zs.get(`/api/messages/${number}`);
                assert.equal(r.status, 200, `round ${round}: ${number} lost: ${r.text}`);
                assert.equal(r.json.title, title);
                assert.equal(r.json.events.length, 1, 'its submission event with it');
            }
            let stop = false;
            const thisRound = new Map();
            const writer = async (w) => {
                for (let i = 0; !stop; i++) {
                    const title = `第${round}轮 写者${w} 第${i}件`;
                    try {
                        const r = await zs.post('/api/consultations', { department: '360300-GA', title, content: '崩溃测试' });
                        if (r.status === 201) {
                            acked.set(r.json.number, title);
                            thisRound.set(r.json.number, title);
                        }
                        else if (!stop) throw new Error(`unexpected ${r.status}: ${r.text}`);
                    } catch (err) {
                        // a network failure: the server died under us (fetch's "fetch failed",
                        // whatever its cause: reset, refused, closed); anything else is a bug
                        if (!(err instanceof TypeError && err.message === 'fetch failed')) throw err;
                        return; // the server died under us: what was not answered was not promised
                    }
                }
            };
            const done = Promise.allSettled(Array.from({ length: WRITERS }, (_, w) => writer(w)));
            await new Promise((r) => setTimeout(r, 150 + Math.floor(rand() * 600)));
            srv.proc.kill('SIGKILL');
            await srv.exited;
            stop = true;
            for (const r of await done) if (r.status === 'rejected') throw r.reason;
            lastRound = thisRound;
        }
        assert.ok(acked.size >= ROUNDS, `writes were acknowledged (${acked.size})`);
        // a last start: everything is there, and nothing half-written is visible
        const srv = await startServer({ dir, keep: true });
        const sup = await as(srv, 'jiancha');
        const zs = await as(srv, 'zhangsan');
        for (const [number, title] of acked) {
            const m = await zs.get(`/api/messages/${number}`);
            assert.equal(m.status, 200, `${number} lost: ${m.text}`);
            assert.equal(m.json.title, title);
            const s = await sup.get(`/api/supervision/cases/${number}?type=consultation`);
            assert.equal(s.status, 200, `${number} has no supervision projection: ${s.text}`);
            assert.equal(s.json.events, 1);
        }
        await srv.stop();
        const v = spawnSync(BIN, ['ledger', 'verify', '--data-dir', dir], { cwd: REPO, encoding: 'utf8' });
        assert.equal(v.status, 0, `ledger verify:\n${v.stdout}\n${v.stderr}`);
    });
});

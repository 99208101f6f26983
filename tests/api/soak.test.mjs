// soak.test.mjs - a bounded mixed load on loopback (issue #7, docs/reliability.md).
//
// For ZT_SOAK_SECONDS (default 30; the full run is ZT_SOAK_SECONDS=600) an
// open-loop generator starts ZT_SOAK_RATE operations a second (default 20),
// at most ZT_SOAK_CONCURRENCY (default 8) in flight (a tick that finds the cap
// full is counted as shed, not queued), drawn from a fixed mix:
//   citizens   upload a PDF + apply (licensing or on-the-spot item) + status query
//   clerks     pre-review + accept a licensing case; complete an on-the-spot case
//   systems    an API-key batch of 9 supervision events (3 external cases)
//   public     catalogue search and an item's guide
// while 3 supervision dashboards hold the live feed (SSE) open.
// Asserts: no 5xx and no other unexpected status; every acknowledged write
// reads back afterwards (each case in the state its last answer gave, each
// external case with its 3 steps); every dashboard received events and its
// stream stayed open; the server's RSS is flat (see RSS_MARGIN_KIB); after a
// clean stop `zhengtong ledger verify` passes. Figures (requests, rates,
// latency percentiles, the RSS curve) are printed as # lines and, with
// ZT_SOAK_REPORT=FILE, written as JSON.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { startServer, initDemo, tempDir, as, Client, BIN, REPO } from './lib/server.mjs';
import { openStream } from './lib/sse.mjs';

const SECONDS = Number(process.env.ZT_SOAK_SECONDS || 30);
const RATE = Number(process.env.ZT_SOAK_RATE || 20);
const CONCURRENCY = Number(process.env.ZT_SOAK_CONCURRENCY || 8);
const DASHBOARDS = 3;
// Flat memory: after a warm-up (the first fifth of the run: SQLite's page
// caches, one per connection and bounded by cache_size = 2 MiB each, the
// statement caches and malloc's arenas fill up), the rest is cut in thirds and
// max(RSS of the last third) <= max(RSS of the first third) + RSS_MARGIN_KIB.
// 8 MiB: the bounded caches that may still grow after the warm-up (a few read
// connections' page caches as the database grows, 2 MiB each at most) stay
// under it, while a leak of 1 KiB per operation at 20 operations a second is
// 12 MiB over the 10-minute run and fails it. (A 30-second run catches only
// leaks of tens of KiB per operation; the 10-minute run is the real check.)
const RSS_MARGIN_KIB = 8 * 1024;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const LICENSING = '360300-XK-GA-001'; // 普通护照签发, 市公安局 (gaj_clerk)
const ON_THE_SPOT = '360300-GG-RKJS-001'; // 生育登记, 即办件, 市卫健委 (a clerk made below)

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);

function rssKiB(pid) {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
}

// The live feed as a dashboard reads it (tests/api/lib/sse.mjs); the soak counts its sv_event blocks.
async function dashboard(srv, client) {
    const s = await openStream(srv, client);
    assert.equal(s.status, 200);
    return s;
}
const svEvents = (s) => s.events.filter((e) => e.event === 'sv_event').length;

function at(ms) {
    return new Date(ms + 8 * 3600e3).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

// Under AddressSanitizer freed memory waits in a quarantine (256 MiB by
// default) before reuse, so RSS climbs for minutes whatever the program does:
// a small quarantine (still catching use after free of recent blocks) lets
// the flat-memory check mean the same on both builds. LeakSanitizer checks
// for leaks at the stop.
const ASAN = spawnSync('nm', ['-D', BIN], { encoding: 'utf8' }).stdout.includes('__asan_init');
if (ASAN && !/quarantine_size_mb/.test(process.env.ASAN_OPTIONS || ''))
    process.env.ASAN_OPTIONS = [process.env.ASAN_OPTIONS, 'quarantine_size_mb=4'].filter(Boolean).join(':');

describe('soak', () => {
    const dir = tempDir('zt-soak-');
    after(() => rmSync(dir, { recursive: true, force: true }));

    test(`${SECONDS} s of mixed load at ${RATE} operations/s: no 5xx, nothing lost, flat memory, ledger valid`, { timeout: 120000 + SECONDS * 3000 }, async () => {
        initDemo(dir);
        // one citizen account stands for the city's applicants: its upload count is the load's, not a person's
        const srv = await startServer({ dir, keep: true, args: ['--log.access', '0', '--quota.uploads_per_hour', '0'] });
        let stopped = false;
        try {
            const admin = await as(srv, 'admin');
            const deptId = async (code) =>
                (await admin.get(`/api/departments?q=${encodeURIComponent(code)}`)).json.items.find((d) => d.code === code).id;
            const made = await admin.post('/api/users', {
                login: 'soak_rkjs_clerk', name: '卫健委 窗口 测试', role: 'clerk', dept_id: await deptId('360300-RKJS'),
                password: 'Soak2026pass',
            });
            assert.equal(made.status, 201, made.text);
            const citizen = await as(srv, 'zhangsan');
            const gaClerk = await as(srv, 'gaj_clerk');
            const rkjsClerk = await as(srv, 'soak_rkjs_clerk', 'Soak2026pass');
            const gaHead = await as(srv, 'gaj_head');
            const key = await gaHead.post('/api/keys', { dept_id: await deptId('360300-GA'), name: '人口信息系统（浸泡测试）' });
            assert.equal(key.status, 201, key.text);
            const system = new Client(srv, { key: key.json.key });
            const jiancha = await as(srv, 'jiancha');
            const anon = new Client(srv);
            const required = {};
            for (const code of [LICENSING, ON_THE_SPOT]) {
                const it = (await anon.get(`/api/items/${code}`)).json;
                required[code] = (it.guide || it).materials.filter((m) => m.required).map((m) => m.name);
            }
            const boards = await Promise.all(Array.from({ length: DASHBOARDS }, () => dashboard(srv, jiancha)));

            // --- what was acknowledged, to read back at the end
            const cases = new Map(); // number -> {state, owner}
            const external = new Map(); // number -> steps accepted
            const toAccept = []; // licensing cases submitted
            const toComplete = []; // on-the-spot cases received
            const known = []; // [number, password] for status queries
            const lat = {}; // op -> [ms]
            const statuses = {}; // "op status" -> n
            const unexpected = [];
            let requests = 0;
            const call = async (op, want, rp) => {
                const t0 = performance.now();
                const r = await rp;
                (lat[op] ||= []).push(performance.now() - t0);
                requests++;
                statuses[`${op} ${r.status}`] = (statuses[`${op} ${r.status}`] || 0) + 1;
                if (r.status !== want) unexpected.push(`${op}: ${r.status} ${r.text.slice(0, 300)}`);
                return r.status === want ? r : null;
            };
            let seq = 0;
            const apply = async (code) => {
                const n = ++seq;
                const up = await call('upload', 201, citizen.req('POST', `/api/uploads?name=soak-${n}.pdf`, {
                    body: PDF, headers: { 'Content-Type': 'application/octet-stream' },
                }));
                if (!up) return;
                const c = await call('apply', 201, citizen.post('/api/cases', {
                    item_code: code, title: `浸泡测试 ${n}`,
                    materials: required[code].map((m) => ({ material: m, upload_id: up.json.id })),
                }));
                if (!c) return;
                cases.set(c.json.number, c.json.state);
                known.push([c.json.number, c.json.query_password]);
                (code === LICENSING ? toAccept : toComplete).push(c.json.number);
                await call('status_query', 200, anon.post('/api/public/case-status', {
                    number: c.json.number, password: c.json.query_password,
                }));
            };
            const ops = [
                [4, 'citizen_licensing', () => apply(LICENSING)],
                [3, 'citizen_on_the_spot', () => apply(ON_THE_SPOT)],
                [3, 'clerk_accept', async () => {
                    const number = toAccept.shift();
                    if (!number) return;
                    const a = await call('pre_review_pass', 200, gaClerk.post(`/api/cases/${number}/actions/pre_review_pass`, { fields: { opinion: '材料齐全' } }));
                    if (!a) return;
                    cases.set(number, a.json.state);
                    const b = await call('accept', 200, gaClerk.post(`/api/cases/${number}/actions/accept`, { fields: { notice_no: `萍公受〔2026〕${number.slice(-6)}号` } }));
                    if (b) cases.set(number, b.json.state);
                }],
                [3, 'clerk_complete', async () => {
                    const number = toComplete.shift();
                    if (!number) return;
                    const c = await call('complete', 200, rkjsClerk.post(`/api/cases/${number}/actions/complete`, {
                        fields: { result_type: '已办理', fee_charged: 0, fee_standard: '不收费' },
                    }));
                    if (c) cases.set(number, c.json.state);
                }],
                [2, 'system_batch', async () => {
                    const b = ++seq;
                    const t0 = Date.now() - 10 * 86400e3;
                    const events = [];
                    for (let k = 0; k < 3; k++) {
                        const number = `GA-SOAK-${b}-${k}`;
                        const base = { subject_type: 'case', subject: number, time: at(t0), case: {
                            number, title: '外部系统办件', item_code: LICENSING, item_name: '普通护照签发', department: '360300-GA',
                            region: '360300', applicant_type: 'citizen', channel: 'window', legal_days: 15, promised_days: 7,
                        } };
                        const steps = [['submit', null, '', 'submitted'], ['accept', 'accept', 'submitted', 'accepted'], ['complete', 'complete', 'accepted', 'completed']];
                        steps.forEach(([action, result, from, to], i) => events.push({
                            ...base, id: `soak/${number}/${i + 1}`, type: `case.${action}`, seq: i + 1, time: at(t0 + i * 3600e3),
                            case: { ...base.case, state: to },
                            step: { action, result, from, to, actor: 'ext_clerk', actor_role: 'clerk', fields: {} },
                        }));
                    }
                    const r = await call('intake_batch', 200, system.post('/api/supervision/events', { events }));
                    if (!r) return;
                    if (r.json.accepted !== events.length) unexpected.push(`intake_batch: ${JSON.stringify(r.json).slice(0, 300)}`);
                    for (let k = 0; k < 3; k++) external.set(`GA-SOAK-${b}-${k}`, 3);
                }],
                [5, 'public_read', async () => {
                    await call('catalogue_search', 200, anon.get(`/api/items?q=${encodeURIComponent('许可')}&per_page=20`));
                    await call('item_guide', 200, anon.get(`/api/items/${seq % 2 ? LICENSING : ON_THE_SPOT}`));
                }],
                [2, 'status_query', async () => {
                    if (!known.length) return;
                    const [number, password] = known[seq++ % known.length];
                    await call('status_query', 200, anon.post('/api/public/case-status', { number, password }));
                }],
            ];
            const total = ops.reduce((s, [w]) => s + w, 0);
            let rng = 20261129;
            const pick = () => {
                rng = (rng * 1103515245 + 12345) % 2147483648;
                let x = (rng / 2147483648) * total;
                for (const o of ops) if ((x -= o[0]) < 0) return o;
                return ops[ops.length - 1];
            };

            // --- the run: a tick every 1/RATE s, RSS once a second
            const rss = [];
            const started = Date.now();
            const opsRun = {};
            let inflight = 0, shed = 0, failed = null;
            const running = new Set();
            await new Promise((resolve) => {
                const sampler = setInterval(() => rss.push([(Date.now() - started) / 1000, rssKiB(srv.proc.pid)]), 1000);
                const ticker = setInterval(() => {
                    if (Date.now() - started >= SECONDS * 1000 || failed) {
                        clearInterval(ticker);
                        clearInterval(sampler);
                        resolve();
                        return;
                    }
                    if (inflight >= CONCURRENCY) {
                        shed++;
                        return;
                    }
                    const [, name, fn] = pick();
                    opsRun[name] = (opsRun[name] || 0) + 1;
                    inflight++;
                    const p = fn()
                        .catch((err) => (failed ||= err))
                        .finally(() => {
                            inflight--;
                            running.delete(p);
                        });
                    running.add(p);
                }, 1000 / RATE);
            });
            await Promise.all([...running]);
            const elapsed = (Date.now() - started) / 1000;
            if (failed) throw failed;

            // --- figures
            const all = Object.values(lat).flat().sort((a, b) => a - b);
            const byOp = Object.fromEntries(Object.entries(lat).map(([k, v]) => {
                const s = [...v].sort((a, b) => a - b);
                return [k, { n: s.length, p50: +pct(s, 50).toFixed(1), p99: +pct(s, 99).toFixed(1), max: +s[s.length - 1].toFixed(1) }];
            }));
            const warm = rss.filter(([t]) => t > SECONDS / 5);
            const third = Math.floor(warm.length / 3);
            const first = warm.slice(0, third).map(([, k]) => k);
            const last = warm.slice(warm.length - third).map(([, k]) => k);
            const report = {
                seconds: +elapsed.toFixed(1), rate: RATE, concurrency: CONCURRENCY, operations: opsRun, shed, requests,
                requests_per_second: +(requests / elapsed).toFixed(1),
                latency_ms: { p50: +pct(all, 50).toFixed(1), p99: +pct(all, 99).toFixed(1), max: +all[all.length - 1].toFixed(1) },
                by_request: byOp, statuses,
                cases: cases.size, external_cases: external.size, sse_events: boards.map(svEvents),
                rss_kib: { first_third_max: Math.max(...first), last_third_max: Math.max(...last), margin: RSS_MARGIN_KIB, samples: rss },
            };
            console.log(`# soak: ${report.seconds} s, ${requests} requests (${report.requests_per_second}/s), ` +
                `${Object.values(opsRun).reduce((a, b) => a + b, 0)} operations, ${shed} shed; latency p50 ${report.latency_ms.p50} ms, ` +
                `p99 ${report.latency_ms.p99} ms, max ${report.latency_ms.max} ms`);
            console.log(`# soak: RSS MiB ${rss.filter((_, i) => i % Math.max(1, Math.floor(rss.length / 12)) === 0).map(([t, k]) => `${Math.round(t)}s:${(k / 1024).toFixed(1)}`).join(' ')}`);
            console.log(`# soak: cases ${cases.size}, external ${external.size}, SSE events per dashboard ${report.sse_events.join(', ')}`);
            if (process.env.ZT_SOAK_REPORT) writeFileSync(process.env.ZT_SOAK_REPORT, JSON.stringify(report, null, 2));

            // --- assertions
            assert.deepEqual(unexpected, [], 'every answer was the expected one (no 5xx, no other refusal)');
            assert.ok(Object.keys(statuses).every((k) => !/ 5\d\d$/.test(k)), `no 5xx: ${JSON.stringify(statuses)}`);
            assert.ok(cases.size > 0 && external.size > 0, 'writes were acknowledged');
            for (const b of boards) {
                assert.equal(b.ended, false, `a dashboard's stream ended early: ${b.error}`);
                assert.ok(svEvents(b) > 0, 'every dashboard received events');
            }
            assert.ok(first.length >= 2 && last.length >= 2, `enough RSS samples (${rss.length})`);
            assert.ok(Math.max(...last) <= Math.max(...first) + RSS_MARGIN_KIB,
                `RSS grew: first third max ${Math.max(...first)} KiB, last third max ${Math.max(...last)} KiB`);
            // every acknowledged write reads back
            const sup = jiancha;
            for (const [number, state] of cases) {
                const r = await citizen.get(`/api/cases/${number}`);
                assert.equal(r.status, 200, `${number}: ${r.text}`);
                assert.equal(r.json.state, state, `${number} is in the state its last answer gave`);
            }
            for (const [number, steps] of external) {
                const r = await sup.get(`/api/supervision/cases/${encodeURIComponent(number)}`);
                assert.equal(r.status, 200, `${number}: ${r.text}`);
                assert.equal(r.json.steps.length, steps);
            }
            for (const b of boards) b.close();
            await Promise.all(boards.map((b) => b.done));
            await srv.stop();
            stopped = true;
            const v = spawnSync(BIN, ['ledger', 'verify', '--data-dir', dir], { cwd: REPO, encoding: 'utf8' });
            assert.equal(v.status, 0, `ledger verify:\n${v.stdout}\n${v.stderr}`);
        } finally {
            if (!stopped) await srv.stop().catch(() => {});
        }
    });
});

// The demo city's history (scripts/demo-activity.mjs): two weeks walked
// through the real engine on the fake clock, on a fresh `init --demo`
// database. Then a normal server on that directory shows the cases, the
// yellow and red cards, the fee card and the ratings, and the ledger verifies.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO, BIN, tempDir, initDemo, startServer, as } from './lib/server.mjs';

const SCRIPT = path.join(REPO, 'scripts/demo-activity.mjs');
const FAST_HASH = ['--auth.argon2_mem_kib', '8192', '--auth.argon2_ops', '1'];
const WALK_TIMEOUT_MS = 90000;

// run the script; resolves to {code, stdout, stderr, ms}
function walk(dir, extra = []) {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [SCRIPT, '--bin', BIN, '--data-dir', dir, ...extra, ...FAST_HASH], {
            cwd: REPO,
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '', stderr = '';
        p.stdout.on('data', (b) => (stdout += b));
        p.stderr.on('data', (b) => (stderr += b));
        const timer = setTimeout(() => {
            p.kill('SIGTERM');
            reject(new Error(`demo-activity did not finish in ${WALK_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`));
        }, WALK_TIMEOUT_MS);
        p.on('exit', (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, ms: Date.now() - t0 });
        });
    });
}

describe('demo activity: two weeks of the city through the real engine', { timeout: 110000 }, () => {
    let dir, run, summary, srv, sup, admin;

    before(async () => {
        dir = tempDir('zt-demo-');
        initDemo(dir);
        run = await walk(dir, ['--weeks', '2', '--seed', '1', '--summary', path.join(dir, 'summary.json')]);
        assert.equal(run.code, 0, `demo-activity failed:\n${run.stdout}\n${run.stderr}`);
        summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
        srv = await startServer({ dir, keep: true }); // the real clock, as `make run` serves it
        sup = await as(srv, 'jiancha');
        admin = await as(srv, 'admin');
    });

    after(async () => {
        if (srv) await srv.stop().catch(() => {});
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // the cards of a subject as the supervision office sees them
    async function cards(number, type = 'case') {
        const r = await sup.get(`/api/supervision/cases/${encodeURIComponent(number)}?type=${type}`);
        assert.equal(r.status, 200, r.text);
        return r.json.cards.filter((c) => c.state !== 'retracted').map((c) => (typeof c.rule === 'object' ? c.rule.id : c.rule));
    }

    test('the walk finishes quickly and prints its summary and the accounts it made', () => {
        assert.ok(run.ms < 60000, `took ${run.ms} ms`);
        assert.match(run.stdout, /cases: +\d+/);
        assert.match(run.stdout, /gh_clerk +clerk/);
        assert.match(run.stdout, /lina +citizen +李娜 \d{17}[\dX]/);
        assert.equal(summary.walk.weeks, 2);
        assert.ok(summary.walk.working_days >= 5, JSON.stringify(summary.walk));
        assert.ok(summary.walk.last_day < new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10));
    });

    test('at least 20 cases, handled by the departments that have staff; most completed', async () => {
        const r = await admin.get('/api/dept/cases?per_page=1');
        assert.equal(r.status, 200, r.text);
        assert.ok(r.json.total >= 20, `total ${r.json.total}`);
        const done = (await admin.get('/api/dept/cases?per_page=1&state=completed')).json.total;
        assert.ok(done >= r.json.total / 2, `${done} of ${r.json.total} completed`);
        // the new staff can log in and see their department's cases
        const gh = await as(srv, 'gh_clerk');
        assert.equal((await gh.get('/api/dept/cases')).status, 200);
        const lina = await as(srv, 'lina');
        assert.equal(lina.user.role, 'citizen');
    });

    test('a case left past its promise has a yellow card, one past its legal day a red card', async () => {
        assert.ok(summary.planted.yellow_promised && summary.planted.red_legal, JSON.stringify(summary.planted));
        const yellow = await cards(summary.planted.yellow_promised);
        assert.ok(yellow.includes('promised_yellow'), yellow.join());
        const red = await cards(summary.planted.red_legal);
        assert.ok(red.includes('legal_red'), red.join());
        assert.ok(red.includes('promised_yellow'), red.join());
    });

    test('the fee charged above the standard has its red card', async () => {
        const n = summary.planted.fee_above_standard;
        const c = await cards(n);
        assert.ok(c.includes('fee_above_standard'), c.join());
        const s = (await sup.get(`/api/supervision/cases/${n}`)).json;
        const fee = s.cards.find((x) => (x.rule.id || x.rule) === 'fee_above_standard');
        assert.equal(fee.level, 'red');
        assert.equal(fee.facts.fee_charged, 20000);
        assert.equal(fee.facts.standard, 12000);
    });

    test('the refusal, the 补正, the special procedure and the joint review went their ways', async () => {
        const p = summary.planted;
        const get = async (n) => (await admin.get(`/api/cases/${n}`)).json;
        const refused = await get(p.refusal);
        assert.equal(refused.state, 'not_accepted');
        const ref = refused.timeline.find((e) => e.action === 'refuse_acceptance');
        assert.ok(ref.fields.reason && ref.fields.legal_basis && ref.fields.remedy_notice);
        const supp = await get(p.supplement);
        assert.deepEqual(
            supp.timeline.map((e) => e.action).slice(0, 3),
            ['submit', 'request_supplement', 'resubmit'],
        );
        const special = await get(p.special_procedure);
        assert.ok(special.timeline.some((e) => e.action === 'special_start'));
        assert.ok(special.timeline.some((e) => e.action === 'special_end'));
        const joint = await get(p.joint_review);
        assert.ok(joint.joint_departments.length >= 2);
        assert.ok(joint.joint_departments.every((d) => d.opinion_given), JSON.stringify(joint.joint_departments));
    });

    test('consultations, complaints and ratings, two of them bad and followed up', async () => {
        assert.ok(summary.messages.consultation.total >= 2, JSON.stringify(summary.messages));
        assert.ok(summary.messages.complaint.total >= 1, JSON.stringify(summary.messages));
        const bad = (await admin.get('/api/dept/ratings?bad=1')).json;
        assert.equal(bad.total, 2, JSON.stringify(bad));
        assert.ok(summary.ratings.total >= 10, JSON.stringify(summary.ratings));
        assert.ok(summary.cards.by_level.yellow >= 1 && summary.cards.by_level.red >= 1, JSON.stringify(summary.cards.by_level));
    });

    test('a department system reports through the intake; its double 补正 is a procedure card', async () => {
        assert.equal(summary.external.skipped, false, 'the intake route answered');
        assert.ok(summary.external.reported_events > 0);
        const c = await cards(summary.planted.external_repeated_supplement);
        assert.ok(c.includes('repeated_supplement'), c.join());
    });

    test('the ledger verifies, and the script refuses to walk the same database twice', async () => {
        await srv.stop();
        srv = null;
        const v = spawnSync(BIN, ['ledger', 'verify', '--data-dir', dir], {
            cwd: REPO,
            encoding: 'utf8',
            env: { ...process.env, TZ: 'Asia/Shanghai' },
            timeout: 60000,
        });
        assert.equal(v.status, 0, `${v.stdout}\n${v.stderr}`);
        const again = await walk(dir, ['--weeks', '1']);
        assert.equal(again.code, 1, again.stdout);
        assert.match(again.stderr, /HTTP 4\d\d/);
    });
});

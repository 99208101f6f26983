// kind.test.mjs - the seam of supervision kinds (issue #8): a kind that
// exists only in the tests (tests/kind/inspection.c, 行政检查), linked into
// build/tests/zhengtong-kind ($ZT_KIND_BIN, make api builds it) with no
// edit under src/supervise/. Over HTTP, as a department's system would:
// its events go through the real intake (an API key; the kind's own check),
// a late inspection gets a card when the working-day calendar (国庆 2026)
// says so and not when the weekday rule would, its subject is in the
// supervision views with its detail, and the monthly scores count its
// facts through an indicator of scores.json.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, REPO, as, startServer, tempDir } from './lib/server.mjs';
import { ok } from './lib/cases.mjs';

const KIND_BIN = process.env.ZT_KIND_BIN ? path.resolve(process.env.ZT_KIND_BIN) : path.join(REPO, 'build/tests/zhengtong-kind');

// the product's data files, plus the kind's rules and an indicator for its source
function sourceDir() {
    const dir = tempDir('zt-kind-src-');
    cpSync(path.join(REPO, 'data'), dir, { recursive: true });
    writeFileSync(
        path.join(dir, 'rules/inspection.json'),
        JSON.stringify({
            format: 'zhengtong.rules/1',
            rules: [
                {
                    id: 'inspection_late', name: '检查逾期未办结', category: 'time', kind: 'inspection_late',
                    subject_type: 'inspection', level: 'yellow', priority: 20, params: { offset: 1 },
                },
            ],
        }),
    );
    const scores = JSON.parse(readFileSync(path.join(dir, 'scores.json'), 'utf8'));
    scores.indicators.find((i) => i.id === 'on_time').weight -= 10;
    scores.indicators.push({ id: 'inspection', name: '检查按期办结率', kind: 'rate', source: 'inspection_on_time', weight: 10 });
    writeFileSync(path.join(dir, 'scores.json'), JSON.stringify(scores));
    return dir;
}

// an event of inspection number, at the fake clock's time (the intake takes
// events up to a day ahead of it)
function event(number, seq, action, time, extra = {}) {
    return {
        id: `ga-insp/${number}/${seq}`,
        type: `inspection.${action}`,
        time,
        subject_type: 'inspection',
        subject: number,
        inspection: { number, department: '360300-GA', region: '360300', target: `${number} 号企业`, ...extra },
        step: { action, result: action === 'close' ? 'complete' : null, to: action === 'close' ? 'closed' : 'open' },
    };
}

describe('a supervision kind from the tests only (行政检查)', () => {
    let t, src, admin, jiancha, key;
    const clock = (iso) => ok(admin.put('/api/admin/clock', { now: iso }));
    const tick = () => ok(admin.post('/api/admin/tick', {}));
    const subject = (n) => jiancha.get(`/api/supervision/cases/${n}?type=inspection`);
    const report = (events) => ok(key.post('/api/supervision/events', { events }));

    before(async () => {
        src = sourceDir();
        t = await startServer({ bin: KIND_BIN, args: ['--fake-clock', '--source.dir', src] });
        admin = await as(t, 'admin');
        jiancha = await as(t, 'jiancha');
        await clock('2026-09-30T02:00:00Z'); // Wednesday 10:00, the eve of 国庆
        const depts = await ok(admin.get('/api/departments?q=360300-GA'));
        const head = await as(t, 'gaj_head');
        const k = await ok(head.post('/api/keys', { dept_id: depts.items.find((d) => d.code === '360300-GA').id, name: '执法检查系统' }), 201);
        key = new Client(t, { key: k.key });
    });
    after(async () => {
        if (t) await t.stop();
        if (src) rmSync(src, { recursive: true, force: true });
    });

    test('the kind is registered: its rule is seeded from its rules file, its subject type accepted by the intake', async () => {
        const rules = await ok(jiancha.get('/api/supervision/rules'));
        const list = rules.items || rules;
        const rule = list.find((r) => r.id === 'inspection_late');
        assert.ok(rule, 'inspection_late seeded');
        assert.equal(rule.subject_type, 'inspection');
        const r = await report([
            event('JX-1', 1, 'open', '2026-09-30T10:00:00+08:00', { due_days: 2 }),
            event('JX-2', 1, 'open', '2026-09-30T10:00:00+08:00', { due_days: 2 }),
            event('JX-3', 1, 'open', '2026-09-30T10:00:00+08:00', { due_days: 1 }),
        ]);
        assert.equal(r.accepted, 3, JSON.stringify(r.rejected));
    });

    test("the kind's own check refuses its bad events, naming the member", async () => {
        const r = await report([
            event('JX-9', 1, 'open', '2026-09-30T10:00:00+08:00'), // no due_days
            event('JX-9', 1, 'open', '2026-09-30T10:00:00+08:00', { due_days: 31 }),
            { ...event('JX-9', 1, 'open', '2026-09-30T10:00:00+08:00', { due_days: 2 }), type: 'inspection.reopen', step: { action: 'reopen' } },
            event('JX-9', 1, 'open', '2026-09-30T10:00:00+08:00', { due_days: 2, region: '360402' }), // another city (F9)
        ]);
        assert.equal(r.accepted, 0);
        assert.deepEqual(
            r.rejected.map((x) => x.field),
            ['events[0].inspection.due_days', 'events[1].inspection.due_days', 'events[2].type', 'events[3].inspection.region'],
        );
        assert.equal((await subject('JX-9')).status, 404);
    });

    test('the subject is in the supervision views with the kind\'s detail: its last day counted on the calendar', async () => {
        const s = await ok(subject('JX-1'));
        assert.equal(s.subject_type, 'inspection');
        assert.equal(s.source, 'dept:360300-GA');
        assert.equal(s.department, '360300-GA');
        assert.equal(s.title, 'JX-1 号企业');
        assert.equal(s.due_day, '2026-10-09');
        // 2 working days from 30 September: 国庆 1-7 October, so 8 and 9 October (the weekday rule says 2 October)
        assert.equal(s.due, '2026-10-09');
        assert.equal(s.target, 'JX-1 号企业');
        assert.equal(s.due_days, 2);
    });

    test('a card when the calendar says the inspection is late, not when the weekday rule would', async () => {
        await clock('2026-10-05T02:00:00Z'); // in the holiday: by weekdays JX-1 was due on the 2nd
        await tick();
        assert.deepEqual((await ok(subject('JX-1'))).cards, []);
        await clock('2026-10-08T02:00:00Z');
        await ok(key.post('/api/supervision/events', event('JX-2', 2, 'close', '2026-10-08T10:00:00+08:00')));
        await tick();
        await clock('2026-10-09T14:00:00Z'); // Friday 22:00: JX-1's last day, JX-3 is a day late
        await tick();
        assert.deepEqual((await ok(subject('JX-1'))).cards, []);
        const late3 = (await ok(subject('JX-3'))).cards;
        assert.equal(late3.length, 1);
        assert.equal(late3[0].rule, 'inspection_late');
        assert.equal(late3[0].level, 'yellow');
        await clock('2026-10-10T01:00:00Z'); // Saturday 9:00, a make-up working day: JX-1 is late now
        await tick();
        const cards = (await ok(subject('JX-1'))).cards;
        assert.equal(cards.length, 1);
        assert.equal(cards[0].signal_at, '2026-10-10T00:00:00+08:00');
        assert.deepEqual((await ok(subject('JX-2'))).cards, [], 'closed on time: no card');
        // the card is an ordinary card: in the lists, with its subject
        const listed = await ok(jiancha.get('/api/supervision/cards?rule=inspection_late'));
        assert.deepEqual(listed.items.map((c) => c.subject.number).sort(), ['JX-1', 'JX-3']);
    });

    test("the monthly scores count the kind's facts through its source", async () => {
        await clock('2026-10-12T02:00:00Z');
        await ok(key.post('/api/supervision/events', event('JX-3', 2, 'close', '2026-10-12T10:00:00+08:00')));
        await ok(jiancha.post('/api/supervision/scores/2026-10/compute', {}));
        const ga = (await ok(jiancha.get('/api/supervision/scores?month=2026-10&dept=360300-GA'))).items[0];
        const ind = ga.indicators.find((i) => i.id === 'inspection');
        assert.equal(ind.source, 'inspection_on_time');
        assert.equal(ind.numerator, 1); // JX-2 on time
        assert.equal(ind.denominator, 2); // JX-2 and JX-3 closed in October (JX-1 still open)
        assert.equal(ind.points, 5);
        const ded = ga.deductions.find((d) => d.indicator === 'inspection');
        assert.equal(ded.reason, '检查按期办结率 50%（1/2 件按期办结），10 分 × 50% = 5 分，扣 5 分（逾期：JX-3）');
        // its cards are cards: counted by the core's yellow-card indicator
        const yellow = ga.deductions.find((d) => d.indicator === 'yellow');
        const jx = (await ok(jiancha.get('/api/supervision/cards?rule=inspection_late'))).items.map((c) => c.number);
        for (const n of jx) assert.ok(yellow.refs.includes(n), `${n} among the yellow cards`);
    });
});

// holes.test.mjs - the supervision holes issue #8 found, tried as a user
// would; each test failed before the fix:
//   - a case that passed 预审, or was resubmitted after 补正, and is never
//     accepted gets the pre-acceptance cards (it got none);
//   - 延长审查期限 beyond the item's legal extension (行政许可法 §42) is a
//     400 on the platform and a procedure card when a department reports it;
//   - a batch that reports a whole on-time case raises no card at all (it
//     raised four and retracted them in the same request);
//   - a promised limit of 1 or 2 working days gets its warning on the
//     acceptance day;
//   - importing a year of the calendar re-evaluates the open subjects whose
//     deadline moves, and records why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, as, errorOf, startServer } from './lib/server.mjs';
import { LONG, applyCase, deptCaseEvent, ok, people } from './lib/cases.mjs';
const at = (day, time = '10:00:00') => `${day}T${time}+08:00`;

describe('supervision holes (issue #8)', () => {
    let t, admin, zs, clerk, head, sup, anon, key;

    const clock = (iso) => ok(admin.put('/api/admin/clock', { now: iso }));
    const act = (c, n, a, fields = {}) => c.post(`/api/cases/${n}/actions/${a}`, { fields });
    const apply = () => applyCase(zs, anon);
    const subject = (n, type = 'case', source = null) =>
        ok(sup.get(`/api/supervision/cases/${n}?type=${type}${source ? `&source=${encodeURIComponent(source)}` : ''}`));
    const rules = (cs) => cs.filter((c) => c.state !== 'retracted').map((c) => c.rule).sort();

    // an event of a passport case 360300-GA's own system reports (lib/cases.mjs)
    const ev = (number, seq, action, result, time, { caseInfo = {}, ...opts } = {}) =>
        deptCaseEvent(number, seq, action, result, time, {
            prefix: 'ga-holes',
            ...opts,
            caseInfo: { item_name: '普通护照签发', legal_days: 15, promised_days: 7, ...caseInfo },
        });
    const report = (events) => ok(key.post('/api/supervision/events', { events }));

    before(async () => {
        t = await startServer({ args: LONG });
        [admin, zs, clerk, head, sup] = await people(t, as, 'admin', 'zhangsan', 'gaj_clerk', 'gaj_head', 'jiancha');
        anon = new Client(t);
        await clock(at('2026-03-02')); // Monday
        const depts = await ok(admin.get('/api/departments?q=360300-GA'));
        const k = await ok(head.post('/api/keys', { dept_id: depts.items.find((d) => d.code === '360300-GA').id, name: '业务系统' }), 201);
        key = new Client(t, { key: k.key });
    });
    after(async () => t && (await t.stop()));

    test('预审 passed and never accepted: the pre-acceptance cards come all the same', async () => {
        await clock(at('2026-03-02'));
        const n = await apply();
        await ok(act(clerk, n, 'pre_review_pass', { opinion: '材料齐全' }));
        // submitted Monday 2 March: WD_3 is Thursday 5, WD_5 is Monday 9, WD_7 is Wednesday 11
        await clock(at('2026-03-05', '00:00:00'));
        assert.deepEqual(rules((await subject(n)).cards), ['pre_acceptance_warning']);
        await clock(at('2026-03-11', '00:00:00'));
        assert.deepEqual(rules((await subject(n)).cards), ['pre_acceptance_red', 'pre_acceptance_warning', 'pre_acceptance_yellow']);
    });

    test('resubmitted after 补正 and never accepted: the limit counts again from the resubmission', async () => {
        await clock(at('2026-03-02'));
        const n = await apply();
        await clock(at('2026-03-03'));
        await ok(act(clerk, n, 'request_supplement', { missing_materials: ['户口簿'], notice: '请补交户口簿' }));
        await clock(at('2026-03-16')); // Monday: the applicant resubmits
        await ok(act(zs, n, 'resubmit', { note: '已补交' }));
        // the first wait ended with the 补正 notice on its 2nd day: no card for it
        await clock(at('2026-03-18', '23:59:59'));
        assert.deepEqual(rules((await subject(n)).cards), []);
        // from the resubmission (16 March): WD_3 Thursday 19, WD_5 Monday 23
        await clock(at('2026-03-19', '00:00:00'));
        assert.deepEqual(rules((await subject(n)).cards), ['pre_acceptance_warning']);
        await clock(at('2026-03-23', '00:00:00'));
        const cards = (await subject(n)).cards.filter((c) => c.rule === 'pre_acceptance_yellow');
        assert.equal(cards.length, 1);
        assert.ok(cards[0].facts.resubmitted_at, JSON.stringify(cards[0].facts));
    });

    test('延长审查期限 beyond the legal extension: 400 on the platform, naming the days', async () => {
        await clock(at('2026-03-02'));
        const n = await apply();
        await ok(act(clerk, n, 'pre_review_pass', { opinion: '材料齐全' }));
        await ok(act(clerk, n, 'accept'));
        for (const days of [60, 365, 11]) {
            const r = await act(head, n, 'special_start', { type: '延长审查期限', reason: '情况复杂', legal_basis: '《行政许可法》第四十二条', days });
            assert.equal(r.status, 400, r.text);
            assert.equal(errorOf(r).field, 'days');
            assert.match(errorOf(r).message, /最多 10 个工作日/);
        }
        const c = await ok(zs.get(`/api/cases/${n}`));
        assert.equal(c.state, 'handling', 'nothing changed');
        await ok(act(head, n, 'special_start', { type: '延长审查期限', reason: '情况复杂', legal_basis: '《行政许可法》第四十二条', days: 10 }));
        assert.deepEqual(rules((await subject(n)).cards), []);
    });

    test("a department's report of a 60-day extension is a procedure card", async () => {
        await clock(at('2026-03-10'));
        const r = await report([
            ev('EXT-60', 1, 'submit', null, at('2026-03-02'), { to: 'submitted' }),
            ev('EXT-60', 2, 'accept', 'accept', at('2026-03-02', '11:00:00'), { to: 'accepted' }),
            ev('EXT-60', 3, 'special_start', 'suspend', at('2026-03-04'), {
                to: 'suspended', fields: { type: '延长审查期限', reason: '复杂', days: 60 },
            }),
        ]);
        assert.equal(r.accepted, 3, JSON.stringify(r.rejected));
        const s = await subject('EXT-60', 'case', 'dept:360300-GA');
        const card = s.cards.find((c) => c.rule === 'extension_over_limit');
        assert.ok(card, JSON.stringify(s.cards.map((c) => c.rule)));
        assert.equal(card.facts.days, 60);
        assert.equal(card.facts.extension_days, 10);
        assert.equal(card.signal_at, '2026-03-04T10:00:00+08:00');
    });

    test('a batch reporting a whole case finished on time raises no card and retracts none', async () => {
        await clock(at('2026-03-31'));
        const inboxBefore = (await ok(head.get('/api/inbox?per_page=1'))).total;
        // submitted 3 March, accepted on the 6th, approved and completed on the 9th: on time at every
        // step, reported three weeks later all at once (one by one, the submission alone would have
        // been late for acceptance, the acceptance alone late for the promise)
        const r = await report([
            ev('ONCE-1', 1, 'submit', null, at('2026-03-03'), { to: 'submitted' }),
            ev('ONCE-1', 2, 'accept', 'accept', at('2026-03-06'), { to: 'handling' }),
            ev('ONCE-1', 3, 'approve', 'approve', at('2026-03-09'), { to: 'approved' }),
            ev('ONCE-1', 4, 'complete', 'complete', at('2026-03-09', '11:00:00'), {
                to: 'completed', fields: { result_type: '准予许可', fee_charged: 12000, fee_standard: '120元/本' },
            }),
        ]);
        assert.equal(r.accepted, 4, JSON.stringify(r.rejected));
        const s = await subject('ONCE-1', 'case', 'dept:360300-GA');
        assert.deepEqual(s.cards, [], 'not even a retracted one');
        assert.equal((await ok(head.get('/api/inbox?per_page=1'))).total, inboxBefore, 'nobody was told anything');
    });

    test('a promised limit of 1 or 2 working days is warned on the acceptance day', async () => {
        await clock(at('2026-04-01')); // Wednesday
        const r = await report([
            ev('P1', 1, 'submit', null, at('2026-04-01', '09:00:00'), { to: 'submitted', caseInfo: { promised_days: 1, legal_days: 3 } }),
            ev('P1', 2, 'accept', 'accept', at('2026-04-01', '09:30:00'), { to: 'accepted', caseInfo: { promised_days: 1, legal_days: 3 } }),
            ev('P2', 1, 'submit', null, at('2026-04-01', '09:00:00'), { to: 'submitted', caseInfo: { promised_days: 2, legal_days: 5 } }),
            ev('P2', 2, 'accept', 'accept', at('2026-04-01', '09:30:00'), { to: 'accepted', caseInfo: { promised_days: 2, legal_days: 5 } }),
            ev('P3', 1, 'submit', null, at('2026-04-01', '09:00:00'), { to: 'submitted', caseInfo: { promised_days: 3, legal_days: 5 } }),
            ev('P3', 2, 'accept', 'accept', at('2026-04-01', '09:30:00'), { to: 'accepted', caseInfo: { promised_days: 3, legal_days: 5 } }),
        ]);
        assert.equal(r.accepted, 6, JSON.stringify(r.rejected));
        for (const n of ['P1', 'P2']) {
            const s = await subject(n, 'case', 'dept:360300-GA');
            const w = s.cards.filter((c) => c.rule === 'promised_warning');
            assert.equal(w.length, 1, `${n}: ${JSON.stringify(s.cards.map((c) => c.rule))}`);
            assert.equal(w[0].signal_at, '2026-04-01T09:30:00+08:00', `${n}: warned at its acceptance`);
        }
        // 3 working days: the window (2 days before the promise) begins on WD_2, as before
        assert.deepEqual(rules((await subject('P3', 'case', 'dept:360300-GA')).cards), []);
        await clock(at('2026-04-02', '00:00:00'));
        assert.deepEqual(rules((await subject('P3', 'case', 'dept:360300-GA')).cards), ['promised_warning']);
    });
});

describe('importing a year of the calendar re-evaluates the open subjects it moves', () => {
    let t, admin, zs, clerk, sup, anon, n;
    const clock = (iso) => ok(admin.put('/api/admin/clock', { now: iso }));

    before(async () => {
        t = await startServer({ args: LONG });
        [admin, zs, clerk, sup] = await people(t, as, 'admin', 'zhangsan', 'gaj_clerk', 'jiancha');
        anon = new Client(t);
    });
    after(async () => t && (await t.stop()));

    test('a deadline in 2027 is provisional, then moves with the imported holidays, and the ledger says why', async () => {
        await clock(at('2026-12-24')); // Thursday
        n = await applyCase(zs, anon);
        await ok(clerk.post(`/api/cases/${n}/actions/pre_review_pass`, { fields: {} }));
        await ok(clerk.post(`/api/cases/${n}/actions/accept`, { fields: {} }));
        // 7 working days from 24 December; 2027 is not covered: the weekday rule counts 1 January
        let mine = await ok(zs.get(`/api/cases/${n}`));
        assert.equal(mine.deadlines.promised_due, '2027-01-04');
        let s = await ok(sup.get(`/api/supervision/cases/${n}`));
        assert.equal(s.promised_due, '2027-01-04');
        assert.deepEqual(s.provisional, ['promised_due', 'legal_due']);
        // the operator imports 2027 (TEST FIXTURE, not the State Council's schedule): 1 January a holiday
        const tsv = '# TEST FIXTURE ONLY (tests/api/holes.test.mjs)\nyear\t2027\n2027-01-01\tholiday\t测试元旦\n';
        await ok(admin.req('POST', '/api/admin/calendar/import', { body: tsv, headers: { 'Content-Type': 'text/plain' } }));
        // the applicant's case moves in the import's own write
        mine = await ok(zs.get(`/api/cases/${n}`));
        assert.equal(mine.deadlines.promised_due, '2027-01-05');
        assert.equal(mine.deadlines.legal_due, '2027-01-15');
        const redated = await ok(sup.get(`/api/audit?action=case.redated&target_id=${encodeURIComponent(n)}`));
        assert.equal(redated.items.length, 1);
        assert.equal(redated.items[0].detail.promised_due_was, '2027-01-04');
        assert.equal(redated.items[0].detail.reason, '导入 2027 年工作日历');
        await ok(admin.post('/api/admin/tick', {}));
        s = await ok(sup.get(`/api/supervision/cases/${n}`));
        assert.equal(s.promised_due, '2027-01-05');
        assert.deepEqual(s.provisional, []);
        const why = await ok(sup.get(`/api/audit?action=supervision.redated&target_id=${encodeURIComponent(n)}`));
        assert.equal(why.items.length, 1);
        assert.equal(why.items[0].detail.from, '2027-01-04');
        assert.equal(why.items[0].detail.to, '2027-01-05');
        const change = (await ok(sup.get('/api/audit?action=supervision.reevaluate'))).items[0]; // the newest
        assert.equal(change.detail.reason, '导入 2027 年工作日历');
        assert.ok(change.detail.subjects >= 1);
        // the yellow card waits for the end of the new day, not the old one
        const yellow = s.timers.find((x) => x.rule === 'promised_yellow');
        assert.equal(yellow.due_at, '2027-01-06T00:00:00+08:00');
        await clock(at('2027-01-05', '12:00:00'));
        assert.deepEqual(
            (await ok(sup.get(`/api/supervision/cases/${n}`))).cards.map((c) => c.rule),
            ['promised_warning'],
            'no yellow on the first working day after the old deadline',
        );
    });
});

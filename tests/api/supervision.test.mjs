// The supervision engine on the legal clock: the exact moment each warning,
// yellow and red card appears across the 2026 Spring Festival (holidays
// 15-23 February, make-up working days Saturday 14 and Saturday 28
// February), special procedures pushing deadlines, a case closed on its last
// day never turning yellow, the pre-acceptance, consultation, supplement and
// fee rules. Cards are read as the supervision office reads them.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, as, Client } from './lib/server.mjs';
import { LONG, PASSPORT, applyCase, ok } from './lib/cases.mjs';

// 10:00 in 萍乡 (UTC+8) on a day, or an exact local time
const at = (day, time = '10:00:00') => `${day}T${time}+08:00`;

describe('the legal clock across the Spring Festival', () => {
    let t, admin, zs, clerk, head, sup, anon, yellowNumber;

    async function clock(iso) {
        await ok(admin.put('/api/admin/clock', { now: iso }));
    }
    const apply = (code = PASSPORT) => applyCase(zs, anon, code);
    const act = (c, n, a, fields = {}) => ok(c.post(`/api/cases/${n}/actions/${a}`, { fields }));
    async function accepted(code = PASSPORT) {
        const n = await apply(code);
        await act(clerk, n, 'pre_review_pass');
        await act(clerk, n, 'accept');
        return n;
    }
    async function cards(n, type = 'case') {
        const s = await ok(sup.get(`/api/supervision/cases/${n}?type=${type}`));
        return s.cards.filter((c) => c.state !== 'retracted');
    }
    const rules = (cs) => cs.map((c) => c.rule).sort();

    before(async () => {
        t = await startServer({ args: LONG });
        admin = await as(t, 'admin');
        zs = await as(t, 'zhangsan');
        clerk = await as(t, 'gaj_clerk');
        head = await as(t, 'gaj_head');
        sup = await as(t, 'jiancha');
        anon = new Client(t);
    });
    after(async () => t && (await t.stop()));

    test('warning at the start of WD_5, yellow at the start of WD_8, red at the start of WD_16 (P 7, L 15)', async () => {
        await clock(at('2026-02-10')); // Tuesday
        const n = await accepted();
        const s = await ok(sup.get(`/api/supervision/cases/${n}`));
        assert.equal(s.accept_day, '2026-02-10');
        assert.equal(s.promised_due, '2026-02-26'); // 11, 12, 13, 14 (make-up), 24, 25, 26
        assert.equal(s.legal_due, '2026-03-09');
        assert.deepEqual(s.timers.map((x) => x.rule).sort(), ['legal_red', 'promised_warning', 'promised_yellow', 'step_limit']);
        assert.deepEqual(await cards(n), []);
        await clock(at('2026-02-23', '23:59:59')); // the last day of the holiday
        assert.deepEqual(await cards(n), []);
        await clock(at('2026-02-24', '00:00:00')); // WD_5 begins
        assert.deepEqual(rules(await cards(n)), ['promised_warning']);
        await clock(at('2026-02-26', '23:59:59')); // the end of WD_7: still on time
        assert.deepEqual(rules(await cards(n)), ['promised_warning']);
        await clock(at('2026-02-27', '00:00:00')); // the promise is broken
        const c = await cards(n);
        assert.deepEqual(rules(c), ['promised_warning', 'promised_yellow']);
        const yellow = c.find((x) => x.rule === 'promised_yellow');
        assert.equal(yellow.level, 'yellow');
        assert.equal(yellow.state, 'issued');
        assert.equal(yellow.signal_at, '2026-02-27T00:00:00+08:00');
        assert.equal(yellow.facts.deadline, '2026-02-26');
        assert.match(yellow.number, /^JC-360300-20260227-\d{5}$/);
        // 承办 has its own limit of 12 working days: over it from the start of WD_13
        await clock(at('2026-03-04', '23:59:59'));
        assert.equal((await cards(n)).length, 2);
        await clock(at('2026-03-05', '00:00:00'));
        assert.deepEqual(rules(await cards(n)), ['promised_warning', 'promised_yellow', 'step_limit']);
        await clock(at('2026-03-09', '23:59:59'));
        assert.equal((await cards(n)).length, 3);
        await clock(at('2026-03-10', '00:00:00')); // the law is broken
        assert.deepEqual(rules(await cards(n)), ['legal_red', 'promised_warning', 'promised_yellow', 'step_limit']);
        yellowNumber = yellow.number;
    });

    test('a case closed on its last day never turns yellow or red, however late it is looked at', async () => {
        await clock(at('2026-02-10'));
        const n = await accepted();
        await clock(at('2026-02-26', '16:00:00'));
        await act(clerk, n, 'submit_review', { opinion: '符合' });
        await act(head, n, 'approve');
        await act(clerk, n, 'complete', { result_type: '准予许可', fee_charged: 12000, fee_standard: '120元/本' });
        await clock(at('2026-04-30'));
        assert.deepEqual(rules(await cards(n)), ['promised_warning']);
        const s = await ok(sup.get(`/api/supervision/cases/${n}`));
        assert.ok(s.closed_at);
        assert.deepEqual(s.timers, []);
        assert.equal(s.elapsed_days, 7);
    });

    test('a special procedure stops the clock and pushes both deadlines; its own days are watched', async () => {
        await clock(at('2026-02-10'));
        const n = await accepted();
        await clock(at('2026-02-12')); // Thursday
        await act(head, n, 'special_start', { type: '检验', reason: '证件检验', legal_basis: '《行政许可法》第四十五条', days: 10 });
        await clock(at('2026-02-27')); // after the promised day: the clock stands
        assert.deepEqual(await cards(n), [], 'no yellow while suspended');
        await clock(at('2026-02-26', '15:00:00')); // (the clock may go back in the demo)
        await act(clerk, n, 'special_end', { result: '检验合格' });
        // 13, 14 (make-up), 24, 25, 26 were not counted: P moves from WD_7 to WD_12
        const s = await ok(sup.get(`/api/supervision/cases/${n}`));
        assert.equal(s.suspended_days, 5);
        assert.equal(s.promised_due, '2026-03-04');
        assert.equal(s.legal_due, '2026-03-16');
        await clock(at('2026-03-04', '23:59:59'));
        assert.deepEqual(rules(await cards(n)), ['promised_warning']);
        await clock(at('2026-03-05', '00:00:00'));
        assert.deepEqual(rules(await cards(n)), ['promised_warning', 'promised_yellow']);
    });

    test('a special procedure that outlasts its granted days gets a card', async () => {
        await clock(at('2026-02-10'));
        const n = await accepted();
        await act(head, n, 'special_start', { type: '鉴定', reason: '技术鉴定', legal_basis: '《行政许可法》第四十五条', days: 3 });
        // granted 3 working days after 10 Feb: 11, 12, 13; overdue from the start of 14 (make-up Saturday)
        await clock(at('2026-02-13', '23:59:59'));
        assert.deepEqual(await cards(n), []);
        await clock(at('2026-02-14', '00:00:00'));
        assert.deepEqual(rules(await cards(n)), ['special_overdue']);
    });

    test('online pre-acceptance: warning, yellow and red at WD_3, WD_5 and WD_7 after submission', async () => {
        await clock(at('2026-02-10'));
        const n = await apply();
        await clock(at('2026-02-12', '23:59:59'));
        assert.deepEqual(await cards(n), []);
        await clock(at('2026-02-13', '00:00:00'));
        assert.deepEqual(rules(await cards(n)), ['pre_acceptance_warning']);
        await clock(at('2026-02-24', '00:00:00')); // WD_5 (14 Feb is a make-up day)
        assert.deepEqual(rules(await cards(n)), ['pre_acceptance_warning', 'pre_acceptance_yellow']);
        await clock(at('2026-02-26', '00:00:00'));
        assert.deepEqual(rules(await cards(n)), ['pre_acceptance_red', 'pre_acceptance_warning', 'pre_acceptance_yellow']);
    });

    test('a 补正 notice later than 5 working days: a yellow card, and the clock runs from the submission', async () => {
        await clock(at('2026-02-10'));
        const n = await apply();
        await clock(at('2026-02-25')); // WD_6 after submission
        await act(clerk, n, 'request_supplement', { missing_materials: ['证件照片'] });
        const c = await cards(n);
        assert.ok(rules(c).includes('late_supplement'), rules(c));
        const s = await ok(sup.get(`/api/supervision/cases/${n}`));
        assert.equal(s.accept_day, '2026-02-10', 'deemed accepted on arrival');
    });

    test('a fee above the item\'s standard and a fee not in its list are red cards', async () => {
        await clock(at('2026-03-02'));
        const n = await accepted();
        await act(clerk, n, 'submit_review', { opinion: '符合' });
        await act(head, n, 'approve');
        await act(clerk, n, 'complete', { result_type: '准予许可', fee_charged: 20000, fee_standard: '200元/本' });
        const c = await cards(n);
        const fee = c.find((x) => x.rule === 'fee_above_standard');
        assert.ok(fee, rules(c));
        assert.equal(fee.level, 'red');
        assert.equal(fee.facts.fee_charged, 20000);
        assert.equal(fee.facts.standard, 12000);
        const free = '360302-QR-GA-001'; // 户口迁移（迁入）: no fee
        const m = await apply(free);
        // 安源区公安分局 handles it: create its clerk
        const depts = await ok(admin.get('/api/departments?q=360302-GA'));
        const did = depts.items.find((d) => d.code === '360302-GA').id;
        await ok(admin.post('/api/users', { login: 'ay_ga', name: '安源公安窗口', role: 'clerk', dept_id: did, password: 'Staff2026pass' }), 201);
        await ok(admin.post('/api/users', { login: 'ay_ga_head', name: '安源公安负责人', role: 'dept_head', dept_id: did, password: 'Staff2026pass' }), 201);
        const ay = await as(t, 'ay_ga', 'Staff2026pass');
        const ayh = await as(t, 'ay_ga_head', 'Staff2026pass');
        await act(ay, m, 'pre_review_pass');
        await act(ay, m, 'accept');
        await act(ay, m, 'submit_review', { opinion: '符合' });
        await act(ayh, m, 'approve');
        await act(ay, m, 'complete', { result_type: '准予许可', fee_charged: 500, fee_standard: '工本费' });
        assert.ok(rules(await cards(m)).includes('fee_not_listed'));
        // 安源区's supervisor sees the district's case, not the city's
        const ays = await as(t, 'jiancha_ay');
        assert.equal((await ays.get(`/api/supervision/cases/${m}`)).status, 200);
        assert.equal((await ays.get(`/api/supervision/cases/${n}`)).status, 404);
    });

    test('a consultation: warning 2 working days before its due day, yellow after it, red a day later', async () => {
        await clock(at('2026-02-10'));
        const msg = await ok(zs.post('/api/consultations', { department: '360300-GA', title: '护照', content: '需要多久？' }), 201);
        const n = msg.number;
        const s = await ok(sup.get(`/api/supervision/cases/${n}?type=consultation`));
        assert.equal(s.due_day, '2026-02-24'); // 5 working days: 11, 12, 13, 14, 24
        await clock(at('2026-02-13', '00:00:00')); // 2 working days before: WD_3
        assert.deepEqual(rules(await cards(n, 'consultation')), ['consultation_warning']);
        await clock(at('2026-02-25', '00:00:00'));
        assert.deepEqual(rules(await cards(n, 'consultation')), ['consultation_warning', 'consultation_yellow']);
        await clock(at('2026-02-26', '00:00:00'));
        assert.deepEqual(rules(await cards(n, 'consultation')), ['consultation_red', 'consultation_warning', 'consultation_yellow']);
    });

    test('a bad rating fixed in time gets no card; one left unfixed turns yellow the day after its fix day', async () => {
        await clock(at('2026-03-02')); // Monday
        const done = [];
        for (let i = 0; i < 2; i++) {
            const n = await accepted();
            await act(clerk, n, 'submit_review', { opinion: '符合' });
            await act(head, n, 'approve');
            await act(clerk, n, 'complete', { result_type: '准予许可', fee_charged: 12000, fee_standard: '120元/本' });
            done.push(n);
        }
        const ids = [];
        for (const n of done)
            ids.push((await ok(zs.post(`/api/cases/${n}/rating`, { level: 1, criteria: ['服务态度差'] }), 201)).id);
        // fix due 10 working days later: 3, 4, 5, 6, 9, 10, 11, 12, 13, 16 March
        const r = await ok(sup.get(`/api/supervision/cases/${done[0]}?type=rating`));
        assert.equal(r.due_day, '2026-03-16');
        await clock(at('2026-03-16', '17:00:00'));
        await ok(clerk.post(`/api/ratings/${ids[0]}/fix`, { note: '已整改' }));
        await clock(at('2026-03-16', '23:59:59'));
        assert.deepEqual(await cards(done[1], 'rating'), []);
        await clock(at('2026-03-17', '00:00:00'));
        assert.deepEqual(rules(await cards(done[0], 'rating')), [], 'fixed on its last day');
        assert.deepEqual(rules(await cards(done[1], 'rating')), ['rating_fix_yellow']);
    });

    test('every card is in the ledger; the tick touches only what is due', async () => {
        const r = await ok(admin.post('/api/admin/tick', {}));
        assert.equal(r.subjects, 0, 'nothing due right after the clock moved');
        const led = await ok(sup.get(`/api/ledger/entries?from=0&to=1000&subject=card/${yellowNumber}`));
        const kinds = led.items.map((x) => JSON.parse(Buffer.from(x.entry, 'base64').toString('utf8')).kind);
        assert.deepEqual(kinds, ['card.raise']);
    });
});

describe('rules as data: a change is a new version and re-evaluates open cases', () => {
    let t, admin, zs, clerk, sup, anon;
    before(async () => {
        t = await startServer({ args: LONG });
        admin = await as(t, 'admin');
        zs = await as(t, 'zhangsan');
        clerk = await as(t, 'gaj_clerk');
        sup = await as(t, 'jiancha');
        anon = new Client(t);
    });
    after(async () => t && (await t.stop()));

    test('the rules are listed with their parameters; only the city changes them, validly', async () => {
        const list = await ok(sup.get('/api/supervision/rules'));
        assert.ok(list.total >= 24);
        const y = list.items.find((r) => r.id === 'promised_yellow');
        assert.deepEqual([y.level, y.version, y.params.offset, y.enabled], ['yellow', 1, 1, true]);
        const ay = await as(t, 'jiancha_ay');
        assert.equal((await ay.patch('/api/supervision/rules/promised_yellow', { enabled: false, reason: 'x' })).status, 403);
        assert.equal((await zs.patch('/api/supervision/rules/promised_yellow', { enabled: false, reason: 'x' })).status, 403);
        for (const [body, field] of [
            [{ enabled: false }, 'reason'],
            [{ params: { level: 'red' }, reason: 'x' }, 'params.level'],
            [{ params: { offset: 'one' }, reason: 'x' }, 'params.offset'],
            [{ region_scope: '36', reason: 'x' }, 'region_scope'],
            [{ colour: 1, reason: 'x' }, 'colour'],
        ]) {
            const r = await sup.patch('/api/supervision/rules/promised_yellow', body);
            assert.equal(r.status, 400, JSON.stringify(body));
            assert.equal(JSON.parse(r.text).error.field, field);
        }
        assert.equal((await sup.patch('/api/supervision/rules/nope', { enabled: false, reason: 'x' })).status, 404);
    });

    test('moving the yellow card one working day later moves the timers of open cases (onto the make-up Saturday)', async () => {
        await ok(admin.put('/api/admin/clock', { now: at('2026-02-10') }));
        const n = await applyCase(zs, anon);
        await ok(clerk.post(`/api/cases/${n}/actions/pre_review_pass`, { fields: {} }));
        await ok(clerk.post(`/api/cases/${n}/actions/accept`, { fields: {} }));
        const due = async () => (await ok(sup.get(`/api/supervision/cases/${n}`))).timers.find((x) => x.rule === 'promised_yellow')?.due_at;
        assert.equal(await due(), '2026-02-27T00:00:00+08:00');
        const r = await ok(sup.patch('/api/supervision/rules/promised_yellow', { params: { offset: 2 }, reason: '试行：承诺期满后宽限一日' }));
        assert.equal(r.version, 2);
        assert.equal(r.versions.length, 2);
        assert.equal(r.versions[0].rule.reason, '试行：承诺期满后宽限一日');
        await ok(admin.post('/api/admin/tick', {}));
        assert.equal(await due(), '2026-02-28T00:00:00+08:00');
        await ok(admin.put('/api/admin/clock', { now: at('2026-02-28', '00:00:00') }));
        const c = (await ok(sup.get(`/api/supervision/cases/${n}`))).cards.find((x) => x.rule === 'promised_yellow');
        assert.equal(c.rule_version, 2);
        // switched off: its timer goes, no card is raised
        await ok(sup.patch('/api/supervision/rules/legal_red', { enabled: false, reason: '停用' }));
        await ok(admin.post('/api/admin/tick', {}));
        assert.equal((await ok(sup.get(`/api/supervision/cases/${n}`))).timers.some((x) => x.rule === 'legal_red'), false);
    });
});

describe('a department\'s own system reports: procedure rules, late and out-of-order events, retraction', () => {
    let t, admin, sup, ga;
    const day = (d, time = '10:00:00') => `${d}T${time}+08:00`;
    function ev(number, seq, action, result, time, fields = {}, extra = {}) {
        return {
            id: `ga-sys/${number}/${seq}`,
            type: `case.${action}`,
            time,
            subject_type: 'case',
            subject: number,
            seq,
            case: {
                number, item_code: PASSPORT, item_version: 1, item_name: '普通护照签发', department: '360300-GA',
                region: '360300', applicant_type: 'citizen', channel: 'window', legal_days: 15, promised_days: 7,
            },
            step: { action, result, actor: 'ga_ext', actor_role: 'clerk', fields },
            ...extra,
        };
    }
    async function report(...events) {
        const r = await ok(ga.post('/api/supervision/events', { events }));
        assert.deepEqual(r.rejected, [], JSON.stringify(r.rejected));
        return r;
    }
    async function cardsOf(n) {
        return (await ok(sup.get(`/api/supervision/cases/${n}`))).cards;
    }
    const live = (cs) => cs.filter((c) => c.state !== 'retracted').map((c) => c.rule).sort();

    before(async () => {
        t = await startServer({ args: LONG });
        admin = await as(t, 'admin');
        sup = await as(t, 'jiancha');
        const head = await as(t, 'gaj_head');
        const key = await ok(head.post('/api/keys', { dept_id: 7, name: '公安出入境系统' }), 201);
        ga = new Client(t, { key: key.key });
        await ok(admin.put('/api/admin/clock', { now: day('2026-03-20') }));
    });
    after(async () => t && (await t.stop()));

    test('refusal without legal basis and notice of remedies: a red card naming what is missing', async () => {
        const n = 'GA-EXT-0001';
        await report(ev(n, 1, 'submit', null, day('2026-03-02')),
            ev(n, 2, 'refuse', 'refuse', day('2026-03-03'), { reason: '材料不全' }));
        const c = (await cardsOf(n)).find((x) => x.rule === 'refusal_without_reason');
        assert.equal(c.level, 'red');
        assert.deepEqual(c.facts.missing, ['legal_basis', 'remedy_notice']);
        assert.equal(c.signal_at, day('2026-03-03'));
    });

    test('a second 补正 request, a decision without acceptance, completion without acceptance; missing data waits for confirmation', async () => {
        const a = 'GA-EXT-0002';
        await report(ev(a, 1, 'submit', null, day('2026-03-02')),
            ev(a, 2, 'request_supplement', 'supplement', day('2026-03-03')),
            ev(a, 3, 'resubmit', null, day('2026-03-04')),
            ev(a, 4, 'request_supplement', 'supplement', day('2026-03-05')));
        assert.ok(live(await cardsOf(a)).includes('repeated_supplement'));
        const b = 'GA-EXT-0003';
        await report(ev(b, 1, 'submit', null, day('2026-03-02')),
            ev(b, 2, 'approve', 'approve', day('2026-03-03')),
            ev(b, 3, 'complete', 'complete', day('2026-03-04'), { result_type: '准予许可' }));
        const cs = await cardsOf(b);
        assert.deepEqual(live(cs), ['complete_without_accept', 'missing_data', 'skipped_step']);
        assert.equal(cs.find((x) => x.rule === 'missing_data').state, 'pending', 'confirm-before-issue');
        assert.deepEqual(cs.find((x) => x.rule === 'missing_data').facts.missing, ['fee_charged', 'fee_standard']);
    });

    test('events out of order are placed by their time; a resend changes nothing', async () => {
        const n = 'GA-EXT-0004';
        const evs = [ev(n, 1, 'submit', null, day('2026-03-02')), ev(n, 2, 'accept', 'accept', day('2026-03-02', '15:00:00')),
            ev(n, 3, 'approve', 'approve', day('2026-03-05')),
            ev(n, 4, 'complete', 'complete', day('2026-03-06'), { result_type: '准予许可', fee_charged: 12000, fee_standard: '120元/本' })];
        await report(evs[3], evs[1]);
        await report(evs[2], evs[0]);
        const s = await ok(sup.get(`/api/supervision/cases/${n}`));
        assert.deepEqual(s.steps.map((x) => x.step.action), ['submit', 'accept', 'approve', 'complete']);
        assert.equal(s.accept_day, '2026-03-02');
        assert.ok(s.closed_at);
        assert.deepEqual(live(s.cards), []);
        const again = await ok(ga.post('/api/supervision/events', { events: evs }));
        assert.equal(again.duplicates.length, 4);
        assert.equal((await ok(sup.get(`/api/supervision/cases/${n}`))).events, 4);
    });

    test('a card raised on a wrong picture is retracted when the late acceptance arrives, and that is recorded', async () => {
        const n = 'GA-EXT-0005';
        await report(ev(n, 1, 'submit', null, day('2026-03-02')),
            ev(n, 3, 'approve', 'approve', day('2026-03-06')));
        let cs = await cardsOf(n);
        assert.deepEqual(live(cs), ['skipped_step']);
        await report(ev(n, 2, 'accept', 'accept', day('2026-03-03'))); // it happened before the approval
        cs = await cardsOf(n);
        // now on the clock from 3 March: its promise (WD_7, 12 March) has passed by 20 March
        assert.deepEqual(live(cs), ['promised_warning', 'promised_yellow']);
        const c = cs.find((x) => x.rule === 'skipped_step');
        assert.equal(c.state, 'retracted');
        const detail = await ok(sup.get(`/api/supervision/cards/${c.id}`));
        const steps = (detail.events || detail.timeline).map((x) => x.action);
        assert.deepEqual(steps, ['raise', 'retract']);
        const led = await ok(sup.get(`/api/ledger/entries?from=0&to=1000&subject=card/${c.number}`));
        const kinds = led.items.map((x) => JSON.parse(Buffer.from(x.entry, 'base64').toString('utf8')).kind);
        assert.deepEqual(kinds, ['card.raise', 'card.retract']);
    });
});

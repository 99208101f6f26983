// scores.test.mjs - monthly performance assessment (绩效考核, R5): the real
// engine's data for September 2026 (four passports of 360300-GA, one
// closed late with a yellow card, a bad rating, complaints), computed
// provisionally in September and finally in October, with exact
// arithmetic, reasons naming the cards, the ranking, the appeal window
// (申诉) and its decision, the department's own view and the .xlsx report.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, as, Client, errorOf } from './lib/server.mjs';
import { LONG, PASSPORT, materialsFor, ok } from './lib/cases.mjs';

const ITEM = PASSPORT; // 普通护照签发: promised 7, legal 15 working days
const MONTH = '2026-09';


const act = (c, number, action, fields = {}) => c.post(`/api/cases/${number}/actions/${action}`, { fields });

// the yellow and red cards of a subject whose signal falls in September
// (Asia/Shanghai) and that still count (not revoked, retracted or pending)
async function septemberCards(c, number, type) {
    const r = await c.get(`/api/supervision/cases/${encodeURIComponent(number)}?type=${type}`);
    if (r.status === 404) return [];
    assert.equal(r.status, 200, r.text);
    return r.json.cards.filter(
        (k) => ['yellow', 'red'].includes(k.level) && k.signal_at.startsWith('2026-09-') &&
            !['revoked', 'retracted', 'pending'].includes(k.state),
    );
}

const r2 = (v) => Math.round(v * 100) / 100;
const pts = (v) => String(r2(v)); // 22.5, 4, 66.67: how reasons write points

describe('monthly performance assessment of 2026-09', () => {
    let t, zs, clerk, head, jiancha, jianchaAy, admin, shenji, mzjHead, anon;
    const n = {}; // A, B, C: early and on time; D: late with a yellow card
    let complaintD, complaintMZ;
    let expected; // GA's cards, filled in once October has come

    before(async () => {
        t = await startServer({ args: LONG });
        admin = await as(t, 'admin');
        await ok(admin.put('/api/admin/clock', { now: '2026-09-01T02:00:00Z' })); // Tuesday 10:00
        zs = await as(t, 'zhangsan');
        clerk = await as(t, 'gaj_clerk');
        head = await as(t, 'gaj_head');
        jiancha = await as(t, 'jiancha');
        jianchaAy = await as(t, 'jiancha_ay');
        shenji = await as(t, 'shenji');
        mzjHead = await as(t, 'mzj_head');
        anon = new Client(t);
    });
    after(async () => t && (await t.stop()));

    const clock = (iso) => ok(admin.put('/api/admin/clock', { now: iso }));
    const tick = () => ok(admin.post('/api/admin/tick', {}));
    async function finish(number) {
        await ok(act(clerk, number, 'submit_review', { opinion: '符合条件' }));
        await ok(act(head, number, 'approve', { decision_no: '萍公出准〔2026〕1号' }));
        await ok(act(clerk, number, 'complete', { result_type: '准予许可', fee_charged: 12000, fee_standard: '120元/本' }));
    }

    test('September: four cases accepted on the 1st (promised 10 September), three closed on time, one late', async () => {
        const mats = await materialsFor(zs, anon, ITEM);
        for (const k of ['A', 'B', 'C', 'D']) {
            n[k] = (await ok(zs.post('/api/cases', { item_code: ITEM, title: `护照 ${k}`, materials: mats }), 201)).number;
            await ok(act(clerk, n[k], 'pre_review_pass', { opinion: '材料齐全' }));
            const c = await ok(act(clerk, n[k], 'accept'));
            assert.equal(c.deadlines.promised_due, '2026-09-10');
        }
        await clock('2026-09-03T02:00:00Z');
        await finish(n.A); // 5 working days early
        await clock('2026-09-09T02:00:00Z');
        await finish(n.C); // 1 working day early
        await clock('2026-09-10T02:00:00Z');
        await finish(n.B); // on the due day: on time, not early
        await clock('2026-09-14T02:00:00Z'); // Monday: D is past its promised limit
        await tick();
        const yellow = (await septemberCards(jiancha, n.D, 'case')).filter((k) => k.rule === 'promised_yellow');
        assert.equal(yellow.length, 1, 'the engine raised promised_yellow for D');
        await finish(n.D);
        // ratings: A very satisfied, D very dissatisfied (fix due 10 working days later: 28 September)
        await ok(zs.post(`/api/cases/${n.A}/rating`, { level: 5 }), 201);
        const bad = await ok(zs.post(`/api/cases/${n.D}/rating`, { level: 1, criteria: ['超时办理'] }), 201);
        assert.equal(bad.fix_due, '2026-09-28');
        complaintD = (await ok(zs.post('/api/complaints', { case_number: n.D, title: '护照超期', content: '承诺 7 个工作日，实际超期。' }), 201)).number;
        complaintMZ = (await ok(zs.post('/api/complaints', { department: '360300-MZ', title: '民政窗口无人', content: '上午窗口长时间无人。' }), 201)).number;
    });

    test('only the city\'s supervisors and administrators compute; a month not begun is refused', async () => {
        assert.equal((await jianchaAy.post(`/api/supervision/scores/${MONTH}/compute`, {})).status, 403);
        assert.equal((await clerk.post(`/api/supervision/scores/${MONTH}/compute`, {})).status, 403);
        assert.equal((await shenji.post(`/api/supervision/scores/${MONTH}/compute`, {})).status, 403);
        const future = await jiancha.post('/api/supervision/scores/2026-10/compute', {});
        assert.equal(future.status, 409, future.text);
        for (const bad of ['2026-9', '2026-13', 'abcd-ef', '202609'])
            assert.equal((await jiancha.post(`/api/supervision/scores/${bad}/compute`, {})).status, 400, bad);
    });

    test('computed during September the month is provisional, and nobody appeals it yet', async () => {
        const r = await ok(jiancha.post(`/api/supervision/scores/${MONTH}/compute`, {}));
        assert.equal(r.provisional, true);
        assert.equal(r.appeal_until, '2026-10-13'); // 8, 9, 10 (make-up Saturday), 12, 13 October
        const list = await ok(jiancha.get(`/api/supervision/scores?month=${MONTH}`));
        const ga = list.items.find((x) => x.scope_id === '360300-GA');
        assert.ok(ga, JSON.stringify(list));
        assert.equal(ga.provisional, true);
        const ind = Object.fromEntries(ga.indicators.map((i) => [i.id, i]));
        assert.equal(ind.on_time.value, 0.75);
        assert.equal(ind.on_time.points, 22.5);
        assert.equal(ind.early.value, 0.5);
        assert.equal(ind.satisfaction.value, 3);
        assert.equal(ind.satisfaction.unfixed, 0, 'the fix is not due yet');
        assert.equal(ind.satisfaction.fix_open, 1);
        const a = await head.post(`/api/supervision/scores/${MONTH}/appeal`, { indicator: 'yellow', reason: 'x' });
        assert.equal(a.status, 409, a.text);
    });

    test('in October the final computation gives exact points, with a reason for each point lost', async () => {
        await clock('2026-10-09T02:00:00Z'); // Friday after 国庆
        await tick();
        // what the engine raised for GA in September: D's promised_yellow, the unfixed
        // rating's yellow (29 September), and the cards on the complaint's handling
        const cards = [
            ...(await septemberCards(jiancha, n.D, 'case')),
            ...(await septemberCards(jiancha, n.D, 'rating')),
            ...(await septemberCards(jiancha, complaintD, 'complaint')),
        ];
        const yellow = cards.filter((k) => k.level === 'yellow').map((k) => k.number).sort();
        const red = cards.filter((k) => k.level === 'red').map((k) => k.number).sort();
        const caseCards = [
            ...(await septemberCards(jiancha, n.D, 'case')),
            ...(await septemberCards(jiancha, n.D, 'rating')),
        ];
        assert.ok(caseCards.some((k) => k.rule === 'promised_yellow'));
        assert.ok(caseCards.some((k) => k.rule === 'rating_fix_yellow'), JSON.stringify(caseCards));
        expected = { yellow, red, caseCards };

        const r = await ok(jiancha.post(`/api/supervision/scores/${MONTH}/compute`, {}));
        assert.equal(r.provisional, false);
        assert.ok(r.departments >= 2 && r.staff >= 2, JSON.stringify(r));
        const list = await ok(jiancha.get(`/api/supervision/scores?month=${MONTH}&scope=department`));
        const ga = list.items.find((x) => x.scope_id === '360300-GA');
        assert.equal(ga.name, '萍乡市公安局');
        assert.equal(ga.provisional, false);
        assert.equal(ga.appeal_until, '2026-10-13');
        const ind = Object.fromEntries(ga.indicators.map((i) => [i.id, i]));
        // 按时办结率 3/4 × 30; 提前办结率 2/4 × 10 (A and C; B closed on its due day)
        assert.deepEqual([ind.on_time.numerator, ind.on_time.denominator, ind.on_time.points], [3, 4, 22.5]);
        assert.deepEqual([ind.early.numerator, ind.early.denominator, ind.early.points], [2, 4, 5]);
        // 满意度 (5 + 1) / 2 = 3 → 60% × 20 = 12, less 2 for the bad rating not fixed by 28 September
        assert.equal(ind.satisfaction.value, 3);
        assert.equal(ind.satisfaction.unfixed, 1);
        assert.equal(ind.satisfaction.points, 10);
        const yOff = Math.min(15, 2 * yellow.length), rOff = Math.min(15, 5 * red.length);
        assert.equal(ind.yellow.count, yellow.length);
        assert.equal(ind.yellow.points, 15 - yOff);
        assert.equal(ind.red.points, 15 - rOff);
        assert.equal(ind.complaint.count, 1);
        assert.equal(ind.complaint.points, 8);
        const total = r2(22.5 + 5 + 10 + (15 - yOff) + (15 - rOff) + 8);
        assert.equal(ga.score, total);
        assert.equal(ga.computed, total);

        const reasons = Object.fromEntries(ga.deductions.map((d) => [d.indicator, d.reason]));
        assert.equal(reasons.on_time, `按时办结率 75%（3/4 件按时），30 分 × 75% = 22.5 分，扣 7.5 分（逾期办结：${n.D}）`);
        assert.match(reasons.early, /^提前办结率 50%（2\/4 件提前 1 个工作日以上），10 分 × 50% = 5 分，扣 5 分（未提前办结：/);
        assert.ok(reasons.early.includes(n.B) && reasons.early.includes(n.D));
        assert.equal(
            reasons.yellow,
            `黄牌 ${yellow.length} 张 × 2 分 = ${pts(2 * yellow.length)} 分${2 * yellow.length > 15 ? '，以 15 分为限' : ''}（${yellow.join('、')}）`,
        );
        if (red.length) assert.equal(reasons.red, `红牌 ${red.length} 张 × 5 分 = ${pts(5 * red.length)} 分${5 * red.length > 15 ? '，以 15 分为限' : ''}（${red.join('、')}）`);
        assert.equal(reasons.complaint, `投诉 1 件 × 2 分 = 2 分（${complaintD}）`);
        const sat = ga.deductions.filter((d) => d.indicator === 'satisfaction').map((d) => d.reason);
        assert.deepEqual(sat, [
            `满意度 平均 3 级（2 次评价）= 60%，20 分 × 60% = 12 分，扣 8 分（差评：${n.D}）`,
            `差评未按期整改 1 件 × 2 分 = 2 分（${n.D}）`,
        ]);
        // every point lost has its reason
        assert.equal(r2(ga.deductions.reduce((s, d) => s + d.points, 0)), r2(100 - total));
    });

    test('the ranking is best first with rank numbers; MZ (one complaint) is ahead of GA', async () => {
        const list = await ok(jiancha.get(`/api/supervision/scores?month=${MONTH}&scope=department`));
        assert.equal(list.month, MONTH);
        assert.equal(list.computed, true);
        const scores = list.items.map((x) => x.score);
        assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
        list.items.forEach((x, i) => assert.equal(x.rank, list.items.findIndex((y) => y.score === x.score) + 1));
        const mz = list.items.find((x) => x.scope_id === '360300-MZ');
        const ga = list.items.find((x) => x.scope_id === '360300-GA');
        assert.ok(mz.rank < ga.rank);
        const mzCards = await septemberCards(jiancha, complaintMZ, 'complaint');
        const my = mzCards.filter((k) => k.level === 'yellow').length, mr = mzCards.filter((k) => k.level === 'red').length;
        assert.equal(mz.score, r2(100 - 2 - Math.min(15, 2 * my) - Math.min(15, 5 * mr)));
        // pages keep the ranks
        const p2 = await ok(jiancha.get(`/api/supervision/scores?month=${MONTH}&per_page=1&page=2`));
        assert.equal(p2.items.length, 1);
        assert.equal(p2.items[0].scope_id, list.items[1].scope_id);
        assert.equal(p2.items[0].rank, list.items[1].rank);
        assert.equal(p2.total, list.total);
        // the auditor and the administrator read it; a district supervisor sees only the district's
        assert.equal((await ok(shenji.get(`/api/supervision/scores?month=${MONTH}`))).total, list.total);
        assert.equal((await ok(admin.get(`/api/supervision/scores?month=${MONTH}`))).total, list.total);
        assert.equal((await ok(jianchaAy.get(`/api/supervision/scores?month=${MONTH}`))).total, 0);
        assert.equal((await clerk.get(`/api/supervision/scores?month=${MONTH}`)).status, 403);
        assert.equal((await jiancha.get(`/api/supervision/scores?month=${MONTH}&scope=hall`)).status, 400);
        assert.equal((await jiancha.get('/api/supervision/scores')).status, 400);
    });

    test('staff: the cases, their cards and the complaint go to gaj_clerk who accepted them', async () => {
        const list = await ok(jiancha.get(`/api/supervision/scores?month=${MONTH}&scope=staff`));
        const byLogin = Object.fromEntries(list.items.map((x) => [x.scope_id, x]));
        assert.ok(!byLogin.zhangsan, 'applicants are not assessed');
        const c = byLogin.gaj_clerk;
        assert.equal(c.name, '市公安局 窗口 刘敏');
        assert.equal(c.dept_code, '360300-GA');
        const ind = Object.fromEntries(c.indicators.map((i) => [i.id, i]));
        assert.deepEqual([ind.on_time.numerator, ind.on_time.denominator], [3, 4]);
        assert.equal(ind.satisfaction.points, 10);
        assert.equal(ind.complaint.count, 1);
        // cards on the case and its rating are the clerk's; those on the complaint's handling are the department's
        const yc = expected.caseCards.filter((k) => k.level === 'yellow').length;
        const rc = expected.caseCards.filter((k) => k.level === 'red').length;
        assert.equal(ind.yellow.count, yc);
        assert.equal(c.score, r2(22.5 + 5 + 10 + 15 - Math.min(15, 2 * yc) + 15 - Math.min(15, 5 * rc) + 8));
        // the head only approved: nothing attributed, full marks, ranked first
        assert.equal(byLogin.gaj_head.score, 100);
        assert.equal(byLogin.gaj_head.rank, 1);
        assert.ok(c.rank > 1);
        // no event named a window: no window scores
        assert.equal((await ok(jiancha.get(`/api/supervision/scores?month=${MONTH}&scope=window`))).total, 0);
    });

    test('the department sees its own score, rank and staff; nothing of other departments', async () => {
        const mine = await ok(clerk.get(`/api/dept/scores?month=${MONTH}`));
        assert.equal(mine.dept_code, '360300-GA');
        assert.equal(mine.department.scope_id, '360300-GA');
        assert.ok(mine.department.rank >= 2);
        assert.ok(mine.department.of >= 2);
        assert.deepEqual(mine.staff.map((s) => s.scope_id).sort(), ['gaj_clerk', 'gaj_head']);
        const none = await ok(clerk.get('/api/dept/scores?month=2026-08'));
        assert.equal(none.department, null);
        assert.equal(none.computed, false);
        assert.equal((await jiancha.get(`/api/dept/scores?month=${MONTH}`)).status, 403);
    });

    let gaBefore;
    test('the head appeals within the window; one pending appeal per indicator; the auditor trail has it', async () => {
        gaBefore = (await ok(head.get(`/api/dept/scores?month=${MONTH}`))).department;
        assert.equal((await clerk.post(`/api/supervision/scores/${MONTH}/appeal`, { indicator: 'yellow', reason: 'x' })).status, 403);
        const bad = await head.post(`/api/supervision/scores/${MONTH}/appeal`, { indicator: 'nope', reason: 'x' });
        assert.equal(bad.status, 400);
        assert.equal(errorOf(bad).field, 'indicator');
        const noReason = await head.post(`/api/supervision/scores/${MONTH}/appeal`, { indicator: 'yellow' });
        assert.equal(errorOf(noReason).field, 'reason');
        const a = await ok(
            head.post(`/api/supervision/scores/${MONTH}/appeal`, { indicator: 'yellow', reason: '申请人未按时领取，超期非本单位原因' }),
            201,
        );
        assert.equal(a.appeals.length, 1);
        assert.equal(a.appeals[0].state, 'pending');
        assert.equal(a.appeals[0].indicator_name, '黄牌');
        assert.equal(a.appeals[0].by, 'gaj_head');
        const again = await head.post(`/api/supervision/scores/${MONTH}/appeal`, { indicator: 'yellow', reason: '再次' });
        assert.equal(again.status, 409);
        // MZ has a score too: its head may appeal its own department only
        const mz = await ok(mzjHead.post(`/api/supervision/scores/${MONTH}/appeal`, { indicator: 'complaint', reason: '投诉不实' }), 201);
        assert.equal(mz.scope_id, '360300-MZ');
    });

    test('a supervisor decides: an accepted appeal adds its points; a recomputation keeps them', async () => {
        const noDept = await jiancha.post(`/api/supervision/scores/${MONTH}/appeal/decide`, { dept: '360300-GA', accept: true, reason: '核实' });
        assert.equal(noDept.status, 400, 'an accepted appeal needs its adjustment');
        assert.equal((await jianchaAy.post(`/api/supervision/scores/${MONTH}/appeal/decide`, { dept: '360300-GA', accept: false, reason: 'x' })).status, 404);
        const d = await ok(
            jiancha.post(`/api/supervision/scores/${MONTH}/appeal/decide`, { dept: '360300-GA', accept: true, adjustment: 2, reason: '核实属实，返还 2 分' }),
        );
        assert.equal(d.appeals[0].state, 'accepted');
        assert.equal(d.adjustment, 2);
        assert.equal(d.score, r2(gaBefore.computed + 2));
        const twice = await jiancha.post(`/api/supervision/scores/${MONTH}/appeal/decide`, { dept: '360300-GA', accept: false, reason: 'x' });
        assert.equal(twice.status, 409);
        const rej = await ok(jiancha.post(`/api/supervision/scores/${MONTH}/appeal/decide`, { dept: '360300-MZ', accept: false, reason: '投诉属实' }));
        assert.equal(rej.appeals[0].state, 'rejected');
        assert.equal(rej.score, rej.computed);
        await ok(jiancha.post(`/api/supervision/scores/${MONTH}/compute`, {}));
        const after = (await ok(head.get(`/api/dept/scores?month=${MONTH}`))).department;
        assert.equal(after.adjustment, 2);
        assert.equal(after.score, r2(after.computed + 2));
        assert.equal(after.appeals[0].state, 'accepted');
        const audit = await ok(admin.get('/api/audit?target_type=score&per_page=100'));
        const actions = audit.items.map((x) => x.action);
        for (const k of ['score.compute', 'score.appeal', 'score.appeal_decide']) assert.ok(actions.includes(k), `${k}: ${actions}`);
        const appeal = audit.items.find((x) => x.action === 'score.appeal' && x.target_id === `${MONTH}/360300-GA`);
        assert.equal(appeal.actor_login, 'gaj_head');
        assert.equal(appeal.detail.indicator, 'yellow');
    });

    test('after the 5th working day of October the appeal window is closed', async () => {
        await clock('2026-10-14T02:00:00Z');
        const late = await head.post(`/api/supervision/scores/${MONTH}/appeal`, { indicator: 'on_time', reason: '逾期申诉' });
        assert.equal(late.status, 409, late.text);
        assert.match(errorOf(late).message, /2026-10-13/);
    });

    test('the .xlsx report: three sheets with Chinese headers, the department and its score, frozen headers', async () => {
        const r = await jiancha.get(`/api/supervision/scores/${MONTH}.xlsx`);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
        assert.equal(
            r.headers.get('content-disposition'),
            `attachment; filename="scores-${MONTH}.xlsx"; filename*=UTF-8''${encodeURIComponent(`绩效考核-${MONTH}.xlsx`)}`,
        );
        assert.equal(r.bytes.subarray(0, 2).toString(), 'PK');
        const dir = mkdtempSync(path.join(os.tmpdir(), 'zt-xlsx-'));
        try {
            const file = path.join(dir, 'r.xlsx');
            writeFileSync(file, r.bytes);
            const part = (name) => execFileSync('unzip', ['-p', file, name], { encoding: 'utf8' });
            const wb = part('xl/workbook.xml');
            for (const s of ['部门排名', '扣分明细', '人员']) assert.ok(wb.includes(`name="${s}"`), `sheet ${s}`);
            const strings = part('xl/sharedStrings.xml');
            for (const s of ['排名', '部门', '总分', '按时办结率', '萍乡市公安局', '市公安局 窗口 刘敏', '原因', n.D, complaintD])
                assert.ok(strings.includes(s), `shared string ${s}`);
            assert.ok(strings.includes(`黄牌 ${expected.yellow.length} 张 × 2 分`), 'a deduction reason');
            const ga = (await ok(jiancha.get(`/api/supervision/scores?month=${MONTH}`))).items.find((x) => x.scope_id === '360300-GA');
            const sheet1 = part('xl/worksheets/sheet1.xml');
            assert.ok(sheet1.includes(`<v>${ga.score}</v>`), `score ${ga.score} in 部门排名`);
            assert.ok(sheet1.includes('<v>0.75</v>'), 'the on-time rate as a number');
            assert.match(sheet1, /<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"\/>/);
            assert.match(sheet1, /<col min="2" max="2" width="[\d.]+"/);
            assert.ok(part('xl/styles.xml').includes('formatCode="0.00%"'));
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
        assert.equal((await jiancha.get('/api/supervision/scores/2026-08.xlsx')).status, 404);
        assert.equal((await jiancha.get(`/api/supervision/scores/${MONTH}.csv`)).status, 404);
        assert.equal((await clerk.get(`/api/supervision/scores/${MONTH}.xlsx`)).status, 403);
        // a district supervisor's report holds the district only: GA is not in it
        const ay = await jianchaAy.get(`/api/supervision/scores/${MONTH}.xlsx`);
        assert.equal(ay.status, 200);
    });
});

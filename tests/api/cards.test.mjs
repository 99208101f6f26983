// Cards (监察卡): the engine raises them from real events (a passport case
// left past its promised limit), people move them: confirm, feedback, close,
// escalate (督办), appeal (申诉), revoke, send back. Scopes, refusals, the
// compare-and-set of the state, the inbox, counts, the overview and the list
// of supervised subjects. docs/cards.md describes the routes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, initDemo, tempDir, as, Client, errorOf } from './lib/server.mjs';
import { LONG, PASSPORT, materialsFor, ok } from './lib/cases.mjs';

const ITEM = PASSPORT; // 普通护照签发: promised 7, legal 15 working days
const CARDS = '/api/supervision/cards';


async function refused(rp, status, field) {
    const r = await rp;
    assert.equal(r.status, status, r.text);
    if (field) assert.equal(errorOf(r).field, field, r.text);
    return errorOf(r);
}

describe('the card lifecycle', () => {
    let t, dir, admin, zs, anon, clerk, head, mzj, mzjHead, sup, supAy, auditor;
    const numbers = []; // five cases, each with its yellow card
    let A, B, C, D, E; // the cards' ids

    async function setClock(iso) {
        await ok(admin.put('/api/admin/clock', { now: iso }));
    }
    const card = (id) => `${CARDS}/${id}`;
    const step = (c, id, action, body) => c.post(`${card(id)}/${action}`, body);

    before(async () => {
        dir = tempDir('zt-cards-');
        initDemo(dir);
        // this city confirms yellow cards before they go out (待发), so the
        // whole lifecycle, confirmation included, runs on the engine's cards
        const q = spawnSync(
            'sqlite3',
            [path.join(dir, 'zhengtong.db'), "UPDATE sv_rules SET confirm = 1 WHERE id = 'promised_yellow'; SELECT changes();"],
            { encoding: 'utf8' },
        );
        assert.equal(q.status, 0, q.stderr);
        assert.equal(q.stdout.trim(), '1', 'the rule promised_yellow is seeded by init');
        t = await startServer({ dir, args: LONG });
        admin = await as(t, 'admin');
        await setClock('2026-09-23T02:00:00Z'); // Wednesday 10:00 in 萍乡
        [zs, clerk, head, mzj, mzjHead, sup, supAy, auditor] = await Promise.all(
            ['zhangsan', 'gaj_clerk', 'gaj_head', 'mzj_clerk', 'mzj_head', 'jiancha', 'jiancha_ay', 'shenji'].map((l) =>
                as(t, l),
            ),
        );
        anon = new Client(t);
        const materials = await materialsFor(zs, anon, ITEM);
        for (let i = 0; i < 5; i++) {
            const c = await ok(zs.post('/api/cases', { item_code: ITEM, materials }), 201);
            await ok(clerk.post(`/api/cases/${c.number}/actions/pre_review_pass`, { fields: {} }));
            await ok(clerk.post(`/api/cases/${c.number}/actions/accept`, { fields: {} }));
            numbers.push(c.number);
        }
        // promised due 2026-10-10 (WD_7, the make-up Saturday); yellow from WD_8
        await setClock('2026-10-14T02:00:00Z');
        await ok(admin.post('/api/admin/tick', {}));
    });

    after(async () => {
        if (t) await t.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('a case past its promised limit gets a yellow card that waits for confirmation (待发)', async () => {
        const list = await ok(sup.get(`${CARDS}?rule=promised_yellow&per_page=100`));
        assert.equal(list.total, 5, JSON.stringify(list));
        const bySubject = new Map(list.items.map((c) => [c.subject.number, c]));
        for (const n of numbers) {
            const c = bySubject.get(n);
            assert.ok(c, `a card for ${n}`);
            assert.equal(c.state, 'pending');
            assert.equal(c.state_label, '待发');
            assert.equal(c.level, 'yellow');
            assert.equal(c.level_label, '黄牌');
            assert.equal(c.department.code, '360300-GA');
            assert.equal(c.department.name, '萍乡市公安局');
            assert.equal(c.region.code, '360300');
            assert.equal(c.subject.type, 'case');
            assert.equal(c.subject.item_code, ITEM);
            assert.equal(c.feedback_due, null, 'not yet issued');
            assert.equal(c.overdue, false);
            assert.match(c.number, /^JC-360300-20261014-\d+$/);
        }
        [A, B, C, D, E] = numbers.map((n) => bySubject.get(n).id);
        const d = await ok(sup.get(card(A)));
        assert.deepEqual(d.actions.map((a) => a.id), ['confirm']);
        assert.deepEqual(d.events.map((e) => [e.action, e.from, e.to, e.actor]), [['raise', '', 'pending', 'system']]);
        assert.equal(d.subject.number, numbers[0]);
        assert.equal(d.subject.type, 'case');
        assert.equal(d.subject.item_code, ITEM);
        assert.equal(d.subject.closed, false);
        assert.ok(d.facts && typeof d.facts === 'object', 'facts are JSON');
        // the department is told only once the card is issued
        const inbox = await ok(clerk.get('/api/inbox?per_page=100'));
        assert.equal(inbox.items.filter((m) => m.card && m.card.id === A).length, 0);
        // newest first
        const times = list.items.map((c) => c.created_at);
        assert.deepEqual([...times].sort().reverse(), times);
    });

    test('who sees a card: its region\'s supervisors, administrators, auditors, its own department', async () => {
        assert.equal((await mzj.get(card(A))).status, 404, 'another department: unknown');
        assert.equal((await mzjHead.post(`${card(A)}/appeal`, { reason: '不是本部门' })).status, 404);
        await refused(supAy.get(card(A)), 403, 'id'); // 安源区 (360302) on a city (360300) card
        await refused(step(supAy, A, 'confirm', { reason: '越权' }), 403, 'id');
        assert.equal((await ok(supAy.get(`${CARDS}?per_page=100`))).items.filter((c) => c.id === A).length, 0);
        for (const c of [sup, admin, auditor, clerk, head]) assert.equal((await c.get(card(A))).status, 200);
        const own = await ok(clerk.get('/api/dept/cards?rule=promised_yellow'));
        assert.equal(own.total, 5);
        assert.equal((await ok(mzj.get('/api/dept/cards'))).items.filter((c) => c.department.code === '360300-GA').length, 0);
        assert.equal((await ok(auditor.get(`${CARDS}?rule=promised_yellow`))).total, 5);
        assert.equal((await ok(admin.get(`${CARDS}?rule=promised_yellow`))).total, 5);
        // roles: the route masks
        assert.equal((await zs.get(CARDS)).status, 403);
        assert.equal((await zs.get(card(A))).status, 403);
        assert.equal((await anon.get(CARDS)).status, 401);
        assert.equal((await clerk.get(CARDS)).status, 403, 'departments use /api/dept/cards');
        assert.equal((await sup.get('/api/dept/cards')).status, 403);
        for (const c of [clerk, head, admin, auditor]) assert.equal((await step(c, A, 'confirm', {})).status, 403);
        assert.equal((await step(sup, A, 'feedback', { feedback: 'x' })).status, 403, 'the department answers');
        assert.equal((await step(clerk, A, 'appeal', { reason: 'x' })).status, 403, 'the head appeals');
        assert.equal((await clerk.get(`${CARDS}/999999`)).status, 404);
        assert.equal((await sup.get(`${CARDS}/abc`)).status, 400);
        // a clerk sees no action on a pending card
        assert.deepEqual((await ok(clerk.get(card(A)))).actions, []);
    });

    test('confirm: issued, the department answers within 3 working days and is told', async () => {
        await refused(step(clerk, A, 'feedback', { feedback: '已办' }), 409, 'state');
        const c = await ok(sup.req('POST', `${card(A)}/confirm`)); // no body: the reason is optional
        assert.equal(c.state, 'issued');
        assert.equal(c.feedback_due, '2026-10-19'); // Wednesday 14th + 15, 16, 19 October
        assert.deepEqual(c.events.map((e) => [e.action, e.from, e.to]), [
            ['raise', '', 'pending'],
            ['confirm', 'pending', 'issued'],
        ]);
        assert.equal(c.events[1].actor, 'jiancha');
        assert.equal(c.events[1].actor_role, 'supervisor');
        const again = await refused(step(sup, A, 'confirm', {}), 409, 'state');
        assert.match(again.message, /已发/);
        assert.match(again.message, /待发/);
        for (const who of [clerk, head]) {
            const inbox = await ok(who.get('/api/inbox?per_page=100'));
            assert.ok(inbox.items.some((m) => m.card && m.card.id === A && m.card.state === 'issued'), 'told');
        }
        const mine = await ok(clerk.get(card(A)));
        assert.deepEqual(mine.actions.map((a) => a.id), ['feedback']);
        assert.deepEqual((await ok(head.get(card(A)))).actions.map((a) => a.id), ['feedback', 'appeal']);
        assert.deepEqual((await ok(sup.get(card(A)))).actions.map((a) => a.id), ['escalate']);
        assert.deepEqual((await ok(auditor.get(card(A)))).actions, []);
        // the audit trail has the step
        const audit = await ok(admin.get('/api/audit?per_page=100'));
        const items = audit.items || audit;
        assert.ok(JSON.stringify(items).includes('card.confirm'), 'audited');
    });

    test('feedback → answered → close; what is required and what each state allows', async () => {
        await refused(step(sup, A, 'close', { reason: '已整改' }), 409, 'state');
        await refused(step(clerk, A, 'feedback', {}), 400, 'feedback');
        await refused(step(clerk, A, 'feedback', { feedback: '   ' }), 400, 'feedback');
        await refused(step(clerk, A, 'feedback', { reason: '已办' }), 400);
        await refused(step(clerk, A, 'feedback', { feedback: '办'.repeat(2001) }), 400, 'feedback');
        await refused(step(clerk, A, 'feedback', { feedback: 7 }), 400, 'feedback');
        const c = await ok(step(clerk, A, 'feedback', { feedback: '已补办，因系统故障延误，已整改' }));
        assert.equal(c.state, 'answered');
        assert.equal(c.events.at(-1).reason, '已补办，因系统故障延误，已整改');
        await refused(step(sup, A, 'close', {}), 400, 'reason');
        await refused(step(sup, A, 'close', { reason: '理'.repeat(1001) }), 400, 'reason');
        const closed = await ok(step(sup, A, 'close', { reason: '反馈属实，予以办结' }));
        assert.equal(closed.state, 'closed');
        assert.deepEqual(closed.actions, []);
        const e = await refused(step(sup, A, 'escalate', { reason: '再督办' }), 409, 'state');
        assert.match(e.message, /已办结/);
        await refused(step(head, A, 'appeal', { reason: 'x' }), 409, 'state');
        assert.deepEqual(closed.events.map((x) => x.action), ['raise', 'confirm', 'feedback', 'close']);
    });

    test('appeal → send back (issued again, a new answer day) → escalate (督办) → feedback → close', async () => {
        await ok(step(sup, B, 'confirm', { reason: '核实无误' }));
        const ap = await ok(step(head, B, 'appeal', { reason: '申请人自行要求暂缓办理' }));
        assert.equal(ap.state, 'appealed');
        assert.deepEqual((await ok(sup.get(card(B)))).actions.map((a) => a.id), ['escalate', 'revoke', 'send_back']);
        await refused(step(clerk, B, 'feedback', { feedback: 'x' }), 409, 'state');
        await refused(step(sup, B, 'send_back', {}), 400, 'reason');
        const back = await ok(step(sup, B, 'send_back', { reason: '无书面暂缓申请，申诉不成立' }));
        assert.equal(back.state, 'issued');
        assert.equal(back.feedback_due, '2026-10-19');
        const esc = await ok(step(sup, B, 'escalate', { reason: '逾期未反馈，督办' }));
        assert.equal(esc.state, 'escalated');
        assert.equal(esc.state_label, '督办');
        assert.equal(esc.escalated_due, '2026-10-21'); // 5 working days: 15, 16, 19, 20, 21
        assert.deepEqual((await ok(clerk.get(card(B)))).actions.map((a) => a.id), ['feedback']);
        await ok(step(head, B, 'feedback', { feedback: '已办结并向申请人致歉' }));
        const done = await ok(step(sup, B, 'close', { reason: '督办事项已落实' }));
        assert.deepEqual(done.events.map((x) => [x.action, x.to]), [
            ['raise', 'pending'],
            ['confirm', 'issued'],
            ['appeal', 'appealed'],
            ['send_back', 'issued'],
            ['escalate', 'escalated'],
            ['feedback', 'answered'],
            ['close', 'closed'],
        ]);
        assert.deepEqual(done.events.map((x) => x.seq), [1, 2, 3, 4, 5, 6, 7]);
    });

    test('appeal → revoke (撤销); an answered card appealed, then escalated', async () => {
        await ok(step(sup, C, 'confirm', {}));
        await ok(step(head, C, 'appeal', { reason: '属特别程序期间，不应计时' }));
        const rv = await ok(step(sup, C, 'revoke', { reason: '经核实申诉成立' }));
        assert.equal(rv.state, 'revoked');
        await refused(step(sup, C, 'revoke', { reason: '再撤销' }), 409, 'state');
        await refused(step(clerk, C, 'feedback', { feedback: 'x' }), 409, 'state');
        await refused(step(sup, C, 'send_back', { reason: 'x' }), 409, 'state');

        await ok(step(sup, D, 'confirm', {}));
        await ok(step(clerk, D, 'feedback', { feedback: '已处理' }));
        const ap = await ok(step(head, D, 'appeal', { reason: '反馈后仍认为不应出牌' }));
        assert.equal(ap.state, 'appealed');
        const esc = await ok(step(sup, D, 'escalate', { reason: '申诉理由不成立，督办' }));
        assert.equal(esc.state, 'escalated');
        await ok(step(clerk, D, 'feedback', { feedback: '按督办要求整改完毕' }));
    });

    test('compare-and-set: of two supervisors closing one card at once, one wins, the other gets 409', async () => {
        const sup2 = await as(t, 'jiancha');
        const rs = await Promise.all([
            step(sup, D, 'close', { reason: '第一位' }),
            step(sup2, D, 'close', { reason: '第二位' }),
        ]);
        assert.deepEqual(rs.map((r) => r.status).sort(), [200, 409], rs.map((r) => r.text).join('\n'));
        const d = await ok(sup.get(card(D)));
        assert.equal(d.events.filter((x) => x.action === 'close').length, 1);
    });

    test('lists: state lists, level, rule, dept, region, subject, days, overdue', async () => {
        await ok(step(sup, E, 'confirm', {})); // issued, answer due 2026-10-19, left unanswered
        const q = async (c, qs) => ok(c.get(`${CARDS}?rule=promised_yellow&${qs}`));
        assert.equal((await q(sup, 'state=closed')).total, 3, 'A, B, D');
        assert.equal((await q(sup, 'state=closed,revoked')).total, 4);
        assert.equal((await q(sup, 'state=issued')).total, 1);
        assert.equal((await q(sup, 'state=pending')).total, 0);
        await refused(sup.get(`${CARDS}?state=closed,bogus`), 400, 'state');
        await refused(sup.get(`${CARDS}?level=orange`), 400, 'level');
        // every filter at once, with long lists (a list is one bound value)
        await refused(sup.get(`${CARDS}?level=red,red,${'red,'.repeat(40)}red`), 400, 'level');
        assert.equal((await q(sup, `state=${Array(12).fill('closed').join(',')}`)).total, 3);
        const most = `state=${Array(12).fill('issued').join(',')}&level=red,yellow,warning&dept=360300-GA&category=time`;
        const full = `${most}&subject=${numbers[0]}&region=360300&from=2026-10-01&to=2026-10-31&overdue=1`;
        assert.equal((await ok(sup.get(`${CARDS}?rule=promised_yellow&${full}`))).total, 0);
        await refused(sup.get(`${CARDS}?from=2026-13-01`), 400, 'from');
        assert.equal((await q(sup, 'level=yellow')).total, 5);
        assert.equal((await q(sup, 'level=red')).total, 0);
        assert.equal((await q(sup, 'dept=360300-GA')).total, 5);
        assert.equal((await q(sup, 'dept=360300-MZ')).total, 0);
        assert.equal((await q(sup, 'region=360300')).total, 5);
        assert.equal((await q(admin, 'region=360302')).total, 0);
        assert.equal((await q(sup, 'category=time')).total, 5);
        assert.equal((await q(sup, `subject=${numbers[4]}`)).items[0].id, E);
        assert.equal((await q(sup, 'from=2026-10-14&to=2026-10-14')).total, 5);
        assert.equal((await q(sup, 'to=2026-10-13')).total, 0);
        assert.equal((await q(sup, 'from=2026-10-15')).total, 0);
        assert.equal((await q(sup, 'overdue=1')).total, 0, 'E is due on the 19th');
        const page = await q(sup, 'per_page=2&page=2');
        assert.equal(page.items.length, 2);
        assert.equal(page.total, 5);
        await setClock('2026-10-20T02:00:00Z');
        await ok(admin.post('/api/admin/tick', {})); // what comes due now is raised before the next request
        const over = await q(sup, 'overdue=1');
        assert.deepEqual(over.items.map((c) => c.id), [E], 'issued past its answer day; the others are closed or revoked');
        assert.equal(over.items[0].overdue, true);
        assert.deepEqual((await ok(clerk.get('/api/dept/cards?rule=promised_yellow&overdue=1'))).items.map((c) => c.id), [E]);
        assert.equal((await ok(clerk.get('/api/dept/cards?dept=360300-MZ&rule=promised_yellow'))).total, 5, 'one department');
    });

    test('the inbox: unread first, ?unread=1, marking read; one\'s own only', async () => {
        const box = await ok(clerk.get('/api/inbox?per_page=100'));
        assert.ok(box.total > 0);
        assert.equal(box.unread, box.items.filter((m) => !m.read).length);
        const first = box.items.find((m) => m.card && m.card.id === A);
        assert.ok(first, 'a notification about card A');
        assert.match(first.title, /黄牌/);
        assert.equal(first.read, false);
        assert.equal(first.card.level, 'yellow');
        const read = await ok(clerk.post(`/api/inbox/${first.id}/read`, {}));
        assert.equal(read.read, true);
        assert.ok(read.read_at);
        const again = await ok(clerk.post(`/api/inbox/${first.id}/read`, {}));
        assert.equal(again.read_at, read.read_at, 'read once');
        const after1 = await ok(clerk.get('/api/inbox?per_page=100'));
        assert.equal(after1.unread, box.unread - 1);
        assert.equal(after1.items.at(-1).read, true, 'the read ones last');
        const unread = await ok(clerk.get('/api/inbox?unread=1&per_page=100'));
        assert.equal(unread.total, after1.unread);
        assert.ok(unread.items.every((m) => !m.read));
        assert.equal((await mzj.post(`/api/inbox/${first.id}/read`, {})).status, 404, 'not hers');
        assert.equal((await ok(mzj.get('/api/inbox?per_page=100'))).items.filter((m) => m.card && m.card.id === A).length, 0);
        const headBox = await ok(head.get('/api/inbox?per_page=100'));
        assert.ok(headBox.items.some((m) => m.card && m.card.id === B));
        assert.equal((await ok(zs.get('/api/inbox'))).total, 0);
        assert.equal((await anon.get('/api/inbox')).status, 401);
        assert.equal((await clerk.post('/api/inbox/0/read', {})).status, 400);
    });

    test('counts per key and level agree with the lists; revoked and retracted count only with state=all', async () => {
        const total = async (qs) => (await ok(sup.get(`${CARDS}?${qs}`))).total;
        const valid = 'state=pending,issued,answered,closed,escalated,appealed';
        const byLevel = await ok(sup.get('/api/supervision/counts?by=level'));
        assert.equal(byLevel.by, 'level');
        for (const lv of ['warning', 'yellow', 'red']) {
            const row = byLevel.items.find((x) => x.key === lv);
            assert.equal(row ? row.total : 0, await total(`level=${lv}&${valid}`), lv);
        }
        assert.equal(byLevel.items.find((x) => x.key === 'yellow').name, '黄牌');
        assert.equal(byLevel.total.total, await total(valid));
        const all = await ok(sup.get('/api/supervision/counts?by=level&state=all'));
        assert.equal(all.total.total, await total(''));
        assert.equal(all.total.yellow, byLevel.total.yellow + 1, 'the revoked card');
        const open = await ok(sup.get('/api/supervision/counts?by=level&state=open'));
        assert.equal(open.total.total, await total('state=pending,issued,answered,escalated,appealed'));
        const rule = await ok(sup.get('/api/supervision/counts?by=rule'));
        const py = rule.items.find((x) => x.key === 'promised_yellow');
        assert.deepEqual([py.total, py.yellow, py.warning, py.red], [4, 4, 0, 0]);
        assert.equal(py.name, '超过承诺时限（黄牌）');
        const dept = await ok(sup.get('/api/supervision/counts?by=dept'));
        const ga = dept.items.find((x) => x.key === '360300-GA');
        assert.equal(ga.name, '萍乡市公安局');
        assert.equal(ga.total, await total(`dept=360300-GA&${valid}`));
        const item = await ok(sup.get('/api/supervision/counts?by=item'));
        assert.ok(item.items.find((x) => x.key === ITEM).yellow === 4);
        const region = await ok(sup.get('/api/supervision/counts?by=region'));
        const px = region.items.find((x) => x.key === '360300');
        assert.equal(px.name, '萍乡市');
        // the days a card was raised on (step_limit warnings came on the 20th)
        const early = await ok(sup.get('/api/supervision/counts?by=level&to=2026-10-14'));
        const late = await ok(sup.get('/api/supervision/counts?by=level&from=2026-10-15'));
        assert.equal(early.total.total, await total(`to=2026-10-14&${valid}`));
        assert.equal(late.total.total, await total(`from=2026-10-15&${valid}`));
        assert.equal(early.total.total + late.total.total, byLevel.total.total);
        assert.equal(early.total.yellow, 4);
        await refused(sup.get('/api/supervision/counts?by=colour'), 400, 'by');
        await refused(sup.get('/api/supervision/counts?state=bogus'), 400, 'state');
        assert.equal((await ok(supAy.get('/api/supervision/counts?by=dept'))).total.total, 0, '安源区 sees its own');
        assert.equal((await ok(auditor.get('/api/supervision/counts?by=level'))).total.total, byLevel.total.total);
        assert.equal((await clerk.get('/api/supervision/counts')).status, 403);
    });

    test('the overview (大屏): subjects, cards by level and state, top departments, regions', async () => {
        const o = await ok(sup.get('/api/supervision/overview'));
        assert.equal(o.today, '2026-10-20');
        assert.ok(o.subjects.total >= 5, JSON.stringify(o.subjects));
        assert.ok(o.subjects.open >= 5);
        assert.ok(o.subjects.overdue >= 5, 'past the promised day of 10 October');
        assert.equal(o.subjects.by_type.case.total, o.subjects.total);
        assert.equal(o.cards.by_level.yellow, 4);
        assert.equal(o.cards.by_state.revoked, 1);
        assert.equal(o.cards.by_state.closed, 3);
        assert.equal(o.cards.by_state.pending, 0);
        assert.equal(o.cards.open_by_level.yellow, 1, 'E');
        assert.equal(o.top_departments[0].code, '360300-GA');
        assert.equal(o.top_departments[0].name, '萍乡市公安局');
        assert.ok(o.top_departments.length <= 10);
        const px = o.regions.find((x) => x.code === '360300');
        assert.equal(px.name, '萍乡市');
        assert.equal(px.total, o.cards.open);
        const ay = await ok(supAy.get('/api/supervision/overview'));
        assert.equal(ay.subjects.total, 0);
        assert.equal(ay.cards.open, 0);
        assert.deepEqual(ay.top_departments, []);
        assert.equal((await zs.get('/api/supervision/overview')).status, 403);
    });

    test('supervised subjects with their open cards', async () => {
        const list = await ok(sup.get('/api/supervision/cases?subject_type=case&per_page=100'));
        for (const n of numbers) assert.ok(list.items.find((x) => x.number === n), n);
        const e = list.items.find((x) => x.number === numbers[4]);
        assert.equal(e.open_cards.yellow, 1);
        assert.equal(e.department.code, '360300-GA');
        assert.equal(e.item_code, ITEM);
        assert.equal(e.overdue, true);
        assert.equal(list.items.find((x) => x.number === numbers[0]).open_cards.yellow, 0, 'A is closed');
        assert.equal((await ok(sup.get(`/api/supervision/cases?q=${numbers[2]}`))).total, 1);
        assert.ok((await ok(sup.get('/api/supervision/cases?overdue=1&open=1'))).total >= 5);
        assert.equal((await ok(sup.get('/api/supervision/cases?dept=360300-MZ'))).total, 0);
        assert.equal((await ok(sup.get('/api/supervision/cases?region=360302'))).total, 0);
        assert.equal((await ok(supAy.get('/api/supervision/cases'))).total, 0);
        assert.equal((await ok(admin.get('/api/supervision/cases?subject_type=case'))).total, list.total);
        assert.equal((await head.get('/api/supervision/cases')).status, 403);
    });
});

// messages.test.mjs - consultations (咨询) and complaints (投诉), issue #4:
// submission and routing, due days on the working-day calendar, the flows
// of data/flows/consultation.json and complaint.json taken through the API,
// scope (department, region, submitter), compare-and-set against races,
// idempotent retries, and the supervision event in the submitter's ledger.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, REPO, as, errorOf, startServer } from './lib/server.mjs';

const FLOWS = {
    consultation: JSON.parse(readFileSync(path.join(REPO, 'data/flows/consultation.json'), 'utf8')),
    complaint: JSON.parse(readFileSync(path.join(REPO, 'data/flows/complaint.json'), 'utf8')),
};
const limitDays = (kind) => FLOWS[kind].limits[0].days;
const ITEMS = JSON.parse(readFileSync(path.join(REPO, 'data/demo/items.json'), 'utf8')).items;

let srv, zhangsan, pxqiye, gajClerk, gajHead, mzjClerk, jiancha, jianchaAy, lisi;

before(async () => {
    srv = await startServer();
    [zhangsan, pxqiye, gajClerk, gajHead, mzjClerk, jiancha, jianchaAy] = await Promise.all(
        ['zhangsan', 'pxqiye', 'gaj_clerk', 'gaj_head', 'mzj_clerk', 'jiancha', 'jiancha_ay'].map((l) => as(srv, l)),
    );
    const reg = await new Client(srv).post('/api/auth/register', {
        type: 'citizen',
        login: 'lisi',
        name: '李四',
        password: 'Lisi2026pass',
        id_number: '11010519491231002X',
    });
    assert.equal(reg.status, 201, reg.text);
    lisi = await as(srv, 'lisi', 'Lisi2026pass');
});

after(async () => {
    if (srv) await srv.stop();
});

const consult = (c, body) => c.post('/api/consultations', body);
const complain = (c, body) => c.post('/api/complaints', body);
const act = (c, number, action, fields) =>
    c.post(`/api/messages/${encodeURIComponent(number)}/actions/${action}`, fields === undefined ? {} : { fields });

function today() {
    // the city's day (the server runs in Asia/Shanghai)
    return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}
const compact = (d) => d.replaceAll('-', '');

async function newConsultation(c = zhangsan, over = {}) {
    const r = await consult(c, {
        department: '360300-GA',
        title: '户口迁移需要哪些材料',
        content: '本人在安源区工作，想把户口从外省迁入萍乡市，需要准备哪些材料？',
        contact_phone: '13800138000',
        ...over,
    });
    assert.equal(r.status, 201, r.text);
    return r.json;
}

async function newComplaint(c = zhangsan, over = {}) {
    const r = await complain(c, {
        department: '360300-GA',
        title: '窗口办理身份证效率低',
        content: '11 月 20 日在市民中心公安窗口排队两个小时，工作人员中途离岗。',
        ...over,
    });
    assert.equal(r.status, 201, r.text);
    return r.json;
}

async function ledgerEntries(c, subject) {
    const r = await c.get(`/api/ledger/entries?from=0&to=1000&subject=${encodeURIComponent(subject)}`);
    assert.equal(r.status, 200, r.text);
    return r.json.items;
}

describe('consultations', () => {
    let msg;

    test('zhangsan submits a consultation to 360300-GA: numbered, due on the 5th working day', async () => {
        msg = await newConsultation();
        assert.match(msg.number, new RegExp(`^ZX-360300-${compact(today())}-\\d{4}$`));
        assert.equal(msg.kind, 'consultation');
        assert.equal(msg.state, 'submitted');
        assert.equal(msg.state_label, '已提交（待分办）');
        assert.deepEqual(msg.flow, { id: 'consultation', version: FLOWS.consultation.version });
        assert.equal(msg.department.code, '360300-GA');
        assert.equal(msg.region_code, '360300');
        assert.equal(msg.submitter_name, '张三');
        assert.equal(msg.contact_phone, '13800138000');
        assert.match(msg.due_day, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(msg.due_day > today());
        assert.equal(msg.remaining_days, limitDays('consultation'), 'the limit counted from the submission day');
        assert.equal(msg.overdue, false);
        assert.equal(msg.answer, null);
        assert.deepEqual(msg.actions.map((a) => a.id), ['withdraw'], 'what the submitter may do now');
        assert.equal(msg.events.length, 1);
        assert.equal(msg.events[0].action, 'submit');
        assert.equal(msg.events[0].to, 'submitted');
    });

    test('the due day agrees with the calendar API: the limit-th working day after the submission day', async () => {
        const r = await zhangsan.get(`/api/calendar/add?start=${today()}&days=${limitDays('consultation')}`);
        assert.equal(r.status, 200, r.text);
        assert.equal(msg.due_day, r.json.date);
    });

    test('gaj_clerk sees it in the department list with the due day and remaining working days', async () => {
        const r = await gajClerk.get('/api/dept/messages?kind=consultation');
        assert.equal(r.status, 200, r.text);
        const row = r.json.items.find((m) => m.number === msg.number);
        assert.ok(row, r.text);
        assert.equal(row.due_day, msg.due_day);
        assert.equal(row.remaining_days, limitDays('consultation'));
        assert.equal(row.state, 'submitted');
        const q = await gajClerk.get(`/api/dept/messages?q=${encodeURIComponent('户口迁移')}`);
        assert.ok(q.json.items.some((m) => m.number === msg.number));
        const byNumber = await gajClerk.get(`/api/dept/messages?q=${encodeURIComponent(msg.number)}`);
        assert.equal(byNumber.json.total, 1);
        const none = await gajClerk.get('/api/dept/messages?overdue=1');
        assert.equal(none.json.total, 0, 'nothing is overdue yet');
        assert.equal((await gajClerk.get('/api/dept/messages?kind=letter')).status, 400);
        const detail = await gajClerk.get(`/api/messages/${msg.number}`);
        assert.equal(detail.status, 200);
        assert.deepEqual(detail.json.actions.map((a) => a.id), ['assign', 'transfer', 'reply', 'reject']);
    });

    test('another department neither sees it nor may act on it (403)', async () => {
        const list = await mzjClerk.get('/api/dept/messages');
        assert.ok(!list.json.items.some((m) => m.number === msg.number));
        assert.equal((await mzjClerk.get(`/api/messages/${msg.number}`)).status, 404);
        const r = await act(mzjClerk, msg.number, 'assign', {});
        assert.equal(r.status, 403, r.text);
    });

    test('the submitter may not answer (403: role); an unknown action is 400', async () => {
        const r = await act(zhangsan, msg.number, 'reply', { answer: '自问自答' });
        assert.equal(r.status, 403);
        const u = await act(gajClerk, msg.number, 'teleport', {});
        assert.equal(u.status, 400);
        assert.equal(errorOf(u).field, 'action');
    });

    test('gaj_clerk assigns and answers through the flow; a reply without its answer is 400', async () => {
        let r = await act(gajClerk, msg.number, 'assign', { assignee: '刘敏' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'handling');
        r = await act(gajClerk, msg.number, 'reply', {});
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'answer');
        r = await act(gajClerk, msg.number, 'reply', { answer: '   ' });
        assert.equal(r.status, 400, 'blank is missing');
        r = await act(gajClerk, msg.number, 'reply', { answer: '请携带身份证、户口簿和准迁证明到户籍窗口办理。', typo: 1 });
        assert.equal(r.status, 400, 'a field the action does not define');
        assert.equal(errorOf(r).field, 'typo');
        r = await act(gajClerk, msg.number, 'reply', {
            answer: '请携带身份证、户口簿和准迁证明到户籍窗口办理。',
            policy_basis: '《户口登记条例》',
        });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'answered');
        assert.equal(r.json.terminal, true);
        assert.ok(r.json.closed_at);
        assert.equal(r.json.remaining_days, null);
        assert.equal(r.json.overdue, false);
        assert.deepEqual(r.json.actions, []);
    });

    test('an action not allowed from the state is 409', async () => {
        let r = await act(gajClerk, msg.number, 'assign', {});
        assert.equal(r.status, 409);
        r = await act(zhangsan, msg.number, 'withdraw');
        assert.equal(r.status, 409);
    });

    test('zhangsan sees the answer and the timeline', async () => {
        const r = await zhangsan.get(`/api/messages/${msg.number}`);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.answer, '请携带身份证、户口簿和准迁证明到户籍窗口办理。');
        assert.equal(r.json.answered_by, '市公安局 窗口 刘敏');
        assert.ok(r.json.answered_at);
        assert.equal(r.json.answered, true);
        assert.deepEqual(r.json.events.map((e) => [e.seq, e.action, e.from, e.to]), [
            [1, 'submit', null, 'submitted'],
            [2, 'assign', 'submitted', 'handling'],
            [3, 'reply', 'handling', 'answered'],
        ]);
        assert.equal(r.json.events[2].action_label, '答复');
        assert.equal(r.json.events[2].actor, '市公安局 窗口 刘敏');
        assert.equal(r.json.events[2].actor_role, 'clerk');
        assert.equal(r.json.events[2].fields.policy_basis, '《户口登记条例》');
        const mine = await zhangsan.get('/api/my/messages?kind=consultation');
        assert.equal(mine.status, 200);
        const row = mine.json.items.find((m) => m.number === msg.number);
        assert.equal(row.state, 'answered');
        assert.equal(row.answered, true);
    });

    test('each step is in the submitter\'s ledger as a supervision event', async () => {
        const items = await ledgerEntries(zhangsan, `consultation/${msg.number}`);
        assert.deepEqual(items.map((i) => i.event.kind), [
            'consultation.submit',
            'consultation.assign',
            'consultation.reply',
        ]);
        // the submitter reads each step as his message view shows it: no staff login, no raw
        // entry (issue #22 F8); the leaf hash lets him check it against a checkpoint
        const mine = items[2].event.step;
        assert.deepEqual({ action: mine.action, from: mine.from, to: mine.to }, { action: 'reply', from: 'handling', to: 'answered' });
        assert.ok(mine.fields.answer, 'the answer is his to read');
        assert.ok(items.every((i) => i.entry === undefined && i.leaf_hash && !JSON.stringify(i).includes('gaj_clerk')));
        // the supervision event itself, as supervisors read it
        const all = await ledgerEntries(jiancha, `consultation/${msg.number}`);
        assert.equal(all.length, 3);
        assert.deepEqual(all.map((i) => i.leaf_hash), items.map((i) => i.leaf_hash));
        const reply = all[2].event.payload;
        assert.equal(reply.id, `platform/consultation/${msg.number}/3`);
        assert.equal(reply.subject, msg.number);
        assert.equal(reply.message.department, '360300-GA');
        assert.equal(reply.message.region, '360300');
        assert.equal(reply.message.state, 'answered');
        assert.equal(reply.message.due_day, msg.due_day);
        assert.deepEqual(
            { action: reply.step.action, result: reply.step.result, from: reply.step.from, to: reply.step.to },
            { action: 'reply', result: 'complete', from: 'handling', to: 'answered' },
        );
        assert.equal(reply.step.actor, 'gaj_clerk');
        assert.equal(all[0].event.payload.step.result, null);
        // another citizen's ledger view holds none of it
        assert.equal((await ledgerEntries(lisi, `consultation/${msg.number}`)).length, 0);
    });

    test('another citizen cannot read or act on zhangsan\'s message (404)', async () => {
        assert.equal((await lisi.get(`/api/messages/${msg.number}`)).status, 404);
        assert.equal((await act(lisi, msg.number, 'withdraw')).status, 404);
        const mine = await lisi.get('/api/my/messages');
        assert.equal(mine.json.total, 0);
        assert.equal((await lisi.get('/api/messages/ZX-360300-20000101-9999')).status, 404);
    });

    test('the submitter withdraws an open consultation; staff may not withdraw', async () => {
        const m = await newConsultation(zhangsan, { title: '居住证办理时间' });
        assert.equal((await act(gajClerk, m.number, 'withdraw')).status, 403);
        const r = await act(zhangsan, m.number, 'withdraw');
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'withdrawn');
        assert.ok(r.json.closed_at);
        assert.equal(r.json.answer, null);
    });

    test('reject needs one of the listed reasons', async () => {
        const m = await newConsultation(zhangsan, { title: '重复的问题' });
        let r = await act(gajHead, m.number, 'reject', {});
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'reason');
        r = await act(gajHead, m.number, 'reject', { reason: '随便' });
        assert.equal(r.status, 400);
        r = await act(gajHead, m.number, 'reject', { reason: '重复提交' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'rejected');
    });

    test('transfer (转办) moves the message to another department, which then handles it', async () => {
        const m = await newConsultation(zhangsan, { title: '低保申请条件' });
        let r = await act(gajClerk, m.number, 'transfer', { to_department: '360300-NOPE', reason: '非本部门职责' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'to_department');
        r = await act(gajClerk, m.number, 'transfer', { to_department: '360300-GA', reason: '非本部门职责' });
        assert.equal(r.status, 400, 'not to itself');
        r = await act(gajClerk, m.number, 'transfer', { to_department: '360300-MZ', reason: '属民政局职责' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.department.code, '360300-MZ');
        assert.equal(r.json.state, 'submitted');
        assert.equal(r.json.due_day, m.due_day, 'the clock keeps running');
        assert.equal((await act(gajClerk, m.number, 'assign', {})).status, 403, 'no longer the old department\'s');
        assert.ok((await mzjClerk.get('/api/dept/messages')).json.items.some((x) => x.number === m.number));
        r = await act(mzjClerk, m.number, 'assign', {});
        assert.equal(r.status, 200, r.text);
        const ev = await ledgerEntries(zhangsan, `consultation/${m.number}`);
        assert.equal(ev.find((i) => i.event.kind === 'consultation.transfer').event.step.fields.to_department, '360300-MZ');
        const tr = (await ledgerEntries(jiancha, `consultation/${m.number}`)).find((i) => i.event.kind === 'consultation.transfer');
        assert.equal(tr.event.payload.message.department, '360300-MZ');
    });

    test('two answers at once: one wins, the other is 409', async () => {
        const m = await newConsultation(zhangsan, { title: '并发答复' });
        const rs = await Promise.all([
            act(gajClerk, m.number, 'reply', { answer: '答复一' }),
            act(gajHead, m.number, 'reply', { answer: '答复二' }),
        ]);
        assert.deepEqual(rs.map((r) => r.status).sort(), [200, 409], rs.map((r) => r.text).join('\n'));
        const d = await zhangsan.get(`/api/messages/${m.number}`);
        assert.equal(d.json.events.length, 2, 'one reply recorded');
    });
});

describe('complaints', () => {
    let c;

    test('zhangsan complains about 360300-GA: TS number, 10 working days', async () => {
        c = await newComplaint();
        assert.match(c.number, new RegExp(`^TS-360300-${compact(today())}-\\d{4}$`));
        assert.equal(c.kind, 'complaint');
        assert.equal(c.state, 'submitted');
        assert.equal(c.remaining_days, limitDays('complaint'));
    });

    test('the department cannot reply before the supervisor accepts (409); the district supervisor is out of scope (403)', async () => {
        let r = await act(gajClerk, c.number, 'dept_reply', { findings: '已调查', measures: '已整改' });
        assert.equal(r.status, 409, r.text);
        r = await act(jianchaAy, c.number, 'accept', { category: '办事效率' });
        assert.equal(r.status, 403, r.text);
        assert.equal((await jianchaAy.get(`/api/messages/${c.number}`)).status, 404);
        assert.ok(!(await jianchaAy.get('/api/dept/messages')).json.items.some((m) => m.number === c.number));
        r = await act(gajHead, c.number, 'accept', { category: '办事效率' });
        assert.equal(r.status, 403, 'only the supervision office accepts');
    });

    test('refusing without a reason is 400 naming reason', async () => {
        const r = await act(jiancha, c.number, 'refuse', { remedy_notice: '可向市信访局反映' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'reason');
    });

    test('the full flow: accept and forward, department replies, returned, replies again, closed', async () => {
        const seen = await jiancha.get('/api/dept/messages?kind=complaint');
        assert.ok(seen.json.items.some((m) => m.number === c.number), 'the city supervisor sees the region');
        let r = await act(jiancha, c.number, 'accept', { category: '办事效率', opinion: '请公安局调查处理' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'assigned');
        r = await act(gajHead, c.number, 'dept_reply', { findings: '情况属实', measures: '已批评教育' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'replied');
        r = await act(jiancha, c.number, 'return', {});
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'reason');
        r = await act(jiancha, c.number, 'return', { reason: '整改措施不具体' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'assigned');
        r = await act(gajClerk, c.number, 'dept_reply', {
            findings: '情况属实，窗口人员离岗 40 分钟',
            measures: '扣减绩效，增设引导岗',
            contacted_on: today(),
        });
        assert.equal(r.status, 200, r.text);
        r = await act(jiancha, c.number, 'close', { conclusion: '属实', reply: '经调查您反映的情况属实，已责令整改。' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'closed');
        assert.equal(r.json.terminal, true);
        assert.equal(r.json.answer, '经调查您反映的情况属实，已责令整改。');
    });

    test('zhangsan sees the answer, the timeline and the ledger entries', async () => {
        const r = await zhangsan.get(`/api/messages/${c.number}`);
        assert.equal(r.status, 200);
        assert.equal(r.json.answer, '经调查您反映的情况属实，已责令整改。');
        assert.equal(r.json.answered_by, '市监察局 李监察');
        assert.deepEqual(r.json.events.map((e) => e.action), [
            'submit',
            'accept',
            'dept_reply',
            'return',
            'dept_reply',
            'close',
        ]);
        const items = await ledgerEntries(zhangsan, `complaint/${c.number}`);
        assert.equal(items.length, 6);
        assert.equal(items[5].event.kind, 'complaint.close');
        assert.equal(items[5].event.step.fields.conclusion, '属实');
        assert.ok(items.every((i) => i.event.step.actor === undefined && i.entry === undefined), 'no staff login, no raw entry');
        const all = await ledgerEntries(jiancha, `complaint/${c.number}`);
        assert.equal(all[5].event.payload.step.result, 'complete');
        assert.equal(all[1].event.payload.step.result, 'accept');
    });

    test('a complaint about a district department: the district supervisor handles it, numbered by that district', async () => {
        const m = await newComplaint(zhangsan, { department: '360302-GA', title: '安源分局窗口推诿' });
        assert.match(m.number, /^TS-360302-\d{8}-\d{4}$/);
        assert.equal(m.region_code, '360302');
        assert.ok((await jianchaAy.get('/api/dept/messages')).json.items.some((x) => x.number === m.number));
        assert.ok((await jiancha.get('/api/dept/messages')).json.items.some((x) => x.number === m.number), 'the city covers its districts');
        assert.equal((await gajClerk.get(`/api/messages/${m.number}`)).status, 404, 'the city bureau is another department');
        const r = await act(jianchaAy, m.number, 'accept', { category: '服务态度' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'assigned');
    });

    test('the complainant withdraws while the department investigates', async () => {
        const m = await newComplaint(pxqiye, { title: '企业开办多次跑动' });
        let r = await act(jiancha, m.number, 'accept', { category: '多次跑动' });
        assert.equal(r.status, 200, r.text);
        r = await act(pxqiye, m.number, 'withdraw', { reason: '问题已解决' });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.state, 'withdrawn');
    });
});

describe('submission: validation, routing, idempotency', () => {
    test('missing or blank title is 400 naming title; over-long is 400 too', async () => {
        let r = await consult(zhangsan, { department: '360300-GA', content: '内容' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'title');
        r = await consult(zhangsan, { department: '360300-GA', title: '\u3000 ', content: '内容' });
        assert.equal(errorOf(r).field, 'title');
        r = await consult(zhangsan, { department: '360300-GA', title: '长'.repeat(101), content: '内容' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'title');
        assert.match(errorOf(r).message, /标题/);
        r = await consult(zhangsan, { department: '360300-GA', title: '标题' });
        assert.equal(errorOf(r).field, 'content');
        r = await consult(zhangsan, { department: '360300-GA', title: '标题', content: '字'.repeat(5001) });
        assert.equal(errorOf(r).field, 'content');
    });

    test('unknown department is 400 naming department; no target or two targets are 400', async () => {
        let r = await consult(zhangsan, { department: '360300-XX', title: '标题', content: '内容' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'department');
        r = await complain(zhangsan, { title: '标题', content: '内容' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'department');
        r = await consult(zhangsan, { department: '360300-GA', item_code: '360300-XK-GA-001', title: '标题', content: '内容' });
        assert.equal(r.status, 400);
        r = await consult(zhangsan, { department: '360300-GA', title: '标题', content: '内容', extra: 1 });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'extra');
    });

    test('contact_phone: mobile and landline accepted, anything else 400', async () => {
        for (const phone of ['13912345678', '0799-6837420', '07996837420']) {
            const r = await consult(pxqiye, { department: '360300-GA', title: '电话', content: '内容', contact_phone: phone });
            assert.equal(r.status, 201, `${phone}: ${r.text}`);
        }
        for (const phone of ['12345678901', '1391234567', '6837420', '0799-68374', 'abc']) {
            const r = await consult(pxqiye, { department: '360300-GA', title: '电话', content: '内容', contact_phone: phone });
            assert.equal(r.status, 400, phone);
            assert.equal(errorOf(r).field, 'contact_phone');
        }
    });

    test('a case that is not the submitter\'s own (or does not exist) is 404', async () => {
        const r = await consult(zhangsan, { case_number: '360302-20260101-000001', title: '办件进度', content: '内容' });
        assert.equal(r.status, 404);
    });

    test('an item routes to its department', async () => {
        const item = ITEMS.find((i) => i.department === '360300-GA');
        const r = await consult(zhangsan, { item_code: item.code, title: '事项咨询', content: '需要几个工作日？' });
        assert.equal(r.status, 201, r.text);
        assert.equal(r.json.department.code, '360300-GA');
        assert.equal(r.json.item_code, item.code);
        const bad = await consult(zhangsan, { item_code: '360300-XK-GA-999', title: '事项咨询', content: '内容' });
        assert.equal(bad.status, 400);
        assert.equal(errorOf(bad).field, 'item_code');
    });

    test('a retry with the same idempotency key returns the same message with 200', async () => {
        const body = { department: '360300-MZ', title: '养老补贴', content: '如何申请高龄津贴？', idempotency_key: 'k-2026-1' };
        const a = await consult(pxqiye, body);
        assert.equal(a.status, 201, a.text);
        const b = await consult(pxqiye, body);
        assert.equal(b.status, 200, b.text);
        assert.equal(b.json.number, a.json.number);
        assert.equal(b.json.events.length, 1, 'nothing recorded twice');
        // another submitter's key space is his own
        const c = await consult(zhangsan, body);
        assert.equal(c.status, 201);
        assert.notEqual(c.json.number, a.json.number);
        // the same key for a complaint is a conflict, not a silent success
        const d = await complain(pxqiye, body);
        assert.equal(d.status, 409);
        assert.equal(errorOf(d).field, 'idempotency_key');
        // numbers of a day run on per prefix
        const n1 = Number(a.json.number.slice(-4)), n2 = Number(c.json.number.slice(-4));
        assert.ok(n2 > n1);
    });

    test('staff and anonymous users cannot submit', async () => {
        const body = { department: '360300-GA', title: '标题', content: '内容' };
        assert.equal((await consult(gajClerk, body)).status, 403);
        assert.equal((await consult(new Client(srv), body)).status, 401);
        assert.equal((await new Client(srv).get('/api/my/messages')).status, 401);
        assert.equal((await zhangsan.get('/api/dept/messages')).status, 403);
    });
});

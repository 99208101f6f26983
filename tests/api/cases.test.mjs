// Cases (办件): uploads, applying, the process definitions' paths, the legal
// clock across the 2026 Mid-Autumn and National Day holidays, receipts with
// their QR code, the status query and its throttle, scope, ledger entries.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, as, Client, errorOf } from './lib/server.mjs';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 2)]);
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(200, 0)]);

// A minimal ZIP (stored entries) with the given file names: an OFD package
// holds OFD.xml at its root.
function zip(names) {
    const locals = [];
    const centrals = [];
    let offset = 0;
    for (const name of names) {
        const n = Buffer.from(name);
        const data = Buffer.from('<ofd:OFD/>');
        const lh = Buffer.alloc(30);
        lh.writeUInt32LE(0x04034b50, 0);
        lh.writeUInt16LE(20, 4);
        lh.writeUInt32LE(data.length, 18);
        lh.writeUInt32LE(data.length, 22);
        lh.writeUInt16LE(n.length, 26);
        const ch = Buffer.alloc(46);
        ch.writeUInt32LE(0x02014b50, 0);
        ch.writeUInt16LE(20, 4);
        ch.writeUInt16LE(20, 6);
        ch.writeUInt32LE(data.length, 20);
        ch.writeUInt32LE(data.length, 24);
        ch.writeUInt16LE(n.length, 28);
        ch.writeUInt32LE(offset, 42);
        locals.push(lh, n, data);
        centrals.push(ch, n);
        offset += lh.length + n.length + data.length;
    }
    const cd = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(names.length, 8);
    end.writeUInt16LE(names.length, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, cd, end]);
}

async function upload(c, bytes, name) {
    return c.req('POST', `/api/uploads?name=${encodeURIComponent(name)}`, {
        body: bytes,
        headers: { 'Content-Type': 'application/octet-stream' },
    });
}

async function uploadId(c, bytes, name) {
    const r = await upload(c, bytes, name);
    assert.equal(r.status, 201, r.text);
    return r.json.id;
}

// every required material of an item, each with an upload of the applicant
async function materialsFor(c, anon, code) {
    const item = (await anon.get(`/api/items/${code}`)).json;
    assert.ok(item, `item ${code}`);
    const guide = item.guide || item;
    const id = await uploadId(c, PDF, '材料.pdf');
    return guide.materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: id }));
}

async function setClock(srv, iso) {
    const root = await as(srv, 'admin');
    const r = await root.put('/api/admin/clock', { now: iso });
    assert.equal(r.status, 200, r.text);
}

async function act(c, number, action, fields = {}, extra = {}) {
    return c.post(`/api/cases/${number}/actions/${action}`, { fields, ...extra });
}

async function ok(rp, status = 200) {
    const r = await rp;
    assert.equal(r.status, status, r.text);
    return r.json;
}

const LONG = ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'];

describe('uploads', () => {
    let t, zs, anon;
    before(async () => {
        t = await startServer({ args: ['--services.upload_max_bytes', '4096'] });
        zs = await as(t, 'zhangsan');
        anon = new Client(t);
    });
    after(async () => t && (await t.stop()));

    test('PDF, PNG, JPEG and OFD are recognised by their bytes, whatever the name', async () => {
        for (const [bytes, name, mime] of [
            [PDF, '申请表.pdf', 'application/pdf'],
            [PNG, 'photo.jpg', 'image/png'],
            [JPEG, '照片', 'image/jpeg'],
            [zip(['Doc_0/Document.xml', 'OFD.xml']), '证明.ofd', 'application/ofd'],
        ]) {
            const r = await upload(zs, bytes, name);
            assert.equal(r.status, 201, r.text);
            assert.equal(r.json.mime, mime, name);
            assert.equal(r.json.size, bytes.length);
            assert.equal(r.json.filename, name);
            assert.match(r.json.sha256, /^[0-9a-f]{64}$/);
        }
    });

    test('an executable renamed .pdf, a plain ZIP and text are refused with 415', async () => {
        for (const [bytes, name] of [
            [ELF, 'invoice.pdf'],
            [Buffer.from('MZ\x90\x00' + 'x'.repeat(100)), 'setup.pdf'],
            [zip(['word/document.xml']), 'doc.ofd'],
            [Buffer.from('hello, 你好'), 'a.txt'],
        ]) {
            const r = await upload(zs, bytes, name);
            assert.equal(r.status, 415, `${name}: ${r.text}`);
            assert.equal(errorOf(r).field, 'file');
            assert.match(errorOf(r).message, /PDF、OFD、JPEG、PNG/);
        }
    });

    test('a file over services.upload_max_bytes gets 413; empty and unnamed files 400', async () => {
        const big = Buffer.concat([PDF, Buffer.alloc(5000, 0x20)]);
        const r = await upload(zs, big, 'big.pdf');
        assert.equal(r.status, 413, r.text);
        const empty = await upload(zs, Buffer.alloc(0), 'e.pdf');
        assert.equal(empty.status, 400);
        assert.equal(errorOf(empty).field, 'file');
        const noname = await zs.req('POST', '/api/uploads', {
            body: PDF,
            headers: { 'Content-Type': 'application/octet-stream' },
        });
        assert.equal(noname.status, 400);
        assert.equal(errorOf(noname).field, 'name');
        const slash = await upload(zs, PDF, '../../etc/passwd');
        assert.equal(slash.status, 400);
        assert.equal(errorOf(slash).field, 'name');
    });

    test('the owner downloads the same bytes; another citizen and anonymous users cannot', async () => {
        const id = await uploadId(zs, PNG, '照片.png');
        const r = await zs.get(`/api/uploads/${id}`);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-type'), 'image/png');
        assert.ok(r.bytes.equals(PNG));
        assert.match(r.headers.get('content-disposition'), /filename\*=UTF-8''%E7%85%A7%E7%89%87\.png/);
        const admin = await as(t, 'admin');
        void admin;
        const other = await anon.post('/api/auth/register', {
            login: 'lisi_up', name: '李四', type: 'citizen', password: 'Lisi2026pass', id_number: '11010519491231002X',
        });
        assert.ok([201, 200].includes(other.status), other.text);
        const lisi = await as(t, 'lisi_up', 'Lisi2026pass');
        assert.equal((await lisi.get(`/api/uploads/${id}`)).status, 404);
        assert.equal((await anon.get(`/api/uploads/${id}`)).status, 401);
        const mine = await zs.get('/api/my/uploads?per_page=2');
        assert.equal(mine.json.items.length, 2);
        assert.ok(mine.json.total >= 5);
    });
});

describe('a licensing case from application to completion, on the legal clock', () => {
    let t, zs, clerk, head, anon, mzj, number, password;
    const ITEM = '360300-XK-GA-001'; // 普通护照签发: promised 7, legal 15 working days
    before(async () => {
        t = await startServer({ args: [...LONG, '--services.query_max_failures', '4'] });
        await setClock(t, '2026-09-23T02:00:00Z'); // Wednesday 10:00 in 萍乡
        zs = await as(t, 'zhangsan');
        clerk = await as(t, 'gaj_clerk');
        head = await as(t, 'gaj_head');
        mzj = await as(t, 'mzj_clerk');
        anon = new Client(t);
    });
    after(async () => t && (await t.stop()));

    test('a citizen applies with the required materials and gets a number and a query password', async () => {
        const materials = await materialsFor(zs, anon, ITEM);
        const body = { item_code: ITEM, title: '申请普通护照', form: { destination: '新加坡' }, materials };
        const r = await zs.post('/api/cases', body, { headers: { 'Idempotency-Key': 'passport-1' } });
        assert.equal(r.status, 201, r.text);
        number = r.json.number;
        password = r.json.query_password;
        assert.match(number, /^360300-20260923-\d{6}$/);
        assert.match(password, /^[2-9A-HJ-NP-Za]{8}$/);
        assert.equal(r.json.state, 'submitted');
        assert.equal(r.json.item_version, 1);
        assert.equal(r.json.flow, 'licensing');
        assert.equal(r.json.materials.length, materials.length);
        assert.equal(r.json.timeline[0].action, 'submit');
        // acceptance within 5 working days: 24, 28, 29, 30 September (中秋 25-27 off), 8 October (国庆 1-7 off)
        assert.equal(r.json.deadlines.step_due, '2026-10-08');
        assert.deepEqual(r.json.actions.map((a) => a.id), ['withdraw']);
        // the retried submission (lost response) makes no second case
        const again = await zs.post('/api/cases', body, { headers: { 'Idempotency-Key': 'passport-1' } });
        assert.equal(again.status, 200, again.text);
        assert.equal(again.json.number, number);
        assert.equal(again.json.query_password, password);
        assert.equal((await zs.get('/api/my/cases')).json.total, 1);
    });

    test('staff see it in their to-do list with the working days left; others do not see it', async () => {
        const list = await ok(clerk.get('/api/dept/cases?open=1'));
        const row = list.items.find((x) => x.number === number);
        assert.ok(row, 'in the GA to-do list');
        assert.equal(row.step_due, '2026-10-08');
        assert.equal(row.remaining_days, 5);
        assert.equal((await ok(clerk.get(`/api/dept/cases?q=${number}`))).total, 1);
        assert.equal((await ok(clerk.get('/api/dept/cases?q=张三'))).total, 1);
        assert.equal((await ok(mzj.get('/api/dept/cases'))).items.filter((x) => x.number === number).length, 0);
        assert.equal((await mzj.get(`/api/cases/${number}`)).status, 404);
        const detail = await ok(clerk.get(`/api/cases/${number}`));
        assert.deepEqual(
            detail.actions.map((a) => a.id),
            ['pre_review_pass', 'refuse_acceptance', 'request_supplement'],
        );
        assert.equal(detail.query_password, undefined, 'the password is the applicant\'s');
    });

    test('another department cannot act (403); the applicant cannot take staff actions (403)', async () => {
        const r = await act(mzj, number, 'pre_review_pass');
        assert.equal(r.status, 404, 'not even visible');
        const mzjHead = await as(t, 'mzj_head');
        assert.equal((await act(mzjHead, number, 'void', { reason: 'x' })).status, 404);
        const self = await act(zs, number, 'pre_review_pass');
        assert.equal(self.status, 403, self.text);
        assert.equal(errorOf(self).field, 'role');
    });

    test('acceptance sets the promised and legal deadlines across 中秋 and 国庆 (make-up day 10-10 counts)', async () => {
        await ok(act(clerk, number, 'pre_review_pass', { opinion: '材料齐全' }));
        assert.equal((await act(head, number, 'assign', { assignee: 'x' })).status, 409, 'not from pre_reviewed');
        assert.equal((await act(clerk, number, 'assign', { assignee: 'x' })).status, 403, 'a head\'s action');
        await setClock(t, '2026-09-24T02:00:00Z'); // Thursday
        const c = await ok(act(clerk, number, 'accept', { notice_no: '萍公出受〔2026〕88号' }));
        assert.equal(c.state, 'handling');
        assert.equal(c.deadlines.accept_day, '2026-09-24');
        assert.equal(c.deadlines.promised_due, '2026-10-12'); // WD_7
        assert.equal(c.deadlines.legal_due, '2026-10-22'); // WD_15
        assert.equal(c.deadlines.step_due, '2026-10-12');
        assert.equal(c.deadlines.remaining_days, 7);
    });

    test('the receipt is a PDF with the Chinese notice and a QR code that opens the status page', async () => {
        const r = await zs.get(`/api/cases/${number}/receipt.pdf`);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-type'), 'application/pdf');
        assert.equal(r.bytes.subarray(0, 5).toString(), '%PDF-');
        const dir = mkdtempSync(path.join(os.tmpdir(), 'zt-receipt-'));
        try {
            const file = path.join(dir, 'r.pdf');
            writeFileSync(file, r.bytes);
            const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
            for (const s of ['受理通知书', number, '普通护照签发', '张三', password, '2026-10-12', '2026-10-22'])
                assert.ok(text.includes(s), `receipt text has ${s}`);
            execFileSync('pdftoppm', ['-r', '150', '-png', '-f', '1', '-l', '1', file, path.join(dir, 'p')]);
            const png = execFileSync('sh', ['-c', `ls ${dir}/p*.png`], { encoding: 'utf8' }).trim();
            const qr = execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' }).trim();
            assert.equal(qr, `http://127.0.0.1:8080/#/status?no=${number}&pw=${password}`);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
        assert.equal((await mzj.get(`/api/cases/${number}/receipt.pdf`)).status, 404);
    });

    test('the status query needs the right password, answers a wrong one like an unknown number, and is throttled', async () => {
        const good = await ok(anon.post('/api/public/case-status', { number, password }));
        assert.equal(good.state, 'handling');
        assert.equal(good.state_label, '承办');
        assert.equal(good.promised_due, '2026-10-12');
        assert.equal(good.applicant_name, '张三');
        assert.equal(good.applicant_number, undefined);
        assert.deepEqual(good.timeline.map((e) => e.action), ['submit', 'pre_review_pass', 'accept']);
        assert.ok(good.timeline.every((e) => e.actor === undefined && e.actor_role === undefined), 'no staff names');
        assert.deepEqual(good.timeline[2].fields, {}, 'internal notes (notice_no, opinion) are not shown');
        // the applicant's own view of the case shows the same: no staff names, no internal notes
        const own = await ok(zs.get(`/api/cases/${number}`));
        assert.deepEqual(own.timeline.map((e) => e.action), ['submit', 'pre_review_pass', 'accept']);
        assert.ok(own.timeline.every((e) => e.actor === undefined && e.actor_role === undefined), 'applicant: no staff names');
        assert.deepEqual(own.timeline[2].fields, {}, 'applicant: internal notes are not shown');
        // staff handling it see who did what, and the notes
        const staff = await ok(clerk.get(`/api/cases/${number}`));
        assert.equal(staff.timeline[2].actor, 'gaj_clerk');
        assert.notDeepEqual(staff.timeline[2].fields, {});
        const wrong = await anon.post('/api/public/case-status', { number, password: 'AAAAAAAA' });
        const unknown = await anon.post('/api/public/case-status', { number: '360300-20260923-999999', password });
        assert.equal(wrong.status, 404);
        assert.equal(unknown.status, 404);
        assert.equal(wrong.text, unknown.text);
        const missing = await anon.post('/api/public/case-status', { number });
        assert.equal(missing.status, 400);
        assert.equal(errorOf(missing).field, 'password');
        // 4 failures allowed in the window: the next try, even a right one, waits
        await anon.post('/api/public/case-status', { number, password: 'BBBBBBBB' });
        await anon.post('/api/public/case-status', { number, password: 'CCCCCCCC' });
        const blocked = await anon.post('/api/public/case-status', { number, password });
        assert.equal(blocked.status, 429, blocked.text);
        assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    });

    test('a special procedure stops the clock and pushes both deadlines back by its working days', async () => {
        await ok(act(head, number, 'assign', { assignee: '刘敏' }));
        await setClock(t, '2026-10-08T02:00:00Z'); // Thursday after 国庆
        const bad = await act(head, number, 'special_start', { type: '检验', reason: '需检验证件照片', days: 5 });
        assert.equal(bad.status, 400);
        assert.equal(errorOf(bad).field, 'legal_basis');
        const s = await ok(
            act(head, number, 'special_start', {
                type: '检验', reason: '需检验证件照片', legal_basis: '《中华人民共和国行政许可法》第四十五条', days: 5,
            }),
        );
        assert.equal(s.state, 'handling_suspended');
        // watched against the 5 days granted: 9, 10 (make-up Saturday), 12, 13, 14
        assert.equal(s.deadlines.step_due, '2026-10-14');
        assert.equal(s.deadlines.suspend_granted, 5);
        await setClock(t, '2026-10-12T02:00:00Z'); // Monday: 9, 10 (make-up Saturday), 12 not counted
        const e = await ok(act(clerk, number, 'special_end', { result: '检验合格' }));
        assert.equal(e.state, 'handling');
        assert.equal(e.deadlines.suspended_days, 3);
        assert.equal(e.deadlines.promised_due, '2026-10-15');
        assert.equal(e.deadlines.legal_due, '2026-10-27');
        assert.equal(e.deadlines.step_due, '2026-10-15');
    });

    test('review, approval and completion with the fee charged; the result is visible to the applicant', async () => {
        await ok(act(clerk, number, 'submit_review', { opinion: '符合条件，建议准予' }));
        const ret = await ok(act(head, number, 'return', { reason: '照片不清晰，补充核实' }));
        assert.equal(ret.state, 'handling');
        await ok(act(clerk, number, 'submit_review', { opinion: '已核实' }));
        await ok(act(head, number, 'approve', { decision_no: '萍公出准〔2026〕12号' }));
        const noFee = await act(clerk, number, 'complete', { result_type: '准予许可', fee_standard: '120元/本' });
        assert.equal(noFee.status, 400);
        assert.equal(errorOf(noFee).field, 'fee_charged');
        const done = await ok(
            act(clerk, number, 'complete', {
                result_type: '准予许可', certificate_no: 'E12345678', fee_charged: 12000, fee_standard: '120元/本',
                delivery: '邮寄送达',
            }),
        );
        assert.equal(done.state, 'completed');
        assert.equal(done.result.result_type, '准予许可');
        assert.equal(done.result.certificate_no, 'E12345678');
        assert.equal(done.result.fee_charged, 12000);
        assert.deepEqual(done.actions, []);
        assert.equal((await act(clerk, number, 'complete', { result_type: '准予许可', fee_charged: 0, fee_standard: '-' })).status, 409);
        const mine = await ok(zs.get(`/api/cases/${number}`));
        assert.equal(mine.state_label, '办结');
        assert.equal(mine.result.fee_charged, 12000);
        // the steps between staff show that they happened, not what was said: the head's
        // return reason stays inside; what the completion told the applicant does not
        const step = (a) => mine.timeline.findLast((e) => e.action === a);
        assert.deepEqual(step('return').fields, {});
        assert.deepEqual(step('submit_review').fields, {});
        assert.equal(step('complete').fields.certificate_no, 'E12345678');
        assert.equal(step('complete').fields.delivery, '邮寄送达');
        assert.equal((await ok(clerk.get(`/api/cases/${number}`))).timeline.findLast((e) => e.action === 'return').fields.reason,
            '照片不清晰，补充核实');
    });

    test('every step is in the ledger, readable by the applicant', async () => {
        // the applicant reads his steps as his case view shows them (issue #22 F8) ...
        const mine = await ok(zs.get(`/api/ledger/entries?from=0&to=1000&subject=case/${number}`));
        assert.ok(mine.items.every((x) => x.entry === undefined && x.event.step.actor === undefined));
        assert.equal(mine.items.find((x) => x.event.kind === 'case.complete').event.step.fields.delivery, '邮寄送达');
        // ... and the supervision office reads the events themselves
        const r = await ok((await as(t, 'jiancha')).get(`/api/ledger/entries?from=0&to=1000&subject=case/${number}`));
        assert.deepEqual(r.items.map((x) => x.index), mine.items.map((x) => x.index));
        const entries = r.items.map((x) => JSON.parse(Buffer.from(x.entry, 'base64').toString('utf8')));
        const kinds = entries.map((x) => x.kind);
        for (const k of ['case.submit', 'case.pre_review_pass', 'case.accept', 'case.special_start', 'case.special_end',
            'case.approve', 'case.complete'])
            assert.ok(kinds.includes(k), `ledger has ${k}: ${kinds}`);
        const accept = entries.find((x) => x.kind === 'case.accept');
        assert.equal(accept.payload.id, `platform/case/${number}/3`);
        assert.equal(accept.payload.case.promised_due, '2026-10-12');
        assert.equal(accept.payload.step.result, 'accept');
    });
});

describe('refusals, supplements, withdrawal and bad applications', () => {
    let t, zs, clerk, head, anon, admin;
    const ITEM = '360300-XK-GA-001';
    before(async () => {
        t = await startServer({ args: LONG });
        zs = await as(t, 'zhangsan');
        clerk = await as(t, 'gaj_clerk');
        head = await as(t, 'gaj_head');
        admin = await as(t, 'admin');
        anon = new Client(t);
    });
    after(async () => t && (await t.stop()));

    async function apply() {
        return (await ok(zs.post('/api/cases', { item_code: ITEM, materials: await materialsFor(zs, anon, ITEM) }), 201))
            .number;
    }

    test('不予受理 needs reason, legal basis and the notice of remedies; the case is then closed', async () => {
        const n = await apply();
        const r = await act(clerk, n, 'refuse_acceptance', { legal_basis: '《护照法》第六条' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'reason');
        const r2 = await act(clerk, n, 'refuse_acceptance', { reason: '不属于本机关受理范围', legal_basis: '《护照法》第四条' });
        assert.equal(errorOf(r2).field, 'remedy_notice');
        const done = await ok(
            act(clerk, n, 'refuse_acceptance', {
                reason: '不属于本机关受理范围', legal_basis: '《护照法》第四条',
                remedy_notice: '如不服本决定，可在六十日内申请行政复议或在六个月内提起行政诉讼',
            }),
        );
        assert.equal(done.state, 'not_accepted');
        assert.ok(done.result.closed_at);
        // the applicant reads the reason, the basis and his remedies in the status query
        const pw = (await ok(zs.get(`/api/cases/${n}`))).query_password;
        const st = await ok(anon.post('/api/public/case-status', { number: n, password: pw }));
        assert.equal(st.state_label, '不予受理');
        assert.deepEqual(Object.keys(st.timeline.at(-1).fields).sort(), ['legal_basis', 'reason', 'remedy_notice']);
        assert.equal(st.timeline.at(-1).fields.reason, '不属于本机关受理范围');
        const again = await act(clerk, n, 'accept');
        assert.equal(again.status, 409);
        assert.equal(errorOf(again).field, 'state');
    });

    test('补正 is told once and completely: a second request is refused (409)', async () => {
        const n = await apply();
        const empty = await act(clerk, n, 'request_supplement', { missing_materials: [] });
        assert.equal(empty.status, 400);
        assert.equal(errorOf(empty).field, 'missing_materials');
        const s = await ok(act(clerk, n, 'request_supplement', { missing_materials: ['证件照片（白底）', '户口簿首页'] }));
        assert.equal(s.state, 'supplementing');
        assert.equal(s.supplements, 1);
        assert.equal(s.deadlines.step_due, null, 'the clock waits for the applicant');
        const photo = await uploadId(zs, JPEG, '白底照片.jpg');
        const back = await ok(act(zs, n, 'resubmit', { note: '已补交' }, { attachments: [{ material: '证件照片', upload_id: photo }] }));
        assert.equal(back.state, 'pre_reviewed');
        assert.equal(back.materials.filter((m) => m.event_seq).length, 1);
        const second = await act(clerk, n, 'request_supplement', { missing_materials: ['其他'] });
        assert.equal(second.status, 409, second.text);
        // staff see the applicant's attachment
        const detail = await ok(clerk.get(`/api/cases/${n}`));
        const att = detail.materials.find((m) => m.event_seq);
        assert.equal((await clerk.get(`/api/uploads/${att.upload_id}`)).status, 200);
    });

    test('the applicant withdraws; another citizen cannot see or touch the case', async () => {
        const n = await apply();
        await anon.post('/api/auth/register', {
            login: 'wangwu', name: '王五', type: 'citizen', password: 'Wangwu2026pass', id_number: '11010519491231002X',
        });
        const ww = await as(t, 'wangwu', 'Wangwu2026pass');
        assert.equal((await ww.get(`/api/cases/${n}`)).status, 404);
        assert.equal((await act(ww, n, 'withdraw')).status, 404);
        const w = await ok(act(zs, n, 'withdraw', { reason: '行程取消' }));
        assert.equal(w.state, 'withdrawn');
    });

    test('bad applications are refused naming the field', async () => {
        const mats = await materialsFor(zs, anon, ITEM);
        const cases = [
            [{ materials: mats }, 400, 'item_code'],
            [{ item_code: 'NO-SUCH', materials: mats }, 404, 'item_code'],
            [{ item_code: ITEM, materials: mats.slice(1) }, 400, 'materials'],
            [{ item_code: ITEM, materials: [...mats, { material: '不存在的材料', upload_id: mats[0].upload_id }] }, 400,
                `materials[${mats.length}].material`],
            [{ item_code: ITEM, materials: [{ ...mats[0], upload_id: 999999 }, ...mats.slice(1)] }, 400,
                'materials[0].upload_id'],
            [{ item_code: ITEM, materials: mats, contact_phone: '12345' }, 400, 'contact_phone'],
            [{ item_code: ITEM, materials: mats, form: [1, 2] }, 400, 'form'],
            [{ item_code: ITEM, materials: mats, colour: 'red' }, 400, 'colour'],
            // enterprise-only item for a citizen; an item that cannot be applied for online
            [{ item_code: '360300-XK-FGW-001', materials: [] }, 400, 'item_code'],
        ];
        for (const [body, status, field] of cases) {
            const r = await zs.post('/api/cases', body);
            assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
            assert.equal(errorOf(r).field, field);
        }
        const offline = (await ok(anon.get('/api/items?online=不可网办&limit=1'))).items[0];
        const r = await zs.post('/api/cases', { item_code: offline.code, materials: [] });
        assert.ok([409, 400].includes(r.status), r.text);
        assert.equal(errorOf(r).field, 'item_code');
        // staff and anonymous users do not apply
        assert.equal((await clerk.post('/api/cases', { item_code: ITEM })).status, 403);
        assert.equal((await anon.post('/api/cases', { item_code: ITEM })).status, 401);
        void head;
    });
});

describe('joint review (联审) and an on-the-spot case (即办件)', () => {
    let t, qy, zs, lead, leadHead, ws, js, rk, anon;
    before(async () => {
        t = await startServer({ args: LONG });
        const admin = await as(t, 'admin');
        const depts = {};
        for (const code of ['360300-WS', '360300-JS', '360300-RKJS']) {
            const d = await ok(admin.get(`/api/departments?q=${code}`));
            depts[code] = d.items.find((x) => x.code === code).id;
        }
        for (const [login, code] of [['ws_clerk', '360300-WS'], ['js_clerk', '360300-JS'], ['rk_clerk', '360300-RKJS']]) {
            const r = await admin.post('/api/users', {
                login, name: login, role: 'clerk', dept_id: depts[code], password: 'Staff2026pass',
            });
            assert.equal(r.status, 201, r.text);
        }
        qy = await as(t, 'pxqiye');
        zs = await as(t, 'zhangsan');
        lead = await as(t, 'gaj_clerk');
        leadHead = await as(t, 'gaj_head');
        ws = await as(t, 'ws_clerk', 'Staff2026pass');
        js = await as(t, 'js_clerk', 'Staff2026pass');
        rk = await as(t, 'rk_clerk', 'Staff2026pass');
        anon = new Client(t);
    });
    after(async () => t && (await t.stop()));

    test('the decision waits for every joint department\'s opinion; each gives one', async () => {
        const ITEM = '360300-XK-GA-003'; // 旅馆业特种行业许可证核发: 公安 with 卫生、住建
        const c = await ok(qy.post('/api/cases', { item_code: ITEM, materials: await materialsFor(qy, anon, ITEM) }), 201);
        assert.equal(c.flow, 'joint_review');
        assert.deepEqual(c.joint_departments.map((d) => d.department), ['360300-JS', '360300-WS']);
        const n = c.number;
        assert.equal((await ws.get(`/api/cases/${n}`)).status, 200, 'a joint department sees the case');
        assert.equal((await act(ws, n, 'accept')).status, 403, 'only the lead department accepts');
        await ok(act(lead, n, 'accept'));
        const early = await act(leadHead, n, 'approve');
        assert.equal(early.status, 409, early.text);
        assert.match(errorOf(early).message, /联审|意见/);
        const op = { conclusion: '同意', opinion: '卫生条件符合要求' };
        await ok(act(ws, n, 'opinion', op));
        assert.equal((await act(ws, n, 'opinion', op)).status, 409, 'once per department');
        assert.equal((await act(lead, n, 'opinion', op)).status, 403, 'the lead department is not a joint reviewer');
        await ok(act(js, n, 'opinion', { conclusion: '有条件同意', opinion: '消防整改后开业', conditions: '整改消防通道' }));
        const detail = await ok(leadHead.get(`/api/cases/${n}`));
        assert.ok(detail.joint_departments.every((d) => d.opinion_given));
        assert.ok(detail.actions.some((a) => a.id === 'approve'));
        const ap = await ok(act(leadHead, n, 'approve', { opinion: '准予' }));
        assert.equal(ap.state, 'approved');
        assert.equal(ap.deadlines.legal_due, ap.deadlines.legal_due); // computed at acceptance
        assert.ok(ap.deadlines.promised_due);
    });

    test('an on-the-spot item is accepted on submission and due the same day', async () => {
        const ITEM = '360300-GG-RKJS-001'; // 生育登记
        const c = await ok(zs.post('/api/cases', { item_code: ITEM, materials: await materialsFor(zs, anon, ITEM) }), 201);
        assert.equal(c.flow, 'on_the_spot');
        assert.equal(c.state, 'received');
        assert.ok(c.accepted_at);
        assert.equal(c.deadlines.promised_due, c.deadlines.accept_day);
        assert.equal(c.deadlines.step_due, c.deadlines.accept_day);
        const done = await ok(
            act(rk, c.number, 'complete', { result_type: '已办理', fee_charged: 0, fee_standard: '不收费' }),
        );
        assert.equal(done.state, 'completed');
    });
});

describe('好差评: rating a finished case and the follow-up of a bad rating', () => {
    let t, zs, clerk, mzj, jiancha, anon, done, open;
    const ITEM = '360300-XK-GA-001';
    before(async () => {
        t = await startServer({ args: [...LONG, '--services.rating_fix_days', '5'] });
        await setClock(t, '2026-09-21T02:00:00Z'); // Monday
        zs = await as(t, 'zhangsan');
        clerk = await as(t, 'gaj_clerk');
        const head = await as(t, 'gaj_head');
        mzj = await as(t, 'mzj_clerk');
        jiancha = await as(t, 'jiancha');
        anon = new Client(t);
        const mats = await materialsFor(zs, anon, ITEM);
        done = (await ok(zs.post('/api/cases', { item_code: ITEM, materials: mats }), 201)).number;
        open = (await ok(zs.post('/api/cases', { item_code: ITEM, materials: mats }), 201)).number;
        await ok(act(clerk, done, 'pre_review_pass'));
        await ok(act(clerk, done, 'accept'));
        await ok(act(clerk, done, 'submit_review', { opinion: '符合' }));
        await ok(act(head, done, 'approve'));
        await ok(act(clerk, done, 'complete', { result_type: '准予许可', fee_charged: 12000, fee_standard: '120元/本' }));
    });
    after(async () => t && (await t.stop()));

    test('only a finished case of one\'s own is rated, once, with valid levels and reasons', async () => {
        assert.equal((await zs.post(`/api/cases/${open}/rating`, { level: 5 })).status, 409);
        const bad = await zs.post(`/api/cases/${done}/rating`, { level: 6 });
        assert.equal(bad.status, 400);
        assert.equal(errorOf(bad).field, 'level');
        const noReason = await zs.post(`/api/cases/${done}/rating`, { level: 1 });
        assert.equal(noReason.status, 400);
        assert.equal(errorOf(noReason).field, 'criteria');
        const unknown = await zs.post(`/api/cases/${done}/rating`, { level: 1, criteria: ['很好吃'] });
        assert.equal(errorOf(unknown).field, 'criteria');
        assert.equal((await clerk.post(`/api/cases/${done}/rating`, { level: 5 })).status, 403);
    });

    test('a bad rating opens a follow-up due in services.rating_fix_days working days', async () => {
        // not rated yet: 204 to those who may see the case, 404 to others
        const before = await zs.get(`/api/cases/${done}/rating`);
        assert.equal(before.status, 204);
        assert.equal((await clerk.get(`/api/cases/${done}/rating`)).status, 204);
        assert.equal((await mzj.get(`/api/cases/${done}/rating`)).status, 404);
        const r = await ok(
            zs.post(`/api/cases/${done}/rating`, { level: 2, criteria: ['多次跑动', '服务态度差'], comment: '跑了三次' }),
            201,
        );
        assert.equal(r.level_label, '不满意');
        assert.equal(r.bad, true);
        assert.equal(r.followup, 'open');
        assert.equal(r.fix_due, '2026-09-29'); // 22, 23, 24, (中秋 25-27), 28, 29
        assert.equal(r.remaining_days, 5);
        assert.equal((await zs.post(`/api/cases/${done}/rating`, { level: 5 })).status, 409, 'once');
        assert.equal((await ok(zs.get(`/api/cases/${done}/rating`))).id, r.id);
        assert.equal((await mzj.get(`/api/cases/${done}/rating`)).status, 404);
    });

    test('the department visits and fixes; others cannot; every step is in the ledger', async () => {
        const list = await ok(clerk.get('/api/dept/ratings?followup=open'));
        assert.equal(list.total, 1);
        const id = list.items[0].id;
        assert.equal((await ok(jiancha.get('/api/dept/ratings?bad=1'))).total, 1, 'supervision sees it');
        assert.equal((await mzj.post(`/api/ratings/${id}/visit`, { note: 'x' })).status, 404);
        assert.equal((await jiancha.post(`/api/ratings/${id}/visit`, { note: 'x' })).status, 403);
        const empty = await clerk.post(`/api/ratings/${id}/visit`, { note: '' });
        assert.equal(empty.status, 400);
        assert.equal(errorOf(empty).field, 'note');
        const v = await ok(clerk.post(`/api/ratings/${id}/visit`, { note: '已电话回访，致歉并说明原因' }));
        assert.equal(v.followup, 'visited');
        assert.equal((await clerk.post(`/api/ratings/${id}/visit`, { note: 'again' })).status, 409);
        const f = await ok(clerk.post(`/api/ratings/${id}/fix`, { note: '推行材料一次性告知清单，窗口增设引导' }));
        assert.equal(f.followup, 'fixed');
        assert.equal(f.remaining_days, null);
        assert.equal((await clerk.post(`/api/ratings/${id}/fix`, { note: 'again' })).status, 409);
        const led = await ok(zs.get(`/api/ledger/entries?from=0&to=1000&subject=rating/${done}`));
        assert.deepEqual(led.items.map((x) => x.event.kind), ['rating.rate', 'rating.visit', 'rating.fix']);
        assert.equal(led.items[1].event.step.fields.note, '已电话回访，致歉并说明原因', 'his rating view shows the visit');
        assert.ok(led.items.every((x) => x.entry === undefined && x.event.step.actor === undefined), 'no staff login');
        const all = await ok(jiancha.get(`/api/ledger/entries?from=0&to=1000&subject=rating/${done}`));
        const kinds = all.items.map((x) => JSON.parse(Buffer.from(x.entry, 'base64').toString('utf8')).kind);
        assert.deepEqual(kinds, ['rating.rate', 'rating.visit', 'rating.fix']);
    });

    test('a good rating needs no follow-up', async () => {
        await ok(act(clerk, open, 'refuse_acceptance', { reason: '重复申请', legal_basis: '《行政许可法》第三十二条', remedy_notice: '可申请复议' }));
        const r = await ok(zs.post(`/api/cases/${open}/rating`, { level: 4, criteria: ['办理时间短'] }), 201);
        assert.equal(r.followup, 'none');
        assert.equal(r.fix_due, null);
        assert.equal((await clerk.post(`/api/ratings/${r.id}/visit`, { note: 'x' })).status, 409);
    });
});

describe('a running case keeps its item version; a complaint about one\'s own case reaches its department', () => {
    let t, zs, clerk, fzb, anon, first;
    const ITEM = '360300-XK-GA-001';
    before(async () => {
        t = await startServer({ args: LONG });
        zs = await as(t, 'zhangsan');
        clerk = await as(t, 'gaj_clerk');
        fzb = await as(t, 'fzb');
        anon = new Client(t);
        first = (await ok(zs.post('/api/cases', { item_code: ITEM, materials: await materialsFor(zs, anon, ITEM) }), 201))
            .number;
    });
    after(async () => t && (await t.stop()));

    test('version 2 of the item is published; the old case stays on version 1, a new one runs on version 2', async () => {
        const draft = await ok(clerk.post(`/api/items/${ITEM}/versions`, {}), 201);
        assert.equal(draft.version, 2);
        const guide = { ...draft.guide, promised_limit_days: 10 }; // a longer promise, still within the law
        await ok(clerk.put(`/api/items/${ITEM}/draft`, guide));
        await ok(clerk.post(`/api/items/${ITEM}/submit`, {}));
        await ok(fzb.post(`/api/items/${ITEM}/review`, { decision: 'approve', opinion: '合法' }));
        assert.equal((await ok(anon.get(`/api/items/${ITEM}`))).version, 2);
        await ok(act(clerk, first, 'pre_review_pass'));
        const old = await ok(act(clerk, first, 'accept'));
        assert.equal(old.item_version, 1);
        assert.equal(old.promised_days, 7, 'the limits of the version it was submitted under');
        const second = await ok(
            zs.post('/api/cases', { item_code: ITEM, materials: await materialsFor(zs, anon, ITEM) }), 201);
        assert.equal(second.item_version, 2);
        assert.equal(second.promised_days, 10);
    });

    test('a complaint about one\'s own case is routed to the case\'s department', async () => {
        const r = await ok(
            zs.post('/api/complaints', { case_number: first, title: '办理太慢', content: '受理后迟迟没有进展' }), 201);
        const dept = r.department.code || r.department;
        assert.equal(dept, '360300-GA');
        const list = await ok(clerk.get('/api/dept/messages?kind=complaint'));
        assert.ok(list.items.some((m) => m.number === r.number));
    });
});

// attacks-services.test.mjs - issue #22's findings on the online services,
// each as the attack, then the refusal (docs/security.md, "Pentest findings
// F12, F13, F20"):
//   F12 the case view showed supervisors and auditors the applicant's full
//       ID number and phone: now masked to everyone but the applicant and
//       administrators; unmasking is POST /api/cases/{n}/reveal {reason},
//       for the roles named, each time an audit row and a ledger entry;
//   F13 no quotas: one account uploads without end, uploads no case holds
//       stay for ever, one key floods the supervision intake: now
//       per-account and per-key quotas (429 naming the quota, Retry-After),
//       and uploads no case holds expire (rows and files); registrations
//       per address are F4's limit (attacks-auth.test.mjs);
//   F20 the department a complaint is about saw the complainant's name and
//       phone: now only with his consent (disclose), the supervision office
//       always.
// One server on the fake clock with small quotas (the defaults are large):
// windows and expiry are walked by moving the clock, never by waiting.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client, as, errorOf, startServer } from './lib/server.mjs';
import { LONG, PASSPORT, deptCaseEvent, materialsFor, ok, people } from './lib/cases.mjs';

const at = (day, time = '10:00:00') => `${day}T${time}+08:00`;
const TTL = 86400; // services.unattached_upload_ttl here
const QUOTAS = [
    '--quota.uploads_per_hour', '5',
    '--quota.upload_bytes_per_day', String(1 << 20),
    '--quota.events_per_minute', '50',
    '--services.unattached_upload_ttl', String(TTL),
];
const ID = '360302198503120045'; // zhangsan's
const PHONE = '13907990001';

/** A PDF whose bytes are its own (size bytes long at least). */
function pdf(tag, size = 0) {
    const head = `%PDF-1.4\n% ${tag}\n1 0 obj<<>>endobj\ntrailer<<>>\n`;
    return Buffer.from(head + ' '.repeat(Math.max(0, size - head.length - 6)) + '%%EOF\n');
}

const upload = (c, bytes, name = '材料.pdf') =>
    c.req('POST', `/api/uploads?name=${encodeURIComponent(name)}`, {
        body: bytes,
        headers: { 'Content-Type': 'application/octet-stream' },
    });

function assertQuota(r, name, retryMax) {
    assert.equal(r.status, 429, r.text);
    const err = errorOf(r);
    assert.equal(err.field, name);
    assert.match(err.message, /已达上限/);
    assert.ok(err.message.includes(name), 'the message names the quota');
    const ra = Number(r.headers.get('retry-after'));
    assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= retryMax, `Retry-After ${r.headers.get('retry-after')}`);
    return ra;
}

describe('attacks on the online services (issue #22)', () => {
    let t, admin, zs, qy, clerk, head, mzjClerk, sup, supAy, auditor, anon;
    const clock = (now) => ok(admin.put('/api/admin/clock', { now }));

    before(async () => {
        t = await startServer({ args: [...LONG, ...QUOTAS] });
        [admin, zs, qy, clerk, head, mzjClerk, sup, supAy, auditor] = await people(
            t, as, 'admin', 'zhangsan', 'pxqiye', 'gaj_clerk', 'gaj_head', 'mzj_clerk', 'jiancha', 'jiancha_ay', 'shenji');
        anon = new Client(t);
        await clock(at('2026-03-02'));
    });
    after(async () => t && (await t.stop()));

    describe('F12: the applicant\'s ID number and phone', () => {
        let n;
        before(async () => {
            const materials = await materialsFor(zs, anon);
            n = (await ok(zs.post('/api/cases', { item_code: PASSPORT, materials, contact_phone: PHONE }), 201)).number;
        });

        test('supervisors, auditors and the handling clerk see them masked; the applicant and admin in full', async () => {
            for (const c of [sup, auditor, clerk, head]) {
                const a = (await ok(c.get(`/api/cases/${n}`))).applicant;
                assert.equal(a.number, '3603**********0045', c.user.login);
                assert.equal(a.phone, '139****0001', c.user.login);
                assert.equal(a.masked, true);
                assert.equal(a.may_reveal, true, `${c.user.login} may ask for them`);
            }
            for (const c of [zs, admin]) {
                const a = (await ok(c.get(`/api/cases/${n}`))).applicant;
                assert.equal(a.number, ID, c.user.login);
                assert.equal(a.phone, PHONE);
                assert.equal(a.masked, false);
            }
        });

        test('unmasking needs a reason, returns the values, and is an audit row and a ledger entry', async () => {
            const audit = () => ok(admin.get(`/api/audit?action=case.reveal&target_id=${n}`));
            let r = await sup.post(`/api/cases/${n}/reveal`, {});
            assert.equal(r.status, 400, r.text);
            assert.equal(errorOf(r).field, 'reason');
            r = await sup.post(`/api/cases/${n}/reveal`, { reason: '　' });
            assert.equal(errorOf(r).field, 'reason');
            r = await sup.post(`/api/cases/${n}/reveal`, { reason: '查'.repeat(201) });
            assert.equal(errorOf(r).field, 'reason');
            assert.equal((await sup.post(`/api/cases/${n}/reveal`, { reason: 7 })).status, 400);
            assert.equal((await audit()).total, 0, 'a refusal records nothing');

            const shown = await ok(sup.post(`/api/cases/${n}/reveal`, { reason: '核查群众举报的冒名申请' }));
            assert.equal(shown.applicant.number, ID);
            assert.equal(shown.applicant.phone, PHONE);
            const rows = (await audit()).items;
            assert.equal(rows.length, 1);
            assert.equal(rows[0].actor_login, 'jiancha');
            assert.equal(rows[0].detail.reason, '核查群众举报的冒名申请');
            assert.ok(!JSON.stringify(rows[0].detail).includes(ID), 'the record keeps why, not the values');
            const ledger = await ok(auditor.get(`/api/ledger/entries?from=0&to=100000&subject=${encodeURIComponent(`case/${n}`)}`));
            assert.ok(ledger.items.some((x) => x.event.kind === 'case.reveal'), 'the ledger has it too');
            // and the view stays masked afterwards: each look is asked for
            assert.equal((await ok(sup.get(`/api/cases/${n}`))).applicant.number, '3603**********0045');
        });

        test('others cannot unmask: people (403), another department (404), a district supervisor outside (404)', async () => {
            const before = (await ok(admin.get(`/api/audit?action=case.reveal&target_id=${n}`))).total;
            for (const [c, status] of [[zs, 403], [qy, 403], [mzjClerk, 404], [supAy, 404], [anon, 401]]) {
                const r = await c.post(`/api/cases/${n}/reveal`, { reason: '想看看' });
                assert.equal(r.status, status, `${c.user?.login ?? 'anonymous'}: ${r.text}`);
                assert.ok(!r.text.includes(ID));
            }
            assert.equal((await ok(admin.get(`/api/audit?action=case.reveal&target_id=${n}`))).total, before);
        });
    });

    describe('F13: quotas and expiry', () => {
        test('an account\'s uploads stop at the hourly count (429 naming the quota, Retry-After), then go on', async () => {
            await clock(at('2026-03-03', '10:00:00'));
            for (let i = 0; i < 5; i++) await ok(upload(qy, pdf(`count-${i}`)), 201);
            const before = (await ok(qy.get('/api/my/uploads'))).total;
            const r = await upload(qy, pdf('count-over'));
            assert.equal(assertQuota(r, 'quota.uploads_per_hour', 3600), 3600, 'the next hour starts at 11:00');
            assert.equal((await ok(qy.get('/api/my/uploads'))).total, before, 'nothing stored');
            // another account's count is its own
            await ok(upload(zs, pdf('zs-own')), 201);
            await clock(at('2026-03-03', '11:00:00'));
            await ok(upload(qy, pdf('count-next-hour')), 201);
        });

        test('an account\'s uploads stop at the daily bytes; one file above the whole day is 413', async () => {
            await clock(at('2026-03-04', '09:00:00'));
            await ok(upload(clerk, pdf('big-1', 600 << 10)), 201);
            const r = await upload(clerk, pdf('big-2', 600 << 10));
            const ra = assertQuota(r, 'quota.upload_bytes_per_day', 86400);
            assert.equal(ra, 15 * 3600, 'until the city\'s midnight');
            const huge = await upload(head, pdf('huge', 1536 << 10));
            assert.equal(huge.status, 413, huge.text);
            assert.equal(errorOf(huge).field, 'quota.upload_bytes_per_day');
            await clock(at('2026-03-05', '00:00:00'));
            await ok(upload(clerk, pdf('big-2', 600 << 10)), 201);
        });

        test('uploads no case holds expire after the TTL: rows, files and a record; attached ones stay', async () => {
            await clock(at('2026-03-10', '10:00:00'));
            const kept = await ok(upload(zs, pdf('attached')), 201);
            const loose = await ok(upload(zs, pdf('loose')), 201);
            const shared = await ok(upload(zs, pdf('attached')), 201); // the same bytes as kept
            assert.equal(shared.sha256, kept.sha256);
            const item = await ok(anon.get(`/api/items/${PASSPORT}`));
            const materials = (item.guide || item).materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: kept.id }));
            await ok(zs.post('/api/cases', { item_code: PASSPORT, materials }), 201);
            const file = (sha) => path.join(t.dir, 'files', sha.slice(0, 2), sha.slice(2, 4), sha);
            assert.ok(existsSync(file(loose.sha256)));

            await clock(at('2026-03-11', '09:59:59')); // not yet
            await ok(zs.get(`/api/uploads/${loose.id}`));
            await clock(at('2026-03-11', '10:00:01'));
            assert.equal((await zs.get(`/api/uploads/${loose.id}`)).status, 404, 'the loose upload is gone');
            assert.ok(!existsSync(file(loose.sha256)), 'and its file');
            assert.equal((await zs.get(`/api/uploads/${shared.id}`)).status, 404, 'a loose upload of shared bytes goes');
            const still = await zs.get(`/api/uploads/${kept.id}`);
            assert.equal(still.status, 200);
            assert.equal(createHash('sha256').update(still.bytes).digest('hex'), kept.sha256, 'the file a case holds is whole');
            assert.ok(existsSync(file(kept.sha256)), 'the file a case holds stays');
            const rows = await ok(admin.get(`/api/audit?action=upload.expire&target_id=${loose.id}`));
            assert.equal(rows.items.length, 1, JSON.stringify(rows.items));
            assert.equal(rows.items[0].detail.sha256, loose.sha256);
            // an application naming the expired upload is refused, naming it
            const r = await zs.post('/api/cases', { item_code: PASSPORT, materials: materials.map((m) => ({ ...m, upload_id: loose.id })) });
            assert.equal(r.status, 400, r.text);
            assert.equal(errorOf(r).field, 'materials[0].upload_id');
        });

        test('a key\'s events stop at the minute\'s quota: the whole request refused, nothing ingested', async () => {
            await clock(at('2026-03-13', '10:00:00'));
            const depts = await ok(admin.get('/api/departments?per_page=100'));
            const deptId = (code) => depts.items.find((d) => d.code === code).id;
            const key = new Client(t, { key: (await ok(head.post('/api/keys', { dept_id: deptId('360300-GA'), name: '泛洪' }), 201)).key });
            const mzjHead = await as(t, 'mzj_head');
            const other = new Client(t, { key: (await ok(mzjHead.post('/api/keys', { dept_id: deptId('360300-MZ'), name: '邻居' }), 201)).key });
            const batch = (tag, k, dept = '360300-GA') =>
                Array.from({ length: k }, (_, i) =>
                    deptCaseEvent(`${tag}-${i}`, 1, 'submit', null, at('2026-03-13', '09:00:00'), { prefix: tag, dept }));
            const send = (c, events) => c.post('/api/supervision/events', { events });

            // a batch the whole minute cannot hold: waiting does not help
            const huge = await send(key, batch('GA-FLOOD-E', 51));
            assert.equal(huge.status, 413, huge.text);
            assert.equal(errorOf(huge).field, 'quota.events_per_minute');
            assert.equal((await ok(send(key, batch('GA-FLOOD-A', 40)))).accepted, 40);
            const r = await send(key, batch('GA-FLOOD-B', 20));
            assertQuota(r, 'quota.events_per_minute', 60);
            await ok(sup.get('/api/supervision/cases/GA-FLOOD-A-0?type=case'));
            assert.equal((await sup.get('/api/supervision/cases/GA-FLOOD-B-0?type=case')).status, 404, 'nothing of it ingested');
            assert.equal((await ok(send(key, batch('GA-FLOOD-C', 10)))).accepted, 10, 'what is left of the minute');
            assertQuota(await send(key, batch('GA-FLOOD-D', 1)), 'quota.events_per_minute', 60);
            // another key's minute is its own; the next minute is a new one
            assert.equal((await ok(send(other, batch('MZ-NEIGHBOUR', 5, '360300-MZ')))).accepted, 5);
            await clock(at('2026-03-13', '10:01:00'));
            assert.equal((await ok(send(key, batch('GA-FLOOD-B', 20)))).accepted, 20);
        });
    });

    describe('F20: who complains', () => {
        let plain, own;
        const complain = (body) =>
            ok(zs.post('/api/complaints', { title: '窗口人员态度恶劣', content: '3 月 16 日上午在二号窗口被训斥。', ...body }), 201);
        before(async () => {
            await clock(at('2026-03-16'));
            plain = await complain({ department: '360300-GA', contact_phone: PHONE });
            const materials = await materialsFor(zs, anon);
            const n = (await ok(zs.post('/api/cases', { item_code: PASSPORT, materials }), 201)).number;
            own = await complain({ case_number: n });
        });

        test('the department complained about reads the complaint, not who made it', async () => {
            for (const c of [clerk, head]) {
                const list = await ok(c.get('/api/dept/messages?kind=complaint&per_page=100'));
                for (const m of [plain, own]) {
                    const row = list.items.find((x) => x.number === m.number);
                    assert.equal(row.submitter_name, null, `${c.user.login}: ${m.number}`);
                    assert.equal(row.submitter_hidden, true);
                    assert.ok(!JSON.stringify(row).includes('张三'));
                }
                const d = await ok(c.get(`/api/messages/${plain.number}`));
                assert.equal(d.content, '3 月 16 日上午在二号窗口被训斥。', 'the content is the department\'s to answer');
                assert.equal(d.submitter_name, null);
                assert.equal(d.contact_phone, null);
                assert.equal(d.events[0].action, 'submit');
                assert.equal(d.events[0].actor, null);
                assert.ok(!JSON.stringify(d).includes('张三') && !JSON.stringify(d).includes(PHONE));
                const o = await ok(c.get(`/api/messages/${own.number}`));
                assert.equal(o.case_number, null, 'the case would name him');
                assert.ok(!JSON.stringify(o).includes('张三'));
            }
        });

        test('the supervision office and the complainant see who; with consent, the department does too', async () => {
            for (const c of [sup, zs, admin]) {
                const d = await ok(c.get(`/api/messages/${plain.number}`));
                assert.equal(d.submitter_name, '张三', c.user.login);
                assert.equal(d.contact_phone, PHONE);
                assert.equal(d.events[0].actor, '张三');
                assert.ok((await ok(c.get(`/api/messages/${own.number}`))).case_number);
            }
            const open = await complain({ department: '360300-GA', contact_phone: PHONE, disclose: true });
            const d = await ok(clerk.get(`/api/messages/${open.number}`));
            assert.equal(d.disclose, true);
            assert.equal(d.submitter_name, '张三');
            assert.equal(d.contact_phone, PHONE);
            // the department still handles the hidden one through the flow
            await ok(sup.post(`/api/messages/${plain.number}/actions/accept`, { fields: { category: '服务态度' } }));
            const r = await ok(clerk.post(`/api/messages/${plain.number}/actions/dept_reply`, { fields: { findings: '属实', measures: '批评教育' } }));
            assert.equal(r.submitter_name, null, 'the answer to its own step hides him too');
        });

        test('disclose is a boolean of complaints only (400 naming it)', async () => {
            let r = await zs.post('/api/complaints', { department: '360300-GA', title: 't', content: 'c', disclose: 'yes' });
            assert.equal(r.status, 400, r.text);
            assert.equal(errorOf(r).field, 'disclose');
            r = await zs.post('/api/consultations', { department: '360300-GA', title: 't', content: 'c', disclose: true });
            assert.equal(r.status, 400, r.text);
            assert.equal(errorOf(r).field, 'disclose');
        });
    });
});

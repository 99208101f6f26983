// zones.test.mjs - the two zones (R15, issue #17, docs/zones.md): two real
// server processes, the 外网 (internet) and the 内网 (intranet), each with its
// own data directory (database, ledger); between them only the crossing, two
// spool directories of signed message files.
//
// The citizen applies on the 外网; the case appears on the 内网 where the
// clerk accepts it; the status crosses back and the citizen reads it on the
// 外网's status query. Files dropped into the 内网's spool by hand (unsigned,
// tampered, replayed, of a type that may not cross that way) are refused,
// recorded, reported back to the 外网 as signed refusals, and change nothing.
// A message waits in the spool while the 内网 is stopped, and is taken when
// it starts again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, Client, as, initDemo, startServer, tempDir } from './lib/server.mjs';
import { PDF, applyCase, ok } from './lib/cases.mjs';

function sql(dir, q) {
    const r = spawnSync('sqlite3', ['-readonly', path.join(dir, 'zhengtong.db'), q], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
}

// poll until fn() returns a truthy value (the crossing runs every 100 ms);
// fails with what it last saw after many tries, never on a duration
async function until(what, fn, tries = 400) {
    let last;
    for (let i = 0; i < tries; i++) {
        last = await fn();
        if (last) return last;
        await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`${what}: never happened (last: ${JSON.stringify(last)})`);
}

const b64url = (b) => Buffer.from(b).toString('base64url');

// the zone's libsodium key file (64 bytes hex: seed || public key) as a Node key
function signer(file) {
    const raw = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    return crypto.createPrivateKey({
        key: { kty: 'OKP', crv: 'Ed25519', d: b64url(raw.subarray(0, 32)), x: b64url(raw.subarray(32)) },
        format: 'jwk',
    });
}

function seal(payload, key) {
    const text = JSON.stringify(payload);
    return JSON.stringify({ payload: text, sig: crypto.sign(null, Buffer.from(text), key).toString('base64') });
}

describe('two zones: 外网 and 内网, only the crossing between them', () => {
    let root, keys, toIntra, toInter, extDir, intDir, ext, int;
    let zs, anon, clerk, number, password, intKey;
    const zoneArgs = (role) => {
        const internet = role === 'internet';
        return [
            '--zone.role', role,
            '--zone.spool_out', internet ? toIntra : toInter,
            '--zone.spool_in', internet ? toInter : toIntra,
            '--zone.key', path.join(keys, `${role}.key`),
            '--zone.peer_key', path.join(keys, `${internet ? 'intranet' : 'internet'}.pub`),
            '--zone.poll_ms', '100',
        ];
    };
    const startIntranet = () => startServer({ dir: intDir, keep: true, args: zoneArgs('intranet') });

    before(async () => {
        root = tempDir('zt-zones-');
        keys = path.join(root, 'keys');
        toIntra = path.join(root, 'spool-to-intranet');
        toInter = path.join(root, 'spool-to-internet');
        for (const name of ['internet', 'intranet']) {
            const r = spawnSync(BIN, ['zones', 'keygen', '--out', keys, '--name', name], { encoding: 'utf8' });
            assert.equal(r.status, 0, r.stderr);
        }
        extDir = path.join(root, 'internet');
        intDir = path.join(root, 'intranet');
        initDemo(extDir);
        initDemo(intDir);
        [ext, int] = await Promise.all([
            startServer({ dir: extDir, keep: true, args: zoneArgs('internet') }),
            startIntranet(),
        ]);
        zs = await as(ext, 'zhangsan');
        anon = new Client(ext);
        clerk = await as(int, 'gaj_clerk');
        intKey = signer(path.join(keys, 'internet.key'));
    });
    after(async () => {
        if (ext) await ext.stop();
        if (int) await int.stop();
        if (root) rmSync(root, { recursive: true, force: true });
    });

    test('keygen writes an owner-only secret key and refuses to overwrite it', () => {
        const mode = spawnSync('stat', ['-c', '%a', path.join(keys, 'internet.key')], { encoding: 'utf8' }).stdout.trim();
        assert.equal(mode, '600');
        const again = spawnSync(BIN, ['zones', 'keygen', '--out', keys, '--name', 'internet'], { encoding: 'utf8' });
        assert.notEqual(again.status, 0);
    });

    test('a zone without its spools or keys does not start, naming the key', () => {
        const r = spawnSync(BIN, ['serve', '--data-dir', extDir, '--port', '0', '--zone.role', 'internet'], { encoding: 'utf8', timeout: 20000 });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /zone\.spool_out/);
        const bad = spawnSync(BIN, ['serve', '--data-dir', extDir, '--port', '0', ...zoneArgs('internet').map((a) => (a.endsWith('intranet.pub') ? path.join(keys, 'internet.key') : a))], { encoding: 'utf8', timeout: 20000 });
        assert.notEqual(bad.status, 0, 'a secret key given as the peer\'s public key');
        assert.match(bad.stderr, /zone\.peer_key/);
        const open = path.join(root, 'open.key');
        copyFileSync(path.join(keys, 'internet.key'), open);
        chmodSync(open, 0o644);
        const loose = spawnSync(BIN, ['serve', '--data-dir', extDir, '--port', '0', ...zoneArgs('internet'), '--zone.key', open], { encoding: 'utf8', timeout: 20000 });
        assert.notEqual(loose.status, 0, 'a secret key others may read');
        assert.match(loose.stderr, /chmod 600.*\(zone\.key\)/);
    });

    test('each zone refuses the roles it does not serve', async () => {
        // 外网: a clerk's session is refused on every route; 内网: no applicants, no registration
        const extClerk = await as(ext, 'gaj_clerk');
        const r1 = await extClerk.get('/api/dept/cases');
        assert.equal(r1.status, 403, r1.text);
        assert.equal(r1.json.error.field, 'zone');
        const intZs = await as(int, 'zhangsan');
        const r2 = await intZs.get('/api/my/cases');
        assert.equal(r2.status, 403);
        assert.equal(r2.json.error.field, 'zone');
        const r3 = await new Client(int).post('/api/auth/register', { login: 'x', password: 'y' });
        assert.equal(r3.status, 403);
        assert.equal(r3.json.error.field, 'zone');
        const r4 = await new Client(int).post('/api/public/case-status', { number: 'x', password: 'y' });
        assert.equal(r4.status, 403);
    });

    test('the citizen applies on the 外网; the 内网 clerk accepts; the citizen sees it on the 外网', async () => {
        number = await applyCase(zs, anon);
        password = (await ok(zs.get(`/api/cases/${number}`))).query_password;
        // the case crosses with its number; the 内网's clerk has it in his list
        const there = await until('the case on the 内网', async () => {
            const r = await clerk.get(`/api/cases/${number}`);
            return r.status === 200 && r.json;
        });
        assert.equal(there.state, 'submitted');
        assert.equal(there.applicant.name, '张三');
        // its materials follow, each file beside its message, checked against the signed hash
        const mine = (await ok(zs.get(`/api/cases/${number}`))).materials;
        assert.ok(mine.length >= 1);
        const mats = await until('the materials on the 内网', async () => {
            const m = (await ok(clerk.get(`/api/cases/${number}`))).materials;
            return m.length === mine.length && m;
        });
        const sha = crypto.createHash('sha256').update(PDF).digest('hex');
        assert.deepEqual(mats.map((m) => [m.material, m.sha256, m.size]), mine.map((m) => [m.material, sha, PDF.length]));
        const file = await clerk.get(`/api/uploads/${mats[0].upload_id}`);
        assert.equal(file.status, 200, file.text);
        assert.deepEqual(Buffer.from(file.bytes), PDF);
        const list = await ok(clerk.get(`/api/dept/cases?q=${number}`));
        assert.equal(list.items.length, 1);
        await ok(clerk.post(`/api/cases/${number}/actions/pre_review_pass`, { fields: { opinion: '材料齐全' } }));
        await ok(clerk.post(`/api/cases/${number}/actions/accept`, { fields: { notice_no: '萍公出受〔2026〕88号' } }));
        // the status crosses back: the public status query on the 外网
        const status = await until('the status on the 外网', async () => {
            const r = await anon.post('/api/public/case-status', { number, password });
            return r.status === 200 && r.json.state === 'handling' && r.json;
        });
        assert.deepEqual(status.timeline.map((e) => e.action), ['submit', 'pre_review_pass', 'accept']);
        assert.ok(status.promised_due, 'the 外网 computed the deadlines of the acceptance');
        // internal notes stay in the 内网: the opinion and the notice number did not cross;
        // a required one (whom the head assigns the file to) crosses as a placeholder
        const fieldsOn = (dir, action) => sql(dir, `SELECT fields FROM flow_events WHERE subject_type = 'case' AND subject = '${number}' AND action = '${action}'`);
        assert.match(fieldsOn(intDir, 'accept'), /萍公出受/);
        assert.equal(fieldsOn(extDir, 'accept'), '{}');
        assert.equal(fieldsOn(extDir, 'pre_review_pass'), '{}');
        const head = await as(int, 'gaj_head');
        await ok(head.post(`/api/cases/${number}/actions/assign`, { fields: { assignee: '李四', opinion: '请李四办理' } }));
        await until('the assignment on the 外网', () => fieldsOn(extDir, 'assign'));
        assert.deepEqual(JSON.parse(fieldsOn(extDir, 'assign')), { assignee: '（内网记录，未跨网）' });
        // the two databases are apart: each has its own case row, its own ledger
        assert.notEqual(extDir, intDir);
        assert.equal(sql(extDir, `SELECT state FROM cases WHERE number = '${number}'`), 'handling');
        assert.equal(sql(intDir, `SELECT state FROM cases WHERE number = '${number}'`), 'handling');
        // every message recorded in both ledgers: sent on one side, received on the other
        const sent = sql(extDir, "SELECT msg_id FROM zone_outbox WHERE type = 'application.submitted'");
        assert.match(sent, /^[0-9a-f]{32}$/);
        for (const dir of [extDir, intDir])
            assert.equal(sql(dir, `SELECT count(*) FROM ledger_entries WHERE subject = 'zone_message/${sent}'`), '1');
        assert.equal(sql(extDir, `SELECT action FROM audit_log WHERE target_id = '${sent}'`), 'zone.sent');
        assert.equal(sql(intDir, `SELECT action FROM audit_log WHERE target_id = '${sent}'`), 'zone.received');
        const back = sql(intDir, "SELECT count(*) FROM zone_outbox WHERE type = 'case.status'");
        assert.equal(back, '3', 'pre_review_pass, accept and assign crossed back');
        assert.equal(sql(extDir, "SELECT count(*) FROM zone_inbox WHERE status = 'accepted' AND type = 'case.status'"), '3');
    });

    test('unsigned, tampered, replayed and disallowed files are refused, reported back, and change nothing', async () => {
        const done = path.join(toIntra, 'done');
        const typeOf = (f) => JSON.parse(JSON.parse(readFileSync(path.join(done, f), 'utf8')).payload).type;
        const msgs = readdirSync(done).filter((f) => f.endsWith('.msg')).sort();
        const original = msgs.find((f) => typeOf(f) === 'application.submitted');
        const material = msgs.find((f) => typeOf(f) === 'material.uploaded');
        const text = readFileSync(path.join(done, original), 'utf8');
        const file = JSON.parse(text);
        const env = JSON.parse(file.payload);
        const before = {
            cases: sql(intDir, 'SELECT count(*) FROM cases'),
            events: sql(intDir, 'SELECT count(*) FROM flow_events'),
            peer: sql(intDir, "SELECT last_seq FROM zone_peer WHERE sender = 'internet'"),
            uploads: sql(intDir, 'SELECT count(*) FROM uploads'),
        };
        const other = { ...env, id: crypto.randomBytes(16).toString('hex'), seq: 9000, body: { ...env.body, number: '360300-20260101-000001' } };
        const drops = {
            // 1. no signature
            '9000000000000001-unsigned.msg': JSON.stringify({ payload: JSON.stringify(other) }),
            // 2. the real message with its title changed, the signature kept
            '9000000000000002-tampered.msg': JSON.stringify({
                payload: file.payload.replace(/"title":"[^"]*"/, '"title":"篡改"').replace(env.id, crypto.randomBytes(16).toString('hex')),
                sig: file.sig,
            }),
            // 3. the real message again: same id and sequence number
            '9000000000000003-replayed.msg': text,
            // 4. a status update may cross only from the 内网 (signed with the 外网's real key)
            '9000000000000004-disallowed.msg': seal(
                {
                    ...other, seq: 9001, id: crypto.randomBytes(16).toString('hex'), type: 'case.status',
                    body: { number, action: 'complete', label: 'x', from: 'handling', to: 'done', fields: {}, at: 1, actor_role: 'clerk', actor_department: '', result: null },
                },
                intKey,
            ),
            // 5. a real material message, its file beside it swapped for other bytes
            '9000000000000005-blob.msg': readFileSync(path.join(done, material)),
        };
        writeFileSync(path.join(toIntra, '9000000000000005-blob.bin'), Buffer.concat([PDF, Buffer.from('%x')]));
        for (const [name, content] of Object.entries(drops)) writeFileSync(path.join(toIntra, name), content);
        await until('the five files read', () => Object.keys(drops).every((n) => existsSync(path.join(done, n))));
        const refused = sql(intDir, "SELECT file || ' ' || field FROM zone_inbox WHERE status = 'refused' ORDER BY file").split('\n');
        assert.deepEqual(refused, [
            '9000000000000001-unsigned.msg sig',
            '9000000000000002-tampered.msg sig',
            '9000000000000003-replayed.msg seq',
            '9000000000000004-disallowed.msg type',
            '9000000000000005-blob.msg blob',
        ]);
        assert.ok(existsSync(path.join(done, '9000000000000005-blob.bin')), 'the file beside it moved with it');
        // recorded in the 内网's ledger
        assert.equal(sql(intDir, "SELECT count(*) FROM audit_log WHERE action = 'zone.refused'"), '5');
        // nothing changed
        assert.deepEqual(
            {
                cases: sql(intDir, 'SELECT count(*) FROM cases'),
                events: sql(intDir, 'SELECT count(*) FROM flow_events'),
                peer: sql(intDir, "SELECT last_seq FROM zone_peer WHERE sender = 'internet'"),
                uploads: sql(intDir, 'SELECT count(*) FROM uploads'),
            },
            before,
        );
        // reported back: five signed refusals taken by the 外网; a copy refused as a
        // replay does not mark the original, which was taken
        await until('the refusals on the 外网', () => sql(extDir, "SELECT count(*) FROM zone_inbox WHERE type = 'zone.refusal' AND status = 'accepted'") === '5');
        const reasons = sql(extDir, "SELECT json_extract(payload, '$.body.field') FROM zone_inbox WHERE type = 'zone.refusal' ORDER BY seq").split('\n');
        assert.deepEqual(reasons, ['sig', 'sig', 'seq', 'type', 'blob']);
        assert.equal(sql(extDir, `SELECT refused_at IS NULL FROM zone_outbox WHERE msg_id = '${env.id}'`), '1');
        assert.equal(sql(extDir, "SELECT count(*) FROM audit_log WHERE action = 'zone.received'"), '8'); // 3 statuses + 5 refusals
    });

    test('a well-signed message that does not apply is refused by the engine, reported, and changes nothing', async () => {
        const key = signer(path.join(keys, 'intranet.key'));
        const steps = sql(extDir, 'SELECT count(*) FROM flow_events');
        const ghost = {
            v: 1, id: crypto.randomBytes(16).toString('hex'), seq: 9500, from: 'intranet', to: 'internet', type: 'case.status', at: 1, subject: number,
            // a step from a state the 外网's copy is not in
            body: { number, action: 'submit_review', label: '提交审查', from: 'review', to: 'review', fields: { opinion: 'x' }, at: 1, actor_role: 'clerk', actor_department: '360300-GA', result: null },
        };
        writeFileSync(path.join(toInter, '9000000000009500-ghost.msg'), seal(ghost, key));
        await until('the refusal on the 外网', () => sql(extDir, "SELECT field FROM zone_inbox WHERE file = '9000000000009500-ghost.msg'"));
        assert.equal(sql(extDir, "SELECT status || ' ' || field FROM zone_inbox WHERE file = '9000000000009500-ghost.msg'"), 'refused body.from');
        assert.equal(sql(extDir, 'SELECT count(*) FROM flow_events'), steps);
        await until('the report on the 内网', () => sql(intDir, `SELECT count(*) FROM zone_inbox WHERE type = 'zone.refusal' AND json_extract(payload, '$.body.refused_id') = '${ghost.id}'`) === '1');
    });

    test('a message waits in the spool while the 内网 is down, and is taken when it is back', async () => {
        await int.stop();
        int = null;
        const n2 = await applyCase(zs, anon);
        const file = await until('the message in the spool', () =>
            readdirSync(toIntra).find((f) => f.endsWith('.msg') && sql(extDir, `SELECT count(*) FROM zone_outbox WHERE subject = '${n2}' AND type = 'application.submitted' AND sent_at IS NOT NULL`) === '1' && f),
        );
        assert.ok(file);
        assert.equal(sql(intDir, `SELECT count(*) FROM cases WHERE number = '${n2}'`), '0');
        int = await startIntranet();
        const c2 = await as(int, 'gaj_clerk');
        const there = await until('the case after the restart', async () => {
            const r = await c2.get(`/api/cases/${n2}`);
            return r.status === 200 && r.json;
        });
        assert.equal(there.number, n2);
        const n2mats = (await ok(zs.get(`/api/cases/${n2}`))).materials.length;
        await until('its materials after the restart', async () => (await ok(c2.get(`/api/cases/${n2}`))).materials.length === n2mats);
        assert.ok(!existsSync(path.join(toIntra, file)) && existsSync(path.join(toIntra, 'done', file)));
        // the applicant's own steps cross too: a 补正 notice goes out, the
        // supplement comes back; then he withdraws on the 外网 and the 内网 follows
        await ok(c2.post(`/api/cases/${n2}/actions/request_supplement`, { fields: { missing_materials: ['户口簿首页'] } }));
        await until('the 补正 notice on the 外网', async () => (await ok(zs.get(`/api/cases/${n2}`))).state === 'supplementing');
        await ok(zs.post(`/api/cases/${n2}/actions/resubmit`, { fields: { note: '已补' } }));
        await until('the supplement on the 内网', async () => (await ok(c2.get(`/api/cases/${n2}`))).state === 'pre_reviewed');
        await ok(zs.post(`/api/cases/${n2}/actions/withdraw`, { fields: { reason: '不办了' } }));
        await until('the withdrawal on the 内网', async () => (await ok(c2.get(`/api/cases/${n2}`))).state === 'withdrawn');
        assert.equal(sql(extDir, `SELECT group_concat(type) FROM (SELECT type FROM zone_outbox WHERE subject = '${n2}' AND type != 'material.uploaded' ORDER BY seq)`),
            'application.submitted,supplement.submitted,application.withdrawn');
        // the operators' view: the 外网's administrator reads what crossed, each way
        const admin = await as(ext, 'admin');
        const out = await ok(admin.get('/api/zones/messages?direction=out&limit=100'));
        assert.equal(out.crossing.role, 'internet');
        assert.equal(out.crossing.unsent, 0);
        assert.ok(out.items.some((m) => m.type === 'application.withdrawn' && m.subject === n2 && m.sent_at));
        const got = await ok(admin.get('/api/zones/messages?direction=in&limit=100'));
        assert.equal(got.total, Number(sql(extDir, 'SELECT count(*) FROM zone_inbox')));
        assert.ok(got.items.some((m) => m.type === 'zone.refusal' && m.status === 'accepted'));
        assert.equal((await admin.get('/api/zones/messages?direction=sideways')).status, 400);
        // both ledgers, with everything the crossing recorded, verify
        for (const dir of [extDir, intDir]) {
            const v = spawnSync(BIN, ['ledger', 'verify', '--data-dir', dir], { encoding: 'utf8' });
            assert.equal(v.status, 0, v.stdout + v.stderr);
        }
    });
});

// attacks-ledger.test.mjs - the ledger findings of the penetration test
// (issue #22: F7, F8, F10, F11 and the verify-proof trailing comma), each
// as the attack that worked, then the refusal it now gets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, Client, REPO, as, startServer, tempDir } from './lib/server.mjs';
import { leafHash, nodeHash, verifyInclusion, verifyNote } from './lib/merkle.mjs';


function sqlite(db, sql) {
    const r = spawnSync('sqlite3', [db], { encoding: 'utf8', input: sql });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
}

function zt(args, input) {
    return spawnSync(BIN, args, { cwd: REPO, encoding: 'utf8', input, timeout: 60000 });
}

// RFC 6962 vectors (transparency-dev/merkle testdata), read in place
const VECTORS = path.join(REPO, '..', 'shared', 'vectors', 'merkle', 'testdata');

describe('verify-proof: an empty element is a malformed proof (exit 2)', () => {
    const v = JSON.parse(readFileSync(path.join(VECTORS, 'inclusion', '1', 'happy-path.json'), 'utf8'));
    const c = JSON.parse(readFileSync(path.join(VECTORS, 'consistency', '1', 'happy-path.json'), 'utf8'));
    const inclusion = (proof) =>
        zt(['ledger', 'verify-proof', 'inclusion', '--leaf-index', String(v.leafIdx), '--tree-size', String(v.treeSize),
            '--leaf-hash', v.leafHash, '--root', v.root, '--proof', proof]);
    const consistency = (proof) =>
        zt(['ledger', 'verify-proof', 'consistency', '--size1', String(c.size1), '--size2', String(c.size2),
            '--root1', c.root1, '--root2', c.root2, '--proof', proof]);

    test('the vector as given is valid (exit 0)', () => {
        assert.equal(inclusion(v.proof.join(',')).status, 0);
        assert.equal(consistency(c.proof.join(',')).status, 0);
    });

    test('a trailing comma (the attack: it was judged valid), a doubled or a leading one: exit 2', () => {
        const [a, b, cc] = v.proof;
        for (const p of [`${a},${b},${cc},`, `${a},,${b},${cc}`, `,${a},${b},${cc}`, ',', `${a},${b},${cc},,`]) {
            const r = inclusion(p);
            assert.equal(r.status, 2, `--proof '${p}': ${r.stdout}${r.stderr}`);
            assert.match(r.stderr, /malformed/);
        }
        const r = consistency(`${c.proof.join(',')},`);
        assert.equal(r.status, 2, r.stdout + r.stderr);
    });

    test('the empty proof is still --proof "" (a one-leaf tree)', () => {
        const one = JSON.parse(readFileSync(path.join(VECTORS, 'inclusion', 'single-entry', 'matching-root-and-leaf.json'), 'utf8'));
        assert.deepEqual(one.proof, []);
        const r = zt(['ledger', 'verify-proof', 'inclusion', '--leaf-index', '0', '--tree-size', '1', '--leaf-hash',
            one.leafHash, '--root', one.root, '--proof', '']);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });
});

// F10: the attacker rewrites an entry, recomputes its leaf hash and every
// stored node (so the database agrees with itself) and deletes the rows of
// ledger_checkpoints. `ledger verify` passed: it read only the database.
describe('F10: verify holds the database to the signed checkpoints kept outside it', () => {
    let dir;
    before(async () => {
        const srv = await startServer({ keep: true });
        const admin = await as(srv, 'admin');
        for (let i = 0; i < 5; i++)
            assert.equal((await admin.patch('/api/users/4', { phone: `1390000000${i}` })).status, 200);
        await srv.stop(); // a last checkpoint is signed at stop, in the database and in checkpoints/
        dir = srv.dir;
        const ok = zt(['ledger', 'verify', '--data-dir', dir]);
        assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    // a copy of the data directory with history rewritten consistently
    function rewritten() {
        const copy = tempDir('zt-f10-');
        cpSync(dir, copy, { recursive: true });
        const db = path.join(copy, 'zhengtong.db');
        const rows = sqlite(db, "SELECT idx, hex(entry) FROM ledger_entries ORDER BY idx;")
            .trim().split('\n').map((l) => l.split('|'));
        const entries = rows.map(([, hex]) => Buffer.from(hex, 'hex'));
        // the first phone change (13900000000) becomes another number
        const k = entries.findIndex((b) => b.includes('13900000000'));
        assert.ok(k > 0, 'the entry to rewrite');
        entries[k] = Buffer.from(entries[k].toString().replaceAll('13900000000', '13999999999'));
        const leaves = entries.map(leafHash);
        let sql = 'BEGIN;\n';
        sql += `UPDATE ledger_entries SET entry = x'${entries[k].toString('hex')}', leaf_hash = x'${leaves[k].toString('hex')}' WHERE idx = ${k};\n`;
        sql += 'DELETE FROM ledger_nodes;\n';
        for (let level = 1, nodes = leaves; nodes.length >= 2; level++) {
            const up = [];
            for (let i = 0; i + 1 < nodes.length; i += 2) up.push(nodeHash(nodes[i], nodes[i + 1]));
            up.forEach((h, i) => (sql += `INSERT INTO ledger_nodes VALUES (${level}, ${i}, x'${h.toString('hex')}');\n`));
            nodes = up;
        }
        sql += 'DELETE FROM ledger_checkpoints;\nCOMMIT;\n';
        sqlite(db, sql);
        return { copy, k };
    }

    test('the rewrite agrees with itself, and the checkpoint files catch it (exit 1, naming the file)', () => {
        const { copy, k } = rewritten();
        try {
            assert.equal(sqlite(path.join(copy, 'zhengtong.db'), 'SELECT count(*) FROM ledger_checkpoints;').trim(), '0');
            const r = zt(['ledger', 'verify', '--data-dir', copy]);
            assert.equal(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, /checkpoint mismatch: the first \d+ entries do not give the root signed in .*checkpoints\/checkpoint.* \(kept outside the database\)/);
            assert.match(r.stdout, new RegExp(`first bad index: \\d+\\n`));
            assert.ok(Number(/first bad index: (\d+)/.exec(r.stdout)[1]) >= k);
        } finally {
            rmSync(copy, { recursive: true, force: true });
        }
    });

    test('the checkpoint directory emptied too: a copy kept elsewhere (--checkpoint FILE) catches it', () => {
        const keep = tempDir('zt-f10-offsite-');
        const { copy } = rewritten();
        try {
            const cpdir = path.join(copy, 'checkpoints');
            writeFileSync(path.join(keep, 'checkpoint'), readFileSync(path.join(cpdir, 'checkpoint')));
            for (const f of readdirSync(cpdir)) rmSync(path.join(cpdir, f));
            // nothing outside the database: the database alone proves nothing, and says so
            const none = zt(['ledger', 'verify', '--data-dir', copy]);
            assert.equal(none.status, 1, none.stdout + none.stderr);
            assert.match(none.stdout, /no signed checkpoint outside the database/);
            const r = zt(['ledger', 'verify', '--data-dir', copy, '--checkpoint', path.join(keep, 'checkpoint')]);
            assert.equal(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, /checkpoint mismatch: .*zt-f10-offsite-.*\/checkpoint \(kept outside the database\)/);
            // the untouched database passes against the same copy
            const ok = zt(['ledger', 'verify', '--data-dir', dir, '--checkpoint', path.join(keep, 'checkpoint')]);
            assert.equal(ok.status, 0, ok.stdout + ok.stderr);
            assert.match(ok.stdout, /consistent with .*checkpoint/);
        } finally {
            rmSync(copy, { recursive: true, force: true });
            rmSync(keep, { recursive: true, force: true });
        }
    });

    test('entries cut from the end after the rows were deleted: missing, against the file', () => {
        const copy = tempDir('zt-f10-cut-');
        cpSync(dir, copy, { recursive: true });
        try {
            const db = path.join(copy, 'zhengtong.db');
            const size = Number(sqlite(db, 'SELECT max(idx) + 1 FROM ledger_entries;').trim());
            sqlite(db, `DELETE FROM ledger_checkpoints; DELETE FROM ledger_entries WHERE idx >= ${size - 3};
                DELETE FROM ledger_nodes WHERE ((idx + 1) << level) > ${size - 3};`);
            const r = zt(['ledger', 'verify', '--data-dir', copy]);
            assert.equal(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, new RegExp(`missing: entries ${size - 3}\\.\\.${size - 1} \\(.*checkpoint.* \\(kept outside the database\\) covers ${size} entries\\)`));
        } finally {
            rmSync(copy, { recursive: true, force: true });
        }
    });

    test('a checkpoint file not signed by the ledger key, or unreadable: refused', () => {
        const copy = tempDir('zt-f10-forged-');
        cpSync(dir, copy, { recursive: true });
        try {
            const f = path.join(copy, 'checkpoints', 'checkpoint');
            writeFileSync(f, readFileSync(f, 'utf8').replace(/\n(\d+)\n/, (m, n) => `\n${+n + 1}\n`));
            const r = zt(['ledger', 'verify', '--data-dir', copy]);
            assert.equal(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, /bad signature: checkpoint .*checkpoints\/checkpoint:/);
            const missing = zt(['ledger', 'verify', '--data-dir', dir, '--checkpoint', path.join(copy, 'nothing-here')]);
            assert.equal(missing.status, 2, missing.stdout + missing.stderr);
            assert.match(missing.stderr, /cannot read the checkpoint/);
        } finally {
            rmSync(copy, { recursive: true, force: true });
        }
    });
});



// every entry a reader gets, page by page (1000 indexes a request)
async function allEntries(c) {
    const items = [];
    let size = 1;
    for (let from = 0; from < size; from += 1000) {
        const r = await c.get(`/api/ledger/entries?from=${from}&to=${from + 1000}`);
        assert.equal(r.status, 200, r.text);
        size = r.json.size;
        items.push(...r.json.items);
    }
    return items;
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

// F7: 安源区's supervisor read the whole city through the ledger and the
// audit trail, and the ledger showed the phone numbers the audit trail masks.
describe('F7: ledger and audit reads are scoped by region and masked alike', () => {
    let srv, admin, city, county, auditor, ayId, gaId, cityIdx, countyIdx;
    const AY_PHONE = '13912340001';
    const GA_PHONE = '13912340002';
    before(async () => {
        srv = await startServer();
        admin = await as(srv, 'admin');
        city = await as(srv, 'jiancha');
        county = await as(srv, 'jiancha_ay');
        auditor = await as(srv, 'shenji');
        ayId = county.user.id;
        gaId = (await as(srv, 'gaj_clerk')).user.id;
        // a change in 安源区 (its supervisor's own account) and one in the city (公安局's clerk)
        assert.equal((await admin.patch(`/api/users/${ayId}`, { phone: AY_PHONE })).status, 200);
        assert.equal((await admin.patch(`/api/users/${gaId}`, { phone: GA_PHONE })).status, 200);
        const all = await allEntries(admin);
        cityIdx = all.find((it) => it.subject === `user/${gaId}` && it.event.kind === 'user.update').index;
        countyIdx = all.find((it) => it.subject === `user/${ayId}` && it.event.kind === 'user.update').index;
    });
    after(() => srv.stop());

    test('the county supervisor reads his region\'s entries only: not the city\'s, not the platform\'s', async () => {
        const mine = await allEntries(county);
        const everything = await allEntries(city);
        assert.ok(mine.length > 0 && mine.length < everything.length, `${mine.length} of ${everything.length}`);
        assert.ok(mine.some((it) => it.index === countyIdx), 'his region\'s change');
        assert.ok(!mine.some((it) => it.index === cityIdx), 'not the city\'s');
        assert.ok(!mine.some((it) => it.subject.startsWith('calendar/') || it.subject.startsWith('regions/')),
            'not the platform\'s (the calendar, the directory)');
        for (const it of mine) {
            const region = it.event.payload?.region ?? it.event.payload?.after?.region_code;
            if (region) assert.ok(region.startsWith('360302'), `${it.subject}: ${region}`);
        }
        // by subject: nothing of the city, whatever the range
        const r = await county.get(`/api/ledger/entries?subject=user/${gaId}`);
        assert.equal(r.status, 200);
        assert.deepEqual(r.json.items, []);
        // a proof names an entry: his region's only
        const size = everything.length;
        assert.equal((await county.get(`/api/ledger/proof/inclusion?index=${countyIdx}&size=${size}`)).status, 200);
        const p = await county.get(`/api/ledger/proof/inclusion?index=${cityIdx}&size=${size}`);
        assert.equal(p.status, 403, p.text);
        assert.equal(p.json.error.field, 'index');
        assert.match(p.json.error.message, /本辖区/);
    });

    test('the city supervisor, the auditor and the administrator read every entry', async () => {
        const n = (await allEntries(admin)).length;
        for (const c of [city, auditor]) {
            const items = await allEntries(c);
            assert.equal(items.length, n);
            assert.ok(items.some((it) => it.index === cityIdx) && items.some((it) => it.index === countyIdx));
        }
    });

    test('the audit trail: the same scope', async () => {
        const rows = async (c, q = '') => {
            const r = await c.get(`/api/audit?limit=500${q}`);
            assert.equal(r.status, 200, r.text);
            return r.json;
        };
        const mine = await rows(county);
        const all = await rows(city);
        assert.ok(mine.total > 0 && mine.total < all.total, `${mine.total} of ${all.total}`);
        assert.ok(mine.items.some((a) => a.target_type === 'user' && a.target_id === String(ayId)));
        assert.ok(!mine.items.some((a) => a.target_type === 'user' && a.target_id === String(gaId)));
        assert.ok(!mine.items.some((a) => ['calendar', 'regions', 'directory'].includes(a.target_type)));
        assert.equal((await rows(county, `&target_type=user&target_id=${gaId}`)).total, 0);
        const ga = (await rows(admin, `&target_type=user&target_id=${gaId}`)).total;
        assert.ok(ga >= 2, 'created, then its phone changed');
        assert.equal((await rows(city, `&target_type=user&target_id=${gaId}`)).total, ga);
        assert.equal((await rows(auditor)).total, all.total);
        assert.equal((await rows(admin)).total, all.total);
    });

    test('the ledger masks what the audit trail masks; raw bytes only to the roles that verify', async () => {
        for (const c of [city, auditor]) {
            const it = (await c.get(`/api/ledger/entries?subject=user/${gaId}`)).json.items.find((x) => x.index === cityIdx);
            const shown = JSON.stringify(it.event);
            assert.ok(!shown.includes(GA_PHONE), `the phone in the event: ${shown}`);
            assert.equal(it.event.payload.after.phone, '139****0002');
            const audit = (await c.get(`/api/audit?target_type=user&target_id=${gaId}&action=user.update`)).json.items[0];
            assert.deepEqual(it.event.payload, audit.detail, 'the same masking in both');
            // the bytes, for checking: their leaf hash is the stored one
            const bytes = Buffer.from(it.entry, 'base64');
            assert.deepEqual(leafHash(bytes), Buffer.from(it.leaf_hash, 'base64'));
        }
        // the county supervisor, within his region: masked the same way
        const own = (await county.get(`/api/ledger/entries?subject=user/${ayId}`)).json.items.find((x) => x.index === countyIdx);
        assert.equal(own.event.payload.after.phone, '139****0001');
        // administrators see what they see in the audit trail: unmasked
        const a = (await admin.get(`/api/ledger/entries?subject=user/${gaId}`)).json.items.find((x) => x.index === cityIdx);
        assert.equal(a.event.payload.after.phone, GA_PHONE);
    });
});

// F8: an applicant read, in his own case's ledger entries, the staff logins,
// internal opinions and assignees that his case view hides.
describe('F8: an applicant\'s ledger entries show what his case view shows, and still verify', () => {
    let srv, zs, clerk, head, city, anon, number;
    const ITEM = '360300-XK-GA-001'; // 普通护照签发
    const SECRET = ['内部意见：材料真实可信', '内部意见：建议从快', '请小刘承办'];
    before(async () => {
        srv = await startServer({ args: ['--fake-clock', '--ledger.checkpoint_entries', '1', '--ledger.checkpoint_seconds', '1'] });
        const root = await as(srv, 'admin');
        assert.equal((await root.put('/api/admin/clock', { now: '2026-09-23T02:00:00Z' })).status, 200);
        zs = await as(srv, 'zhangsan');
        clerk = await as(srv, 'gaj_clerk');
        head = await as(srv, 'gaj_head');
        city = await as(srv, 'jiancha');
        anon = new Client(srv);
        const item = (await anon.get(`/api/items/${ITEM}`)).json;
        const up = await zs.req('POST', `/api/uploads?name=${encodeURIComponent('材料.pdf')}`, {
            body: PDF, headers: { 'Content-Type': 'application/octet-stream' },
        });
        assert.equal(up.status, 201, up.text);
        const materials = (item.guide || item).materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: up.json.id }));
        const c = await zs.post('/api/cases', { item_code: ITEM, title: '申请普通护照', materials });
        assert.equal(c.status, 201, c.text);
        number = c.json.number;
        const act = async (who, action, fields) => {
            const r = await who.post(`/api/cases/${number}/actions/${action}`, { fields });
            assert.equal(r.status, 200, `${action}: ${r.text}`);
        };
        await act(clerk, 'pre_review_pass', { opinion: SECRET[0] });
        await act(clerk, 'accept', { notice_no: '萍公出受〔2026〕9号' });
        await act(head, 'assign', { assignee: 'gaj_clerk', opinion: SECRET[2] });
        await act(clerk, 'submit_review', { opinion: SECRET[1] });
        await act(head, 'approve', { decision_no: '萍公出准〔2026〕9号' });
    });
    after(() => srv.stop());

    test('staff logins, opinions and the assignee are in the entries (the staff view), not in the applicant\'s', async () => {
        const staff = (await city.get(`/api/ledger/entries?subject=case/${number}`)).json.items;
        assert.equal(staff.length, 6);
        const raw = staff.map((it) => Buffer.from(it.entry, 'base64').toString()).join('\n');
        for (const s of ['gaj_clerk', 'gaj_head', 'assignee', ...SECRET]) assert.ok(raw.includes(s), `the entries hold ${s}`);

        const r = await zs.get(`/api/ledger/entries?subject=case/${number}`);
        assert.equal(r.status, 200, r.text);
        const mine = r.json.items;
        assert.deepEqual(mine.map((it) => it.index), staff.map((it) => it.index), 'every entry of his case');
        const shown = JSON.stringify(r.json);
        for (const s of ['gaj_clerk', 'gaj_head', 'assignee', 'opinion', 'actor', 'notice_no', 'clerk', 'dept_head', ...SECRET])
            assert.ok(!shown.includes(s), `the applicant's ledger shows ${s}`);
        assert.ok(mine.every((it) => it.entry === undefined), 'no raw entry bytes');
        assert.deepEqual(mine.map((it) => it.event.kind),
            ['case.submit', 'case.pre_review_pass', 'case.accept', 'case.assign', 'case.submit_review', 'case.approve']);
    });

    test('each step reads as his case view shows it', async () => {
        const view = (await zs.get(`/api/cases/${number}`)).json;
        const mine = (await zs.get(`/api/ledger/entries?subject=case/${number}`)).json.items;
        assert.equal(view.timeline.length, mine.length);
        mine.forEach((it, i) => {
            const t = view.timeline[i];
            assert.equal(it.event.step.action, t.action);
            assert.equal(it.event.step.to, t.to);
            assert.deepEqual(it.event.step.fields, t.fields, `${t.action}: the same fields as the case view`);
        });
    });

    test('his leaf hashes and inclusion proofs verify against the signed checkpoint (Node Ed25519, RFC 9162)', async () => {
        const mine = (await zs.get(`/api/ledger/entries?subject=case/${number}`)).json.items;
        const last = mine.at(-1).index;
        const key = (await anon.get('/api/ledger/key')).text;
        let text = null;
        for (let i = 0; i < 100 && !text; i++) {
            const note = (await anon.get('/api/ledger/checkpoint')).text;
            const t = verifyNote(key, note);
            assert.ok(t, 'the checkpoint\'s signature verifies');
            if (Number(t.split('\n')[1]) > last) text = t;
            else await new Promise((res) => setTimeout(res, 100));
        }
        assert.ok(text, 'a checkpoint covering his entries');
        const [, sizeText, rootB64] = text.split('\n');
        const size = Number(sizeText);
        const root = Buffer.from(rootB64, 'base64');
        for (const it of mine) {
            const p = await zs.get(`/api/ledger/proof/inclusion?index=${it.index}&size=${size}`);
            assert.equal(p.status, 200, p.text);
            assert.equal(p.json.leaf_hash, it.leaf_hash);
            const proof = p.json.proof.map((h) => Buffer.from(h, 'base64'));
            assert.ok(verifyInclusion(it.index, size, Buffer.from(it.leaf_hash, 'base64'), proof, root), `entry ${it.index}`);
        }
    });

    test('another applicant reads nothing of it; no proof of another\'s entry', async () => {
        const other = await as(srv, 'pxqiye');
        const r = await other.get(`/api/ledger/entries?subject=case/${number}`);
        assert.equal(r.status, 200);
        assert.deepEqual(r.json.items, []);
        const idx = (await city.get(`/api/ledger/entries?subject=case/${number}`)).json.items[0].index;
        const p = await other.get(`/api/ledger/proof/inclusion?index=${idx}&size=${idx + 1}`);
        assert.equal(p.status, 403);
        assert.equal(p.json.error.field, 'index');
    });
});

// F11: `?from=0&subject=x` made SQLite walk the whole log; the statements
// and their query plans are in tests/unit/ledger/test_ledger.c. Here: the
// answers those statements give through the API.
describe('F11: a subject or an owner is read through its index, a page at a time', () => {
    let srv, admin, zs, city;
    before(async () => {
        srv = await startServer();
        admin = await as(srv, 'admin');
        zs = await as(srv, 'zhangsan');
        city = await as(srv, 'jiancha');
    });
    after(() => srv.stop());

    test('an unknown subject over the whole log: nothing, for a citizen and a supervisor, without next_from', async () => {
        for (const c of [zs, city]) {
            const r = await c.get('/api/ledger/entries?from=0&subject=x');
            assert.equal(r.status, 200, r.text);
            assert.deepEqual(r.json.items, []);
            assert.equal(r.json.to, r.json.size);
            assert.equal(r.json.next_from, undefined);
        }
    });

    test('a subject with more than a page: 1000 entries, then next_from to the rest', async () => {
        const id = zs.user.id;
        // 1001 changes of one account: 1002 entries of user/{id} with its registration
        for (let i = 0; i < 1001; i++) {
            const r = await admin.patch(`/api/users/${id}`, { phone: `1380000${String(i).padStart(4, '0')}` });
            assert.equal(r.status, 200, r.text);
        }
        const first = await city.get(`/api/ledger/entries?from=0&subject=user/${id}`);
        assert.equal(first.json.items.length, 1000);
        assert.ok(first.json.next_from > first.json.items.at(-1).index);
        const rest = await city.get(`/api/ledger/entries?from=${first.json.next_from}&subject=user/${id}`);
        assert.ok(rest.json.items.length >= 1);
        assert.equal(rest.json.next_from, undefined);
        // the citizen reads his own account's entries the same way
        const own = await zs.get(`/api/ledger/entries?from=0&subject=user/${id}`);
        assert.equal(own.json.items.length, 1000);
        assert.equal(own.json.next_from, first.json.next_from);
    });
});

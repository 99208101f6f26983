// exchange.test.mjs - the data centre (issue #17, R10): the catalogue (GB/T
// 21063 records, the data office's check, versions, Chinese search, the
// DCAT export), the base databases (gen-base: valid identifiers,
// deterministic), sharing requests on the working-day calendar (cards when
// late), grants and their application keys, the exchange API (only granted
// items - fuzzed over requests -, required references, rate limits, expiry
// refused and carded), the call log (provider's view, ledger, the citizen's
// "who read my data").
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { BIN, Client, REPO, as, initDemo, startServer, tempDir } from './lib/server.mjs';
import { LONG, ok } from './lib/cases.mjs';

const PERSONS = 'persons';
const POP = '1-01/360300-GA-00001'; // 人口基础信息 (conditional, 公安)
const LEGAL = '1-02/360300-GS-00001'; // 法人单位基础信息 (unconditional)
const VEHICLES = '3-01/360300-GA-00001'; // 不予共享
const ZHANGSAN = '360302198503120045';
const PERSON_ITEMS = ['id_number', 'name', 'sex', 'birth_date', 'ethnicity', 'region_code', 'address', 'marital', 'education', 'phone'];
const LEGAL_ITEMS = ['uscc', 'name', 'kind', 'representative', 'capital', 'established', 'region_code', 'address', 'business_scope', 'status'];

function genBase(dir, persons, legal, seed = 7) {
    const r = spawnSync(BIN, ['exchange', 'gen-base', '--data-dir', dir, '--persons', String(persons), '--legal', String(legal), '--seed', String(seed)], {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, TZ: 'Asia/Shanghai' },
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
}

function sql(dir, q) {
    const r = spawnSync('sqlite3', [path.join(dir, 'zhengtong.db'), q], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
}

function idValid(s) {
    if (!/^\d{17}[\dX]$/.test(s)) return false;
    const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const sum = [...s.slice(0, 17)].reduce((a, c, i) => a + Number(c) * W[i], 0);
    return '10X98765432'[sum % 11] === s[17];
}

function withCheck(s17) {
    const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    return s17 + '10X98765432'[[...s17].reduce((a, c, i) => a + Number(c) * W[i], 0) % 11];
}

const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function usccValid(s) {
    if (!/^[0-9A-HJ-NP-RTUWXY]{18}$/.test(s)) return false;
    const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    const sum = [...s.slice(0, 17)].reduce((a, c, i) => a + USCC.indexOf(c) * W[i], 0);
    // characters 9-17: a GB 11714 organisation code, its letters valued A = 10 .. Z = 35
    const W9 = [3, 7, 9, 10, 5, 8, 4, 2];
    const v = (c) => (c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 55);
    const o = 11 - ([...s.slice(8, 16)].reduce((a, c, i) => a + v(c) * W9[i], 0) % 11);
    if (s[16] !== (o === 10 ? 'X' : o === 11 ? '0' : String(o))) return false;
    return USCC[(31 - (sum % 31)) % 31] === s[17];
}

// a deterministic pseudo-random sequence for the fuzz (reproducible failures)
function prng(seed) {
    let s = seed >>> 0;
    return () => {
        s = (s * 1664525 + 1013904223) >>> 0;
        return s / 2 ** 32;
    };
}

describe('the data centre: catalogue, sharing, exchange', () => {
    let t, dir, admin, xxzx, gaj, gajHead, mzj, mzjHead, jiancha, zhangsan, sys, otherSys;
    const clock = (iso) => ok(admin.put('/api/admin/clock', { now: iso }));
    const tick = () => ok(admin.post('/api/admin/tick', {}));

    // a request through its whole flow; returns {request, key}
    async function granted(resource, items, extra = {}) {
        const q = await ok(mzj.post('/api/exchange/requests', { resource, items, purpose: '最低生活保障资格核对', basis: '《社会救助暂行办法》第十一条', ...extra }), 201);
        let r = await ok(xxzx.post(`/api/exchange/requests/${q.number}/pass`, {}));
        if (r.state === 'answering') r = await ok(gajHead.post(`/api/exchange/requests/${q.number}/approve`, { note: '同意' }));
        assert.equal(r.state, 'granted');
        const k = await ok(mzjHead.post(`/api/exchange/grants/${r.grant_id}/key`, {}), 201);
        return { request: r, key: k.key };
    }
    const call = (key, p, client = sys) => client.get(p, { headers: { 'X-Grant-Key': key } });

    before(async () => {
        dir = tempDir('zt-exchange-');
        initDemo(dir);
        const out = genBase(dir, 3000, 300);
        assert.match(out, /3001 persons, 300 legal persons added/); // 3000 generated + 张三's account
        t = await startServer({ dir, args: [
                ...LONG,
                ...['--exchange.rate_per_minute', '40', '--exchange.log_flush_ms', '50'],
                // abnormal volume: at least 20 calls in an hour and above 3 x the average of the 2 hours before
                ...['--exchange.volume_min', '20', '--exchange.volume_factor', '3', '--exchange.volume_baseline_windows', '2'],
            ] });
        admin = await as(t, 'admin');
        await clock('2026-11-02T02:00:00Z'); // Monday 10:00 in the city
        [xxzx, gaj, gajHead, mzj, mzjHead, jiancha, zhangsan] = await Promise.all(
            ['xxzx', 'gaj_clerk', 'gaj_head', 'mzj_clerk', 'mzj_head', 'jiancha', 'zhangsan'].map((l) => as(t, l)),
        );
        const depts = await ok(admin.get('/api/departments?per_page=100'));
        const id = (code) => depts.items.find((d) => d.code === code).id;
        sys = new Client(t, { key: (await ok(mzjHead.post('/api/keys', { dept_id: id('360300-MZ'), name: '社会救助系统' }), 201)).key });
        otherSys = new Client(t, { key: (await ok(gajHead.post('/api/keys', { dept_id: id('360300-GA'), name: '警务系统' }), 201)).key });
    });
    after(async () => {
        if (t) await t.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('gen-base: valid ID numbers and credit codes, regions from the division data, the same rows for the same seed', () => {
        const ids = sql(dir, 'SELECT id_number FROM ex_persons ORDER BY id_number LIMIT 500').split('\n');
        assert.equal(ids.length, 500);
        for (const s of ids) assert.ok(idValid(s), `ID number ${s}`);
        const codes = sql(dir, 'SELECT uscc FROM ex_legal_persons').split('\n');
        assert.equal(codes.length, 300);
        for (const s of codes) assert.ok(usccValid(s), `credit code ${s}`);
        assert.equal(sql(dir, 'SELECT count(*) FROM ex_persons WHERE region_code NOT IN (SELECT code FROM regions)'), '0');
        // the 17th digit says the sex
        assert.equal(sql(dir, "SELECT count(*) FROM ex_persons WHERE (substr(id_number, 17, 1) % 2 = 1) <> (sex = '男')"), '0');
        const other = tempDir('zt-exchange-b-');
        try {
            initDemo(other);
            genBase(other, 3000, 300);
            const digest = (d) => sql(d, 'SELECT count(*), sum(length(name)), min(id_number), max(id_number), max(uscc) FROM ex_persons, (SELECT max(uscc) AS uscc FROM ex_legal_persons)');
            assert.equal(digest(other), digest(dir));
        } finally {
            rmSync(other, { recursive: true, force: true });
        }
    });

    test('the base catalogues are seeded and searched with Chinese keywords and filters, paged', async () => {
        const all = await ok(mzj.get('/api/exchange/catalogue?per_page=100'));
        assert.equal(all.total, 15);
        const names = all.items.map((i) => i.record.name);
        for (const n of ['人口基础信息', '法人单位基础信息', '宏观经济信息', '自然资源和空间地理信息', '评标专家信息', '企业信息', '社会信用信息', '困难群体救助信息', '行政区划信息', '社会组织信息', '社区信息', '地方法规信息', '高级人才信息', '企业及产品信息'])
            assert.ok(names.includes(n), n);
        const pop = await ok(mzj.get(`/api/exchange/catalogue?q=${encodeURIComponent('户籍 身份证')}`));
        assert.deepEqual(pop.items.map((i) => i.identifier), [POP]);
        assert.equal(pop.items[0].record.share_type, 'conditional');
        assert.match(pop.items[0].record.share_basis, /居民身份证法/);
        // a data item's label finds its record
        const byItem = await ok(mzj.get(`/api/exchange/catalogue?q=${encodeURIComponent('法定代表人')}`));
        assert.deepEqual(byItem.items.map((i) => i.identifier), [LEGAL]);
        const cond = await ok(mzj.get('/api/exchange/catalogue?share_type=conditional&per_page=100'));
        assert.ok(cond.total >= 4 && cond.items.every((i) => i.record.share_type === 'conditional'));
        const mz = await ok(mzj.get('/api/exchange/catalogue?provider=360300-MZ'));
        assert.equal(mz.total, 3);
        const base = await ok(mzj.get('/api/exchange/catalogue?class=1'));
        assert.deepEqual(base.items.map((i) => i.record.class), ['1-01', '1-02', '1-03', '1-04', '1-05']);
        const page = await ok(mzj.get('/api/exchange/catalogue?class=1&per_page=2&page=2'));
        assert.equal(page.total, 5, JSON.stringify(page));
        assert.deepEqual(page.items.map((i) => i.record.class), ['1-03', '1-04']);
        assert.equal((await mzj.get('/api/exchange/catalogue?share_type=maybe')).status, 400);
        const many = await mzj.get(`/api/exchange/catalogue?q=${encodeURIComponent('人口 户籍 身份证 住址 婚姻')}`);
        assert.equal(many.status, 400);
        assert.equal(many.json.error.field, 'q');
    });

    const draft = (over = {}) => ({
        name: '养犬登记信息',
        summary: '城区养犬登记和年检信息。',
        class: '3-02',
        keywords: ['养犬', '犬只'],
        items: [
            { name: 'tag_no', label: '犬牌号', type: 'string' },
            { name: 'owner_id', label: '犬主证件号码', type: 'string' },
        ],
        share_type: 'conditional',
        share_condition: '仅限城市管理执法使用',
        share_basis: '《萍乡市养犬管理条例》第十条',
        open: false,
        update_cycle: '每日',
        ...over,
    });

    test('a record is checked: mandatory elements, the sharing type with its basis, the class, the data items', async () => {
        const bad = async (body, field) => {
            const r = await gaj.post('/api/exchange/resources', body);
            assert.equal(r.status, 400, r.text);
            assert.equal(r.json.error.field, field, r.text);
        };
        await bad(draft({ share_basis: '' }), 'share_basis');
        await bad(draft({ share_type: 'none', share_basis: undefined }), 'share_basis');
        await bad(draft({ share_condition: undefined }), 'share_condition');
        await bad(draft({ share_type: 'sometimes' }), 'share_type');
        await bad(draft({ name: '' }), 'name');
        await bad(draft({ summary: undefined }), 'summary');
        await bad(draft({ class: '4-01' }), 'class');
        await bad(draft({ class: '1-1' }), 'class');
        await bad(draft({ items: [] }), 'items');
        await bad(draft({ items: [{ name: 'a', label: '甲', type: 'string' }, { name: 'a', label: '乙', type: 'string' }] }), 'items');
        await bad(draft({ items: [{ name: 'A-1', label: '甲', type: 'string' }] }), 'items');
        await bad(draft({ share_type: 'none', open: true, share_basis: '涉密' }), 'open');
        await bad(draft({ colour: 'red' }), 'colour');
        // an unconditional record needs no basis
        const r = await gaj.post('/api/exchange/resources', draft({ share_type: 'unconditional', share_basis: undefined, share_condition: undefined, name: '养犬年检统计' }));
        assert.equal(r.status, 201, r.text);
        assert.match(r.json.identifier, /^3-02\/360300-GA-\d{5}$/);
    });

    test('drafted by the provider, published after the data office checks it; versions', async () => {
        const d = await ok(gaj.post('/api/exchange/resources', draft()), 201);
        assert.equal(d.state, 'draft');
        assert.equal(d.record.provider.code, '360300-GA');
        // another department does not see or touch the draft
        assert.equal((await mzj.get(`/api/exchange/resources/${d.id}`)).status, 404);
        assert.equal((await mzj.put(`/api/exchange/resources/${d.id}`, draft())).status, 404);
        assert.equal((await ok(gaj.post(`/api/exchange/resources/${d.id}/submit`, {}))).state, 'submitted');
        assert.equal((await gaj.post(`/api/exchange/resources/${d.id}/publish`, {})).status, 403);
        const back = await xxzx.post(`/api/exchange/resources/${d.id}/return`, {});
        assert.equal(back.status, 400);
        assert.equal(back.json.error.field, 'reason');
        assert.equal((await ok(xxzx.post(`/api/exchange/resources/${d.id}/return`, { reason: '共享依据请写明条款' }))).state, 'draft');
        const q = `/api/exchange/catalogue?q=${encodeURIComponent('养犬登记')}`;
        assert.equal((await ok(mzj.get(q))).total, 0, 'not published yet');
        await ok(gaj.post(`/api/exchange/resources/${d.id}/submit`, {}));
        const queue = await ok(xxzx.get('/api/exchange/resources?state=submitted'));
        assert.ok(queue.items.some((i) => i.id === d.id));
        const p1 = await ok(xxzx.post(`/api/exchange/resources/${d.id}/publish`, {}));
        assert.equal(p1.state, 'published');
        assert.equal(p1.version, 1);
        assert.equal((await ok(mzj.get(q))).items[0].version, 1);
        // a new version: edited (the catalogue keeps version 1 meanwhile), checked, published
        const e = await ok(gaj.put(`/api/exchange/resources/${d.id}`, draft({ summary: '城区养犬登记、年检和免疫信息。' })));
        assert.equal(e.state, 'draft');
        assert.equal(e.record.identifier, d.identifier, 'the identifier stays');
        assert.equal((await ok(mzj.get(q))).items[0].record.summary, '城区养犬登记和年检信息。');
        await ok(gaj.post(`/api/exchange/resources/${d.id}/submit`, {}));
        assert.equal((await ok(xxzx.post(`/api/exchange/resources/${d.id}/publish`, {}))).version, 2);
        const rec = await ok(mzj.get(`/api/exchange/catalogue/${d.id}`));
        assert.equal(rec.record.summary, '城区养犬登记、年检和免疫信息。');
        assert.deepEqual(rec.versions.map((v) => v.version), [2, 1]);
        assert.deepEqual(rec.versions.map((v) => v.published_by), ['xxzx', 'xxzx']);
        // retired: gone from search, no new requests
        await ok(xxzx.post(`/api/exchange/resources/${d.id}/retire`, { reason: '并入城市管理目录' }));
        assert.equal((await ok(mzj.get(q))).total, 0);
        assert.equal((await mzj.post('/api/exchange/requests', { resource: d.identifier, items: ['tag_no'], purpose: '执法', basis: '条例' })).status, 400);
    });

    test('the open part of the catalogue as DCAT (JSON-LD): the context declares every prefix used', async () => {
        const r = await new Client(t).get('/api/exchange/dcat');
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type'), /^application\/ld\+json/);
        const doc = JSON.parse(r.text);
        const ctx = doc['@context'];
        assert.equal(ctx.dcat, 'http://www.w3.org/ns/dcat#');
        assert.equal(ctx.dct, 'http://purl.org/dc/terms/');
        assert.equal(ctx.foaf, 'http://xmlns.com/foaf/0.1/');
        assert.equal(doc['@type'], 'dcat:Catalog');
        // every compact IRI (prefix:name) in keys and @type values has its prefix in the context
        const used = new Set();
        (function walk(v) {
            if (Array.isArray(v)) return v.forEach(walk);
            if (v && typeof v === 'object')
                for (const [k, x] of Object.entries(v)) {
                    if (k === '@context') continue;
                    if (!k.startsWith('@')) used.add(k.split(':')[0]), assert.match(k, /^[a-z]+:[A-Za-z]+$/, k);
                    if (k === '@type') used.add(x.split(':')[0]);
                    walk(x);
                }
        })(doc);
        for (const p of used) assert.ok(ctx[p], `prefix ${p} in the context`);
        // DCAT-AP's minimum: the catalog's title, description, publisher; each dataset's title, description, distribution's accessURL
        for (const k of ['dct:title', 'dct:description', 'dct:publisher', 'dcat:dataset']) assert.ok(doc[k], k);
        const titles = doc['dcat:dataset'].map((d) => d['dct:title']['@value']);
        assert.deepEqual(titles.sort(), ['地方法规信息', '宏观经济信息', '社会信用信息', '社会组织信息', '社区信息', '行政区划信息'].sort());
        for (const d of doc['dcat:dataset']) {
            assert.equal(d['@type'], 'dcat:Dataset');
            assert.ok(d['dct:description']['@value']);
            assert.ok(d['dcat:distribution'][0]['dcat:accessURL']['@id']);
            assert.ok(Array.isArray(d['dcat:keyword']));
        }
    });

    test('a request is checked, answered and granted; refusals state reasons; the application key is shown once', async () => {
        const bad = await mzj.post('/api/exchange/requests', { resource: POP, items: ['name', 'shoe_size'], purpose: '核对', basis: '办法' });
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error.field, 'items');
        const none = await mzj.post('/api/exchange/requests', { resource: VEHICLES, items: ['plate'], purpose: '核对', basis: '办法' });
        assert.equal(none.status, 409);
        assert.equal((await mzj.post('/api/exchange/requests', { resource: POP, items: ['name'], purpose: '核对' })).status, 400);
        const q = await ok(mzj.post('/api/exchange/requests', { resource: POP, items: ['name', 'sex'], purpose: '低保核对', basis: '《社会救助暂行办法》' }), 201);
        assert.equal(q.state, 'checking');
        assert.equal(q.check_due, '2026-11-04'); // 2 working days from Monday
        assert.equal((await gaj.post(`/api/exchange/requests/${q.number}/pass`, {})).status, 403);
        assert.equal((await gajHead.post(`/api/exchange/requests/${q.number}/approve`, {})).status, 409, 'not yet answering');
        const p = await ok(xxzx.post(`/api/exchange/requests/${q.number}/pass`, { note: '符合最小必要原则' }));
        assert.equal(p.state, 'answering');
        assert.equal(p.answer_due, '2026-11-16'); // 10 working days
        assert.equal((await mzjHead.post(`/api/exchange/requests/${q.number}/approve`, {})).status, 403, 'the consumer cannot answer');
        const noReason = await gajHead.post(`/api/exchange/requests/${q.number}/deny`, {});
        assert.equal(noReason.status, 400);
        assert.equal(noReason.json.error.field, 'reason');
        const d = await ok(gajHead.post(`/api/exchange/requests/${q.number}/deny`, { reason: '申请的数据项超出核对所需' }));
        assert.equal(d.state, 'refused');
        assert.equal(d.reason, '申请的数据项超出核对所需');
        assert.equal(d.grant_id, null);
        // compliance refused
        const q2 = await ok(mzj.post('/api/exchange/requests', { resource: POP, items: PERSON_ITEMS, purpose: '全量比对', basis: '无' }), 201);
        assert.equal((await xxzx.post(`/api/exchange/requests/${q2.number}/reject`, {})).status, 400);
        assert.equal((await ok(xxzx.post(`/api/exchange/requests/${q2.number}/reject`, { reason: '不符合最小必要原则' }))).state, 'refused');
        // unconditional: granted at the check
        const { request, key } = await granted(LEGAL, ['uscc', 'name']);
        assert.match(key, /^zg_[0-9a-f]{8}_/);
        const grants = await ok(mzj.get('/api/exchange/grants'));
        const g = grants.items.find((x) => x.id === request.grant_id);
        assert.equal(g.key_prefix, key.slice(3, 11));
        assert.ok(!JSON.stringify(grants).includes(key), 'the key is never shown again');
        assert.deepEqual(g.items, ['uscc', 'name']);
        // the provider sees the grants it gave
        assert.ok((await ok(gaj.get('/api/exchange/grants?side=provider'))).items.every((x) => x.provider === '360300-GA'));
        // the key is issued by the consumer only
        assert.equal((await gajHead.post(`/api/exchange/grants/${request.grant_id}/key`, {})).status, 404);
    });

    test('late answers raise cards on the working-day calendar', async () => {
        await clock('2026-11-09T02:00:00Z'); // Monday
        const q = await ok(mzj.post('/api/exchange/requests', { resource: POP, items: ['name'], purpose: '核对', basis: '办法' }), 201);
        assert.equal(q.check_due, '2026-11-11');
        const cards = async () => (await ok(jiancha.get(`/api/supervision/cases/${q.number}?type=sharing`))).cards.map((c) => c.rule);
        await clock('2026-11-11T15:59:00Z'); // 23:59 of the due day
        await tick();
        assert.deepEqual(await cards(), []);
        await clock('2026-11-11T16:00:01Z'); // the next day began
        await tick();
        assert.deepEqual(await cards(), ['sharing_check_late']);
        await ok(xxzx.post(`/api/exchange/requests/${q.number}/pass`, {}));
        const r = await ok(mzj.get(`/api/exchange/requests/${q.number}`));
        assert.equal(r.answer_due, '2026-11-26'); // 10 working days from 11-12
        await clock('2026-11-26T15:59:00Z');
        await tick();
        assert.deepEqual(await cards(), ['sharing_check_late']);
        await clock('2026-11-26T16:00:01Z');
        await tick();
        assert.deepEqual((await cards()).sort(), ['sharing_answer_late', 'sharing_check_late']);
    });

    test('the exchange answers only granted items (fuzzed), with the person and the case it serves', async () => {
        const rnd = prng(17);
        const subset = (all) => {
            const s = all.filter(() => rnd() < 0.4);
            return s.length ? s : [all[Math.floor(rnd() * all.length)]];
        };
        const uscc = sql(dir, 'SELECT uscc FROM ex_legal_persons ORDER BY uscc LIMIT 1');
        const legalName = sql(dir, `SELECT name FROM ex_legal_persons WHERE uscc = '${uscc}'`);
        for (let i = 0; i < 10; i++) {
            const legal = i % 2 === 1;
            const all = legal ? LEGAL_ITEMS : PERSON_ITEMS;
            const items = subset(all);
            const { key } = await granted(legal ? LEGAL : POP, items);
            const ds = legal ? 'legal_persons' : PERSONS;
            const one = await call(key, `/api/exchange/data/${ds}/${legal ? uscc : ZHANGSAN}?user=${encodeURIComponent('民政局 赵丽')}&issue=MZ-2026-${i}`);
            assert.equal(one.status, 200, one.text);
            assert.deepEqual(Object.keys(one.json.record).sort(), [...items].sort(), `granted ${items}`);
            for (const k of Object.keys(one.json.record)) assert.ok(items.includes(k));
            const many = await call(key, `/api/exchange/data/${ds}?name=${encodeURIComponent(legal ? legalName : '张三')}&user=u1&issue=MZ-Q-${i}`);
            assert.equal(many.status, 200, many.text);
            assert.ok(many.json.records.length >= 1);
            for (const rec of many.json.records) assert.deepEqual(Object.keys(rec).sort(), [...items].sort());
            if (items.includes('name')) assert.equal(one.json.record.name, legal ? legalName : '张三');
        }
    });

    test('a call must carry its grant key, its person and its case; the key is the consumer’s; rate limited per grant', async () => {
        const { key, request } = await granted(POP, ['name']);
        const p = (q) => `/api/exchange/data/persons/${ZHANGSAN}${q}`;
        assert.equal((await sys.get(p('?user=a&issue=b'))).status, 403, 'no grant key');
        assert.equal((await call('zg_00000000_nothing', p('?user=a&issue=b'))).status, 403);
        const noIssue = await call(key, p('?user=a'));
        assert.equal(noIssue.status, 400);
        assert.equal(noIssue.json.error.field, 'issue');
        assert.equal((await call(key, p('?issue=b'))).json.error.field, 'user');
        assert.equal((await call(key, p('?user=a&issue=b'), otherSys)).status, 403, "another department's system");
        assert.equal((await call(key, '/api/exchange/data/legal_persons/91360300MA00000000?user=a&issue=b')).status, 403, 'not the granted dataset');
        assert.equal((await call(key, '/api/exchange/data/persons/360302190001010000?user=a&issue=b')).status, 404);
        assert.equal((await mzj.get(p('?user=a&issue=b'), { headers: { 'X-Grant-Key': key } })).status, 403, 'a person, not a system');
        // 40 calls a minute (the server's exchange.rate_per_minute); the refusals above were not answered and do not count
        let last;
        for (let i = 0; i < 45 && (!last || last.status === 200); i++) last = await call(key, p(`?user=a&issue=R-${i}`));
        assert.equal(last.status, 429);
        assert.ok(Number(last.headers.get('retry-after')) >= 1);
        // another grant has its own budget
        const other = await granted(POP, ['sex']);
        assert.equal((await call(other.key, p('?user=a&issue=x'))).status, 200);
        // the minute after: calls again
        await clock(new Date(Date.parse((await ok(admin.get('/api/clock'))).now) + 61000).toISOString());
        assert.equal((await call(key, p('?user=a&issue=again'))).status, 200);
        assert.ok(request.grant_id);
    });

    test('every call is logged (the provider sees who used its data, for which case) and ledgered; the citizen sees who read his record', async () => {
        const { key, request } = await granted(POP, ['name', 'birth_date']);
        const r = await call(key, `/api/exchange/data/persons/${ZHANGSAN}?user=${encodeURIComponent('赵丽')}&issue=MZ-DB-2026-0042`);
        assert.equal(r.status, 200);
        const refused = await call(key, `/api/exchange/data/persons/${ZHANGSAN}?user=x`);
        assert.equal(refused.status, 400);
        const log = await ok(gaj.get(`/api/exchange/calls?side=provider&grant=${request.grant_id}`));
        const okCall = log.items.find((c) => c.issue === 'MZ-DB-2026-0042');
        assert.equal(okCall.consumer, '360300-MZ');
        assert.equal(okCall.user, '赵丽');
        assert.equal(okCall.subject, ZHANGSAN);
        assert.equal(okCall.status, 200);
        assert.equal(okCall.rows, 1);
        assert.equal(okCall.response_size, r.bytes.length);
        assert.ok(okCall.response_out_ms >= okCall.request_in_ms);
        const bad = log.items.find((c) => c.status === 400);
        assert.equal(bad.fault_code, 'no_issue');
        // X-Road's summary per service over 600 s: the provider's services only
        const stats = await ok(gaj.get('/api/exchange/stats?window=600'));
        assert.ok(stats.items.every((x) => x.provider === '360300-GA'));
        const pop = stats.items.find((x) => x.identifier === POP);
        assert.ok(pop.calls >= 2 && pop.succeeded >= 1 && pop.failed >= 1);
        assert.equal(pop.calls, pop.succeeded + pop.failed);
        assert.ok(pop.last_success_at && pop.last_failure_at);
        assert.ok(pop.response_size.min <= pop.response_size.avg && pop.response_size.avg <= pop.response_size.max);
        assert.ok(pop.duration_ms.stddev >= 0);
        assert.equal((await gaj.get('/api/exchange/stats?window=5')).status, 400);
        // another department's staff do not see the provider's log
        assert.ok((await ok(mzj.get('/api/exchange/calls?side=provider'))).items.every((c) => c.grant === null || c.consumer !== '360300-MZ' || false));
        // in the ledger
        const entries = await ok(admin.get(`/api/ledger/entries?subject=${encodeURIComponent(`exchange_call/${okCall.id}`)}`));
        assert.equal(entries.items.length, 1);
        assert.equal(entries.items[0].event.kind, 'exchange.call');
        assert.equal(entries.items[0].event.payload.issue, 'MZ-DB-2026-0042');
        // the citizen: who read his record and why, without the staff member's name
        const mine = await ok(zhangsan.get('/api/exchange/my-reads?per_page=100'));
        const seen = mine.items.find((c) => c.issue === 'MZ-DB-2026-0042');
        assert.equal(seen.consumer_name, '萍乡市民政局');
        assert.equal(seen.purpose, '最低生活保障资格核对');
        assert.deepEqual(seen.items, ['name', 'birth_date']);
        assert.equal(seen.user, undefined);
        assert.ok(mine.items.every((c) => c.status === 200));
        // and the ledger entry is his to read
        const his = await ok(zhangsan.get(`/api/ledger/entries?subject=${encodeURIComponent(`exchange_call/${okCall.id}`)}`));
        assert.equal(his.items.length, 1);
    });

    test('a grant used after its expiry is refused and carded', async () => {
        const { key, request } = await granted(POP, ['name'], { valid_days: 1 });
        const p = `/api/exchange/data/persons/${ZHANGSAN}?user=a&issue=EXP-1`;
        assert.equal((await call(key, p)).status, 200);
        const now = Date.parse((await ok(admin.get('/api/clock'))).now);
        await clock(new Date(now + 86400000 - 60000).toISOString());
        assert.equal((await call(key, p)).status, 200, 'just inside');
        await clock(new Date(now + 86400000 + 1000).toISOString());
        const r = await call(key, p);
        assert.equal(r.status, 403);
        assert.match(r.json.error.message, /过期/);
        await tick();
        const view = await ok(jiancha.get(`/api/supervision/cases/${request.number}?type=sharing`));
        const card = view.cards.find((c) => c.rule === 'sharing_expired_use');
        assert.ok(card, JSON.stringify(view.cards));
        // the grant's use is the consumer's: its department is answerable
        assert.equal((await ok(jiancha.get(`/api/supervision/cards/${card.id}`))).department.code, '360300-MZ');
        const log = await ok(gaj.get(`/api/exchange/calls?grant=${request.grant_id}`));
        assert.equal(log.items[0].fault_code, 'grant_expired');
    });

    const cardsOf = async (number) => {
        await ok(xxzx.get('/api/exchange/calls?per_page=1')); // the usage views write the queued calls first
        await tick();
        return (await ok(jiancha.get(`/api/supervision/cases/${number}?type=sharing`))).cards.map((c) => c.rule);
    };

    test('alert: a call outside the grant’s hours, just inside and just outside', async () => {
        const bad = await mzj.post('/api/exchange/requests', { resource: POP, items: ['name'], purpose: '核对', basis: '办法', hours: '25:00-26:00' });
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error.field, 'hours');
        await clock('2026-11-30T02:00:00Z'); // Monday 10:00
        const { key, request } = await granted(POP, ['name'], { hours: '08:00-20:00' });
        const g = (await ok(mzj.get('/api/exchange/grants?per_page=100'))).items.find((x) => x.id === request.grant_id);
        assert.equal(g.hours, '08:00-20:00');
        const p = (i) => `/api/exchange/data/persons/${ZHANGSAN}?user=a&issue=H-${i}`;
        await clock('2026-11-30T11:59:30Z'); // 19:59:30
        assert.equal((await call(key, p(1))).status, 200);
        assert.ok(!(await cardsOf(request.number)).includes('sharing_off_hours'), 'inside the hours');
        await clock('2026-11-30T12:00:30Z'); // 20:00:30
        assert.equal((await call(key, p(2))).status, 200);
        assert.ok((await cardsOf(request.number)).includes('sharing_off_hours'), 'outside the hours');
    });

    test('alert: a grant’s volume against its own baseline, just inside and just outside', async () => {
        await clock('2026-12-01T02:00:00Z'); // Tuesday 10:00
        const { key, request } = await granted(LEGAL, ['name']);
        const uscc = sql(dir, 'SELECT uscc FROM ex_legal_persons ORDER BY uscc LIMIT 1');
        const p = (i) => `/api/exchange/data/legal_persons/${uscc}?user=a&issue=V-${i}`;
        for (let i = 0; i < 10; i++) assert.equal((await call(key, p(i))).status, 200);
        assert.ok(!(await cardsOf(request.number)).includes('sharing_volume'), '10 calls: below the minimum');
        // the next hour: baseline (10 + 0) / 2 = 5, so more than 15 and at least 20 calls are abnormal
        await clock('2026-12-01T03:00:00Z');
        for (let i = 0; i < 19; i++) assert.equal((await call(key, p(100 + i))).status, 200);
        assert.ok(!(await cardsOf(request.number)).includes('sharing_volume'), '19 calls: inside');
        assert.equal((await call(key, p(200))).status, 200);
        const cards = await cardsOf(request.number);
        assert.ok(cards.includes('sharing_volume'), `20 calls: outside (${cards})`);
        const view = await ok(jiancha.get(`/api/supervision/cases/${request.number}?type=sharing`));
        assert.match(JSON.stringify(view.cards.find((c) => c.rule === 'sharing_volume')), /20 次/);
    });

    test('alert: a mass change of a base database (more than 10 % of its rows in an hour), just inside and just outside', async () => {
        const changes = (client, body) => client.post('/api/exchange/data/persons/changes', body);
        assert.equal((await changes(sys, { upsert: [], delete: [] })).status, 403, 'only the provider (公安局) maintains it');
        const bad = await changes(otherSys, { upsert: [{ id_number: '360302199001010000' }] });
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error.field, 'upsert');
        const rows = Number(sql(dir, 'SELECT count(*) FROM ex_persons'));
        const limit = Math.floor(rows / 10); // 10 % of the rows at the window's start may change
        const cols = PERSON_ITEMS.map((c) => `'${c}', ${c}`).join(', ');
        const recs = JSON.parse(sql(dir, `SELECT json_group_array(json_object(${cols})) FROM (SELECT * FROM ex_persons WHERE id_number <> '${ZHANGSAN}' ORDER BY id_number LIMIT ${limit + 1})`));
        const upsert = recs.slice(0, limit).map((r) => ({ ...r, address: `${r.address}（已更新）` }));
        const inside = await ok(changes(otherSys, { upsert }));
        assert.equal(inside.updated, limit);
        assert.equal(inside.alert, null, `${limit} of ${rows} rows: inside`);
        // a new person is no change of an existing row
        const added = await ok(changes(otherSys, { upsert: [{ ...recs[0], id_number: withCheck('36030220261201001'), name: '新生儿' }] }));
        assert.equal(added.inserted, 1);
        assert.equal(added.alert, null);
        const outside = await ok(changes(otherSys, { delete: [recs[limit].id_number] }));
        assert.equal(outside.deleted, 1);
        assert.match(outside.alert, /^SJBG-\d{6}$/, 'one more: outside');
        const view = await ok(jiancha.get(`/api/supervision/cases/${outside.alert}?type=dataset_change`));
        assert.deepEqual(view.cards.map((c) => c.rule), ['dataset_mass_change']);
        // one alert while it is open; the data office closes it after checking
        assert.equal((await ok(changes(otherSys, { delete: [recs[limit - 1].id_number] }))).alert, null);
        assert.equal((await gaj.post(`/api/exchange/alerts/${outside.alert}/close`, { note: '核实' })).status, 403);
        const closed = await ok(xxzx.post(`/api/exchange/alerts/${outside.alert}/close`, { note: '系统升级批量校正地址，已核实' }));
        assert.equal(closed.state, 'closed');
        assert.deepEqual(closed.events.map((e) => e.action), ['alert', 'close']);
        assert.ok((await ok(gaj.get('/api/exchange/alerts'))).items.some((a) => a.number === outside.alert), 'the provider sees its alerts');
        assert.equal((await ok(mzj.get('/api/exchange/alerts'))).total, 0, 'other departments do not');
    });
});


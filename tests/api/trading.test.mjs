// trading.test.mjs - public resource trading (公共资源交易, issue #10) over
// HTTP on the fake clock: projects of the four types, the law's dates at
// publication (each rule one day inside and one day outside), enterprises'
// registration with the deposit cap, sealed bids encrypted exactly as the
// browser does (WebCrypto AES-256-GCM) whose stored bytes the server cannot
// read before the opening, a late bid, the opening (< 3 bids fails), the
// decryption window, the committee rule, scores and the report, publicity,
// an objection pausing the process, award, contract; the trading
// supervision kind's cards; OCDS 1.1 releases and records validated
// against the official schemas with the bids extension (../shared/ocds/).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { Client, REPO, as, startServer } from './lib/server.mjs';
import { LONG, ok } from './lib/cases.mjs';

const { subtle } = webcrypto;
const PASSWORD = 'Demo2026pass';
const OCDS = path.join(REPO, '../shared/ocds');

// GB 32100 credit codes (the check characters computed)
const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function orgCheck(s8) {
    const w = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(s8[i]) * w[i];
    const c = 11 - (sum % 11);
    return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}
function creditCode(org8) {
    const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    const s = `91360300${org8}${orgCheck(org8)}`;
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += USCC.indexOf(s[i]) * w[i];
    return s + USCC[(31 - (sum % 31)) % 31];
}

const b64 = (u8) => Buffer.from(u8).toString('base64');
const hex = (u8) => Buffer.from(u8).toString('hex');

/** A bid sealed as the browser seals it: a fresh AES-256-GCM key (the
 * bidder's key file), a 12-byte IV, the ciphertext with its tag, its SHA-256. */
async function seal(price, device = 'dev-' + Math.random().toString(36).slice(2)) {
    const key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
    const iv = webcrypto.getRandomValues(new Uint8Array(12));
    const plain = new TextEncoder().encode(JSON.stringify({ price, note: `报价 ${price} 分，工期 180 天` }));
    const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, key, plain));
    const sha = hex(new Uint8Array(await subtle.digest('SHA-256', ct)));
    const raw = new Uint8Array(await subtle.exportKey('raw', key));
    return { body: { ciphertext: b64(ct), iv: b64(iv), sha256: sha, device }, key: b64(raw), ct, plain };
}

describe('public resource trading (公共资源交易)', () => {
    let srv, admin, jyzx, jiancha, anon;
    const ent = []; // enterprises: clients
    const clock = (now) => ok(admin.put('/api/admin/clock', { now }));
    const act = (n, action, body = {}) => jyzx.post(`/api/trading/projects/${n}/actions/${action}`, body);
    const rules = async (n) => (await ok(jiancha.get(`/api/supervision/cards?subject=${n}&limit=100`))).items.map((c) => c.rule.id).sort();
    const project = async (body) => ok(jyzx.post('/api/trading/projects', body), 201);
    const ENG = {
        type: 'engineering', method: '公开招标', title: '萍乡市安源区道路改造工程施工', department: '360300-GA',
        budget: 1_000_000_000, legal_basis: '《中华人民共和国招标投标法》', deposit: 20_000_000,
        lots: [{ title: '一标段', budget: 600_000_000 }, { title: '二标段', budget: 400_000_000 }],
        criteria: [{ name: '价格', weight: 50 }, { name: '技术', weight: 30 }, { name: '商务', weight: 20 }],
    };

    before(async () => {
        srv = await startServer({ args: LONG });
        admin = await as(srv, 'admin');
        await clock('2026-03-02T09:00:00+08:00');
        jyzx = await as(srv, 'jyzx');
        jiancha = await as(srv, 'jiancha');
        anon = new Client(srv);
        const names = ['萍乡市赣西建设工程有限公司', '江西安源路桥集团有限公司', '萍乡市湘东建筑工程有限公司', '萍乡市芦溪市政工程有限公司'];
        for (let i = 0; i < names.length; i++) {
            const login = `qiye${i + 1}`;
            await ok(anon.post('/api/auth/register', {
                type: 'enterprise', login, name: names[i], password: PASSWORD, credit_code: creditCode(String(31415920 + i * 7)),
            }), 201);
            ent.push(await as(srv, login));
        }
    });
    after(() => srv?.stop());

    test('a project: the types and methods, the deposit cap, and who may register it', async () => {
        let r = await jyzx.post('/api/trading/projects', { ...ENG, type: 'mining' });
        assert.equal(r.status, 400);
        assert.equal(r.json.error.field, 'type');
        r = await jyzx.post('/api/trading/projects', { ...ENG, method: '竞争性谈判' });
        assert.equal(r.status, 400);
        assert.equal(r.json.error.field, 'method');
        r = await jyzx.post('/api/trading/projects', { ...ENG, deposit: 20_000_001 });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json.error.field, 'deposit');
        r = await ent[0].post('/api/trading/projects', ENG);
        assert.equal(r.status, 403);
        const p = await project(ENG);
        assert.equal(p.state, 'draft');
        assert.equal(p.type_label, '工程招标');
        assert.equal(p.lots.length, 2);
        // a draft is not public
        assert.equal((await anon.get(`/api/trading/projects/${p.number}`)).status, 404);
    });

    test('publication dates: sale ≥ 5 days, documents → deadline ≥ 20 days (one day inside and outside)', async () => {
        const p = await project(ENG);
        let r = await act(p.number, 'publish', { docs_from: '2026-03-02', docs_to: '2026-03-05', deadline: '2026-03-22T09:30:00+08:00' });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json.error.field, 'docs_to');
        assert.match(r.json.error.message, /5 日/);
        r = await act(p.number, 'publish', { docs_from: '2026-03-02', docs_to: '2026-03-06', deadline: '2026-03-21T09:30:00+08:00' });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json.error.field, 'deadline');
        assert.match(r.text, /2026-03-22/);
        const pub = await ok(act(p.number, 'publish', { docs_from: '2026-03-02', docs_to: '2026-03-06', deadline: '2026-03-22T09:30:00+08:00' }));
        assert.equal(pub.state, 'announced');
        const list = await ok(anon.get('/api/trading/projects?type=engineering&q=道路'));
        assert.ok(list.items.some((x) => x.number === p.number));
    });

    test('negotiation ≥ 3 working days, land ≥ 20 days, property rights ≥ 20 working days', async () => {
        const neg = await project({ ...ENG, type: 'procurement', method: '竞争性谈判', title: '办公设备采购', budget: 50_000_000, deposit: 0, lots: [] });
        let r = await act(neg.number, 'publish', { docs_from: '2026-03-02', docs_to: '2026-03-03', deadline: '2026-03-04T09:00:00+08:00' });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json.error.field, 'deadline');
        await ok(act(neg.number, 'publish', { docs_from: '2026-03-02', docs_to: '2026-03-03', deadline: '2026-03-05T09:00:00+08:00' }));

        const land = await project({ type: 'land', method: '挂牌', title: '安源区 2026-05 号地块国有建设用地使用权', department: '360300-GA', budget: 3_000_000_000, legal_basis: '国土资源部令第39号' });
        assert.equal(land.eval_method, '价高者得');
        r = await act(land.number, 'publish', { docs_from: '2026-03-02', docs_to: '2026-03-20', deadline: '2026-03-21T10:00:00+08:00' });
        assert.equal(r.status, 400, r.text);
        await ok(act(land.number, 'publish', { docs_from: '2026-03-02', docs_to: '2026-03-20', deadline: '2026-03-22T10:00:00+08:00' }));

        const prop = await project({ type: 'property', method: '挂牌', title: '市属国有企业 30% 股权转让', department: '360300-GA', budget: 80_000_000, legal_basis: '国务院国资委 财政部令第32号' });
        r = await act(prop.number, 'publish', { docs_from: '2026-03-02', docs_to: '2026-03-27', deadline: '2026-03-27T10:00:00+08:00' });
        assert.equal(r.status, 400, r.text);
        assert.match(r.text, /20 个工作日/);
        await ok(act(prop.number, 'publish', { docs_from: '2026-03-02', docs_to: '2026-03-27', deadline: '2026-03-30T10:00:00+08:00' }));
    });

    test('the whole tender: sealed bids, opening, committee, report, publicity, objection, award, contract, OCDS', async () => {
        await clock('2026-03-02T09:00:00+08:00');
        const p = await project(ENG);
        const n = p.number;
        await ok(act(n, 'publish', { docs_from: '2026-03-02', docs_to: '2026-03-06', deadline: '2026-03-22T09:30:00+08:00', notice: '招标公告' }));

        // registration: the deposit ≤ 2 % of the budget, named
        let r = await ent[0].post(`/api/trading/projects/${n}/registration`, { deposit: 20_000_001 });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json.error.field, 'deposit');
        // two of them pay the deposit from one account (a collusion sign)
        const accounts = ['6222021500001234', '6222021500001234', '6217002900005678', ''];
        for (let i = 0; i < 4; i++)
            await ok(ent[i].post(`/api/trading/projects/${n}/registration`, { deposit: 20_000_000, deposit_account: accounts[i] }), 201);
        r = await ent[0].post(`/api/trading/projects/${n}/registration`, { deposit: 20_000_000 });
        assert.equal(r.status, 409);

        // a question answered to all, the asker never shown
        const q = await ok(ent[1].post(`/api/trading/projects/${n}/questions`, { question: '二标段是否允许联合体投标？' }), 201);
        await ok(jyzx.post(`/api/trading/questions/${q.id}/answer`, { answer: '不接受联合体投标。' }));
        let pub = await ok(anon.get(`/api/trading/projects/${n}`));
        assert.deepEqual(Object.keys(pub.questions[0]).sort(), ['answer', 'answered_at', 'asked_at', 'id', 'question']);
        assert.equal(pub.questions[0].answer, '不接受联合体投标。');

        // a clarification 15 days before the deadline keeps it; 14 days moves it
        await clock('2026-03-07T10:00:00+08:00');
        let am = await ok(act(n, 'amend', { text: '工程量清单第 3 项更正' }));
        assert.equal(am.deadline_moved, false);
        await clock('2026-03-08T10:00:00+08:00');
        am = await ok(act(n, 'amend', { text: '技术规范补充' }));
        assert.equal(am.deadline_moved, true);
        assert.equal(am.deadline, '2026-03-23T09:30:00+08:00');

        r = await ent[3].put(`/api/trading/projects/${n}/bid`, { ...(await seal(5)).body, sha256: '0'.repeat(64) });
        assert.equal(r.status, 400);
        assert.equal(r.json.error.field, 'sha256');
        // sealed bids; one enterprise's device shared with another (a collusion sign)
        const bids = [await seal(950_000_000, 'fp-A'), await seal(962_000_000, 'fp-B'), await seal(987_000_000, 'fp-A'), await seal(1_001_000_000, 'fp-D')];
        for (let i = 0; i < 4; i++) {
            const s = await ok(ent[i].put(`/api/trading/projects/${n}/bid`, bids[i].body));
            assert.equal(s.sha256, bids[i].body.sha256);
        }

        // the server cannot read a bid before the opening: it holds the
        // ciphertext the browser made (no plaintext, no price) and its hash
        const db = path.join(srv.dir, 'zhengtong.db');
        const rows = JSON.parse(execFileSync('sqlite3', ['-json', db,
            `SELECT b.number, hex(b.ciphertext) AS ct, hex(b.iv) AS iv, b.sha256, b.price, b.content FROM trade_bids b JOIN trade_projects p ON p.id = b.project_id WHERE p.number = '${n}' AND b.state = 'submitted' ORDER BY b.id`], { encoding: 'utf8' }));
        assert.equal(rows.length, 4);
        for (let i = 0; i < 4; i++) {
            const stored = Buffer.from(rows[i].ct, 'hex');
            assert.ok(stored.equals(Buffer.from(bids[i].ct)));
            assert.equal(stored.indexOf(Buffer.from(bids[i].plain)), -1);
            assert.equal(stored.indexOf(Buffer.from(String(950_000_000 + i))), -1);
            assert.equal(rows[i].price, null);
            assert.equal(rows[i].content, null);
        }
        const dump = execFileSync('sqlite3', [db, '.dump'], { encoding: 'latin1' });
        assert.ok(!dump.includes('工期 180 天') && !dump.includes(Buffer.from('工期 180 天').toString('latin1')));
        // nor does the centre learn the bidders before the opening
        assert.equal((await jyzx.get(`/api/trading/projects/${n}/bids`)).status, 409);

        // opening before the deadline: refused; a bid after it: 409 with the deadline
        assert.equal((await act(n, 'open')).status, 409);
        await clock('2026-03-23T09:30:00+08:00');
        r = await ent[3].put(`/api/trading/projects/${n}/bid`, (await seal(999_000_000)).body);
        assert.equal(r.status, 409);
        assert.match(r.text, /2026-03-23T09:30:00\+08:00/);
        const opened = await ok(act(n, 'open'));
        assert.equal(opened.state, 'opened');
        assert.equal(opened.unlock_until, '2026-03-23T10:00:00+08:00');

        // the opening hall, live: the steps so far and the decryption's progress
        const live = await hall(srv, ent[1], `/api/trading/projects/${n}/hall`);
        assert.equal(live.status, 200);
        await live.waitFor((evs) => evs.some((e) => e.event === 'step' && e.data.action === 'open'), 'the opening step');
        await live.waitFor((evs) => evs.some((e) => e.event === 'unlock' && e.data.unlocked === 0 && e.data.submitted === 4), 'none unlocked of 4');

        // unlocking: a wrong key, the right ones; one bidder lets the window pass
        r = await ent[0].post(`/api/trading/projects/${n}/bid/unlock`, { key: bids[1].key });
        assert.equal(r.status, 400);
        assert.equal(r.json.error.field, 'key');
        assert.equal((await ok(ent[0].post(`/api/trading/projects/${n}/bid/unlock`, { key: bids[0].key }))).price, 950_000_000);
        await ok(ent[1].post(`/api/trading/projects/${n}/bid/unlock`, { key: bids[1].key }));
        assert.equal((await act(n, 'seal_opening')).status, 409);
        await clock('2026-03-23T10:00:00+08:00');
        assert.equal((await ok(ent[2].post(`/api/trading/projects/${n}/bid/unlock`, { key: bids[2].key }))).price, 987_000_000);
        await clock('2026-03-23T10:00:01+08:00');
        r = await ent[3].post(`/api/trading/projects/${n}/bid/unlock`, { key: bids[3].key });
        assert.equal(r.status, 409, r.text);
        assert.equal(r.json.error.field, 'unlock_until');
        await live.waitFor((evs) => evs.some((e) => e.event === 'unlock' && e.data.unlocked === 3), '3 unlocked of 4');
        const sealed = await ok(act(n, 'seal_opening'));
        await live.waitFor((evs) => evs.some((e) => e.event === 'step' && e.data.action === 'seal_opening' && e.data.to === 'evaluating'), 'the end of decryption');
        assert.ok(live.events.every((e) => !JSON.stringify(e.data).includes('950000000'))); // no bid in the stream
        live.close();
        assert.equal(sealed.state, 'evaluating');
        pub = await ok(anon.get(`/api/trading/projects/${n}`));
        assert.equal(pub.opening.length, 4);
        assert.deepEqual(pub.opening.map((b) => b.price), [950_000_000, 962_000_000, 987_000_000, null]);
        assert.deepEqual(pub.opening.map((b) => b.state), ['unlocked', 'unlocked', 'unlocked', 'invalid']);
        assert.ok(pub.opening.every((b) => /^[0-9a-f]{64}$/.test(b.sha256)));
        const ev = await ok(jiancha.get(`/api/trading/projects/${n}/bids`));
        assert.equal(ev.items.filter((b) => b.device === 'fp-A').length, 2);
        // collusion at the opening: the shared device is a card with its
        // evidence; the loopback address (the centre's own terminals) and
        // these prices are not
        const dev = (await ok(jiancha.get(`/api/supervision/cards?subject=${n}`))).items;
        assert.deepEqual(dev.map((c) => c.rule.id).sort(), ['tender_same_account', 'tender_same_device']);
        const card = await ok(jiancha.get(`/api/supervision/cards/${dev.find((c) => c.rule.id === 'tender_same_device').id}`));
        assert.match(JSON.stringify(card), /fp-A/);

        // the committee: ≥ 5, odd, experts ≥ 2/3
        const E = ['E1001', 'E1002', 'E1003', 'E1004'];
        r = await jyzx.put(`/api/trading/projects/${n}/committee`, { experts: E, representatives: [] });
        assert.equal(r.status, 400);
        assert.match(r.text, /不得少于 5 人/);
        r = await jyzx.put(`/api/trading/projects/${n}/committee`, { experts: [...E, 'E1005'], representatives: ['业主代表甲'] });
        assert.equal(r.status, 400);
        assert.match(r.text, /单数/);
        r = await jyzx.put(`/api/trading/projects/${n}/committee`, { experts: E.slice(0, 3), representatives: ['业主代表甲', '业主代表乙'] });
        assert.equal(r.status, 400);
        assert.match(r.text, /三分之二/);
        await ok(jyzx.put(`/api/trading/projects/${n}/committee`, { experts: E, representatives: ['业主代表甲'] }));
        // the committee's names are secret until the award
        assert.equal((await ok(anon.get(`/api/trading/projects/${n}`))).committee, null);

        // each member's scores; the report needs them all
        const numbers = pub.opening.map((b) => b.bid);
        r = await jyzx.post(`/api/trading/projects/${n}/scores`, { member: 'E9999', bid: numbers[0], scores: { 价格: 90, 技术: 80, 商务: 80 } });
        assert.equal(r.status, 400);
        assert.equal(r.json.error.field, 'member');
        const members = [...E, '业主代表甲'];
        const marks = [[95, 80, 80], [90, 92, 90], [80, 70, 70]];
        for (const m of members.slice(0, 4))
            for (let i = 0; i < 3; i++)
                await ok(jyzx.post(`/api/trading/projects/${n}/scores`, { member: m, bid: numbers[i], scores: { 价格: marks[i][0], 技术: marks[i][1], 商务: marks[i][2] } }));
        r = await act(n, 'report');
        assert.equal(r.status, 409);
        assert.equal(r.json.error.field, 'scores');
        for (let i = 0; i < 3; i++)
            await ok(jyzx.post(`/api/trading/projects/${n}/scores`, { member: members[4], bid: numbers[i], scores: { 价格: marks[i][0], 技术: marks[i][1], 商务: marks[i][2] } }));
        const rep = await ok(act(n, 'report', { note: '推荐前三名' }));
        assert.deepEqual(rep.candidates.map((c) => c.bid), [numbers[1], numbers[0], numbers[2]]);
        assert.equal(rep.candidates[0].score, 90.6);

        // publicity ≥ 3 days, the first not counted; an objection pauses it
        await clock('2026-03-24T09:00:00+08:00');
        const pz = await ok(act(n, 'publicize'));
        assert.equal(pz.publicity_to, '2026-03-28T00:00:00+08:00');
        const obj = await ok(ent[0].post(`/api/trading/projects/${n}/objections`, { text: '第一候选人项目经理有在建工程' }), 201);
        assert.equal(obj.state, 'paused');
        r = await ent[3].post(`/api/trading/projects/${n}/objections`, { text: 'x' });
        assert.equal(r.status, 409); // paused already: no second step from here
        await clock('2026-03-27T23:00:00+08:00');
        r = await act(n, 'award');
        assert.equal(r.status, 409);
        assert.equal((await ok(jyzx.post(`/api/trading/objections/${obj.id}/answer`, { answer: '经核查，该项目经理无在建工程，异议不成立。' }))).state, 'publicized');
        r = await act(n, 'award');
        assert.equal(r.status, 409, r.text);
        assert.equal(r.json.error.field, 'publicity_to');
        await clock('2026-03-28T09:00:00+08:00');
        r = await act(n, 'award', { bid: numbers[0] });
        assert.equal(r.status, 400);
        assert.equal(r.json.error.field, 'reason');
        const aw = await ok(act(n, 'award'));
        assert.equal(aw.state, 'awarded');
        assert.deepEqual(aw.committee.experts, E);

        r = await act(n, 'contract', { amount: 962_000_000, signed_on: '2026-03-29' });
        assert.equal(r.status, 400);
        assert.equal(r.json.error.field, 'signed_on');
        assert.equal((await ok(act(n, 'contract', { amount: 962_000_000, signed_on: '2026-03-28' }))).state, 'contracted');
        // publicity the day after the report, the objection answered in 3
        // days, the contract the day of the award: no time card
        assert.deepEqual(await rules(n), ['tender_same_account', 'tender_same_device']);

        // OCDS 1.1: the releases and the record validate with the bids extension
        const rel = await ok(anon.get(`/api/ocds/releases?number=${n}`));
        assert.deepEqual(rel.releases.map((x) => x.tag[0]), ['planning', 'tender', 'tenderAmendment', 'tenderAmendment', 'tenderUpdate', 'award', 'contract']);
        assert.equal(rel.releases[1].tender.procurementMethod, 'open');
        assert.equal(rel.releases[1].tender.procurementMethodDetails, '公开招标');
        assert.deepEqual(rel.releases[4].bids.details.map((b) => b.status), ['valid', 'valid', 'valid', 'disqualified']);
        validate('release-package-schema.json', rel);
        const ocid = rel.releases[0].ocid;
        assert.equal(ocid, `ocds-pxggzy-${n}`);
        const rec = await ok(anon.get(`/api/ocds/records/${ocid}`));
        validate('record-package-schema.json', rec);
        const comp = rec.records[0].compiledRelease;
        assert.equal(comp.tender.status, 'complete');
        assert.equal(comp.tender.tenderPeriod.endDate, '2026-03-23T09:30:00+08:00');
        assert.equal(comp.awards[0].suppliers[0].name, '江西安源路桥集团有限公司');
        assert.equal(comp.contracts[0].value.amount, 9_620_000);
        assert.deepEqual(comp.parties.map((x) => x.roles.join('+')), ['buyer', 'tenderer', 'tenderer+supplier', 'tenderer', 'tenderer']);
        const all = await ok(anon.get('/api/ocds/releases?limit=100'));
        validate('release-package-schema.json', all);
    });

    test('supervision: publicity late, objection unanswered, contract late, prices in a progression (one day outside)', async () => {
        await clock('2026-05-04T09:00:00+08:00');
        const p = await project({ type: 'land', method: '拍卖', title: '湘东区 2026-09 号地块', department: '360300-GA', budget: 100_000_000, legal_basis: '国土资源部令第39号', deposit: 2_000_000 });
        const n = p.number;
        await ok(act(n, 'publish', { docs_from: '2026-05-04', docs_to: '2026-05-22', deadline: '2026-05-25T10:00:00+08:00' }));
        const keys = [];
        for (let i = 0; i < 3; i++) {
            await ok(ent[i].post(`/api/trading/projects/${n}/registration`, { deposit: 2_000_000 }), 201);
            const s = await seal(100_000_000 + i * 5_000_000, `land-${i}`);
            await ok(ent[i].put(`/api/trading/projects/${n}/bid`, s.body));
            keys.push(s.key);
        }
        await clock('2026-05-25T10:00:00+08:00');
        await ok(act(n, 'open'));
        for (let i = 0; i < 3; i++) await ok(ent[i].post(`/api/trading/projects/${n}/bid/unlock`, { key: keys[i] }));
        await ok(act(n, 'seal_opening'));
        assert.deepEqual(await rules(n), ['tender_price_pattern']);
        // 现场竞价: from the highest sealed price, raises of at least the increment
        const auc = await ok(act(n, 'auction', { increment: 1_000_000 }));
        assert.deepEqual(auc.auction, { increment: 1_000_000, price: 110_000_000, leader: auc.opening[2].bid });
        const raise = (i, price) => ent[i].post(`/api/trading/projects/${n}/auction/raise`, { price });
        let r = await raise(0, 110_999_999);
        assert.equal(r.status, 400);
        assert.equal(r.json.error.field, 'price');
        assert.equal((await raise(2, 112_000_000)).status, 409); // the leader does not raise against himself
        await ok(raise(0, 111_000_000));
        await ok(raise(1, 112_500_000));
        assert.equal((await act(n, 'report')).status, 409); // not while the auction runs
        await ok(act(n, 'hammer'));
        const rep = await ok(act(n, 'report'));
        // 价高者得: the last prices, highest first
        assert.deepEqual(rep.candidates.map((c) => c.price), [112_500_000, 111_000_000, 110_000_000]);
        // the report on the 25th: publicity due by the end of the 28th
        await clock('2026-05-28T23:59:00+08:00');
        assert.deepEqual(await rules(n), ['tender_price_pattern']);
        await clock('2026-05-29T00:00:00+08:00');
        assert.deepEqual(await rules(n), ['tender_price_pattern', 'tender_publicity_late']);
        await ok(act(n, 'publicize'));
        const obj = await ok(ent[2].post(`/api/trading/projects/${n}/objections`, { text: '竞买人资格存疑' }), 201);
        await clock('2026-06-01T23:59:00+08:00');
        assert.equal((await rules(n)).includes('tender_objection_unanswered'), false);
        await clock('2026-06-02T00:00:00+08:00');
        assert.ok((await rules(n)).includes('tender_objection_unanswered'));
        await ok(jyzx.post(`/api/trading/objections/${obj.id}/answer`, { answer: '资格审查合格，异议不成立。' }));
        await ok(act(n, 'award'));
        // awarded on 2 June: the contract due by the end of 2 July
        await clock('2026-07-02T12:00:00+08:00');
        assert.equal((await rules(n)).includes('tender_contract_late'), false);
        await clock('2026-07-03T00:00:00+08:00');
        assert.ok((await rules(n)).includes('tender_contract_late'));
        await ok(act(n, 'contract', { amount: 112_500_000, signed_on: '2026-07-03' }));
        const rec = await ok(anon.get(`/api/ocds/records/ocds-pxggzy-${n}`));
        assert.equal(rec.records[0].compiledRelease.awards[0].value.amount, 1_125_000);
        validate('record-package-schema.json', rec);
    });

    test('a department trading system reports through the intake: the procedure rules judge its events', async () => {
        await clock('2026-09-20T10:00:00+08:00');
        const head = await as(srv, 'gaj_head');
        const depts = await ok(admin.get('/api/departments?q=360300-GA'));
        const k = await ok(head.post('/api/keys', { dept_id: depts.items.find((d) => d.code === '360300-GA').id, name: '交易系统' }), 201);
        const key = new Client(srv, { key: k.key });
        const N = 'GA-JY-7';
        const base = { number: N, department: '360300-GA', region: '360300', type: 'engineering', method: '公开招标', title: '外部系统 道路工程', budget: 100_000_000 };
        const dl = Date.parse('2026-09-15T09:30:00+08:00') / 1000;
        const ev = (seq, action, to, time, extra = {}, result = null) => ({
            id: `ga-jy/${N}/${seq}`, type: `tender.${action}`, time, subject_type: 'tender', subject: N,
            tender: { ...base, ...extra }, step: { action, result, to },
        });
        const bids = [
            { bid: 'B1', price: 90_000_000, sha256: 'a'.repeat(64), submitted_at: dl - 3600, ip: '10.0.0.1', device: 'd1' },
            { bid: 'B2', price: 91_000_000, sha256: 'a'.repeat(64), submitted_at: dl - 600, ip: '10.0.0.2', device: 'd2' },
            { bid: 'B3', price: 95_500_000, sha256: 'c'.repeat(64), submitted_at: dl + 60, ip: '10.0.0.3', device: 'd3' },
        ];
        const events = [
            ev(1, 'create', 'draft', '2026-09-01T09:00:00+08:00'),
            // 13 days to the deadline, 3 days of sale
            ev(2, 'publish', 'announced', '2026-09-02T09:00:00+08:00', { docs_from: '2026-09-02', docs_to: '2026-09-04', deadline: dl }),
            // opened half an hour early, with 2 bids
            ev(3, 'open', 'opened', '2026-09-15T09:00:00+08:00', { deadline: dl, bids: 2 }),
            ev(4, 'seal_opening', 'evaluating', '2026-09-15T10:00:00+08:00', { deadline: dl, opening: bids }),
            ev(5, 'report', 'evaluated', '2026-09-16T10:00:00+08:00', { committee: { size: 4, experts: 2 } }),
            ev(6, 'publicize', 'publicized', '2026-09-16T15:00:00+08:00'),
            // the second candidate, no reason, one day into the publicity
            ev(7, 'award', 'awarded', '2026-09-17T10:00:00+08:00', { bid: 'B2', first: false, reason: '' }, 'approve'),
        ];
        const r = await ok(key.post('/api/supervision/events', { events }));
        assert.deepEqual(r.rejected, [], JSON.stringify(r.rejected));
        assert.deepEqual(await rules(N), [
            'tender_award_reason', 'tender_bid_period', 'tender_committee', 'tender_few_bids', 'tender_late_bid',
            'tender_opened_early', 'tender_publicity_short', 'tender_sale_period', 'tender_same_hash',
        ]);
        // the kind checks its member: a wrong type is refused naming it
        const bad = await key.post('/api/supervision/events', { events: [{ ...ev(8, 'contract', 'contracted', '2026-09-18T10:00:00+08:00'), tender: { ...base, type: 'mining' } }] });
        assert.match(JSON.stringify(bad.json), /tender\.type/);
    });

    test('a procurement of 10 million yuan needs a committee of 7; one fen less, 5 will do', async () => {
        await clock('2026-03-02T09:00:00+08:00');
        const pub = { docs_from: '2026-03-02', docs_to: '2026-03-09', deadline: '2026-03-23T09:30:00+08:00' };
        const body = (budget) => ({ ...ENG, type: 'procurement', method: '公开招标', title: '信息化平台采购', budget, deposit: 0, lots: [] });
        const big = await project(body(1_000_000_000));
        const small = await project(body(999_999_999));
        await ok(act(big.number, 'publish', pub));
        await ok(act(small.number, 'publish', pub));
        const five = { experts: ['E1', 'E2', 'E3', 'E4'], representatives: ['采购人代表'] };
        const r = await jyzx.put(`/api/trading/projects/${big.number}/committee`, five);
        assert.equal(r.status, 400);
        assert.match(r.text, /不得少于 7 人/);
        await ok(jyzx.put(`/api/trading/projects/${big.number}/committee`, { experts: ['E1', 'E2', 'E3', 'E4', 'E5'], representatives: ['代表甲', '代表乙'] }));
        await ok(jyzx.put(`/api/trading/projects/${small.number}/committee`, five));
    });

    test('splitting a procurement: one category and budget item, other methods, summed above the open-tender standard', async () => {
        await clock('2026-10-12T09:00:00+08:00');
        const pub = { docs_from: '2026-10-12', docs_to: '2026-10-13', deadline: '2026-10-15T10:00:00+08:00' };
        const buy = async (budget, title) => {
            const p = await project({
                type: 'procurement', method: '询价', title, department: '360300-MZ', budget, legal_basis: '《政府采购法》第四十条',
                eval_method: '经评审的最低投标价法', category: 'A02010104 台式计算机', budget_item: '2026 年信息化运维经费',
            });
            await ok(act(p.number, 'publish', pub));
            return p.number;
        };
        const a = await buy(200_000_000, '第一批台式计算机');
        const b = await buy(200_000_000, '第二批台式计算机');
        // 4,000,000 yuan: at the standard, not above it
        assert.deepEqual(await rules(b), []);
        const c = await buy(1, '第三批台式计算机');
        assert.deepEqual(await rules(c), ['tender_split']);
        const card = (await ok(jiancha.get(`/api/supervision/cards?subject=${c}`))).items[0];
        const facts = JSON.stringify(await ok(jiancha.get(`/api/supervision/cards/${card.id}`)));
        for (const n of [a, b, c]) assert.ok(facts.includes(n), `${n} in the evidence`);
    });

    test('fewer than 3 bids: no opening, the project fails and is re-tendered', async () => {
        await clock('2026-04-01T09:00:00+08:00');
        const p = await project({ ...ENG, type: 'procurement', method: '公开招标', title: '学校课桌椅采购', budget: 200_000_000, deposit: 0, lots: [] });
        const n = p.number;
        await ok(act(n, 'publish', { docs_from: '2026-04-01', docs_to: '2026-04-08', deadline: '2026-04-21T09:30:00+08:00' }));
        for (const c of ent.slice(0, 2)) {
            await ok(c.post(`/api/trading/projects/${n}/registration`, { deposit: 0 }), 201);
            await ok(c.put(`/api/trading/projects/${n}/bid`, (await seal(190_000_000)).body));
        }
        await clock('2026-04-21T09:30:00+08:00');
        const f = await ok(act(n, 'open'));
        assert.equal(f.state, 'failed');
        assert.match(f.failed_reason, /少于 3 个/);
        const again = await ok(act(n, 'retender'));
        assert.equal(again.state, 'draft');
        assert.equal(again.round, 2);
        await ok(act(n, 'publish', { docs_from: '2026-04-21', docs_to: '2026-04-28', deadline: '2026-05-12T09:30:00+08:00' }));
        const rel = await ok(anon.get(`/api/ocds/releases?number=${n}`));
        assert.deepEqual(rel.releases.map((x) => [x.ocid.endsWith('-2') ? 2 : 1, x.tag[0]]),
            [[1, 'planning'], [1, 'tender'], [1, 'tenderUpdate'], [2, 'planning'], [2, 'tender']]);
        assert.equal(rel.releases[2].tender.status, 'unsuccessful');
        validate('release-package-schema.json', rel);
    });
});

// --- the opening hall's event stream (SSE) ------------------------------------

/** Open GET path as client; collects {id, event, data}; waitFor(pred). */
async function hall(srv, client, p) {
    const ctrl = new AbortController();
    const res = await fetch(srv.url(p), { headers: { Cookie: `zt_session=${client.cookie}` }, signal: ctrl.signal });
    const s = { status: res.status, events: [], close: () => ctrl.abort() };
    let wake = () => {};
    (async () => {
        const reader = res.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        try {
            for (;;) {
                const { value, done } = await reader.read();
                if (done) break;
                buf += dec.decode(value, { stream: true });
                let at;
                while ((at = buf.indexOf('\n\n')) >= 0) {
                    const ev = {};
                    for (const line of buf.slice(0, at).split('\n')) {
                        if (line.startsWith('id: ')) ev.id = line.slice(4);
                        else if (line.startsWith('event: ')) ev.event = line.slice(7);
                        else if (line.startsWith('data: ')) ev.data = JSON.parse(line.slice(6));
                    }
                    buf = buf.slice(at + 2);
                    if (ev.data) s.events.push(ev);
                    wake();
                }
            }
        } catch {
            /* closed */
        }
    })();
    s.waitFor = (pred, what) =>
        new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${JSON.stringify(s.events)}`)), 15000);
            wake = () => {
                if (pred(s.events)) {
                    clearTimeout(timer);
                    resolve(s.events);
                }
            };
            wake();
        });
    return s;
}

// --- OCDS validation against ../shared/ocds (read in place) ------------------

let ajv;
function validator() {
    if (ajv) return ajv;
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const read = (f) => JSON.parse(readFileSync(path.join(OCDS, f), 'utf8'));
    // the release schema with the bids extension, under the id the packages refer to
    const release = read('extensions/release-schema-with-bids.json');
    release.id = 'https://standard.open-contracting.org/schema/1__1__5/release-schema.json';
    ajv.addSchema(release);
    ajv.addSchema(read('versioned-release-validation-schema.json'), 'https://standard.open-contracting.org/schema/1__1__5/versioned-release-validation-schema.json');
    ajv.addSchema(read('release-package-schema.json'), 'release-package-schema.json');
    ajv.addSchema(read('record-package-schema.json'), 'record-package-schema.json');
    return ajv;
}

function validate(schema, doc) {
    const v = validator().getSchema(schema);
    const okay = v(doc);
    assert.ok(okay, `${schema}: ${JSON.stringify(v.errors?.slice(0, 5), null, 1)}`);
}

// experts.test.mjs - the bid-evaluation expert pool and the draw anyone can
// re-run (issue #11, R8; docs/experts.md), over HTTP on a real server with
// the fake clock:
//   - `zhengtong experts draw-verify` against RFC 3797's own example
//     (../shared/vectors/rfc3797/, read in place);
//   - the pool: application by a citizen, recommendation by a department,
//     the centre's check and status flow (reasons required), masking, the
//     expert's own login and profile, lists with search and filters, the
//     retirement past the age limit when the clock passes his birthday;
//   - the draw: the time rule one working day outside and inside, the
//     supervisor required, each avoidance rule on its own expert (and a
//     past employer four years back that is not one), commit-reveal (order,
//     mismatch), RFC 3797 selection, a refusal replaced by the next pick,
//     secrecy for every role before publication, and after it the public
//     inputs re-run by draw-verify give the same picks and committee.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, Client, REPO, as, errorOf, startServer } from './lib/server.mjs';
import { LONG, ok } from './lib/cases.mjs';
import { idNumber, sha256, uscc } from '../../scripts/demo/experts.mjs';
import { hex, md5, rfc3797Key, rfc3797Pick } from '../../web/app/experts/rfc3797.js';

const VEC = path.join(REPO, '..', 'shared', 'vectors', 'rfc3797');

function verify(seeds, names, count, json = false) {
    const r = spawnSync(BIN, ['experts', 'draw-verify', '--seeds', seeds, '--names', names, '--count', String(count), ...(json ? ['--json'] : [])], {
        cwd: REPO,
        encoding: 'utf8',
    });
    return r;
}

describe('draw-verify against RFC 3797', () => {
    test('the RFC example: key and all 16 published lines', () => {
        const r = verify(path.join(VEC, 'ref.seeds'), path.join(VEC, 'ref.names'), 16);
        assert.equal(r.status, 0, r.stderr);
        const out = r.stdout.split('\n');
        assert.equal(out[0], 'key 9319./2.5.8.10.12./9.18.26.34.41.45./');
        const ref = readFileSync(path.join(VEC, 'ref.results'), 'utf8').split('\n').filter((l) => /^\s+\d+\s/.test(l));
        assert.equal(ref.length, 16);
        ref.forEach((line, i) => assert.ok(out[2 + i].startsWith(line.trimEnd()), `${out[2 + i]}\n${line}`));
        const j = JSON.parse(verify(path.join(VEC, 'ref.seeds'), path.join(VEC, 'ref.names'), 5, true).stdout);
        assert.deepEqual(j.picks.map((p) => p.name), ['Lee', 'Doc', 'Mary', 'Charity', 'Kasczynski']);
    });
    test("the browser's re-check (web/app/experts/rfc3797.js): RFC 1321's MD5 suite and RFC 3797's example", () => {
        const suite = {
            '': 'D41D8CD98F00B204E9800998ECF8427E',
            a: '0CC175B9C0F1B6A831C399E269772661',
            abc: '900150983CD24FB0D6963F7D28E17F72',
            'message digest': 'F96B697D7CB7938D525A2F31AAF161D0',
            abcdefghijklmnopqrstuvwxyz: 'C3FCD3D76192E4007DFB496CCA67E13B',
            ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789: 'D174AB98D277D9F5A5611C2C9F419D9F',
            ['1234567890'.repeat(8)]: '57EDF4A22BE3C955AC49DA2E2107B67A',
        };
        for (const [text, want] of Object.entries(suite)) assert.equal(hex(md5(new TextEncoder().encode(text))), want, text);
        const key = rfc3797Key(readFileSync(path.join(VEC, 'ref.seeds'), 'utf8'));
        assert.equal(key, '9319./2.5.8.10.12./9.18.26.34.41.45./');
        const names = readFileSync(path.join(VEC, 'ref.names'), 'utf8').split('\n').filter(Boolean);
        const ref = readFileSync(path.join(VEC, 'ref.results'), 'utf8').split('\n').filter((l) => /^\s+\d+\s/.test(l));
        const picks = rfc3797Pick(key, names, 16);
        ref.forEach((line, i) => {
            const [, idx, h, div, sel] = /^\s+(\d+)\s+([0-9A-F]{32})\s+(\d+)\s+->\s+(\d+)/.exec(line);
            assert.deepEqual([picks[i].index, picks[i].md5, picks[i].remaining, picks[i].position], [+idx, h, +div, +sel]);
        });
    });
    test('bad inputs: exit 2 with the reason', () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'zt-rfc-'));
        try {
            writeFileSync(path.join(dir, 's'), '1 2 x\n');
            const r = verify(path.join(dir, 's'), path.join(VEC, 'ref.names'), 3);
            assert.equal(r.status, 2);
            assert.match(r.stderr, /not an integer/);
            assert.equal(verify(path.join(VEC, 'ref.seeds'), path.join(VEC, 'ref.names'), 26).status, 2);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

const SPEC = 'A01';
const BIDDER = { uscc: uscc(7001), name: '萍乡市甲建设有限公司' };
const BIDDER_REP = idNumber('360302', '1971-03-03', 901);
const BIDDER_CTRL = idNumber('360313', '1966-06-06', 902);
const PURCHASER_USCC = uscc(7002);
const EXCLUDED = uscc(7003);
const PROJECT = 'PX-GC-2026-T01';

describe('the expert pool and the draw', () => {
    let srv, admin, centre, sup, supAy, gaHead, gaClerk, mzClerk, zs, anon, auditor;
    const made = {}; // label -> expert
    let serial = 0;

    const setClock = (iso) => ok(admin.put('/api/admin/clock', { now: iso }));

    function profile(label, extra = {}) {
        serial += 1;
        return {
            name: `专家${label}`,
            id_number: idNumber('360302', extra.birth || '1975-04-0' + (1 + (serial % 9)), serial),
            phone: '13907990' + String(100 + serial),
            region_code: '360302',
            title: '高级工程师',
            seniority: 12,
            employer: { name: `萍乡市清白工程咨询${serial}有限公司`, uscc: uscc(8000 + serial), since: '2018-01-01' },
            specialties: [SPEC],
            ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'birth')),
        };
    }

    async function recommend(label, extra) {
        const body = profile(label, extra);
        const x = await ok(gaHead.post('/api/experts', body), 201);
        await ok(centre.post(`/api/experts/${x.id}/actions/approve`, {}));
        made[label] = { ...x, idn: body.id_number }; // answers mask it
        return made[label];
    }

    before(async () => {
        srv = await startServer({ args: LONG });
        admin = await as(srv, 'admin');
        // Monday 2026-09-07, 10:00 in the city
        await setClock('2026-09-07T02:00:00Z');
        centre = await as(srv, 'jyzx');
        sup = await as(srv, 'jiancha');
        supAy = await as(srv, 'jiancha_ay');
        gaHead = await as(srv, 'gaj_head');
        gaClerk = await as(srv, 'gaj_clerk');
        mzClerk = await as(srv, 'mzj_clerk');
        zs = await as(srv, 'zhangsan');
        auditor = await as(srv, 'shenji');
        anon = new Client(srv);
    });

    after(async () => {
        if (srv) await srv.stop();
    });

    test('a citizen applies with his own identity; the centre checks; masks; his own view', async () => {
        const body = profile('张三');
        delete body.name;
        delete body.id_number;
        assert.equal(errorOf(await zs.post('/api/experts/apply', { ...body, id_number: '360302198503120045' })).field, 'id_number');
        const x = await ok(zs.post('/api/experts/apply', body), 201);
        assert.equal(x.state, 'applied');
        assert.equal(x.id_number, '360302198503120045', 'unmasked to himself');
        assert.equal((await zs.post('/api/experts/apply', body)).status, 409);
        const seen = await ok(centre.get(`/api/experts/${x.id}`));
        assert.equal(seen.id_number, '3603**********0045');
        assert.match(seen.phone, /^139\*+\d{4}$/);
        assert.equal((await anon.get('/api/experts')).status, 401);
        assert.equal((await zs.get('/api/experts')).status, 403);
        const r = await centre.post(`/api/experts/${x.id}/actions/reject`, {});
        assert.equal(errorOf(r).field, 'reason');
        assert.equal((await sup.post(`/api/experts/${x.id}/actions/approve`, {})).status, 403);
        await ok(centre.post(`/api/experts/${x.id}/actions/approve`, { reason: '符合条件' }));
        const me = await ok(zs.get('/api/expert/me'));
        assert.equal(me.state, 'active');
        assert.equal(me.employers[0].until, null);
    });

    test('a recommendation is validated field by field', async () => {
        const bad = [
            [{ id_number: '360302197504011234' }, 'id_number'],
            [{ employer: { name: 'x', uscc: '91360300000000000A', since: '2018-01-01' } }, 'employer'],
            [{ specialties: ['Z99'] }, 'specialties'],
            [{ region_code: '999999' }, 'region_code'],
            [{ phone: '12345' }, 'phone'],
            [{ relatives: [{ name: '甲', id_number: '123', relation: '配偶' }] }, 'relatives'],
        ];
        for (const [patch, field] of bad) {
            const r = await gaHead.post('/api/experts', profile('坏', patch));
            assert.equal(r.status, 400, `${field}: ${r.text}`);
            assert.equal(errorOf(r).field, field);
        }
        assert.equal((await centre.post('/api/experts', profile('中心'))).status, 403, 'the centre checks, it does not recommend');
    });

    test('the pool of the draw, with one expert for each avoidance rule', async () => {
        for (let i = 0; i < 6; i++) await recommend(`清白${i}`);
        await recommend('回避单位', { employer: { name: '被回避的单位', uscc: EXCLUDED, since: '2019-01-01' } });
        await recommend('投标人前员工', {
            past_employers: [{ name: BIDDER.name, uscc: BIDDER.uscc, since: '2010-01-01', until: '2024-03-01' }],
        });
        await recommend('四年前离职', {
            past_employers: [{ name: BIDDER.name, uscc: BIDDER.uscc, since: '2010-01-01', until: '2022-09-01' }],
        });
        await recommend('投标人亲属', { relatives: [{ name: '法代', id_number: BIDDER_REP, relation: '配偶' }] });
        await recommend('投标人控制人', { id_number: BIDDER_CTRL });
        await recommend('编制人', { drafting: [{ project_code: PROJECT, note: '技术标准' }] });
        await recommend('名单编制人');
        await recommend('采购人职工', { employer: { name: '萍乡市公安局', uscc: PURCHASER_USCC, since: '2012-01-01' } });
        await recommend('项目监督');
        await recommend('没空', { unavailable: ['2026-09-10'] });
        await recommend('外地', { region_code: '360322' });
        await recommend('超龄', { birth: '1956-09-09', specialties: ['A02'] }); // 70 on 2026-09-09
        const all = await ok(centre.get(`/api/experts?specialty=${SPEC}&state=active&per_page=100`));
        assert.equal(all.total, 18, 'with the citizen who applied; 超龄 is of A02');
        const q = await ok(centre.get('/api/experts?q=' + encodeURIComponent('投标人') + '&per_page=5'));
        assert.deepEqual(q.items.map((x) => x.name).sort(), ['专家投标人亲属', '专家投标人前员工', '专家投标人控制人']);
        const page = await ok(centre.get(`/api/experts?specialty=A&per_page=5&page=2`));
        assert.equal(page.items.length, 5);
        assert.equal(page.total, 19, 'the class A: A01 and A02');
        assert.equal((await ok(centre.get('/api/experts?region=360322'))).total, 1);
    });

    test('the expert logs in and keeps his own profile and availability', async () => {
        const x = made['清白0'];
        await ok(centre.post(`/api/experts/${x.id}/account`, { login: 'zhuanjia' }), 201);
        assert.equal((await centre.post(`/api/experts/${x.id}/account`, { login: 'zhuanjia' })).status, 409);
        const ex = await as(srv, 'zhuanjia');
        const me = await ok(ex.get('/api/expert/me'));
        assert.equal(me.number, x.number);
        assert.equal(me.id_number.includes('*'), false);
        const upd = await ok(ex.patch('/api/expert/me', { unavailable: ['2026-12-24'], title: '正高级工程师' }));
        assert.deepEqual(upd.unavailable, ['2026-12-24']);
        assert.equal(upd.title, '正高级工程师');
        assert.equal(errorOf(await ex.patch('/api/expert/me', { id_number: BIDDER_REP })).field, 'id_number');
        assert.equal((await ex.get('/api/experts')).status, 403);
        // his new login through the centre: {login, password}
        const other = made['清白1'];
        await ok(centre.post(`/api/experts/${other.id}/account`, { login: 'zj_qb1', password: 'Expert2026pass!' }), 201);
        const me2 = await ok((await as(srv, 'zj_qb1', 'Expert2026pass!')).get('/api/expert/me'));
        assert.equal(me2.number, other.number);
        await ok(ex.patch('/api/expert/me', { unavailable: [] }));
    });

    test('status flow: suspend and reinstate with reasons; the blacklisted leave the pool', async () => {
        const x = await recommend('暂停');
        assert.equal(errorOf(await centre.post(`/api/experts/${x.id}/actions/suspend`, {})).field, 'reason');
        await ok(centre.post(`/api/experts/${x.id}/actions/suspend`, { reason: '年度考核不合格' }));
        assert.equal((await centre.post(`/api/experts/${x.id}/actions/approve`, {})).status, 409);
        await ok(centre.post(`/api/experts/${x.id}/actions/reinstate`, { reason: '整改完成' }));
        const b = await ok(centre.post(`/api/experts/${x.id}/actions/blacklist`, { reason: '评标中收受财物' }));
        assert.equal(b.state, 'blacklisted');
        assert.equal(b.reason, '评标中收受财物');
    });

    const request = (extra = {}) => ({
        project_code: PROJECT,
        project_name: '城区道路改造工程施工',
        evaluation_date: '2026-09-10',
        region_code: '360300',
        supervisor: 'jiancha',
        groups: [{ specialty: SPEC, count: 3, reserve: 1 }],
        regions: ['360302'],
        excluded_employers: [EXCLUDED],
        purchaser: { dept_code: '360300-GA', uscc: PURCHASER_USCC },
        bidders: [{ ...BIDDER, people: [{ name: '法代', id_number: BIDDER_REP }, { name: '控制人', id_number: BIDDER_CTRL }] }],
        drafting: [{ name: '编制人乙', id_number: made['名单编制人'].idn }],
        supervisors: [{ name: '监督丙', id_number: made['项目监督'].idn }],
        ...extra,
    });

    let draw;

    test('the draw time rule: one working day outside, then inside; no supervisor, no draw', async () => {
        // Monday 09-07: three working days before Thursday 09-10 (draw_days 2)
        let r = await centre.post('/api/expert-draws', request());
        assert.equal(r.status, 409, r.text);
        assert.equal(errorOf(r).field, 'evaluation_date');
        await setClock('2026-09-08T02:00:00Z'); // Tuesday: two working days before
        r = await centre.post('/api/expert-draws', request({ supervisor: undefined }));
        assert.equal(errorOf(r).field, 'supervisor');
        r = await centre.post('/api/expert-draws', request({ supervisor: 'jiancha_ay' }));
        assert.equal(errorOf(r).field, 'supervisor', 'a district supervisor does not cover a city project');
        assert.equal((await gaClerk.post('/api/expert-draws', request())).status, 403);
        draw = await ok(centre.post('/api/expert-draws', request()), 201);
        assert.equal(draw.state, 'seeding');
        assert.match(draw.groups[0].sha256, /^[0-9a-f]{64}$/);
        // the refusals are kept (state refused) and supervision cards them on the day
        const refused = await ok(centre.get('/api/expert-draws?state=refused'));
        assert.equal(refused.total, 3);
        const cards = async (rule) => (await ok(sup.get(`/api/supervision/cards?rule=${rule}`))).items;
        const early = await cards('expert_draw_too_early');
        assert.equal(early.length, 1);
        assert.equal(early[0].level, 'yellow');
        assert.equal((await cards('expert_draw_no_supervisor')).length, 2);
        assert.equal((await cards('expert_ineligible')).length, 0);
    });

    // each avoidance or filter rule on its own expert
    const RULES = [
        ['回避单位', 'excluded_employer'],
        ['投标人前员工', 'bidder_employer'],
        ['投标人亲属', 'bidder_relative'],
        ['投标人控制人', 'bidder_person'],
        ['编制人', 'drafting'],
        ['名单编制人', 'drafting'],
        ['采购人职工', 'purchaser_staff'],
        ['项目监督', 'project_supervisor'],
        ['没空', 'unavailable'],
        ['外地', 'region'],
    ];
    for (const [label, rule] of RULES)
        test(`avoidance: ${label} is left out by ${rule}, logged for the centre and the supervisor`, async () => {
            const full = await ok(sup.get(`/api/expert-draws/${draw.number}`));
            const ex = full.exclusions.filter((x) => x.expert === made[label].number);
            assert.deepEqual(ex.map((x) => x.rule), [rule], JSON.stringify(ex));
            assert.ok(ex[0].detail.length > 0);
            assert.ok(!full.groups[0].candidates.includes(made[label].number));
        });

    test('avoidance: an employer left four years before is no reason; clean experts are candidates', async () => {
        const full = await ok(centre.get(`/api/expert-draws/${draw.number}`));
        const c = full.groups[0].candidates;
        assert.ok(c.includes(made['四年前离职'].number));
        for (let i = 0; i < 6; i++) assert.ok(c.includes(made[`清白${i}`].number));
        assert.equal(c.length, 8, c.join()); // with the citizen who applied (ZJ-000001)
        assert.deepEqual([...c].sort(), c, 'sorted by id (numbers grow with ids)');
        assert.equal(full.exclusions.length, RULES.length);
        // the committed hash is the hash of the names file
        assert.equal(full.groups[0].sha256, sha256(c.map((n) => n + '\n').join('')));
    });

    const secrets = { supervision: '20260908 104455 9931', centre: '771 90215 3344 12', tenderer: '5 88 13021 774411' };
    let parties;

    test('commit-reveal: every party commits before any reveals; a reveal must match', async () => {
        parties = { supervision: sup, centre, tenderer: gaClerk };
        const url = (a) => `/api/expert-draws/${draw.number}/${a}`;
        assert.equal((await mzClerk.post(url('commit'), { commitment: sha256('1') })).status, 403, 'not the tenderer');
        assert.equal((await supAy.post(url('commit'), { commitment: sha256('1') })).status, 403, 'not the supervisor attached');
        assert.equal(errorOf(await centre.post(url('commit'), { commitment: 'abc' })).field, 'commitment');
        await ok(sup.post(url('commit'), { commitment: sha256(secrets.supervision) }));
        assert.equal((await sup.post(url('commit'), { commitment: sha256('x') })).status, 409);
        await ok(centre.post(url('commit'), { commitment: sha256(secrets.centre) }));
        assert.equal((await sup.post(url('reveal'), { reveal: secrets.supervision })).status, 409, 'the tenderer has not committed');
        await ok(gaClerk.post(url('commit'), { commitment: sha256(secrets.tenderer) }));
        assert.equal((await centre.post(url('select'), {})).status, 409, 'no reveals yet');
        assert.equal(errorOf(await centre.post(url('reveal'), { reveal: '12 34' })).field, 'reveal');
        assert.equal(errorOf(await centre.post(url('reveal'), { reveal: '1234 5678 9012 3' })).field, 'reveal', 'does not match');
        for (const [p, c] of Object.entries(parties)) await ok(c.post(url('reveal'), { reveal: secrets[p] }));
        const pub = await ok(anon.get(`/api/public/expert-draws/${draw.number}`));
        assert.equal(pub.seeds.length, 3);
        assert.equal(pub.groups[0].candidates, undefined, 'the list stays secret');
    });

    let selected;

    test('selection by RFC 3797; a refusal with its reason calls the next pick', async () => {
        selected = await ok(centre.post(`/api/expert-draws/${draw.number}/select`, {}));
        assert.equal(selected.state, 'drawn');
        const called = selected.picks.filter((p) => p.status === 'called');
        const reserve = selected.picks.filter((p) => p.status === 'reserve');
        assert.deepEqual(called.map((p) => p.seq), [1, 2, 3]);
        assert.deepEqual(reserve.map((p) => p.seq), [4]);
        const url = (p) => `/api/expert-draws/${draw.number}/picks/${p.expert}`;
        assert.equal(errorOf(await centre.post(url(called[0]), { accept: false })).field, 'reason');
        let d = await ok(centre.post(url(called[0]), { accept: false, reason: '出差在外' }));
        const first = d.picks.find((p) => p.seq === 1);
        assert.equal(first.status, 'refused');
        assert.equal(first.reason, '出差在外');
        assert.ok(first.answered_at);
        assert.equal(d.picks.find((p) => p.seq === 4).status, 'called', 'the reserve is called');
        assert.equal((await centre.post(`/api/expert-draws/${draw.number}/publish`, {})).status, 409, 'seats not filled');
        for (const seq of [2, 3, 4]) d = await ok(centre.post(url(d.picks.find((p) => p.seq === seq)), { accept: true }));
        assert.equal(d.committee.length, 3);
        selected = d;
    });

    test('secrecy before the award: the centre and the supervisors only; every other role 403, the public hashes', async () => {
        const others = ['zhangsan', 'pxqiye', 'gaj_clerk', 'gaj_head', 'fzb', 'czj', 'xxzx', 'shenji', 'admin', 'zhuanjia'];
        for (const login of others) {
            const r = await (await as(srv, login)).get(`/api/expert-draws/${draw.number}`);
            assert.equal(r.status, 403, login);
        }
        assert.equal((await anon.get(`/api/expert-draws/${draw.number}`)).status, 401);
        assert.equal((await supAy.get(`/api/expert-draws/${draw.number}`)).status, 403, 'a district supervisor of another region');
        const pub = await ok(anon.get(`/api/public/expert-draws/${draw.number}`));
        assert.equal(pub.picks, undefined);
        assert.equal(pub.committee, undefined);
        assert.equal(pub.key, null);
        assert.match(pub.groups[0].sha256, /^[0-9a-f]{64}$/);
        assert.deepEqual((await ok(sup.get(`/api/expert-draws/${draw.number}`))).committee, selected.committee);
        // nor does an expert's record tell an administrator or an auditor that he was picked
        const member = selected.picks.find((p) => p.status === 'accepted');
        for (const c of [admin, auditor]) assert.deepEqual((await ok(c.get(`/api/experts/${member.expert_id}`))).draws, []);
        assert.equal((await ok(centre.get(`/api/experts/${member.expert_id}`))).draws[0].draw, draw.number);
    });

    test('after publication anyone re-runs the draw from the published inputs and gets the same committee', async () => {
        // a seated expert suspended before the publication: supervision's card at the publication
        const seatedOne = selected.picks.find((p) => p.status === 'accepted');
        await ok(centre.post(`/api/experts/${seatedOne.expert_id}/actions/suspend`, { reason: '涉嫌违规，暂停待查' }));
        await ok(centre.post(`/api/expert-draws/${draw.number}/publish`, {}));
        const inel = (await ok(sup.get(`/api/supervision/cards?rule=expert_ineligible&subject=${draw.number}`))).items;
        assert.equal(inel.length, 1);
        const facts = (await ok(sup.get(`/api/supervision/cards/${inel[0].id}`))).facts;
        assert.deepEqual(facts.picks, [{ group: 1, seq: seatedOne.seq, state: 'suspended', age: facts.picks[0].age }]);
        await ok(centre.post(`/api/experts/${seatedOne.expert_id}/actions/reinstate`, { reason: '查无实据' }));
        const pub = await ok(anon.get(`/api/public/expert-draws/${draw.number}`));
        assert.equal(pub.state, 'published');
        assert.equal(pub.exclusions, undefined, 'the exclusions are never public');
        const dir = mkdtempSync(path.join(os.tmpdir(), 'zt-draw-'));
        try {
            writeFileSync(path.join(dir, 'seeds'), pub.seeds_file);
            const names = pub.groups[0].candidates;
            writeFileSync(path.join(dir, 'names'), names.map((n) => n + '\n').join(''));
            assert.equal(sha256(readFileSync(path.join(dir, 'names'), 'utf8')), pub.groups[0].sha256);
            const r = verify(path.join(dir, 'seeds'), path.join(dir, 'names'), 4, true);
            assert.equal(r.status, 0, r.stderr);
            const out = JSON.parse(r.stdout);
            assert.equal(out.key, pub.key);
            assert.deepEqual(out.picks.map((p) => p.name), pub.picks.map((p) => p.expert));
            // the committee: the picks in order, the refused one skipped
            const seated = pub.picks.filter((p) => p.status === 'accepted').map((p) => p.expert_id);
            assert.deepEqual(seated, pub.committee);
            assert.deepEqual(out.picks.slice(1).map((p) => p.name), pub.picks.filter((p) => p.status === 'accepted').map((p) => p.expert));
            // and the browser's re-check computes the same
            assert.deepEqual(rfc3797Pick(rfc3797Key(pub.seeds_file), names, 4).map((p) => p.name), out.picks.map((p) => p.name));
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    test('the retirement job: past the age limit on the day the clock passes, recorded', async () => {
        const x = made['超龄'];
        assert.equal((await ok(centre.get(`/api/experts/${x.id}`))).state, 'active');
        await setClock('2026-09-09T02:00:00Z'); // his 70th birthday
        const after = await ok(centre.get(`/api/experts/${x.id}`));
        assert.equal(after.state, 'retired');
        assert.match(after.reason, /70/);
        assert.equal((await ok(centre.get(`/api/experts?state=retired`))).total, 1);
    });

    test('supervision: the same expert drawn unusually often is carded at the selection', async () => {
        const only = await recommend('产权专家', { specialties: ['D04'] });
        const cards = async () => (await ok(sup.get('/api/supervision/cards?rule=expert_drawn_often'))).items;
        for (let n = 1; n <= 3; n++) {
            const d = await ok(centre.post('/api/expert-draws', request({
                project_code: `PX-CQ-2026-0${n}`, groups: [{ specialty: 'D04', count: 1 }], regions: undefined,
            })), 201);
            for (const [p, c] of Object.entries({ supervision: sup, centre, tenderer: gaClerk }))
                await ok(c.post(`/api/expert-draws/${d.number}/commit`, { commitment: sha256(secrets[p] + ' ' + n) }));
            for (const [p, c] of Object.entries({ supervision: sup, centre, tenderer: gaClerk }))
                await ok(c.post(`/api/expert-draws/${d.number}/reveal`, { reveal: secrets[p] + ' ' + n }));
            const sel = await ok(centre.post(`/api/expert-draws/${d.number}/select`, {}));
            assert.equal(sel.picks[0].expert, only.number);
            // min_count 3: the first two draws are not unusual yet
            assert.equal((await cards()).length, n < 3 ? 0 : 1, `after draw ${n}`);
        }
        const [card] = await cards();
        const full = await ok(sup.get(`/api/supervision/cards/${card.id}`));
        // the pick by its place, never the expert: cards are read beyond the centre and the supervisor
        assert.deepEqual(full.facts.picks, [{ group: 1, seq: 1, draws: 3 }]);
        assert.doesNotMatch(JSON.stringify(full), new RegExp(only.number));
    });

    test('ratings after the evaluation: the centre and the chair; an average below the pass mark removes', async () => {
        const seated = selected.picks.filter((p) => p.status === 'accepted');
        const url = `/api/expert-draws/${draw.number}/ratings`;
        const r1 = await ok(centre.post(url, { expert: seated[0].expert, score: 85, note: '评审认真' }), 201);
        assert.equal(r1.removed, false);
        assert.equal((await centre.post(url, { expert: seated[0].expert, score: 90 })).status, 409, 'once per rater');
        assert.equal(errorOf(await centre.post(url, { expert: seated[0].expert, score: 101 })).field, 'score');
        assert.equal((await centre.post(url, { expert: made['回避单位'].number, score: 80 })).status, 404, 'not of the committee');
        assert.equal((await zs.post(url, { expert: seated[0].expert, score: 80 })).status, 403);
        // the chair: an expert of the committee with his own login
        let chair = null;
        for (const p of seated) if (!(await ok(centre.get(`/api/experts/${p.expert_id}`))).has_login) chair = chair || p;
        assert.ok(chair, 'a seated expert without a login');
        await ok(centre.post(`/api/experts/${chair.expert_id}/account`, { login: 'zj_chair', password: 'Chair2026pass!' }), 201);
        const ch = await as(srv, 'zj_chair', 'Chair2026pass!');
        assert.equal((await ch.post(url, { expert: chair.expert, score: 100 })).status, 403, 'not himself');
        const other = seated.find((p) => p !== chair && p !== seated[0]) || seated.find((p) => p !== chair);
        const r2 = await ok(ch.post(url, { expert: other.expert, score: 50, note: '多次迟到' }), 201);
        assert.equal(r2.removed, other !== seated[0], 'a single rating of 50 is below 60');
        const x = await ok(centre.get(`/api/experts/${other.expert_id}`));
        assert.equal(x.ratings.some((r) => r.rater === 'chair' && r.score === 50), true);
        if (r2.removed) {
            assert.equal(x.state, 'retired');
            assert.match(x.reason, /50\.0/);
        }
    });

    test('a committee member sees his assignment, declares no conflict, then recuses: the next pick is called', async () => {
        const group = [];
        for (let i = 0; i < 3; i++) group.push(await recommend(`信息${i}`, { specialties: ['B01'] }));
        const d = await ok(centre.post('/api/expert-draws', request({
            project_code: 'PX-HW-2026-01', groups: [{ specialty: 'B01', count: 1 }], regions: undefined,
        })), 201);
        const parties = { supervision: sup, centre, tenderer: gaClerk };
        for (const [p, c] of Object.entries(parties)) await ok(c.post(`/api/expert-draws/${d.number}/commit`, { commitment: sha256(secrets[p] + ' 77') }));
        for (const [p, c] of Object.entries(parties)) await ok(c.post(`/api/expert-draws/${d.number}/reveal`, { reveal: secrets[p] + ' 77' }));
        let sel = await ok(centre.post(`/api/expert-draws/${d.number}/select`, {}));
        const first = sel.picks.find((p) => p.status === 'called');
        await ok(centre.post(`/api/expert-draws/${d.number}/picks/${first.expert}`, { accept: true }));
        await ok(centre.post(`/api/experts/${first.expert_id}/account`, { login: 'zj_b01', password: 'Expert2026pass!' }), 201);
        const ex = await as(srv, 'zj_b01', 'Expert2026pass!');
        const mine = await ok(ex.get('/api/expert/assignments'));
        assert.deepEqual(mine.items.map((x) => [x.draw, x.status]), [[d.number, 'accepted']]);
        assert.equal(mine.items[0].declared_at, null);
        assert.equal(errorOf(await ex.post(`/api/expert-draws/${d.number}/declaration`, { no_conflict: false })).field, 'no_conflict');
        await ok(ex.post(`/api/expert-draws/${d.number}/declaration`, { no_conflict: true }), 204);
        assert.ok((await ok(ex.get('/api/expert/assignments'))).items[0].declared_at);
        assert.equal((await ex.get(`/api/expert-draws/${d.number}`)).status, 403, 'the list stays the centre\'s');
        assert.equal((await (await as(srv, 'zhuanjia')).post(`/api/expert-draws/${d.number}/recuse`, { reason: 'x' })).status, 404);
        assert.equal(errorOf(await ex.post(`/api/expert-draws/${d.number}/recuse`, {})).field, 'reason');
        await ok(ex.post(`/api/expert-draws/${d.number}/recuse`, { reason: '投标人之一是我曾任职的单位' }), 204);
        sel = await ok(centre.get(`/api/expert-draws/${d.number}`));
        const byseq = Object.fromEntries(sel.picks.map((p) => [p.seq, p]));
        assert.equal(byseq[first.seq].status, 'recused');
        assert.equal(byseq[first.seq].reason, '投标人之一是我曾任职的单位');
        assert.equal(byseq[first.seq + 1].status, 'called', 'the next pick in RFC order');
        assert.equal((await ok(ex.get('/api/expert/assignments'))).items[0].status, 'recused');
    });
});

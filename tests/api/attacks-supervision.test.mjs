// attacks-supervision.test.mjs - issue #18's findings on the supervision
// seams, each as the attack, then the refusal (docs/security.md, "Pentest
// findings F1, F2, F9, F17"):
//   F1  a department's key sends an event with the platform's own id: refused;
//       and whatever a key sent, the platform's real event is never dropped;
//   F2  a key reports the platform's next case number before the citizen
//       applies: the citizen's application still succeeds and the platform's
//       subject, with its own events and cards, is supervised;
//   F9  a key files under a region outside its department's, or one that does
//       not exist: refused, naming the field;
//   F17 whoever drafted or submitted a version of a power item cannot pass its
//       legality review (法制审查), whatever the role.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, REPO, as, errorOf, startServer } from './lib/server.mjs';
import { LONG, PASSPORT, applyCase, deptCaseEvent, ok, people } from './lib/cases.mjs';

const at = (day, time = '10:00:00') => `${day}T${time}+08:00`;

describe('attacks on the supervision seams (issue #18)', () => {
    let t, admin, zs, clerk, head, sup, fzb, anon, key;

    before(async () => {
        t = await startServer({ args: LONG });
        [admin, zs, clerk, head, sup, fzb] = await people(t, as, 'admin', 'zhangsan', 'gaj_clerk', 'gaj_head', 'jiancha', 'fzb');
        anon = new Client(t);
        await ok(admin.put('/api/admin/clock', { now: at('2026-03-02') }));
        const depts = await ok(admin.get('/api/departments?q=360300-GA'));
        // F1/F2 need no privilege: a department head makes the key himself
        const k = await ok(head.post('/api/keys', { dept_id: depts.items.find((d) => d.code === '360300-GA').id, name: '攻击者的密钥' }), 201);
        key = new Client(t, { key: k.key });
    });
    after(async () => t && (await t.stop()));

    const events = (list) => ok(key.post('/api/supervision/events', { events: list }));
    const subject = (n, source) =>
        sup.get(`/api/supervision/cases/${n}?type=case${source ? `&source=${encodeURIComponent(source)}` : ''}`);

    test("F1: the platform's ids are not a department's to use", async () => {
        const n = await applyCase(zs, anon);
        const r = await events([
            { ...deptCaseEvent(n, 2, 'accept', 'accept', at('2026-03-02', '11:00:00')), id: `platform/case/${n}/2` },
            { ...deptCaseEvent('GA-X-1', 1, 'submit', null, at('2026-03-02')), id: 'platform/case/GA-X-1/1' },
        ]);
        assert.equal(r.accepted, 0);
        assert.deepEqual(r.rejected.map((x) => x.field), ['events[0].id', 'events[1].id']);
        assert.match(r.rejected[0].message, /platform\//);
        // the platform's own step 2 comes and is supervised: event, projection, audit row
        await ok(clerk.post(`/api/cases/${n}/actions/pre_review_pass`, { fields: {} }));
        await ok(clerk.post(`/api/cases/${n}/actions/accept`, { fields: {} }));
        const s = await ok(subject(n));
        assert.equal(s.source, 'platform');
        assert.deepEqual(s.steps.map((x) => x.type), ['case.submit', 'case.pre_review_pass', 'case.accept']);
        assert.ok(s.accept_day, 'the acceptance is in the projection');
        assert.ok(s.timers.length > 0, 'and its deadlines are watched');
        const audit = await ok(sup.get(`/api/audit?target_id=${encodeURIComponent(n)}&action=case.accept`));
        assert.equal(audit.items.length, 1);
    });

    test("F1: a key's ids are its own: another key's same id is not a duplicate of it, nor the platform's", async () => {
        const r1 = await events([deptCaseEvent('GA-OWN-1', 1, 'submit', null, at('2026-03-02'), { prefix: 'shared' })]);
        assert.equal(r1.accepted, 1);
        const again = await events([deptCaseEvent('GA-OWN-1', 1, 'submit', null, at('2026-03-02'), { prefix: 'shared' })]);
        assert.deepEqual(again.duplicates, ['shared/GA-OWN-1/1'], 'a resend of its own is a duplicate');
    });

    test("F2: a key claiming the platform's next case number blocks nothing", async () => {
        const first = await applyCase(zs, anon);
        // numbers are {region}-{YYYYMMDD}-{seq}: the next one is predictable
        const m = /^(.*-)(\d+)$/.exec(first);
        const next = `${m[1]}${String(Number(m[2]) + 1).padStart(m[2].length, '0')}`;
        const claim = await events([
            deptCaseEvent(next, 1, 'submit', null, at('2026-03-02'), { prefix: 'claim' }),
            deptCaseEvent(next, 2, 'complete', 'complete', at('2026-03-02', '10:30:00'), { prefix: 'claim', fields: { result_type: '不予许可' } }),
        ]);
        assert.equal(claim.accepted, 2, JSON.stringify(claim.rejected));
        // the citizen's application gets that number all the same, and is the platform's subject
        const n = await applyCase(zs, anon);
        assert.equal(n, next);
        await ok(clerk.post(`/api/cases/${n}/actions/pre_review_pass`, { fields: {} }));
        const mine = await ok(subject(n));
        assert.equal(mine.source, 'platform');
        assert.equal(mine.closed_at, null, "the key's closing event is not the platform's");
        assert.deepEqual(mine.steps.map((x) => x.type), ['case.submit', 'case.pre_review_pass']);
        const theirs = await ok(subject(n, 'dept:360300-GA'));
        assert.ok(theirs.closed_at, 'the claim is the key\'s own subject, visible as such');
        // the platform's subject still gets its cards: never accepted, it is late on WD_5
        await ok(admin.put('/api/admin/clock', { now: at('2026-03-09', '00:00:00') }));
        const cards = (await ok(subject(n))).cards.map((c) => c.rule).sort();
        assert.ok(cards.includes('pre_acceptance_yellow'), JSON.stringify(cards));
        await ok(admin.put('/api/admin/clock', { now: at('2026-03-02', '12:00:00') }));
    });

    test('F9: a key files only within its department\'s region, and only under regions that exist', async () => {
        const r = await events([
            deptCaseEvent('GA-R-1', 1, 'submit', null, at('2026-03-02'), { caseInfo: { region: '360402' } }), // another city
            deptCaseEvent('GA-R-2', 1, 'submit', null, at('2026-03-02'), { caseInfo: { region: '999999' } }),
            deptCaseEvent('GA-R-3', 1, 'submit', null, at('2026-03-02'), { caseInfo: { region: '360399' } }), // in the city's range, but no such district
            { ...deptCaseEvent('GA-R-4', 1, 'submit', null, at('2026-03-02')), region: '360402' },
        ]);
        assert.equal(r.accepted, 0);
        assert.deepEqual(
            r.rejected.map((x) => x.field),
            ['events[0].case.region', 'events[1].case.region', 'events[2].case.region', 'events[3].region'],
        );
        for (const n of ['GA-R-1', 'GA-R-2', 'GA-R-3', 'GA-R-4']) assert.equal((await subject(n)).status, 404);
        // a district of the city is the key's to use
        const fine = await events([deptCaseEvent('GA-R-5', 1, 'submit', null, at('2026-03-02'), { caseInfo: { region: '360302' } })]);
        assert.equal(fine.accepted, 1, JSON.stringify(fine.rejected));
    });

    test('F17: the drafter of a version cannot pass its legality review, not even an administrator', async () => {
        const items = JSON.parse(readFileSync(path.join(REPO, 'data/demo/items.json'), 'utf8')).items;
        const guide = { ...structuredClone(items.find((i) => i.code === PASSPORT)), code: '360300-XK-GA-177', name: '四眼原则测试事项' };
        assert.equal((await admin.post('/api/items', guide)).status, 201);
        await ok(admin.post('/api/items/360300-XK-GA-177/submit'));
        const self = await admin.post('/api/items/360300-XK-GA-177/review', { decision: 'approve', opinion: '自己审自己' });
        assert.equal(self.status, 403, self.text);
        assert.equal(errorOf(self).field, 'code');
        assert.match(errorOf(self).message, /起草人以外/);
        const returned = await admin.post('/api/items/360300-XK-GA-177/review', { decision: 'return', opinion: '退回' });
        assert.equal(returned.status, 403, 'nor send it back');
        await ok(fzb.post('/api/items/360300-XK-GA-177/review', { decision: 'approve', opinion: '合法' }));
    });
});

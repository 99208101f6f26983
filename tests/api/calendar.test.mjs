// calendar.test.mjs - the working-day calendar over HTTP, checked against
// the npm package chinese-days for every day 2004-2026, add/between against
// day-by-day loops, local holidays, imports, and the (fake) clock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BIN, Client, REPO, as, errorOf, getMany, startServer, tempDir } from './lib/server.mjs';

// chinese-days is CommonJS (its "module" entry is not loadable by Node)
const cd = createRequire(path.join(REPO, 'package.json'))('chinese-days');

const DAY_MS = 86400000;
const FIRST = Date.UTC(2004, 0, 1);
const LAST = Date.UTC(2026, 11, 31);
// the day map reaches beyond the covered years so that loops may run past them
const MAP_FIRST = Date.UTC(2003, 9, 1);
const MAP_LAST = Date.UTC(2027, 3, 30);
const REASON_LABEL = { workday: '工作日', weekend: '周末', holiday: '节假日', makeup: '调休上班' };
const TZ_OFFSET_S = 8 * 3600; // Asia/Shanghai, no DST since 1991
const OFFICE = [
    [9 * 3600, 12 * 3600],
    [13 * 3600 + 1800, 17 * 3600 + 1800],
]; // calendar.office_hours default

// scripts/import-calendar.mjs writes the notices' names where chinese-days
// keeps short ones (its OFFICIAL_NAME table)
const OFFICIAL_NAME = {
    清明: '清明节',
    端午: '端午节',
    中秋: '中秋节',
    中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日: '抗战胜利70周年纪念日',
};

const iso = (t) => new Date(t).toISOString().slice(0, 10);
const dayNum = (s) => Date.parse(`${s}T00:00:00Z`) / DAY_MS;
const dateOf = (n) => iso(n * DAY_MS);

// a small seeded generator: failures can be replayed
function rng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

let srv, admin, anon;
const days = new Map(); // day number -> the server's answer

async function inChunks(list, size, fn) {
    const out = [];
    for (let i = 0; i < list.length; i += size) out.push(...(await Promise.all(list.slice(i, i + size).map(fn))));
    return out;
}

before(async () => {
    srv = await startServer();
    admin = await as(srv, 'admin');
    anon = new Client(srv);
    // every day of the map over a few pipelined keep-alive connections
    const all = [];
    for (let t = MAP_FIRST; t <= MAP_LAST; t += DAY_MS) all.push(iso(t));
    const replies = await getMany(srv.port, all.map((d) => `/api/calendar/day/${d}`));
    replies.forEach((r, i) => {
        assert.equal(r.status, 200, all[i]);
        days.set(dayNum(all[i]), JSON.parse(r.body));
    });
});

after(async () => {
    if (srv) await srv.stop();
});

const working = (n) => {
    const d = days.get(n);
    assert.ok(d, `day ${dateOf(n)} outside the fetched map`);
    return d.working;
};

describe('the official calendar', () => {
    test('every day 2004-01-01..2026-12-31 agrees with chinese-days: working or not, and why', () => {
        let checked = 0;
        const wrong = [];
        for (let t = FIRST; t <= LAST; t += DAY_MS) {
            const date = iso(t);
            const got = days.get(dayNum(date));
            const wd = new Date(t).getUTCDay(); // 0 Sunday .. 6 Saturday
            const weekend = wd === 0 || wd === 6;
            const detail = cd.getDayDetail(date);
            const listed = detail.name.includes(',');
            const short = listed ? detail.name.split(',')[1] : '';
            const cnName = OFFICIAL_NAME[short] ?? short;
            const want = { working: cd.isWorkday(date) };
            if (want.working && weekend) Object.assign(want, { reason: 'makeup', name: cnName });
            else if (want.working) Object.assign(want, { reason: 'workday', name: '' });
            else if (!weekend || listed) Object.assign(want, { reason: 'holiday', name: cnName });
            else Object.assign(want, { reason: 'weekend', name: '' });
            assert.equal(want.working, detail.work, `${date}: chinese-days disagrees with itself`);
            const sub = {
                working: got.working,
                reason: got.reason,
                name: got.name,
            };
            if (JSON.stringify(sub) !== JSON.stringify(want)) wrong.push(`${date}: got ${JSON.stringify(sub)}, want ${JSON.stringify(want)}`);
            assert.equal(got.date, date);
            assert.equal(got.weekday, wd || 7, date);
            assert.equal(got.reason_label, REASON_LABEL[got.reason], date);
            assert.equal(got.covered, true, date);
            checked++;
        }
        assert.equal(checked, 8401);
        assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} days differ`);
    });

    test('known days: 2026 Spring Festival and National Day, their make-up days', () => {
        const at = (s) => days.get(dayNum(s));
        assert.deepEqual([at('2026-02-14').working, at('2026-02-14').reason, at('2026-02-14').name], [true, 'makeup', '春节']);
        assert.deepEqual([at('2026-02-17').working, at('2026-02-17').reason], [false, 'holiday']);
        assert.deepEqual([at('2026-10-01').working, at('2026-10-01').name], [false, '国庆节']);
        assert.equal(at('2026-10-01').weekday_label, '星期四');
        assert.deepEqual([at('2026-06-15').working, at('2026-06-15').reason], [true, 'workday']);
        assert.deepEqual([at('2026-06-13').working, at('2026-06-13').reason], [false, 'weekend']);
    });

    test('years outside the official calendar follow the weekday rule and say so', () => {
        for (const [from, to] of [
            [MAP_FIRST, FIRST - DAY_MS],
            [LAST + DAY_MS, MAP_LAST],
        ]) {
            for (let t = from; t <= to; t += DAY_MS) {
                const got = days.get(t / DAY_MS);
                const wd = new Date(t).getUTCDay();
                assert.equal(got.working, wd !== 0 && wd !== 6, iso(t));
                assert.equal(got.reason, wd === 0 || wd === 6 ? 'weekend' : 'workday', iso(t));
                assert.equal(got.covered, false, iso(t));
            }
        }
    });

    test('/api/calendar/years and /days list what data/calendar.tsv lists', async () => {
        const years = await anon.get('/api/calendar/years');
        assert.deepEqual(years.json.years, Array.from({ length: 23 }, (_, i) => 2004 + i));
        const rows = readFileSync(path.join(REPO, 'data/calendar.tsv'), 'utf8')
            .split('\n')
            .filter((l) => /^2026-/.test(l))
            .map((l) => l.split('\t'));
        const r = await anon.get('/api/calendar/days?year=2026');
        assert.equal(r.status, 200);
        assert.equal(r.json.covered, true);
        assert.deepEqual(
            r.json.items.map((x) => [x.date, x.kind, x.name]),
            rows.map(([d, k, n]) => [d, k, n]),
        );
        assert.ok(r.json.items.every((x) => x.local === false));
        const none = await anon.get('/api/calendar/days?year=2030');
        assert.deepEqual([none.json.covered, none.json.items], [false, []]);
        assert.equal(errorOf(await anon.get('/api/calendar/days')).field, 'year');
        assert.equal(errorOf(await anon.get('/api/calendar/days?year=20x6')).field, 'year');
    });
});

describe('counting working days', () => {
    function naiveAdd(start, n) {
        let d = start;
        for (let k = 0; k < Math.abs(n); ) {
            d += Math.sign(n);
            if (working(d)) k++;
        }
        return d;
    }
    function naiveBetween(from, to) {
        if (to < from) return -naiveBetween(to, from);
        let c = 0;
        for (let d = from + 1; d <= to; d++) if (working(d)) c++;
        return c;
    }

    test('add agrees with a day-by-day loop (300 random starts, holidays and edges)', async () => {
        const r = rng(20260302);
        const cases = [];
        for (let i = 0; i < 300; i++) {
            const start = Math.floor(FIRST / DAY_MS + r() * ((LAST - FIRST) / DAY_MS + 1));
            cases.push([start, Math.floor(r() * 81) - 40]);
        }
        // starts on holidays and make-up days, zero and one step, the calendar's ends
        for (const s of ['2026-10-01', '2026-02-14', '2026-02-15', '2026-09-30', '2004-01-01', '2026-12-31'])
            for (const n of [-3, -1, 0, 1, 3, 10]) cases.push([dayNum(s), n]);
        await inChunks(cases, 50, async ([start, n]) => {
            const res = await fetch(srv.url(`/api/calendar/add?start=${dateOf(start)}&days=${n}`));
            assert.equal(res.status, 200);
            const j = await res.json();
            assert.equal(j.date, dateOf(naiveAdd(start, n)), `add(${dateOf(start)}, ${n})`);
            assert.equal(j.start, dateOf(start));
            assert.equal(j.days, n);
            assert.equal(j.day.date, j.date);
            if (n !== 0) assert.equal(j.day.working, true, 'the result of a non-zero add is a working day');
        });
    });

    test('the documented example: accepted 2026-09-29, 3 working days -> 2026-10-09', async () => {
        const r = await anon.get('/api/calendar/add?start=2026-09-29&days=3');
        assert.equal(r.json.date, '2026-10-09');
    });

    test('between agrees with a day-by-day loop (300 random pairs, both directions)', async () => {
        const r = rng(7);
        const cases = [];
        for (let i = 0; i < 300; i++) {
            const a = Math.floor(FIRST / DAY_MS + r() * ((LAST - FIRST) / DAY_MS + 1));
            const b = a + Math.floor(r() * 801) - 400;
            cases.push([a, Math.min(Math.max(b, MAP_FIRST / DAY_MS), MAP_LAST / DAY_MS)]);
        }
        cases.push([dayNum('2026-10-01'), dayNum('2026-10-01')], [FIRST / DAY_MS, LAST / DAY_MS], [LAST / DAY_MS, FIRST / DAY_MS]);
        await inChunks(cases, 50, async ([a, b]) => {
            const res = await fetch(srv.url(`/api/calendar/between?from=${dateOf(a)}&to=${dateOf(b)}`));
            assert.equal(res.status, 200);
            const j = await res.json();
            assert.equal(j.working_days, naiveBetween(a, b), `between(${dateOf(a)}, ${dateOf(b)})`);
            assert.equal(j.working_seconds, undefined, 'dates give no seconds');
        });
    });

    // instants: Unix seconds; their local day starts at a multiple of a day minus 8 hours
    function naiveSeconds(from, to, office) {
        let sum = 0;
        if (to <= from) return 0;
        const first = Math.floor((from + TZ_OFFSET_S) / 86400);
        const last = Math.floor((to + TZ_OFFSET_S) / 86400);
        for (let d = first; d <= last; d++) {
            if (!working(d)) continue;
            const start = d * 86400 - TZ_OFFSET_S;
            const spans = office ? office.map(([a, b]) => [start + a, start + b]) : [[start, start + 86400]];
            for (const [a, b] of spans) sum += Math.max(0, Math.min(b, to) - Math.max(a, from));
        }
        return sum;
    }
    const local = (t) => {
        const s = new Date((t + TZ_OFFSET_S) * 1000).toISOString().slice(0, 19);
        return `${s}+08:00`;
    };

    test('between with RFC 3339 instants gives working and office seconds', async () => {
        const q = (from, to) => anon.get(`/api/calendar/between?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
        // Monday 09:00 to Tuesday 09:00: a whole working day, one day of office hours
        let r = await q('2026-03-02T09:00:00+08:00', '2026-03-03T09:00:00+08:00');
        assert.equal(r.status, 200);
        assert.deepEqual([r.json.working_days, r.json.working_seconds, r.json.office_seconds], [1, 86400, 7 * 3600]);
        // Friday 17:00 to Monday 10:00 across a weekend
        r = await q('2026-03-06T17:00:00+08:00', '2026-03-09T10:00:00+08:00');
        assert.deepEqual([r.json.working_days, r.json.working_seconds, r.json.office_seconds], [1, 7 * 3600 + 10 * 3600, 1800 + 3600]);
        // the same instants in UTC
        r = await q('2026-03-06T09:00:00Z', '2026-03-09T02:00:00Z');
        assert.deepEqual([r.json.working_seconds, r.json.office_seconds], [61200, 5400]);
        // National Day 2026 (10-01..10-07): no working second up to 10-08 00:00;
        // 10-08 itself is a working day, counted by working_days
        r = await q('2026-10-01T00:00:00+08:00', '2026-10-08T00:00:00+08:00');
        assert.deepEqual([r.json.working_days, r.json.working_seconds, r.json.office_seconds], [1, 0, 0]);
        r = await q('2026-09-30T17:00:00+08:00', '2026-10-08T10:00:00+08:00');
        assert.deepEqual([r.json.working_days, r.json.working_seconds, r.json.office_seconds], [1, 7 * 3600 + 10 * 3600, 1800 + 3600]);
        // backwards: no seconds
        r = await q('2026-03-03T09:00:00+08:00', '2026-03-02T09:00:00+08:00');
        assert.deepEqual([r.json.working_days, r.json.working_seconds], [-1, 0]);
        // random instants against the loop
        const g = rng(99);
        const cases = [];
        for (let i = 0; i < 150; i++) {
            const from = Math.floor(Date.UTC(2025, 0, 1) / 1000 + g() * 2 * 365 * 86400);
            cases.push([from, from + Math.floor(g() * 30 * 86400)]);
        }
        await inChunks(cases, 50, async ([a, b]) => {
            const from = g() < 0.5 ? local(a) : new Date(a * 1000).toISOString().replace('.000Z', 'Z');
            const res = await fetch(srv.url(`/api/calendar/between?from=${encodeURIComponent(from)}&to=${encodeURIComponent(local(b))}`));
            const j = await res.json();
            assert.equal(res.status, 200, JSON.stringify(j));
            const what = `${from} .. ${local(b)}`;
            assert.equal(j.working_seconds, naiveSeconds(a, b, null), `working seconds ${what}`);
            assert.equal(j.office_seconds, naiveSeconds(a, b, OFFICE), `office seconds ${what}`);
            const da = Math.floor((a + TZ_OFFSET_S) / 86400);
            const db = Math.floor((b + TZ_OFFSET_S) / 86400);
            assert.equal(j.working_days, naiveBetween(da, db), `working days ${what}`);
        });
    });

    test('bad dates are 400 naming the parameter', async () => {
        for (const bad of ['2026-02-30', '2026-13-01', '2026-00-10', '2026-1-01', '2026-01-1', 'garbage', '2025-02-29', '1899-12-31', '3000-01-01', '2026-01-01x', '+2026-01-01']) {
            const r = await anon.get(`/api/calendar/day/${encodeURIComponent(bad)}`);
            assert.equal(r.status, 400, bad);
            assert.equal(errorOf(r).field, 'date', bad);
        }
        assert.equal((await anon.get('/api/calendar/day/2024-02-29')).status, 200, 'a leap day');
        assert.equal((await anon.get('/api/calendar/day/2000-02-29')).status, 200, 'a 400-year leap day');
        const cases = [
            ['/api/calendar/add?start=2026-02-30&days=1', 'start'],
            ['/api/calendar/add?days=1', 'start'],
            ['/api/calendar/add?start=2026-03-01', 'days'],
            ['/api/calendar/add?start=2026-03-01&days=abc', 'days'],
            ['/api/calendar/add?start=2026-03-01&days=1.5', 'days'],
            ['/api/calendar/add?start=2026-03-01&days=36501', 'days'],
            ['/api/calendar/between?from=2026-01-01', 'to'],
            ['/api/calendar/between?from=garbage&to=2026-01-01', 'from'],
            ['/api/calendar/between?from=2026-01-01&to=2026-13-01', 'to'],
            ['/api/calendar/between?from=2026-03-02T25:00:00%2B08:00&to=2026-03-03', 'from'],
        ];
        for (const [p, field] of cases) {
            const r = await anon.get(p);
            assert.equal(r.status, 400, p);
            assert.equal(errorOf(r).field, field, p);
        }
    });
});

describe('local days (administrators)', () => {
    test('PUT makes 2026-06-15 a local holiday; DELETE makes it a working day again', async () => {
        let r = await admin.put('/api/admin/calendar/days/2026-06-15', { kind: 'holiday', name: '市庆' });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual([r.json.working, r.json.reason, r.json.name], [false, 'holiday', '市庆']);
        r = await anon.get('/api/calendar/day/2026-06-15');
        assert.deepEqual([r.json.working, r.json.reason, r.json.name], [false, 'holiday', '市庆']);
        // counting goes around it
        assert.equal((await anon.get('/api/calendar/add?start=2026-06-12&days=1')).json.date, '2026-06-16');
        assert.equal((await anon.get('/api/calendar/between?from=2026-06-12&to=2026-06-16')).json.working_days, 1);
        const listed = (await anon.get('/api/calendar/days?year=2026')).json.items.find((x) => x.date === '2026-06-15');
        assert.deepEqual(listed, { date: '2026-06-15', kind: 'holiday', name: '市庆', local: true });
        r = await admin.del('/api/admin/calendar/days/2026-06-15');
        assert.equal(r.status, 200);
        assert.deepEqual([r.json.working, r.json.reason, r.json.name], [true, 'workday', '']);
        assert.equal((await anon.get('/api/calendar/add?start=2026-06-12&days=1')).json.date, '2026-06-15');
        assert.equal((await admin.del('/api/admin/calendar/days/2026-06-15')).status, 404, 'nothing listed any more');
        // both changes are in the audit trail
        const a = await admin.get('/api/audit?target_id=2026-06-15');
        assert.deepEqual(a.json.items.map((x) => [x.action, x.actor_login]), [
            ['calendar.unset_day', 'admin'],
            ['calendar.set_day', 'admin'],
        ]);
    });

    test('a make-up working day on a Saturday; refused on a weekday', async () => {
        let r = await admin.put('/api/admin/calendar/days/2026-06-20', { kind: 'makeup', name: '市庆补班' });
        assert.equal(r.status, 200);
        assert.deepEqual([r.json.working, r.json.reason], [true, 'makeup']);
        r = await admin.put('/api/admin/calendar/days/2026-06-17', { kind: 'makeup', name: '周三补班' });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'kind');
        assert.equal((await admin.del('/api/admin/calendar/days/2026-06-20')).status, 200);
        assert.equal((await anon.get('/api/calendar/day/2026-06-20')).json.working, false);
    });

    test('bad requests: kind, name, date, unknown fields', async () => {
        const cases = [
            ['2026-06-15', { kind: 'party', name: 'x' }, 'kind'],
            ['2026-06-15', { kind: 'holiday' }, 'name'],
            ['2026-06-15', { kind: 'holiday', name: '' }, 'name'],
            ['2026-06-15', { kind: 'holiday', name: '长'.repeat(31) }, 'name'],
            ['2026-06-15', { kind: 'holiday', name: 'x', local: true }, 'local'],
            ['2026-02-30', { kind: 'holiday', name: 'x' }, 'date'],
            ['tomorrow', { kind: 'holiday', name: 'x' }, 'date'],
        ];
        for (const [date, body, field] of cases) {
            const r = await admin.put(`/api/admin/calendar/days/${date}`, body);
            assert.equal(r.status, 400, `${date} ${JSON.stringify(body)}`);
            assert.equal(errorOf(r).field, field, `${date} ${JSON.stringify(body)}`);
        }
        assert.equal((await anon.get('/api/calendar/day/2026-06-15')).json.working, true, 'nothing changed');
    });

    test('only administrators change the calendar', async () => {
        for (const login of ['jiancha', 'gaj_head', 'zhangsan']) {
            const c = await as(srv, login);
            assert.equal((await c.put('/api/admin/calendar/days/2026-06-15', { kind: 'holiday', name: '市庆' })).status, 403, login);
            assert.equal((await c.del('/api/admin/calendar/days/2026-10-01')).status, 403, login);
        }
        assert.equal((await anon.put('/api/admin/calendar/days/2026-06-15', { kind: 'holiday', name: '市庆' })).status, 401);
        assert.equal((await admin.put('/api/admin/calendar/days/2026-06-15', { kind: 'holiday', name: '市庆' }, { csrf: false })).status, 403);
        assert.equal((await anon.get('/api/calendar/day/2026-06-15')).json.working, true);
        assert.equal((await anon.get('/api/calendar/day/2026-10-01')).json.working, false);
    });

    test('a local correction of an official day, once removed, gives the official day back', async () => {
        // the city cancels the make-up Saturday 2026-10-10, then changes its mind
        let r = await admin.put('/api/admin/calendar/days/2026-10-10', { kind: 'holiday', name: '市庆调整' });
        assert.equal(r.status, 200);
        assert.deepEqual([r.json.working, r.json.name], [false, '市庆调整']);
        r = await admin.del('/api/admin/calendar/days/2026-10-10');
        assert.equal(r.status, 200);
        // removing the local listing must bring back the official one, not
        // delete the State Council's make-up day (or holiday) with it
        let day = await anon.get('/api/calendar/day/2026-10-10');
        assert.deepEqual([day.json.working, day.json.reason, day.json.name], [true, 'makeup', '国庆节']);
        assert.equal((await admin.put('/api/admin/calendar/days/2026-10-07', { kind: 'holiday', name: '国庆节（市）' })).status, 200);
        assert.equal((await admin.del('/api/admin/calendar/days/2026-10-07')).status, 200);
        day = await anon.get('/api/calendar/day/2026-10-07');
        assert.deepEqual([day.json.working, day.json.reason, day.json.name], [false, 'holiday', '国庆节']);
    });

    test('importing a year: listed days, coverage, local days kept', async () => {
        assert.equal((await admin.put('/api/admin/calendar/days/2027-05-20', { kind: 'holiday', name: '市庆' })).status, 200);
        const tsv = 'year\t2027\n2027-01-01\tholiday\t元旦\n2027-02-06\tholiday\t春节\n2027-02-20\tmakeup\t春节\n';
        let r = await admin.req('POST', '/api/admin/calendar/import', { body: tsv, headers: { 'Content-Type': 'text/tab-separated-values' } });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json, { days: 3, years: 1 });
        assert.ok((await anon.get('/api/calendar/years')).json.years.includes(2027));
        const d = (s) => anon.get(`/api/calendar/day/${s}`).then((x) => x.json);
        assert.deepEqual(await d('2027-01-01').then((x) => [x.working, x.name, x.covered]), [false, '元旦', true]);
        assert.deepEqual(await d('2027-02-20').then((x) => [x.working, x.reason]), [true, 'makeup']);
        assert.equal((await d('2027-05-20')).name, '市庆', 'the local day survives the import');
        // a broken file changes nothing
        r = await admin.req('POST', '/api/admin/calendar/import', { body: 'year\t2027\n2027-01-04\tmakeup\t周一补班\n', headers: { 'Content-Type': 'text/plain' } });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).field, 'file');
        assert.equal((await d('2027-01-01')).name, '元旦');
        assert.equal((await new Client(srv).req('POST', '/api/admin/calendar/import', { body: tsv })).status, 401);
        assert.equal((await admin.del('/api/admin/calendar/days/2027-05-20')).status, 200);
    });

    test('local days survive a restart', async () => {
        const s = await startServer({ keep: true });
        try {
            const a = await as(s, 'admin');
            assert.equal((await a.put('/api/admin/calendar/days/2026-07-01', { kind: 'holiday', name: '建城纪念日' })).status, 200);
            await s.stop();
            const s2 = await startServer({ dir: s.dir });
            try {
                const day = await new Client(s2).get('/api/calendar/day/2026-07-01');
                assert.deepEqual([day.json.working, day.json.name], [false, '建城纪念日']);
            } finally {
                await s2.stop();
            }
        } finally {
            rmSync(s.dir, { recursive: true, force: true });
        }
    });
});

describe('the clock', () => {
    test('GET /api/clock tells the real time; PUT /api/admin/clock does not exist without --fake-clock', async () => {
        const r = await anon.get('/api/clock');
        assert.equal(r.status, 200);
        assert.equal(r.json.fake, false);
        assert.equal(r.json.timezone, 'Asia/Shanghai');
        assert.match(r.json.now, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
        assert.ok(Math.abs(Date.parse(r.json.now) - Date.now()) < 5 * 60 * 1000);
        const put = await admin.put('/api/admin/clock', { now: '2026-03-02T09:00:00+08:00' });
        assert.equal(put.status, 404);
        assert.equal((await anon.get('/api/clock')).json.fake, false);
    });

    test('with --fake-clock an administrator sets the time and it stands still', async () => {
        const s = await startServer({ args: ['--fake-clock'] });
        try {
            const a = await as(s, 'admin');
            const c = new Client(s);
            assert.equal((await c.get('/api/clock')).json.fake, true);
            let r = await a.put('/api/admin/clock', { now: '2026-03-02T09:00:00+08:00' });
            assert.equal(r.status, 200, r.text);
            assert.equal(r.json.now, '2026-03-02T09:00:00+08:00');
            r = await c.get('/api/clock');
            assert.deepEqual([r.json.now, r.json.fake], ['2026-03-02T09:00:00+08:00', true]);
            await new Promise((res) => setTimeout(res, 1100));
            assert.equal((await c.get('/api/clock')).json.now, '2026-03-02T09:00:00+08:00', 'time stands still');
            r = await a.put('/api/admin/clock', { now: '2026-10-01T02:00:00Z' });
            assert.equal(r.json.now, '2026-10-01T10:00:00+08:00', 'shown in the city\'s zone');
            // only administrators, with their CSRF token
            for (const login of ['jiancha', 'gaj_head', 'zhangsan']) {
                const u = await as(s, login);
                assert.equal((await u.put('/api/admin/clock', { now: '2030-01-01T00:00:00+08:00' })).status, 403, login);
            }
            assert.equal((await c.put('/api/admin/clock', { now: '2030-01-01T00:00:00+08:00' })).status, 401);
            assert.equal((await a.put('/api/admin/clock', { now: '2030-01-01T00:00:00+08:00' }, { csrf: false })).status, 403);
            for (const bad of ['yesterday', '2026-03-02', '2026-03-02T09:00:00', '2026-02-30T09:00:00+08:00']) {
                r = await a.put('/api/admin/clock', { now: bad });
                assert.equal(r.status, 400, bad);
                assert.equal(errorOf(r).field, 'now', bad);
            }
            assert.equal((await c.get('/api/clock')).json.now, '2026-10-01T10:00:00+08:00');
        } finally {
            await s.stop();
        }
    });
});

// The shipped calendar (data/calendar.tsv) ends on 2026-12-31; the State
// Council publishes 2027 in November. /healthz and GET /api/calendar/coverage
// warn from calendar.warn_days (60) days before that day on; the node's own
// status stays the store's. Days are set with the fake clock.
describe('when the calendar runs out', () => {
    let s, a, c, fixtures;
    // TEST FIXTURE, not the State Council's 2027 schedule (unpublished when
    // this was written): a file in the import format, made in a temp dir
    const FIXTURE_2027 =
        '# TEST FIXTURE ONLY (tests/api/calendar.test.mjs): not the official 2027 schedule\n' +
        'year\t2027\n2027-01-01\tholiday\t测试元旦\n2027-02-20\tmakeup\t测试补班\n';

    before(async () => {
        fixtures = tempDir('zt-cal-fixture-');
        writeFileSync(path.join(fixtures, '2027.tsv'), FIXTURE_2027);
        // sessions that outlive the months the clock jumps
        const long = ['--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'];
        s = await startServer({ args: ['--fake-clock', ...long] });
        a = await as(s, 'admin');
        c = new Client(s);
    });
    after(async () => {
        try {
            if (s) await s.stop();
        } finally {
            rmSync(fixtures, { recursive: true, force: true });
        }
    });

    const at = async (day) => {
        const r = await a.put('/api/admin/clock', { now: `${day}T09:00:00+08:00` });
        assert.equal(r.status, 200, r.text);
    };
    const coverage = async () => {
        const r = await c.get('/api/calendar/coverage');
        assert.equal(r.status, 200, r.text);
        // /healthz says the same in its calendar member, and stays "ok" itself
        const h = await c.get('/healthz');
        assert.equal(h.status, 200);
        assert.equal(h.json.status, 'ok');
        assert.equal(h.json.store.writable, true);
        const { years, next_year, today, ...four } = r.json;
        assert.deepEqual(h.json.calendar, four);
        return r.json;
    };
    const shipped = [];
    for (let y = 2004; y <= 2026; y++) shipped.push(y);

    test('ok on 2026-10-01: covered until 2026-12-31, nothing to do yet', async () => {
        await at('2026-10-01');
        const r = await coverage();
        assert.deepEqual(r, {
            status: 'ok',
            covered_until: '2026-12-31',
            warn_days: 60,
            message: '工作日历覆盖至 2026-12-31。',
            years: shipped,
            next_year: 2027,
            today: '2026-10-01',
        });
        await at('2026-10-31');
        assert.equal((await coverage()).status, 'ok');
    });

    test('degraded from 60 days before its last day: 2026-11-01, 2026-11-02; the message names the day and the import', async () => {
        await at('2026-11-01');
        assert.equal((await coverage()).status, 'degraded');
        await at('2026-11-02');
        const r = await coverage();
        assert.equal(r.status, 'degraded');
        assert.equal(r.covered_until, '2026-12-31');
        assert.equal(r.next_year, 2027);
        assert.match(r.message, /只覆盖到 2026-12-31，还剩 59 天/);
        assert.match(r.message, /请导入 2027 年工作日历/);
        assert.match(r.message, /zhengtong calendar import/);
    });

    test('degraded after it: 2027-01-05 counts on the weekday rule alone', async () => {
        await at('2027-01-05');
        const r = await coverage();
        assert.equal(r.status, 'degraded');
        assert.equal(r.covered_until, '2026-12-31');
        assert.match(r.message, /已过 5 天/);
        assert.equal((await c.get('/api/calendar/day/2027-01-01')).json.covered, false);
    });

    test('ok again once the next year is imported (POST /api/admin/calendar/import with a test file)', async () => {
        const text = readFileSync(path.join(fixtures, '2027.tsv'), 'utf8');
        const r = await a.req('POST', '/api/admin/calendar/import', {
            body: text,
            headers: { 'Content-Type': 'text/tab-separated-values' },
        });
        assert.equal(r.status, 200, r.text);
        const cov = await coverage();
        assert.equal(cov.status, 'ok');
        assert.equal(cov.covered_until, '2027-12-31');
        assert.deepEqual(cov.years, [...shipped, 2027]);
        assert.equal(cov.next_year, 2028);
        assert.equal(cov.message, '工作日历覆盖至 2027-12-31。');
        assert.equal((await c.get('/api/calendar/day/2027-01-01')).json.covered, true);
        // the import is in the audit trail
        const audit = await a.get('/api/audit?action=calendar.import');
        assert.ok(audit.json.items.some((x) => x.detail.source === 'upload' && x.detail.years === 1));
    });

    test('the CLI import (zhengtong calendar import FILE) and calendar.warn_days', async () => {
        // a second database: the command on a stopped server, then a start
        // with a warning of 366 days
        const s1 = await startServer({ keep: true });
        const dir = s1.dir;
        try {
            await s1.stop();
            const r = spawnSync(BIN, ['calendar', 'import', path.join(fixtures, '2027.tsv'), '--data-dir', dir], {
                cwd: REPO,
                encoding: 'utf8',
                env: { ...process.env, TZ: 'Asia/Shanghai' },
            });
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /imported 2 listed days in 1 years/);
            const s2 = await startServer({ dir, args: ['--fake-clock', '--calendar.warn_days', '366'] });
            try {
                await (await as(s2, 'admin')).put('/api/admin/clock', { now: '2027-01-05T09:00:00+08:00' });
                const cov = (await new Client(s2).get('/api/calendar/coverage')).json;
                assert.equal(cov.covered_until, '2027-12-31');
                assert.equal(cov.warn_days, 366);
                assert.equal(cov.status, 'degraded', 'within 366 days of 2027-12-31');
                assert.equal(cov.next_year, 2028);
                assert.match(cov.message, /还剩 360 天/);
            } finally {
                await s2.stop();
            }
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

// intake.test.mjs - POST /api/supervision/events (issue #5): departments'
// own systems report supervision events with an API key, one event or a
// batch of up to 1000; each event is judged alone; accepted events are in
// the ledger and the supervision projection before the reply; resends are
// duplicates; late and out-of-order events are accepted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, as, startServer } from './lib/server.mjs';
import { deptCaseEvent } from './lib/cases.mjs';

let srv, admin, jiancha, ga, mz;
const depts = {}; // code -> id

// RFC 3339 in +08:00 for an instant
function at(ms) {
    const d = new Date(ms + 8 * 3600e3);
    return d.toISOString().replace(/\.\d{3}Z$/, '+08:00');
}
const DAY = 86400e3;
const T0 = Date.now() - 10 * DAY; // the cases below start ten days ago

// one event of an external case of 360300-GA (lib/cases.mjs)
const caseEvent = deptCaseEvent;

function story(number) {
    return [
        caseEvent(number, 1, 'submit', null, at(T0), { to: 'submitted' }),
        caseEvent(number, 2, 'accept', 'accept', at(T0 + 3600e3), { from: 'submitted', to: 'accepted' }),
        caseEvent(number, 3, 'complete', 'complete', at(T0 + 2 * DAY), { from: 'accepted', to: 'completed' }),
    ];
}

async function ledgerFor(number) {
    const size = (await jiancha.get('/api/ledger/entries?from=0&to=0')).json.size;
    const from = Math.max(0, size - 1000);
    const r = await jiancha.get(`/api/ledger/entries?from=${from}&to=${size}&subject=${encodeURIComponent(`case/${number}`)}`);
    assert.equal(r.status, 200, r.text);
    return r.json.items;
}

async function newKey(head, code, name) {
    const r = await head.post('/api/keys', { dept_id: depts[code], name });
    assert.equal(r.status, 201, r.text);
    return new Client(srv, { key: r.json.key });
}

before(async () => {
    srv = await startServer();
    admin = await as(srv, 'admin');
    jiancha = await as(srv, 'jiancha');
    for (const code of ['360300-GA', '360300-MZ']) {
        const r = await admin.get(`/api/departments?q=${encodeURIComponent(code)}`);
        depts[code] = r.json.items.find((d) => d.code === code).id;
    }
    ga = await newKey(await as(srv, 'gaj_head'), '360300-GA', '人口信息系统（监察报送）');
    mz = await newKey(await as(srv, 'mzj_head'), '360300-MZ', '救助系统（监察报送）');
});

after(async () => {
    if (srv) await srv.stop();
});

describe('POST /api/supervision/events', () => {
    test('a batch of one case (submit, accept, complete) is accepted; each event is in the ledger', async () => {
        const number = 'GA-EXT-2026-0001';
        const evs = story(number);
        const r = await ga.post('/api/supervision/events', { events: evs });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 3);
        assert.deepEqual(r.json.duplicates, []);
        assert.deepEqual(r.json.rejected, []);
        assert.deepEqual(
            r.json.events,
            evs.map((e, i) => ({ index: i, id: e.id, status: 'accepted' })),
        );
        const entries = await ledgerFor(number);
        assert.deepEqual(
            entries.map((x) => findId(x.event)).sort(),
            evs.map((e) => e.id).sort(),
        );
        for (const x of entries) assert.equal(x.subject, `case/${number}`);
        // the source was filled in from the key
        assert.ok(entries.every((x) => JSON.stringify(x.event).includes('"dept:360300-GA"')));
        // the supervision view shows the subject with its three steps in time order
        const c = await jiancha.get(`/api/supervision/cases/${number}`);
        assert.equal(c.status, 200, c.text);
        assert.equal(c.json.source, 'dept:360300-GA');
        assert.equal(c.json.department, '360300-GA');
        assert.deepEqual(
            c.json.steps.map((s) => s.id),
            evs.map((e) => e.id),
        );
    });

    test('resending the batch changes nothing: three duplicates', async () => {
        const number = 'GA-EXT-2026-0001';
        const before_ = await ledgerFor(number);
        const view = (await jiancha.get(`/api/supervision/cases/${number}`)).json;
        const r = await ga.post('/api/supervision/events', { events: story(number) });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 0);
        assert.deepEqual(r.json.duplicates, story(number).map((e) => e.id));
        assert.ok(r.json.events.every((e) => e.status === 'duplicate'));
        assert.equal((await ledgerFor(number)).length, before_.length);
        const again = (await jiancha.get(`/api/supervision/cases/${number}`)).json;
        assert.equal(again.events, view.events);
        assert.deepEqual(again.steps, view.steps);
    });

    test('a single event (not a batch) is accepted too, with index 0', async () => {
        const ev = caseEvent('GA-EXT-2026-0002', 1, 'submit', null, at(T0), { to: 'submitted' });
        const r = await ga.post('/api/supervision/events', ev);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 1);
        assert.deepEqual(r.json.events, [{ index: 0, id: ev.id, status: 'accepted' }]);
        // a bad single event is a 200 with its rejection, field paths without "events[i]"
        const bad = caseEvent('GA-EXT-2026-0002', 2, 'accept', 'accept', at(T0 + DAY));
        bad.case.legal_days = 400;
        const b = await ga.post('/api/supervision/events', bad);
        assert.equal(b.status, 200, b.text);
        assert.equal(b.json.accepted, 0);
        assert.equal(b.json.rejected[0].field, 'case.legal_days');
    });

    test('2 bad events among 5: 3 accepted, 2 rejected naming the field by its path', async () => {
        const number = 'GA-EXT-2026-0003';
        const evs = [
            ...story(number),
            caseEvent('GA-EXT-2026-0004', 1, 'submit', null, at(T0), { to: 'submitted' }),
            caseEvent('GA-EXT-2026-0005', 1, 'submit', null, at(T0), { to: 'submitted' }),
        ];
        evs[1].case.legal_days = 366; // events[1]: over a year
        evs[4].step.result = 'approved'; // events[4]: not a result
        const r = await ga.post('/api/supervision/events', { events: evs });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 3);
        assert.deepEqual(
            r.json.rejected.map(({ index, id, field }) => ({ index, id, field })),
            [
                { index: 1, id: evs[1].id, field: 'events[1].case.legal_days' },
                { index: 4, id: evs[4].id, field: 'events[4].step.result' },
            ],
        );
        for (const x of r.json.rejected) assert.match(x.message, /[\u4e00-\u9fff]/);
        assert.deepEqual(
            r.json.events.map((e) => e.status),
            ['accepted', 'rejected', 'accepted', 'accepted', 'rejected'],
        );
        // the rejected accept is not in the ledger, the two others are
        assert.equal((await ledgerFor(number)).length, 2);
        assert.equal((await ledgerFor('GA-EXT-2026-0005')).length, 0);
    });

    test('a refusal without its reason is accepted: missing step detail is for the rules, not for intake', async () => {
        const number = 'GA-EXT-2026-0006';
        const evs = [
            caseEvent(number, 1, 'submit', null, at(T0), { to: 'submitted' }),
            caseEvent(number, 2, 'refuse', 'refuse', at(T0 + DAY), { from: 'submitted', to: 'refused' }),
        ];
        const r = await ga.post('/api/supervision/events', { events: evs });
        assert.equal(r.json.accepted, 2, r.text);
    });

    test("an event of another department is rejected naming case.department; the key's own source only", async () => {
        const ev = caseEvent('MZ-EXT-2026-0001', 1, 'submit', null, at(T0), { dept: '360300-MZ', to: 'submitted' });
        let r = await ga.post('/api/supervision/events', { events: [ev] });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 0);
        assert.equal(r.json.rejected[0].field, 'events[0].case.department');
        assert.match(r.json.rejected[0].message, /360300-GA/);
        // another source
        const ev2 = caseEvent('GA-EXT-2026-0007', 1, 'submit', null, at(T0), { to: 'submitted' });
        ev2.source = 'dept:360300-MZ';
        r = await ga.post('/api/supervision/events', { events: [ev2] });
        assert.equal(r.json.rejected[0].field, 'events[0].source');
        // the same event is fine for 民政局's key
        r = await mz.post('/api/supervision/events', { events: [ev] });
        assert.equal(r.json.accepted, 1, r.text);
    });

    test('a case number another source reported is rejected naming subject (409-style reason)', async () => {
        // GA-EXT-2026-0001 belongs to dept:360300-GA
        const ev = caseEvent('GA-EXT-2026-0001', 9, 'void', 'void', at(T0 + 3 * DAY), { dept: '360300-MZ' });
        ev.id = 'mz-sys/takeover/1';
        const r = await mz.post('/api/supervision/events', ev);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 0);
        assert.equal(r.json.rejected[0].field, 'subject');
        assert.match(r.json.rejected[0].message, /dept:360300-GA/);
        // an id another source used is not a duplicate of it
        const ev2 = caseEvent('MZ-EXT-2026-0002', 1, 'submit', null, at(T0), { dept: '360300-MZ' });
        ev2.id = 'ga-sys/GA-EXT-2026-0001/1';
        const r2 = await mz.post('/api/supervision/events', ev2);
        assert.equal(r2.json.rejected[0]?.field, 'id', r2.text);
        assert.deepEqual(r2.json.duplicates, []);
    });

    test('out of order: complete before accept in a batch, and an earlier event in a later request', async () => {
        const number = 'GA-EXT-2026-0008';
        const [submit, accept, complete] = story(number);
        let r = await ga.post('/api/supervision/events', { events: [complete, submit] });
        assert.equal(r.json.accepted, 2, r.text);
        r = await ga.post('/api/supervision/events', accept); // late, and earlier than complete
        assert.equal(r.json.accepted, 1, r.text);
        assert.equal((await ledgerFor(number)).length, 3);
        const c = await jiancha.get(`/api/supervision/cases/${number}`);
        assert.equal(c.status, 200, c.text);
        // placed by event time, not by arrival
        assert.deepEqual(
            c.json.steps.map((s) => s.id),
            [submit.id, accept.id, complete.id],
        );
    });

    test('the body must be an event or a batch of 1..1000: else 400 naming events', async () => {
        const many = Array.from({ length: 1001 }, (_, i) =>
            caseEvent(`GA-EXT-BIG-${i}`, 1, 'submit', null, at(T0), { to: 'submitted' }),
        );
        let r = await ga.post('/api/supervision/events', { events: many });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json.error.field, 'events');
        assert.equal((await ledgerFor('GA-EXT-BIG-0')).length, 0);
        r = await ga.post('/api/supervision/events', { events: [] });
        assert.equal(r.status, 400);
        assert.equal(r.json.error.field, 'events');
        r = await ga.post('/api/supervision/events', { events: {} });
        assert.equal(r.status, 400);
        r = await ga.post('/api/supervision/events', { events: [story('X')[0]], extra: 1 });
        assert.equal(r.status, 400);
        r = await ga.post('/api/supervision/events', '[1, 2]');
        assert.equal(r.status, 400);
        r = await ga.post('/api/supervision/events', '{"id": "a", "id": "b"}');
        assert.equal(r.status, 400);
        // an element that is not an object is one rejected event
        r = await ga.post('/api/supervision/events', { events: [1, story('GA-EXT-2026-0009')[0]] });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 1);
        assert.equal(r.json.rejected[0].field, 'events[0]');
    });

    test('1000 events in one request are accepted in one write', async () => {
        const evs = [];
        for (let i = 0; i < 500; i++) evs.push(...story(`GA-EXT-K-${i}`).slice(0, 2));
        const writes = async () =>
            Number(/^zt_db_writes_total (\d+)$/m.exec((await new Client(srv).get('/metrics')).text)[1]);
        const w0 = await writes();
        const t = Date.now();
        const r = await ga.post('/api/supervision/events', { events: evs });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 1000, JSON.stringify(r.json.rejected.slice(0, 3)));
        assert.ok(Date.now() - t < 30000, `1000 events took ${Date.now() - t} ms`);
        // one write for the request (the ticker may have written meanwhile)
        assert.ok((await writes()) - w0 < 10, `${(await writes()) - w0} writes for one request`);
    });

    test('API keys only: a session user (even admin) 403, no key 401', async () => {
        const ev = story('GA-EXT-2026-0010')[0];
        let r = await admin.post('/api/supervision/events', ev);
        assert.equal(r.status, 403, r.text);
        r = await (await as(srv, 'gaj_head')).post('/api/supervision/events', ev);
        assert.equal(r.status, 403);
        r = await new Client(srv).post('/api/supervision/events', ev);
        assert.equal(r.status, 401);
        r = await new Client(srv, { key: 'zt_nothing_here' }).post('/api/supervision/events', ev);
        assert.equal(r.status, 401);
        assert.equal((await ledgerFor('GA-EXT-2026-0010')).length, 0);
    });
});

// the event id inside a ledger entry, wherever the entry keeps the payload
function findId(v) {
    if (!v || typeof v !== 'object') return undefined;
    if (typeof v.id === 'string' && typeof v.type === 'string' && v.subject_type) return v.id;
    for (const x of Object.values(v)) {
        const r = findId(x);
        if (r) return r;
    }
    return undefined;
}

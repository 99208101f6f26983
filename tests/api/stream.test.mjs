// stream.test.mjs - the supervision office's live feed, GET /api/supervision/stream
// (issue #5, docs/stream.md): server-sent events of new sv_events rows in commit
// order with resumable ids, the viewer's region, filters, access, the stream cap
// (http.max_streams), and a prompt SIGTERM with streams open. sv_events rows are
// made through the real API (each consultation submitted writes one). Card rows
// come from the supervision engine and are tested with it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Client, as, errorOf, startServer } from './lib/server.mjs';
import { openStream, PATH, WAIT_MS } from './lib/sse.mjs';

const ID = /^e(\d+)\.c(\d+)$/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

async function consult(c, department = '360300-GA', title = '户口迁移需要哪些材料') {
    const r = await c.post('/api/consultations', {
        department,
        title,
        content: '本人在安源区工作，想把户口从外省迁入萍乡市，需要准备哪些材料？',
    });
    assert.equal(r.status, 201, r.text);
    return r.json.number;
}

const subjects = (s) => s.events.filter((e) => e.event === 'sv_event').map((e) => e.data.subject);
const has = (s, number) => subjects(s).includes(number);

describe('the live feed', () => {
    let srv, zhangsan, jiancha, jianchaAy, admin, shenji;
    const open = [];
    const stream = async (client, opts) => {
        const s = await openStream(srv, client, opts);
        open.push(s);
        return s;
    };

    before(async () => {
        // the tests keep their streams open until the end, most as jiancha: more than one user's
        // share (http.max_streams_per_user, attacks-http.test.mjs)
        srv = await startServer({ args: ['--http.max_streams_per_user', '64'] });
        [zhangsan, jiancha, jianchaAy, admin, shenji] = await Promise.all(
            ['zhangsan', 'jiancha', 'jiancha_ay', 'admin', 'shenji'].map((l) => as(srv, l)),
        );
    });

    after(async () => {
        for (const s of open) s.close();
        if (srv) await srv.stop();
    });

    test('anonymous: 401; a citizen: 403; both JSON errors, not streams', async () => {
        let s = await stream(null);
        assert.equal(s.status, 401);
        assert.equal(s.json.error.code, 'unauthenticated');
        s = await stream(zhangsan);
        assert.equal(s.status, 403);
        assert.match(s.res.headers.get('content-type'), /^application\/json/);
    });

    test('bad Last-Event-ID, since, level and dept are 400 naming the field', async () => {
        for (const [opts, field] of [
            [{ lastEventId: 'e12' }, 'Last-Event-ID'],
            [{ lastEventId: 'e1.c2x' }, 'Last-Event-ID'],
            [{ query: '?since=12' }, 'since'],
            [{ query: '?since=e-1.c0' }, 'since'],
            [{ query: '?level=purple' }, 'level'],
            [{ query: '?dept=%3Cscript%3E' }, 'dept'],
        ]) {
            const s = await stream(jiancha, opts);
            assert.equal(s.status, 400, JSON.stringify(opts));
            assert.equal(s.json.error.field, field);
        }
    });

    test('new sv_events arrive in commit order, from "now", with both cursors in the id', async () => {
        const before = await consult(zhangsan, '360300-GA', '连接之前的咨询');
        const s = await stream(jiancha);
        assert.equal(s.res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
        assert.equal(s.res.headers.get('cache-control'), 'no-store');
        assert.equal(s.res.headers.get('x-accel-buffering'), 'no');
        await s.waitFor((x) => x.lastId !== null, 'the starting id');
        const start = ID.exec(s.lastId);
        assert.ok(start, `starting id ${s.lastId}`);
        const numbers = [];
        for (let i = 0; i < 3; i++) numbers.push(await consult(zhangsan, '360300-GA', `实时推送测试 ${i}`));
        await s.waitFor((x) => numbers.every((n) => has(x, n)), 'three events');
        assert.ok(!has(s, before), 'what happened before connecting is not sent');
        const evs = s.events.filter((e) => numbers.includes(e.data.subject));
        assert.deepEqual(
            evs.map((e) => e.data.subject),
            numbers,
            'in commit order',
        );
        let prev = Number(start[1]);
        for (const e of evs) {
            assert.equal(e.event, 'sv_event');
            const m = ID.exec(e.id);
            assert.ok(m, e.id);
            assert.equal(Number(m[1]), e.data.seq, 'the id carries the event seq');
            assert.equal(m[2], start[2], 'and the card cursor');
            assert.ok(e.data.seq > prev);
            prev = e.data.seq;
            assert.deepEqual(Object.keys(e.data).sort(), [
                'dept_code',
                'event_id',
                'occurred_at',
                'region_code',
                'seq',
                'subject',
                'subject_type',
                'type',
            ]);
            assert.equal(e.data.type, 'consultation.submit');
            assert.equal(e.data.subject_type, 'consultation');
            assert.equal(e.data.dept_code, '360300-GA');
            assert.equal(e.data.region_code, '360300');
            assert.match(e.data.occurred_at, RFC3339);
            assert.equal(e.data.event_id, `platform/consultation/${e.data.subject}/1`);
        }
        assert.equal(s.retry, 3000);
    });

    test("the viewer's region: jiancha_ay (安源区) does not get a city department's event, jiancha does", async () => {
        const [city, ay, all, audit] = await Promise.all([jiancha, jianchaAy, admin, shenji].map((c) => stream(c)));
        const cityNo = await consult(zhangsan, '360300-GA', '市公安局的咨询');
        const ayNo = await consult(zhangsan, '360302-GA', '安源分局的咨询');
        // events come in commit order: once the later one is there, the earlier one would be too
        for (const s of [city, ay, all, audit]) await s.waitFor((x) => has(x, ayNo), `${ayNo}`);
        assert.ok(!has(ay, cityNo), 'the district supervisor does not see the city department');
        assert.ok(has(city, cityNo) && has(all, cityNo) && has(audit, cityNo), 'city, admin and auditor do');
        const ayEvent = ay.events.find((e) => e.data.subject === ayNo);
        assert.equal(ayEvent.data.region_code, '360302');
        const cityEvent = city.events.find((e) => e.data.subject === ayNo);
        assert.equal(ayEvent.id, cityEvent.id, 'the same event has the same id for everyone');
    });

    test('rows the filter skips still move the resume point (an id-only block)', async () => {
        const ay = await stream(jianchaAy);
        await ay.waitFor((x) => x.lastId !== null, 'the starting id');
        const start = ay.lastId; // taken now: ay's id moves on as soon as the next row is skipped
        const cityNo = await consult(zhangsan, '360300-GA', '只有市里看得到');
        const city = await stream(jiancha, { query: `?since=${start}` });
        await city.waitFor((x) => has(x, cityNo), cityNo);
        const skipped = city.events.find((e) => e.data.subject === cityNo).id;
        await ay.waitFor((x) => x.lastId === skipped, `the id ${skipped} without data`);
        assert.ok(!has(ay, cityNo));
    });

    test('?dept= keeps one department; ?level= is accepted (it filters cards)', async () => {
        const s = await stream(admin, { query: '?dept=360302-GA&level=red' });
        const cityNo = await consult(zhangsan, '360300-GA', '不在筛选内');
        const ayNo = await consult(zhangsan, '360302-GA', '在筛选内');
        await s.waitFor((x) => has(x, ayNo), ayNo);
        assert.ok(!has(s, cityNo));
        assert.ok(s.events.every((e) => e.data.dept_code === '360302-GA'));
    });

    test('Last-Event-ID resumes after the given event, without loss or duplicates', async () => {
        const a = await stream(jiancha);
        const first = [];
        for (let i = 0; i < 3; i++) first.push(await consult(zhangsan, '360300-GA', `断线前 ${i}`));
        await a.waitFor((x) => first.every((n) => has(x, n)), 'the first three');
        const resumeFrom = a.events.find((e) => e.data.subject === first[0]).id;
        a.close();
        // written while no stream is open
        const later = [];
        for (let i = 0; i < 2; i++) later.push(await consult(zhangsan, '360300-GA', `断线期间 ${i}`));
        // the header wins over ?since= (a reconnecting EventSource keeps its URL)
        const b = await stream(jiancha, { lastEventId: resumeFrom, query: '?since=e0.c0' });
        const want = [...first.slice(1), ...later];
        await b.waitFor((x) => want.every((n) => has(x, n)), 'the rest');
        const after1 = await consult(zhangsan, '360300-GA', '重连之后');
        await b.waitFor((x) => has(x, after1), after1);
        assert.deepEqual(subjects(b), [...want, after1], 'nothing lost, nothing twice, in order');
        // ?since= alone does the same
        const c = await stream(jiancha, { query: `?since=${resumeFrom}` });
        await c.waitFor((x) => has(x, after1), after1);
        assert.deepEqual(subjects(c), [...want, after1]);
        // from the beginning: every event so far, seqs strictly increasing
        const d = await stream(shenji, { query: '?since=e0.c0' });
        await d.waitFor((x) => has(x, after1), after1);
        const seqs = d.events.map((e) => e.data.seq);
        assert.ok(seqs.every((v, i) => i === 0 || v > seqs[i - 1]));
        assert.equal(seqs[0], 1);
    });

    test('a ping comment every 15 s keeps a quiet stream open', { timeout: 40000 }, async () => {
        const s = await stream(jiancha);
        await s.waitFor((x) => x.comments.includes('ping'), 'a ping', 30000);
        assert.ok(!s.ended);
    });
});

// Raw sockets: 257 fetches would also work, but sockets show the status line
// of each stream without reading a body that never ends.
function rawStream(port, cookie) {
    return new Promise((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port });
        let buf = '';
        const timer = setTimeout(() => reject(new Error(`no status line: ${buf}`)), WAIT_MS);
        sock.on('connect', () =>
            sock.write(`GET ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: zt_session=${cookie}\r\n\r\n`),
        );
        sock.on('data', (d) => {
            buf += d.toString('utf8');
            const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
            if (m && buf.includes('\r\n\r\n')) {
                clearTimeout(timer);
                sock.removeAllListeners('data');
                sock.on('data', () => {});
                resolve({ status: Number(m[1]), head: buf, sock });
            }
        });
        sock.on('error', (err) => {
            clearTimeout(timer);
            reject(err);
        });
    });
}

describe('limits and shutdown', () => {
    test('the 257th stream gets 503 with a JSON error (http.max_streams = 256 by default)', async () => {
        // one user and one address here: their own caps (4 streams, 128 connections) raised for the test
        const srv = await startServer({ args: ['--http.max_streams_per_user', '1000', '--http.max_connections_per_address', '1000'] });
        const socks = [];
        try {
            const c = await as(srv, 'jiancha');
            for (let i = 0; i < 256; i += 32) {
                const batch = await Promise.all(Array.from({ length: 32 }, () => rawStream(srv.port, c.cookie)));
                socks.push(...batch.map((b) => b.sock));
                assert.ok(
                    batch.every((b) => b.status === 200),
                    batch.map((b) => b.status),
                );
            }
            const r = await c.get(PATH);
            assert.equal(r.status, 503);
            assert.equal(errorOf(r).code, 'unavailable');
            // other requests still work
            assert.equal((await c.get('/api/auth/me')).status, 200);
            // stopping with 256 streams open does not wait for them
            const t0 = Date.now();
            await srv.stop();
            assert.ok(Date.now() - t0 < 20000, 'the drain (30 s grace) did not wait for the streams');
        } finally {
            for (const s of socks) s.destroy();
            await srv.stop().catch(() => {});
        }
    });

    test('http.max_streams is a runtime option', async () => {
        const srv = await startServer({ args: ['--http.max_streams', '2'] });
        const open = [];
        try {
            const [a, b] = await Promise.all([as(srv, 'jiancha'), as(srv, 'admin')]);
            open.push(await openStream(srv, a), await openStream(srv, b));
            assert.deepEqual(
                open.map((s) => s.status),
                [200, 200],
            );
            const third = await openStream(srv, a);
            assert.equal(third.status, 503);
            assert.equal(third.json.error.code, 'unavailable');
        } finally {
            for (const s of open) s.close();
            await srv.stop();
        }
    });

    test('SIGTERM with a stream open: the stream ends and the server exits', async () => {
        const srv = await startServer();
        const zhangsan = await as(srv, 'zhangsan');
        const s = await openStream(srv, await as(srv, 'jiancha'));
        const n = await consult(zhangsan);
        await s.waitFor((x) => has(x, n), n);
        const t0 = Date.now();
        assert.equal(await srv.stop(), 0);
        assert.ok(Date.now() - t0 < 20000, 'the drain (30 s grace) did not wait for the stream');
        await s.done;
        assert.ok(s.ended);
        assert.equal(s.error, undefined, 'the stream ended cleanly (chunked end), not with an error');
        assert.match(srv.log(), /ending 1 event stream/);
    });
});

describe('cards on the live feed', () => {
    let srv;
    const open = [];
    before(async () => {
        srv = await startServer({ args: ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'] });
    });
    after(async () => {
        for (const s of open) s.close();
        if (srv) await srv.stop();
    });

    test('a yellow card appears live when the clock passes the promised day; a county supervisor does not see it', async () => {
        const [admin, zs, clerk, jiancha, ay] = await Promise.all(
            ['admin', 'zhangsan', 'gaj_clerk', 'jiancha', 'jiancha_ay'].map((l) => as(srv, l)),
        );
        assert.equal((await admin.put('/api/admin/clock', { now: '2026-02-10T10:00:00+08:00' })).status, 200);
        const item = '360300-XK-GA-001';
        const guide = (await zs.get(`/api/items/${item}`)).json.guide;
        const up = await zs.req('POST', '/api/uploads?name=m.pdf', {
            body: Buffer.from('%PDF-1.4\n%%EOF\n'),
            headers: { 'Content-Type': 'application/octet-stream' },
        });
        const materials = guide.materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: up.json.id }));
        const c = await zs.post('/api/cases', { item_code: item, materials });
        assert.equal(c.status, 201, c.text);
        for (const a of ['pre_review_pass', 'accept'])
            assert.equal((await clerk.post(`/api/cases/${c.json.number}/actions/${a}`, { fields: {} })).status, 200);
        const city = await openStream(srv, jiancha, { query: '?level=yellow' });
        const county = await openStream(srv, ay);
        open.push(city, county);
        assert.equal((await admin.put('/api/admin/clock', { now: '2026-02-27T00:00:00+08:00' })).status, 200);
        await city.waitFor((s) => s.events.some((e) => e.event === 'card'), 'the yellow card');
        const card = city.events.find((e) => e.event === 'card').data;
        assert.equal(card.level, 'yellow');
        assert.equal(card.rule_id, 'promised_yellow');
        assert.equal(card.action, 'raise');
        assert.equal(card.subject, c.json.number);
        assert.ok(city.events.filter((e) => e.event === 'card').every((e) => e.data.level === 'yellow'), '?level=yellow');
        // the county's feed carries a later event of its own region, and no card of the city's
        const mine = await zs.post('/api/consultations', { department: '360302-GA', title: '咨询', content: '内容' });
        assert.equal(mine.status, 201, mine.text);
        await county.waitFor((s) => s.events.some((e) => e.data.subject === mine.json.number), 'the district event');
        assert.equal(county.events.some((e) => e.event === 'card'), false);
    });
});

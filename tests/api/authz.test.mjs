// authz.test.mjs - the authorisation matrix: every route of the binary's
// route table (`zhengtong routes --markdown`, so a new route cannot be
// forgotten) x every caller - anonymous, one demo user of each of the 12
// roles, an API key of the department the demo staff belong to (公安局) and
// an API key of another department (民政局) - gets exactly the answer the
// table promises: a denied caller 401 (anonymous) or 403 before any handler
// runs; an allowed caller reaches the handler (2xx, or a 4xx of validation
// or existence, never 401 and never the route-level 403). Then department
// scope: a key, a clerk or a head of department A can neither read nor write
// department B's data, and nothing is written when they try.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, Client, REPO, as, errorOf, startServer } from './lib/server.mjs';

const USERS = {
    citizen: 'zhangsan',
    enterprise: 'pxqiye',
    clerk: 'gaj_clerk',
    dept_head: 'gaj_head',
    legal_reviewer: 'fzb',
    supervisor: 'jiancha',
    trading_officer: 'jyzx',
    finance_officer: 'czj',
    data_officer: 'xxzx',
    auditor: 'shenji',
    admin: 'admin',
    expert: 'zhuanjia',
};
const PEOPLE = ['citizen', 'enterprise'];
// 评标专家 (src/experts) is neither the public nor staff: "any user" only
const OTHERS = ['expert'];
const STAFF = Object.keys(USERS).filter((r) => !PEOPLE.includes(r) && !OTHERS.includes(r));
// the callers, in the order of the printed matrix
const CALLERS = ['anonymous', ...Object.keys(USERS), 'key_own', 'key_other'];
const SHORT = {
    anonymous: 'anon',
    citizen: 'cit',
    enterprise: 'ent',
    clerk: 'clk',
    dept_head: 'head',
    legal_reviewer: 'legal',
    supervisor: 'sup',
    trading_officer: 'trade',
    finance_officer: 'fin',
    data_officer: 'data',
    auditor: 'audit',
    admin: 'admin',
    expert: 'exp',
    key_own: 'keyA',
    key_other: 'keyB',
};

// The messages of the two refusals made before any handler runs (server.c).
const MASK_403 = /无权访问此功能/;
const CSRF_403 = /CSRF/;

/** The route table: [{method, path, roles: Set of role names | null (public)}]. */
function routeTable() {
    const r = spawnSync(BIN, ['routes', '--markdown'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
        .split('\n')
        .filter((l) => /^\| (GET|POST|PUT|PATCH|DELETE) \|/.test(l))
        .map((l) => {
            const [, method, p, who] = l.split('|').map((x) => x.trim());
            if (who === 'public') return { method, path: p, roles: null };
            const roles = new Set();
            for (const w of who.split(',').map((x) => x.trim())) {
                if (w === 'any user') [...PEOPLE, ...STAFF, ...OTHERS].forEach((x) => roles.add(x));
                else if (w === 'staff') STAFF.forEach((x) => roles.add(x));
                else roles.add(w);
            }
            for (const x of roles) assert.ok(x === 'system' || x in USERS, `unknown role ${x} in ${method} ${p}`);
            return { method, path: p, roles };
        });
}

// Path parameters point at nothing that exists, so that an allowed write
// reaches its handler and changes nothing (404/400), whoever calls it.
const PARAMS = {
    id: '999999',
    code: '999999',
    date: '2026-06-15',
    number: '360300-20990101-999999',
    action: 'accept',
    month: '2099-01',
    file: '2099-01.xlsx',
    version: '99',
    expert: 'ZJ-999999',
    dataset: 'persons',
    key: '999999',
    scheme: 'none',
};
const concrete = (p) =>
    p.replace(/\{([a-z_]+)\}/g, (_, k) => {
        assert.ok(k in PARAMS, `no test value for the path parameter {${k}} of ${p}`);
        return PARAMS[k];
    });

function roleOf(caller) {
    return caller.startsWith('key_') ? 'system' : caller;
}

// The live feed never ends: its status and headers are enough.
const STREAM = '/api/supervision/stream';

async function call(c, route) {
    const p = concrete(route.path);
    if (route.path !== STREAM) return c.req(route.method, p, route.method === 'GET' ? {} : { body: {} });
    const headers = {};
    if (c.cookie) headers.Cookie = `zt_session=${c.cookie}`;
    if (c.key) headers.Authorization = `Bearer ${c.key}`;
    const ac = new AbortController();
    const res = await fetch(c.srv.url(p), { headers, signal: ac.signal });
    let text = '';
    if ((res.headers.get('content-type') || '').startsWith('text/event-stream')) ac.abort();
    else text = await res.text();
    const json = text && (res.headers.get('content-type') || '').startsWith('application/json') ? JSON.parse(text) : null;
    return { status: res.status, headers: res.headers, text, json };
}

/** What the table promises: 'public', 'allow' or 'deny'. */
function expected(route, caller) {
    if (!route.roles) return 'public';
    if (caller === 'anonymous') return 'deny';
    return route.roles.has(roleOf(caller)) ? 'allow' : 'deny';
}

describe('the authorisation matrix', () => {
    let srv;
    const clients = {};
    let depts;

    before(async () => {
        srv = await startServer({ args: ['--fake-clock'] });
        clients.anonymous = new Client(srv);
        for (const [role, login] of Object.entries(USERS)) clients[role] = await as(srv, login);
        depts = await deptIds(clients.admin, ['360300-GA', '360300-MZ']);
        assert.equal(clients.dept_head.user.dept_id, depts['360300-GA'], 'the demo head is of 公安局');
        clients.key_own = await newKey(srv, clients.admin, depts['360300-GA'], '矩阵（本部门）');
        clients.key_other = await newKey(srv, clients.admin, depts['360300-MZ'], '矩阵（其他部门）');
    });

    after(async () => {
        if (srv) await srv.stop();
    });

    test('every route x every caller: allowed callers reach the handler, the others get 401/403', async () => {
        const routes = routeTable();
        assert.ok(routes.length >= 100, `${routes.length} routes`);
        // logging out ends the session: done last, each role with a session of its own
        const logout = (r) => r.method === 'POST' && r.path === '/api/auth/logout';
        routes.sort((a, b) => logout(a) - logout(b));
        const failures = [];
        const scoped = []; // allowed by the table, refused by the handler's scope check
        const rows = [];
        const tally = { allow: 0, deny: 0, public: 0 };
        for (const route of routes) {
            // the callers of one route in parallel: the server has a thread pool
            const marks = await Promise.all(
                CALLERS.map(async (caller) => {
                    const want = expected(route, caller);
                    let c = clients[caller];
                    if (logout(route) && caller in USERS) c = await as(srv, USERS[caller]);
                    const res = await call(c, route);
                    const what = `${caller} ${route.method} ${route.path} -> ${res.status} ${res.text.slice(0, 160)}`;
                    tally[want]++;
                    let ok;
                    if (want === 'deny') {
                        ok = res.status === (caller === 'anonymous' ? 401 : 403);
                        if (ok && res.status === 403) ok = MASK_403.test(errorOf(res).message);
                    } else {
                        // reached the handler: not refused by the session, the CSRF check or the mask
                        const refusedEarly =
                            res.status === 401 ||
                            (res.status === 403 && (MASK_403.test(res.text) || CSRF_403.test(res.text)));
                        ok = !refusedEarly && res.status < 500;
                        if (ok && res.status === 403) scoped.push(`${caller} ${route.method} ${route.path}: ${errorOf(res).message}`);
                    }
                    if (!ok) failures.push(`expected ${want}: ${what}`);
                    return !ok ? '!' : want === 'deny' ? '.' : want === 'public' ? 'p' : 'A';
                }),
            );
            rows.push(`${marks.join('')}  ${route.method} ${route.path}`);
        }
        const header = CALLERS.map((c, i) => `${i.toString(16)}=${SHORT[c]}`).join(' ');
        console.log(
            `authorisation matrix: ${routes.length} routes x ${CALLERS.length} callers = ${routes.length * CALLERS.length} requests` +
                ` (${tally.allow} allowed, ${tally.deny} denied, ${tally.public} public)\n` +
                `columns ${header}\nA allowed and reached the handler, . denied (401/403), p public, ! wrong\n` +
                rows.join('\n') +
                `\nallowed, then refused by the handler's own scope check (403 with its reason): ${scoped.length}` +
                scoped.map((x) => `\n  ${x}`).join(''),
        );
        assert.deepEqual(failures, []);
        // the sessions survived all of that
        for (const role of Object.keys(USERS)) assert.equal((await clients[role].get('/api/auth/me')).status, 200, role);
    });

    test('a cookie write without the CSRF token is 403 before the mask, on every non-public write route', async () => {
        const routes = routeTable().filter((r) => r.roles && r.method !== 'GET');
        for (const route of routes) {
            const res = await clients.admin.req(route.method, concrete(route.path), { body: {}, csrf: false });
            assert.equal(res.status, 403, `${route.method} ${route.path}: ${res.text}`);
            assert.equal(errorOf(res).field, 'X-CSRF-Token', `${route.method} ${route.path}`);
        }
    });

    // Region scope of the ledger and the audit trail (issue #22 F7, F8): the
    // mask admits supervisors, auditors, administrators and (for their own
    // entries) applicants; which entries each then reads is this table.
    test('the ledger and the audit trail by region: every reader x an entry of the city, a county, the platform, a citizen', async () => {
        const readers = {
            supervisor: clients.supervisor, // 市监察局: the city, the top of the directory
            supervisor_county: await as(srv, 'jiancha_ay'), // 安源区监察局
            auditor: clients.auditor,
            admin: clients.admin,
            citizen: clients.citizen,
            enterprise: clients.enterprise,
        };
        const ayId = readers.supervisor_county.user.id;
        const gaId = clients.clerk.user.id;
        assert.equal((await clients.admin.patch(`/api/users/${ayId}`, { phone: '13700000001' })).status, 200);
        assert.equal((await clients.admin.patch(`/api/users/${gaId}`, { phone: '13700000002' })).status, 200);
        const last = async (subject) => {
            const r = await clients.admin.get(`/api/ledger/entries?subject=${encodeURIComponent(subject)}`);
            assert.equal(r.status, 200, r.text);
            assert.ok(r.json.items.length, subject);
            return { subject, index: r.json.items.at(-1).index, size: r.json.size };
        };
        const calendar = (await clients.admin.get('/api/ledger/entries?from=0&to=10')).json.items.find((it) =>
            it.subject.startsWith('calendar/'));
        const entries = {
            city: await last(`user/${gaId}`), // 公安局's clerk: 360300
            county: await last(`user/${ayId}`), // 安源区: 360302
            platform: await last(calendar.subject), // the calendar: no region
            citizen: await last(`user/${clients.citizen.user.id}`), // zhangsan's account: his, no region
        };
        // what each reader reads: 1 yes, 0 no
        const want = {
            supervisor: { city: 1, county: 1, platform: 1, citizen: 1 },
            supervisor_county: { city: 0, county: 1, platform: 0, citizen: 0 },
            auditor: { city: 1, county: 1, platform: 1, citizen: 1 },
            admin: { city: 1, county: 1, platform: 1, citizen: 1 },
            citizen: { city: 0, county: 0, platform: 0, citizen: 1 },
            enterprise: { city: 0, county: 0, platform: 0, citizen: 0 },
        };
        const rows = [];
        const failures = [];
        for (const [who, c] of Object.entries(readers)) {
            const marks = [];
            for (const [what, e] of Object.entries(entries)) {
                const sees = want[who][what] === 1;
                const l = await c.get(`/api/ledger/entries?subject=${encodeURIComponent(e.subject)}`);
                const listed = l.status === 200 && l.json.items.some((it) => it.index === e.index);
                const p = await c.get(`/api/ledger/proof/inclusion?index=${e.index}&size=${e.size}`);
                const [type, ...id] = e.subject.split('/');
                const a = await c.get(`/api/audit?target_type=${type}&target_id=${encodeURIComponent(id.join('/'))}`);
                // applicants have no audit trail at all (the route's mask)
                const audited = a.status === 200 && a.json.total > 0;
                const ok = l.status === 200 && listed === sees && p.status === (sees ? 200 : 403) &&
                    (['citizen', 'enterprise'].includes(who) ? a.status === 403 : audited === sees);
                if (!ok)
                    failures.push(`${who} x ${what}: list ${l.status} ${listed}, proof ${p.status}, audit ${a.status} ${a.json?.total}`);
                marks.push(ok ? (sees ? 'R' : '-') : '!');
            }
            rows.push(`${marks.join(' ')}  ${who}`);
        }
        console.log(`ledger and audit by region (${Object.keys(entries).join(' ')}): R reads, - does not, ! wrong\n${rows.join('\n')}`);
        assert.deepEqual(failures, []);
    });
});

async function deptIds(admin, codes) {
    const out = {};
    for (const code of codes) {
        const r = await admin.get(`/api/departments?q=${encodeURIComponent(code)}`);
        out[code] = r.json.items.find((d) => d.code === code).id;
    }
    return out;
}

async function newKey(srv, c, deptId, name) {
    const r = await c.post('/api/keys', { dept_id: deptId, name });
    assert.equal(r.status, 201, r.text);
    const k = new Client(srv, { key: r.json.key });
    k.keyId = r.json.id;
    return k;
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

// 403 or 404, and no data of the other department in the answer
function refused(r, what, secret = null) {
    assert.ok([403, 404].includes(r.status), `${what}: ${r.status} ${r.text.slice(0, 200)}`);
    errorOf(r);
    if (secret) assert.ok(!r.text.includes(secret), `${what}: the answer names ${secret}`);
}

describe('department scope: A cannot read or write B', () => {
    let srv, admin, jiancha, ay, zs, gaClerk, gaHead, mzClerk, mzHead, gaKey, mzKey, depts;
    let caseB, uploadB, msgB, windowB;
    const A = '360300-GA';
    const B = '360300-MZ';
    const ITEM_B = '360300-XK-MZ-001';

    async function ledgerSize() {
        const r = await jiancha.get('/api/ledger/entries?from=0&to=0');
        assert.equal(r.status, 200, r.text);
        return r.json.size;
    }

    before(async () => {
        srv = await startServer();
        admin = await as(srv, 'admin');
        jiancha = await as(srv, 'jiancha');
        ay = await as(srv, 'jiancha_ay');
        zs = await as(srv, 'zhangsan');
        gaClerk = await as(srv, 'gaj_clerk');
        gaHead = await as(srv, 'gaj_head');
        mzClerk = await as(srv, 'mzj_clerk');
        mzHead = await as(srv, 'mzj_head');
        depts = await deptIds(admin, [A, B]);
        gaKey = await newKey(srv, gaHead, depts[A], '公安业务系统');
        mzKey = await newKey(srv, mzHead, depts[B], '民政业务系统');
        // B's data: a case, its upload, a complaint, a window
        const up = await zs.req('POST', `/api/uploads?name=${encodeURIComponent('救助申请.pdf')}`, {
            body: PDF,
            headers: { 'Content-Type': 'application/octet-stream' },
        });
        assert.equal(up.status, 201, up.text);
        uploadB = up.json.id;
        const item = (await zs.get(`/api/items/${ITEM_B}`)).json;
        const materials = (item.guide || item).materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: uploadB }));
        const c = await zs.post('/api/cases', { item_code: ITEM_B, title: '民政的办件', materials });
        assert.equal(c.status, 201, c.text);
        caseB = c.json.number;
        const m = await zs.post('/api/complaints', {
            department: B,
            title: '民政的投诉',
            content: '窗口人员态度不好',
            idempotency_key: 'authz-1',
        });
        assert.equal(m.status, 201, m.text);
        msgB = m.json.number;
        const w = await admin.get(`/api/windows?dept_id=${depts[B]}`);
        windowB = w.json.items[0]?.id;
    });

    after(async () => {
        if (srv) await srv.stop();
    });

    test('an API key of A cannot report events of B: rejected naming department, nothing ingested', async () => {
        const before0 = await ledgerSize();
        const ev = {
            id: 'authz/MZ-EXT-1/1',
            type: 'case.submit',
            time: new Date(Date.now() - 3600e3).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            subject_type: 'case',
            subject: 'MZ-EXT-1',
            seq: 1,
            case: {
                number: 'MZ-EXT-1', title: '冒名', item_code: ITEM_B, item_name: '救助', department: B, region: '360300',
                applicant_type: 'citizen', channel: 'window', legal_days: 20, promised_days: 10, state: 'submitted',
            },
            step: { action: 'submit', result: null, from: '', to: 'submitted', actor: 'x', actor_role: 'clerk', fields: {} },
        };
        const r = await gaKey.post('/api/supervision/events', ev);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 0);
        assert.equal(r.json.rejected.length, 1);
        assert.equal(r.json.rejected[0].field, 'case.department');
        // B's own key may; then A's key may not write on B's subject even under its own name
        const own = await mzKey.post('/api/supervision/events', ev);
        assert.equal(own.status, 200, own.text);
        assert.equal(own.json.accepted, 1, own.text);
        const afterOwn = await ledgerSize();
        assert.equal(afterOwn, before0 + 1);
        const lie = structuredClone(ev);
        lie.id = 'authz/MZ-EXT-1/2';
        lie.seq = 2;
        lie.case.department = A;
        lie.type = 'case.accept';
        lie.step = { ...lie.step, action: 'accept', result: 'accept', from: 'submitted', to: 'accepted' };
        lie.case.state = 'accepted';
        const r2 = await gaKey.post('/api/supervision/events', lie);
        assert.equal(r2.status, 200, r2.text);
        assert.equal(r2.json.accepted, 0, r2.text);
        assert.equal(r2.json.rejected[0].field, 'subject');
        assert.equal(await ledgerSize(), afterOwn, 'nothing written');
    });

    test("keys by namespace: a key of A takes neither B's event ids nor B's subjects, nor the platform's ids", async () => {
        const time = new Date(Date.now() - 3600e3).toISOString().replace(/\.\d{3}Z$/, 'Z');
        const ev = (dept, number, id) => ({
            id,
            type: 'case.submit',
            time,
            subject_type: 'case',
            subject: number,
            case: {
                number, item_code: ITEM_B, department: dept, region: '360300', applicant_type: 'citizen',
                channel: 'window', legal_days: 20, promised_days: 10,
            },
            step: { action: 'submit', result: null, to: 'submitted' },
        });
        let r = await mzKey.post('/api/supervision/events', ev(B, 'MZ-NS-1', 'ns/MZ-NS-1/1'));
        assert.equal(r.json.accepted, 1, r.text);
        const before0 = await ledgerSize();
        r = await gaKey.post('/api/supervision/events', {
            events: [ev(A, 'GA-NS-1', 'ns/MZ-NS-1/1'), ev(A, 'MZ-NS-1', 'ga/MZ-NS-1/1'), ev(A, 'GA-NS-2', 'platform/case/GA-NS-2/1')],
        });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 0);
        assert.deepEqual(r.json.rejected.map((x) => x.field), ['events[0].id', 'events[1].subject', 'events[2].id']);
        assert.equal(await ledgerSize(), before0, 'nothing ingested');
        const s = await jiancha.get('/api/supervision/cases/MZ-NS-1?type=case');
        assert.equal(s.json.department, B, "B's subject is still B's alone");
        assert.equal(s.json.events, 1);
    });

    test('a clerk of A neither reads nor acts on a case of B; a county supervisor not on a city case', async () => {
        const size = await ledgerSize();
        refused(await gaClerk.get(`/api/cases/${caseB}`), 'GA clerk reads the MZ case', '民政的办件');
        refused(await gaClerk.get(`/api/cases/${caseB}/receipt.pdf`), 'GA clerk reads the receipt');
        refused(await gaClerk.post(`/api/cases/${caseB}/actions/accept`, { fields: {} }), 'GA clerk accepts');
        refused(await gaHead.post(`/api/cases/${caseB}/actions/accept`, { fields: {} }), 'GA head accepts');
        refused(await ay.get(`/api/cases/${caseB}`), '安源 supervisor reads a city case');
        refused(await ay.get(`/api/supervision/cases/${caseB}`), '安源 supervisor reads its supervision');
        refused(await (await as(srv, 'pxqiye')).get(`/api/cases/${caseB}`), 'another applicant reads it');
        // lists are narrowed to the caller's scope: asking for B gives nothing of B
        for (const [c, q, who] of [
            [gaClerk, `?dept=${B}`, 'GA clerk'],
            [gaClerk, '', 'GA clerk'],
            [ay, `?dept=${B}`, '安源 supervisor'],
        ]) {
            const l = await c.get(`/api/dept/cases${q}`);
            assert.equal(l.status, 200, l.text);
            assert.ok(!l.json.items.some((x) => x.number === caseB), `${who} lists the MZ case`);
        }
        const own = await mzClerk.get(`/api/cases/${caseB}`);
        assert.equal(own.status, 200, 'the MZ clerk reads it');
        assert.equal(own.json.state, 'submitted', 'nobody moved it');
        assert.equal(await ledgerSize(), size, 'nothing written');
    });

    test('uploads: only the owner, the case\'s department and supervision read a material', async () => {
        refused(await gaClerk.get(`/api/uploads/${uploadB}`), 'GA clerk downloads');
        refused(await (await as(srv, 'pxqiye')).get(`/api/uploads/${uploadB}`), 'another applicant downloads');
        assert.equal((await mzClerk.get(`/api/uploads/${uploadB}`)).status, 200, 'the case\'s department');
        assert.equal((await zs.get(`/api/uploads/${uploadB}`)).status, 200, 'the owner');
    });

    test('messages: a clerk of A neither reads nor answers a complaint to B', async () => {
        const size = await ledgerSize();
        refused(await gaClerk.get(`/api/messages/${msgB}`), 'GA clerk reads', '窗口人员态度不好');
        refused(await gaClerk.post(`/api/messages/${msgB}/actions/reply`, { fields: { answer: '已处理' } }), 'GA clerk answers');
        const l = await gaClerk.get(`/api/dept/messages?department=${B}`);
        assert.ok(l.status === 403 || (l.status === 200 && !l.json.items.some((x) => x.number === msgB)), l.text);
        assert.equal((await mzClerk.get(`/api/messages/${msgB}`)).status, 200);
        assert.equal(await ledgerSize(), size, 'nothing written');
    });

    test('directory and keys: the head of A changes nothing of B', async () => {
        const size = await ledgerSize();
        const mz0 = (await admin.get(`/api/departments/${depts[B]}`)).json;
        refused(await gaHead.patch(`/api/departments/${depts[B]}`, { phone: '0799-1111111' }), 'GA head patches MZ');
        refused(await gaClerk.get(`/api/departments/${depts[B]}/staff`), 'GA clerk lists MZ staff', 'mzj_clerk');
        if (windowB) refused(await gaHead.patch(`/api/windows/${windowB}`, { name: '改名' }), 'GA head renames an MZ window');
        refused(await gaHead.post('/api/keys', { dept_id: depts[B], name: '冒用' }), 'GA head makes an MZ key');
        refused(await gaHead.del(`/api/keys/${mzKey.keyId}`), 'GA head revokes the MZ key');
        const keys = await gaHead.get('/api/keys');
        assert.equal(keys.status, 200);
        assert.ok(keys.json.items.length > 0 && keys.json.items.every((k) => k.dept_id === depts[A]), keys.text);
        const users = await gaHead.get(`/api/users?dept_id=${depts[B]}`);
        assert.ok(users.status === 403 || (users.status === 200 && !users.text.includes('mzj_')), users.text);
        assert.equal((await mzKey.get('/api/auth/me')).status, 200, 'the MZ key still works');
        assert.deepEqual((await admin.get(`/api/departments/${depts[B]}`)).json, mz0, 'MZ unchanged');
        assert.equal(await ledgerSize(), size, 'nothing written');
    });

    test('items: staff of A cannot draft, version or read the history of B\'s item', async () => {
        const size = await ledgerSize();
        refused(await gaClerk.get(`/api/items/${ITEM_B}/history`), 'GA clerk reads the history');
        refused(await gaClerk.post(`/api/items/${ITEM_B}/versions`, {}), 'GA clerk starts a version');
        refused(await gaHead.post(`/api/items/${ITEM_B}/suspend`, { reason: '越权' }), 'GA head suspends');
        refused(await gaClerk.put(`/api/items/${ITEM_B}/draft`, { name: '改' }), 'GA clerk edits a draft');
        const mine = await gaClerk.get(`/api/dept/items?dept=${B}`);
        assert.equal(mine.status, 200);
        assert.ok(!mine.json.items.some((i) => i.code === ITEM_B), 'GA lists an MZ item');
        assert.equal((await new Client(srv).get(`/api/items/${ITEM_B}`)).json.status, 'published');
        assert.equal(await ledgerSize(), size, 'nothing written');
    });
});

#!/usr/bin/env node
// demo-activity.mjs - give the demo city a few weeks of history, made by the
// real engine: citizens and enterprises apply online, staff handle the cases
// (most on time, some late), a department's own system reports through the
// intake API, consultations, complaints and ratings come and are answered,
// and the supervision engine raises its cards as the fake clock walks
// forward, working day by working day, 09:00-17:00 city time.
//
//   node scripts/demo-activity.mjs --bin build/zhengtong --data-dir var [--weeks 4] [--seed 1]
//        [--summary FILE] [--quiet] [--any.config_key VALUE ...] [-- more serve flags]
//
// It starts `BIN serve --fake-clock --data-dir DIR --port 0` itself, sets the
// clock to the first working day N weeks before today (the machine's clock),
// walks to yesterday, sets the clock to the real now (the ticker fires what is
// due), prints a summary read back from the API and stops the server with
// SIGTERM. Run it once, on a database just made by `init --demo`: it creates
// accounts and cases and is not meant to be repeated (scripts/run-demo.sh
// decides). Any request that fails stops it with the response printed.
// Options with a dot in their name (--auth.argon2_ops 1) and everything after
// `--` go to `serve`. Node 20, node: built-ins only.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tradingActivity } from './demo/trading.mjs';
import { demoExperts } from './demo/experts.mjs';
import { exchangeDemo } from './demo/exchange.mjs';

const PASSWORD = 'Demo2026pass';
const TZ_OFFSET_MS = 8 * 3600e3; // 萍乡 is UTC+8 all year (no DST in China)
const START_TIMEOUT_MS = 30000;
const STOP_TIMEOUT_MS = 45000;

// ---------------------------------------------------------------- arguments

function usage(msg) {
    if (msg) console.error(`demo-activity: ${msg}`);
    console.error(
        'usage: node scripts/demo-activity.mjs --bin BIN --data-dir DIR [--weeks 4] [--seed 1] [--summary FILE] [--quiet] [--key.name VALUE ...] [-- serve flags]',
    );
    process.exit(2);
}

function parseArgs(argv) {
    const o = { bin: null, dataDir: null, weeks: 4, seed: 1, summary: null, quiet: false, serve: [] };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const val = () => {
            if (i + 1 >= argv.length) usage(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--') {
            o.serve.push(...argv.slice(i + 1));
            break;
        } else if (a === '--bin') o.bin = val();
        else if (a === '--data-dir') o.dataDir = val();
        else if (a === '--weeks') o.weeks = Number(val());
        else if (a === '--seed') o.seed = Number(val());
        else if (a === '--summary') o.summary = val();
        else if (a === '--quiet') o.quiet = true;
        else if (a === '--help' || a === '-h') usage();
        else if (/^--[a-z_]+\.[a-z_0-9.]+$/.test(a)) o.serve.push(a, val());
        else if (/^--[a-z_]+\.[a-z_0-9.]+=/.test(a)) o.serve.push(...a.split(/=(.*)/s, 2));
        else usage(`unknown option ${a}`);
    }
    if (!o.bin) usage('--bin is required');
    if (!o.dataDir) usage('--data-dir is required');
    if (!Number.isInteger(o.weeks) || o.weeks < 1 || o.weeks > 12) usage('--weeks must be 1..12');
    if (!Number.isInteger(o.seed)) usage('--seed must be an integer');
    return o;
}

const opt = parseArgs(process.argv.slice(2));
const log = (...a) => {
    if (!opt.quiet) console.log(...a);
};

// ---------------------------------------------------------------- randomness

// mulberry32: small, fast, and the same sequence for the same seed everywhere
function rngFrom(seed) {
    let s = seed >>> 0 || 0x9e3779b9;
    const next = () => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return {
        next,
        int: (a, b) => a + Math.floor(next() * (b - a + 1)), // a..b inclusive
        chance: (p) => next() < p,
        pick: (arr) => arr[Math.floor(next() * arr.length)],
        weighted(pairs) {
            const total = pairs.reduce((s, [, w]) => s + w, 0);
            let x = next() * total;
            for (const [v, w] of pairs) if ((x -= w) < 0) return v;
            return pairs[pairs.length - 1][0];
        },
    };
}
const rng = rngFrom(opt.seed);

// ---------------------------------------------------------------- identifiers

// GB 11643: 17 digits + ISO 7064 MOD 11-2 check digit
function idNumber(region, birth, seq3) {
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const body = `${region}${birth}${seq3}`;
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += Number(body[i]) * w[i];
    return body + '10X98765432'[sum % 11];
}

// GB 32100: 登记管理部门 9 (市场监管) + 类别 1 (企业) + region + GB 11714
// organisation code with its own check + the MOD 31 check character
const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function orgCheck(s8) {
    const w = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += (/\d/.test(s8[i]) ? Number(s8[i]) : s8.charCodeAt(i) - 55) * w[i];
    const c = 11 - (sum % 11);
    return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}
function creditCode(region, org8) {
    const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    const s = `91${region}${org8}${orgCheck(org8)}`;
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += USCC.indexOf(s[i]) * w[i];
    return s + USCC[(31 - (sum % 31)) % 31];
}
// the demo's own made-up examples must come out right
if (idNumber('360302', '19850312', '004') !== '360302198503120045') throw new Error('idNumber self-check');
if (creditCode('360300', '58426731') !== '91360300584267314N') throw new Error('creditCode self-check');

// ---------------------------------------------------------------- city time

const pad = (n, w = 2) => String(n).padStart(w, '0');
const cityDate = (ms) => new Date(ms + TZ_OFFSET_MS).toISOString().slice(0, 10);
function addDays(date, n) {
    const d = new Date(`${date}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
}
// minutes after midnight of a city day -> RFC 3339 with the offset
const isoAt = (date, minute, second = 0) =>
    `${date}T${pad(Math.floor(minute / 60))}:${pad(minute % 60)}:${pad(second)}+08:00`;

// ---------------------------------------------------------------- the server

class DemoError extends Error {}

function serverEnv() {
    // like the test harness: the developer's ZT_* settings must not change
    // the configuration; the city's time zone
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ZT_')) env[k] = v;
    env.TZ = 'Asia/Shanghai';
    return env;
}

async function startServer() {
    const bin = path.resolve(opt.bin);
    if (!existsSync(bin)) throw new DemoError(`binary not found: ${bin}`);
    const args = [
        'serve', '--fake-clock', '--data-dir', opt.dataDir, '--port', '0',
        // the walk spans weeks of fake time: sessions must outlive it
        '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000',
        '--log.access', '0',
        ...opt.serve,
    ];
    const proc = spawn(bin, args, { env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (b) => {
        out += b.toString();
        if (out.length > 200000) out = out.slice(-100000);
    };
    proc.stdout.on('data', keep);
    const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    const port = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new DemoError(`server did not start in time:\n${out}`)), START_TIMEOUT_MS);
        proc.stderr.on('data', (b) => {
            keep(b);
            const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        exited.then(({ code, signal }) => {
            clearTimeout(timer);
            reject(new DemoError(`server exited before listening (code ${code}, signal ${signal}):\n${out}`));
        });
    });
    return {
        proc,
        base: `http://127.0.0.1:${port}`,
        exited,
        log: () => out,
        async stop(signal = 'SIGTERM') {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
            let timer;
            const res = await Promise.race([
                exited,
                new Promise((r) => {
                    timer = setTimeout(() => r(null), STOP_TIMEOUT_MS);
                }),
            ]);
            clearTimeout(timer);
            if (!res) {
                proc.kill('SIGKILL');
                await exited;
                throw new DemoError(`server did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM`);
            }
            return res;
        },
    };
}

// ---------------------------------------------------------------- the client

// A user of the API: session cookie + CSRF token, or an API key (Bearer).
class Client {
    constructor(base, who, key = null) {
        this.base = base;
        this.who = who;
        this.key = key;
        this.cookie = null;
        this.csrf = null;
        this.user = null;
    }

    async login(login, password = PASSWORD) {
        const r = await this.req('POST', '/api/auth/login', { body: { login, password } });
        check(r, [200], this, 'POST', '/api/auth/login');
        this.who = login;
        this.csrf = r.json.csrf_token;
        this.user = r.json.user;
        return this;
    }

    async req(method, p, { body, headers = {} } = {}) {
        const h = { ...headers };
        let data;
        if (body !== undefined) {
            const raw = typeof body === 'string' || body instanceof Uint8Array;
            data = raw ? body : JSON.stringify(body);
            if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type'))
                h['Content-Type'] = raw ? 'application/octet-stream' : 'application/json';
        }
        if (this.cookie) h.Cookie = `zt_session=${this.cookie}`;
        if (this.key) h.Authorization = `Bearer ${this.key}`;
        if (!['GET', 'HEAD'].includes(method) && this.csrf) h['X-CSRF-Token'] = this.csrf;
        let res;
        stats.requests++;
        try {
            res = await fetch(this.base + p, { method, headers: h, body: data });
        } catch (err) {
            throw new DemoError(`${method} ${p} as ${this.who}: ${err.message}`);
        }
        const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
        for (const sc of res.headers.getSetCookie()) {
            const m = /^zt_session=([^;]*)/.exec(sc);
            if (m) this.cookie = m[1] || null;
        }
        let json = null;
        if ((res.headers.get('content-type') || '').startsWith('application/json') && text) {
            try {
                json = JSON.parse(text);
            } catch {
                json = null;
            }
        }
        return { status: res.status, text, json };
    }

    // a request that must succeed: anything else stops the walk
    async must(method, p, body, ok = [200, 201], headers) {
        const r = await this.req(method, p, { body, headers });
        check(r, ok, this, method, p, body);
        return r.json;
    }
    get(p, ok) {
        return this.must('GET', p, undefined, ok);
    }
    post(p, body = {}, ok) {
        return this.must('POST', p, body, ok);
    }
}

function check(r, ok, c, method, p, body) {
    if (ok.includes(r.status)) return;
    const sent = body === undefined || body instanceof Uint8Array ? '' : `\nrequest body: ${JSON.stringify(body)}`;
    throw new DemoError(`${method} ${p} as ${c.who || 'anonymous'} at ${now.iso}: HTTP ${r.status}\n${r.text}${sent}`);
}

// ---------------------------------------------------------------- a small valid PDF

// One page, Helvetica, a correct cross-reference table: opens in any reader.
function pdf(lines) {
    const esc = (s) => s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
    const text = lines.map((l, i) => `BT /F1 12 Tf 72 ${760 - 18 * i} Td (${esc(l)}) Tj ET`).join('\n');
    const objs = [
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
        '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    ];
    let out = '%PDF-1.4\n';
    const offs = [];
    objs.forEach((o, i) => {
        offs.push(Buffer.byteLength(out));
        out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    });
    const xref = Buffer.byteLength(out);
    out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
    for (const o of offs) out += `${pad(o, 10)} 00000 n \n`;
    out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    return Buffer.from(out, 'latin1');
}

// ---------------------------------------------------------------- the city's cast

// citizens to register (name, login, female?) and enterprises (name, login)
const CITIZENS = [
    ['李娜', 'lina', 1], ['王强', 'wangqiang', 0], ['刘洋', 'liuyang', 0], ['陈静', 'chenjing', 1],
    ['杨帆', 'yangfan', 0], ['赵敏', 'zhaomin', 1], ['黄磊', 'huanglei', 0], ['周慧', 'zhouhui', 1],
    ['吴霞', 'wuxia', 1], ['徐军', 'xujun', 0], ['孙丽', 'sunli', 1], ['胡涛', 'hutao', 0],
];
const ENTERPRISES = [
    ['萍乡市恒达商贸有限公司', 'hengda', '360302'],
    ['江西赣西建设工程有限公司', 'ganxi_jianshe', '360300'],
    ['萍乡安源宾馆管理有限公司', 'anyuan_hotel', '360302'],
    ['芦溪县绿源食品有限公司', 'lvyuan_food', '360323'],
];
const HOME_REGIONS = ['360302', '360313', '360321', '360322', '360323'];
const STAFF_NAMES = [
    '刘芳', '张伟', '王敏', '李军', '陈晓燕', '杨建华', '赵丽', '黄志强', '周红', '吴斌', '徐丽萍', '孙浩', '胡静',
    '朱明', '高峰', '林霞', '何勇', '郭燕', '马超', '罗琳', '梁涛', '宋佳', '郑凯', '谢娟', '韩冰', '唐亮', '冯雪',
    '于洋', '董文', '萧然', '程鹏', '曹颖', '袁野', '邓超', '许晴', '傅强', '沈琳', '曾敏', '彭辉', '吕婷',
];

// items the citizens apply for, with how often (all 网上预审 or 全程网办 in
// the demo catalogue; filtered by what the API publishes as applicable online)
const POOL = [
    ['360300-XK-GA-001', 6], // 普通护照签发 (P7 L15, fee 120 元)
    ['360300-XK-GA-002', 4], // 往来港澳通行证
    ['360300-XK-GA-003', 1], // 旅馆业特种行业许可 (联审: 卫生、住建)
    ['360300-XK-GS-001', 3], // 有限责任公司设立登记 (P1 L3)
    ['360300-XK-JS-001', 2], // 建筑工程施工许可证核发 (P5 L7)
    ['360300-XK-WS-002', 2], // 医师执业注册
    ['360300-XK-WS-003', 2], // 公共场所卫生许可
    ['360300-JF-RS-001', 3], // 失业保险金申领
    ['360300-XK-JT-002', 2], // 超限运输车辆行驶公路许可
    ['360300-XK-MZ-001', 1], // 社会团体成立登记
    ['360300-XK-GH-002', 2], // 建设工程规划许可证核发
    ['360300-XK-FGW-001', 1], // 企业投资项目核准 (联审: 规划、国土)
    ['360300-GG-RKJS-001', 2], // 生育登记 (即办件)
    ['360300-GG-SF-001', 2], // 法律援助申请
    ['360302-QR-GA-001', 3], // 户口迁移（迁入）
    ['360302-XK-SCJG-001', 2], // 食品经营许可
    ['360302-JF-MZ-001', 2], // 最低生活保障审批
    ['360302-QR-ZR-001', 2], // 不动产登记
];
// logins of the demo's existing staff (init --demo) and the region prefixes
const KNOWN_PREFIX = { '360300-GA': 'gaj', '360300-MZ': 'mzj' };
const REGION_PREFIX = { 360300: '', 360302: 'ay_', 360313: 'xd_', 360321: 'lh_', 360322: 'sl_', 360323: 'lx_' };
const REMEDY = '如不服本决定，可以自收到本决定书之日起六十日内向萍乡市人民政府申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。';

// ---------------------------------------------------------------- state of the walk

const now = { ms: 0, iso: '' }; // the fake clock as last set
let srv;
let admin, jiancha;
let D = 0; // working days in the walk
let days = []; // their dates
const items = {}; // code -> {code, name, dept, kind, P, L, subjects, materials, fees, joint}
const depts = {}; // code -> {id, code, name, region, clerk, head, clerkClient, headClient}
const citizens = []; // {login, name, client}
const enterprises = [];
const cases = []; // every case the walk made
const messages = [];
const ratings = [];
const external = []; // numbers reported by a department's system
const planted = {}; // scenario -> case/message number
const accountsMade = []; // [login, role, who]
const stats = { requests: 0, clockMoves: 0 };
let caseSeq = 0;

// the agenda: tasks on (working day index, minute), run in time order
const agenda = [];
let taskSeq = 0;
function at(day, minute, fn) {
    if (day >= D) return; // beyond the walk: stays as it is (still open today)
    agenda.push({ day, minute: Math.min(minute, 23 * 60 + 59), seq: taskSeq++, fn });
}

async function setClock(date, minute, second = 0) {
    const iso = isoAt(date, minute, second);
    const ms = Date.parse(iso);
    if (ms <= now.ms) return;
    await admin.must('PUT', '/api/admin/clock', { now: iso }, [200]);
    now.ms = ms;
    now.iso = iso;
    stats.clockMoves++;
}

// ---------------------------------------------------------------- setup

async function workingDays() {
    const anon = new Client(srv.base, null);
    const today = cityDate(Date.now());
    const isWorking = async (d) => (await anon.get(`/api/calendar/day/${d}`, [200])).working;
    let start = addDays(today, -7 * opt.weeks);
    while (!(await isWorking(start))) start = addDays(start, 1);
    const list = [];
    for (let d = start; d < today; d = addDays(d, 1)) if (await isWorking(d)) list.push(d);
    return { start, today, list };
}

async function loadItems() {
    const anon = new Client(srv.base, null);
    const online = new Set();
    for (let page = 1; ; page++) {
        const r = await anon.get(`/api/items?online=1&per_page=100&page=${page}`, [200]);
        for (const it of r.items) online.add(it.code);
        if (r.items.length === 0 || page * (r.per_page || 100) >= r.total) break;
    }
    for (const [code] of POOL) {
        if (!online.has(code)) continue;
        const it = await anon.get(`/api/items/${code}`, [200]);
        const g = it.guide;
        items[code] = {
            code,
            name: it.name,
            dept: it.department,
            kind: it.process_kind,
            P: it.promised_limit_days,
            L: it.legal_limit_days,
            subjects: g.subjects,
            materials: g.materials.filter((m) => m.required).map((m) => m.name),
            fees: g.fees || [],
            joint: g.joint_departments || [],
        };
    }
    const missing = POOL.map(([c]) => c).filter((c) => !items[c]);
    if (missing.length) log(`  (not published for online application, left out: ${missing.join(', ')})`);
    if (!Object.keys(items).length) throw new DemoError('no item of the demo pool is published for online application');
}

async function ensureUser(login, body) {
    const found = await admin.get(`/api/users?q=${encodeURIComponent(login)}&per_page=100`, [200]);
    if ((found.items || []).some((u) => u.login === login)) return false;
    await admin.must('POST', '/api/users', { login, password: PASSWORD, ...body }, [201]);
    return true;
}

async function setupStaff() {
    const codes = new Set(['360300-MZ']); // MZ: its own system reports (intake)
    for (const it of Object.values(items)) {
        codes.add(it.dept);
        for (const j of it.joint) codes.add(j);
    }
    let n = 0;
    for (const code of [...codes].sort()) {
        const r = await admin.get(`/api/departments?q=${encodeURIComponent(code)}&per_page=100`, [200]);
        const d = (r.items || []).find((x) => x.code === code);
        if (!d) throw new DemoError(`department ${code} not found`);
        const region = d.region_code || code.split('-')[0];
        const prefix = KNOWN_PREFIX[code] || `${REGION_PREFIX[region] ?? `r${region}_`}${code.split('-')[1].toLowerCase()}`;
        const dep = { id: d.id, code, name: d.name, region, clerk: `${prefix}_clerk`, head: `${prefix}_head` };
        for (const [login, role, label] of [[dep.clerk, 'clerk', '窗口'], [dep.head, 'dept_head', '负责人']]) {
            const name = STAFF_NAMES[n++ % STAFF_NAMES.length];
            const made = await ensureUser(login, { name, role, dept_id: d.id, phone: `1397990${pad(n, 4)}` });
            if (made) accountsMade.push([login, role, `${d.name}${label} ${name}`]);
        }
        depts[code] = dep;
    }
    // logins cost a password hash each: a few at a time (accounts are made
    // one by one above, so that their ids do not depend on timing)
    await parallel(Object.values(depts).flatMap((dep) => [
        async () => (dep.clerkClient = await new Client(srv.base, dep.clerk).login(dep.clerk)),
        async () => (dep.headClient = await new Client(srv.base, dep.head).login(dep.head)),
    ]));
}

async function parallel(tasks, width = 4) {
    let next = 0;
    const worker = async () => {
        while (next < tasks.length) await tasks[next++]();
    };
    await Promise.all(Array.from({ length: width }, worker));
}

async function setupApplicants() {
    const anon = new Client(srv.base, null);
    for (const [list, login] of [[citizens, 'zhangsan'], [enterprises, 'pxqiye']]) {
        const client = await new Client(srv.base).login(login); // made by init --demo
        list.push({ login, name: client.user?.name || login, client });
    }
    CITIZENS.forEach(([name, login, female], i) => {
        const region = HOME_REGIONS[i % HOME_REGIONS.length];
        const birth = `${rng.int(1960, 2002)}${pad(rng.int(1, 12))}${pad(rng.int(1, 28))}`;
        const seq = rng.int(10, 99) * 10 + (female ? 2 * rng.int(0, 4) : 2 * rng.int(0, 4) + 1);
        citizens.push({ login, name, id_number: idNumber(region, birth, pad(seq, 3)) });
    });
    ENTERPRISES.forEach(([name, login, region]) => {
        const org = String(rng.int(10000000, 99999999));
        enterprises.push({ login, name, credit_code: creditCode(region, org) });
    });
    for (const c of citizens.filter((x) => !x.client)) {
        await anon.post('/api/auth/register', {
            type: 'citizen', login: c.login, name: c.name, password: PASSWORD, id_number: c.id_number,
            phone: `139${pad(rng.int(0, 99999999), 8)}`,
        }, [200, 201]);
        accountsMade.push([c.login, 'citizen', `${c.name} ${c.id_number}`]);
    }
    for (const e of enterprises.filter((x) => !x.client)) {
        await anon.post('/api/auth/register', {
            type: 'enterprise', login: e.login, name: e.name, password: PASSWORD, credit_code: e.credit_code,
            phone: `0799${pad(rng.int(0, 9999999), 7)}`,
        }, [200, 201]);
        accountsMade.push([e.login, 'enterprise', `${e.name} ${e.credit_code}`]);
    }
    await parallel([...citizens, ...enterprises].filter((x) => !x.client).map((x) => async () => {
        x.client = await new Client(srv.base).login(x.login);
    }));
}

// ---------------------------------------------------------------- cases

const canCitizen = (it) => it.subjects.includes('自然人');
const canEnterprise = (it) => it.subjects.includes('法人') || it.subjects.includes('其他组织');

function applicantFor(it, prefer) {
    const cit = canCitizen(it), ent = canEnterprise(it);
    const asEnt = ent && (!cit || prefer === 'enterprise' || (prefer !== 'citizen' && rng.chance(0.45)));
    return rng.pick(asEnt ? enterprises : citizens);
}

function feeOf(it) {
    const listed = it.fees.filter((f) => typeof f.amount_yuan === 'number');
    if (!listed.length) return { fen: 0, standard: '不收费' };
    const f = listed[0];
    return { fen: Math.round(f.amount_yuan * 100), standard: `${f.name}：${f.standard}` };
}

async function apply(day, minute, code, { applicant, title } = {}) {
    const it = items[code];
    const who = applicant || applicantFor(it);
    const n = ++caseSeq;
    const up = await who.client.must(
        'POST', `/api/uploads?name=${encodeURIComponent(`申请材料-${n}.pdf`)}`,
        pdf([`zhengtong demo application ${n}`, `item ${code}`, `applicant ${who.login}`, `submitted ${now.iso}`]),
        [201], { 'Content-Type': 'application/pdf' },
    );
    const body = {
        item_code: code,
        title: title || `${who.name}申请${it.name}`.slice(0, 100),
        materials: it.materials.map((m) => ({ material: m, upload_id: up.id })),
        contact_phone: `139${pad(rng.int(0, 99999999), 8)}`,
        idempotency_key: `demo-${opt.seed}-${n}`,
    };
    const c = await who.client.must('POST', '/api/cases', body, [201]);
    const k = { number: c.number, code, it, who, dept: depts[it.dept], day, state: c.state, fate: 'ontime', n };
    cases.push(k);
    return k;
}

// one action on a case, by the clerk, the head, or the applicant
async function act(k, actor, action, fields = {}, attachments) {
    const body = { fields };
    if (attachments) body.attachments = attachments;
    const c = await actor.must('POST', `/api/cases/${k.number}/actions/${action}`, body, [200]);
    k.state = c.state;
    return c;
}

// the time of the next step: a while later on the same day, or the next
// morning when the office is closed
function later(day, minute, lo = 10, hi = 60) {
    const m = minute + rng.int(lo, hi);
    return m <= 17 * 60 ? [day, m] : [day + 1, rng.int(9 * 60, 10 * 60 + 30)];
}
const morning = () => rng.int(9 * 60, 11 * 60 + 30);
const afternoon = () => rng.int(14 * 60, 16 * 60 + 45);

const docNo = (k, kind) => `萍${k.dept.code.split('-')[1]}${kind}〔${now.iso.slice(0, 4)}〕${k.n}号`;

/*
 * Handle a case along its process definition. plan: {fate, T (working days
 * from acceptance to completion), special, supplement, fee (fen), refuse,
 * deny, stopAfterAccept}. The steps go on the agenda in order, each a while
 * after the previous one (a cursor that only moves forward), none before
 * the working day it is meant for.
 */
function handle(k, plan, day, minute) {
    const clerk = k.dept.clerkClient, head = k.dept.headClient;
    const it = k.it;
    k.fate = plan.fate || 'ontime';
    let cur = [day, minute];
    const step = (notBefore, fn, lo = 10, hi = 60) => {
        let [d, m] = later(cur[0], cur[1], lo, hi);
        if (notBefore > d) [d, m] = [notBefore, rng.int(9 * 60, 11 * 60)];
        cur = [d, m];
        at(d, m, fn);
        return d;
    };

    if (it.kind === 'on_the_spot') {
        // 即办件: done on the spot, the same day (a day later is already late)
        const m = minute + rng.int(10, 40);
        return at(day, m, async () => {
            const fee = feeOf(it);
            await act(k, clerk, 'complete', {
                result_type: '已办理', certificate_no: docNo(k, '证'), fee_charged: fee.fen, fee_standard: fee.standard,
            });
            afterCompletion(k, day, m);
        });
    }

    // pre-review and acceptance: the same day when it came before 15:00
    const first = minute < 15 * 60 ? day : day + 1;
    if (plan.refuse) {
        step(first, () =>
            act(k, clerk, 'refuse_acceptance', {
                reason: plan.refuse.reason, legal_basis: plan.refuse.legal_basis, remedy_notice: REMEDY,
                notice_no: docNo(k, '不受'),
            }),
        15, 90);
        return;
    }
    const joint = it.kind === 'joint_review';
    let resubmitted = false;
    if (plan.supplement) {
        // 一次性告知补正; the applicant resubmits the next working day
        const d = step(first, () =>
            act(k, clerk, 'request_supplement', {
                missing_materials: plan.supplement,
                notice: `请一次性补正以下材料：${plan.supplement.join('、')}。`,
            }),
        15, 90);
        step(d + 1, async () => {
            const up = await k.who.client.must(
                'POST', `/api/uploads?name=${encodeURIComponent(`补正材料-${k.n}.pdf`)}`,
                pdf([`zhengtong demo supplement ${k.n}`, `case ${k.number}`]), [201], { 'Content-Type': 'application/pdf' },
            );
            await act(k, k.who.client, 'resubmit', { note: '已按要求补齐材料' },
                it.materials.slice(0, 1).map((mat) => ({ material: mat, upload_id: up.id })));
        });
        resubmitted = true;
    }
    // joint reviews are accepted from 'submitted'; licensing pre-reviews first
    if (!joint && !resubmitted) step(first, () => act(k, clerk, 'pre_review_pass', { opinion: '材料齐全，符合法定形式' }), 15, 90);
    const acceptDay = step(first, () => act(k, clerk, 'accept', { notice_no: docNo(k, '受'), opinion: '予以受理' }), 5, 30);
    if (plan.stopAfterAccept) return;

    const sp = plan.special;
    const T = plan.T + (sp ? sp.took : 0);
    if (joint) {
        // every joint department gives its opinion, then the lead department decides
        for (const j of it.joint)
            step(acceptDay + Math.floor(T / 2), () =>
                act(k, depts[j].clerkClient, 'opinion', {
                    conclusion: '同意', opinion: `经${depts[j].name}核查，符合本部门的审查要求，同意办理。`,
                }),
            );
    } else {
        step(acceptDay, () => act(k, head, 'assign', { assignee: k.dept.clerk, opinion: '请按时办理' }));
        if (sp) {
            // 特别程序 the day after acceptance, ended sp.took working days later
            const s = step(acceptDay + 1, () =>
                act(k, head, 'special_start', { type: sp.type, reason: sp.reason, legal_basis: sp.legal_basis, days: sp.days }),
            );
            step(s + sp.took, () => act(k, clerk, 'special_end', { result: sp.result }));
        }
        step(acceptDay + Math.floor(T / 2), () =>
            act(k, clerk, 'submit_review', { opinion: '经审查，申请材料齐全，符合法定条件、标准，建议准予许可。' }),
        );
    }
    if (plan.deny) {
        step(acceptDay + T, () =>
            act(k, head, 'deny', {
                reason: plan.deny.reason, legal_basis: plan.deny.legal_basis, remedy_notice: REMEDY,
                decision_no: docNo(k, '不许'),
            }),
        );
        step(acceptDay + T, () =>
            act(k, clerk, 'complete', { result_type: '不予许可', fee_charged: 0, fee_standard: '不收费', delivery: '邮寄送达' }),
        );
        return;
    }
    step(acceptDay + T, () => act(k, head, 'approve', { decision_no: docNo(k, '许'), opinion: '同意' }));
    const cd = step(acceptDay + T, async () => {
        const fee = feeOf(it);
        await act(k, clerk, 'complete', {
            result_type: '准予许可',
            certificate_no: docNo(k, '证'),
            fee_charged: plan.fee ?? fee.fen,
            fee_standard: fee.standard,
            delivery: rng.pick(['窗口领取', '邮寄送达', '电子证照']),
        });
        afterCompletion(k, cd, now.minute);
    }, 5, 30);
}

// how many working days from acceptance to completion
function planFor(it) {
    const fate = rng.chance(0.09) ? 'late' : 'ontime';
    if (fate === 'late' && it.P + 1 <= it.L - 1) return { fate, T: rng.int(it.P + 1, Math.min(it.P + 2, it.L - 1)) };
    // on time: mostly before the warning (2 working days before the promise),
    // some on the promise's last days
    return { fate: 'ontime', T: rng.chance(0.75) ? rng.int(0, Math.max(0, it.P - 3)) : rng.int(0, Math.max(0, it.P - 1)) };
}

// ---------------------------------------------------------------- ratings

const GOOD = ['办事指南清晰准确', '申请材料精简', '办理流程便捷', '办理时间短', '一次办成', '服务态度好'];
let badRatings = 0;

function afterCompletion(k, day, minute) {
    // two bad ratings: the first late case (or, past the first third of the
    // walk, the next completion); the first is followed up and fixed in
    // time, the second visited but not fixed
    const bad = badRatings < 2 && (k.fate === 'late' || day >= Math.floor(D / 3)) && !k.noRating;
    if (bad) {
        const which = ++badRatings;
        return at(day + (which === 1 ? 0 : 1), minute + rng.int(20, 120), async () => {
            const body = which === 1
                ? { level: 2, criteria: ['超时办理', '多次跑动'], comment: '承诺的日子过了还没办好，打了几次电话才有人回复。' }
                : { level: 1, criteria: ['服务态度差', '材料要求反复'], comment: '窗口人员态度生硬，同一份材料让我交了两次。' };
            const r = await k.who.client.must('POST', `/api/cases/${k.number}/rating`, body, [200, 201]);
            const rt = { id: r.id, number: k.number, level: body.level, bad: true, dept: k.dept };
            ratings.push(rt);
            planted[which === 1 ? 'bad_rating_fixed' : 'bad_rating_open'] = k.number;
            const d = day + (which === 1 ? 0 : 1) + 1;
            at(d, morning(), () =>
                k.dept.clerkClient.must('POST', `/api/ratings/${rt.id}/visit`, {
                    note: which === 1 ? '已电话回访申请人，说明延误原因并致歉。' : '已回访，申请人仍不满意。',
                }, [200, 201]),
            );
            if (which === 1)
                at(d + 2, afternoon(), () =>
                    k.dept.clerkClient.must('POST', `/api/ratings/${rt.id}/fix`, {
                        note: '已调整承办人工作量，建立超期预警提醒；办结时限纳入窗口考核。',
                    }, [200, 201]),
                );
        });
    }
    if (k.noRating || !rng.chance(0.6)) return;
    at(day + rng.int(0, 2), rng.int(9 * 60, 21 * 60), async () => {
        const level = rng.weighted([[5, 60], [4, 35], [3, 5]]);
        const criteria = GOOD.filter(() => rng.chance(0.35));
        if (!criteria.length) criteria.push(rng.pick(GOOD));
        const r = await k.who.client.must('POST', `/api/cases/${k.number}/rating`, {
            level, criteria, comment: level === 5 ? '办理很快，网上申请很方便。' : '',
        }, [200, 201]);
        ratings.push({ id: r.id, number: k.number, level, bad: false });
    });
}

// ---------------------------------------------------------------- consultations and complaints

const QUESTIONS = [
    ['办理需要带哪些材料？', '网上申请后还需要到窗口提交纸质材料吗？'],
    ['办理时限是多久？', '网上提交申请后一般几个工作日能办好？'],
    ['可以邮寄送达吗？', '我在外地工作，证件办好后能否邮寄给我？'],
    ['收费标准咨询', '办理这个事项需要交费吗？标准是多少？'],
    ['委托他人办理', '本人不能到场，可以委托家人代为办理吗？需要什么手续？'],
];

async function consult(day, minute, { late = false, lateBy = 6 } = {}) {
    const who = rng.pick(citizens);
    const it = items[rng.pick(Object.keys(items))];
    const [title, content] = rng.pick(QUESTIONS);
    const m = await who.client.must('POST', '/api/consultations', {
        item_code: it.code, title: `${it.name}：${title}`.slice(0, 100), content,
        idempotency_key: `demo-${opt.seed}-zx-${messages.length + 1}`,
    }, [201]);
    const rec = { number: m.number, kind: 'consultation', dept: depts[it.dept], late };
    messages.push(rec);
    const rd = late ? day + lateBy : day + rng.int(0, 3);
    at(rd, rd === day ? Math.min(minute + rng.int(30, 120), 17 * 60) : rng.int(9 * 60, 17 * 60), () =>
        rec.dept.clerkClient.must('POST', `/api/messages/${m.number}/actions/reply`, {
            fields: { answer: '您好，相关要求详见该事项办事指南；如有疑问可拨打窗口咨询电话。', policy_basis: '该事项办事指南' },
        }, [200]),
    );
    return rec;
}

async function complain(day, minute, { unanswered = false } = {}) {
    const done = cases.filter((k) => k.state === 'completed' && k.dept);
    const target = done.length ? rng.pick(done) : null;
    const who = target ? target.who : rng.pick(citizens);
    const body = target
        ? { case_number: target.number, title: '办件等待时间过长', content: '网上提交后很久才受理，催办也没有明确答复。' }
        : { department: '360300-GA', title: '窗口服务态度', content: '窗口工作人员解释不耐心。' };
    body.idempotency_key = `demo-${opt.seed}-ts-${messages.length + 1}`;
    const m = await who.client.must('POST', '/api/complaints', body, [201]);
    const dept = target ? target.dept : depts['360300-GA'];
    const rec = { number: m.number, kind: 'complaint', dept, unanswered };
    messages.push(rec);
    const ad = day + rng.int(0, 1);
    at(ad, ad === day ? Math.min(minute + 60, 17 * 60) : morning(), () =>
        jiancha.must('POST', `/api/messages/${m.number}/actions/accept`, {
            fields: { category: '办事效率', opinion: '转部门调查核实，按期答复。' },
        }, [200]),
    );
    if (unanswered) return rec;
    const rd = ad + rng.int(2, 5);
    at(rd, afternoon(), () =>
        dept.clerkClient.must('POST', `/api/messages/${m.number}/actions/dept_reply`, {
            fields: { findings: '经核查，该件因材料流转延误，受理时间偏晚。', measures: '已对相关人员批评教育，优化材料流转。' },
        }, [200]),
    );
    at(rd + 1, morning(), () =>
        jiancha.must('POST', `/api/messages/${m.number}/actions/close`, {
            fields: { conclusion: '部分属实', reply: '经调查，您反映的问题部分属实，部门已整改，感谢您的监督。' },
        }, [200]),
    );
    return rec;
}

// ---------------------------------------------------------------- a department's own system

// 360300-MZ's own approval system reports its window cases through the intake API
let intake = null;
const EXT_ITEM = '360300-XK-MZ-002';

function extEvent(number, seq, action, result, from, to, extra = {}) {
    return {
        id: `mz-sys/${number}/${seq}`,
        type: `case.${action}`,
        time: now.iso,
        subject_type: 'case',
        subject: number,
        seq,
        case: {
            number,
            title: extra.title || '民办非企业单位成立登记',
            item_code: EXT_ITEM,
            item_name: '民办非企业单位成立登记',
            department: '360300-MZ',
            region: '360300',
            applicant_type: 'citizen',
            channel: 'window',
            legal_days: 60,
            promised_days: 25,
            state: to,
            ...(extra.caseFields || {}),
        },
        step: {
            action, result, from, to, actor: 'mz_sys_clerk', actor_role: 'clerk',
            fields: extra.fields || {},
        },
        ...(extra.more || {}),
    };
}

async function setupIntake() {
    const probe = await new Client(srv.base, null).req('POST', '/api/supervision/events', { body: {} });
    if (probe.status === 404) {
        log('  intake route POST /api/supervision/events not in this build: no external reports');
        return;
    }
    const dep = depts['360300-MZ'];
    const key = await dep.headClient.post('/api/keys', { dept_id: dep.id, name: '民政业务审批系统（监察报送）' }, [201]);
    intake = { client: new Client(srv.base, 'mz-system', key.key), sent: 0 };
}

async function report(events) {
    const r = await intake.client.must('POST', '/api/supervision/events', { events }, [200]);
    if (r.rejected && r.rejected.length) throw new DemoError(`intake rejected events: ${JSON.stringify(r.rejected)}`);
    intake.sent += events.length;
}

// three window cases of the department's own system: one on time, one with a
// supplement asked twice (a procedure card), one reported a day late in a batch
function planExternal() {
    if (!intake) return;
    const year = days[0].slice(0, 4);
    const A = `MZ-SYS-${year}-0001`, B = `MZ-SYS-${year}-0002`, C = `MZ-SYS-${year}-0003`;
    external.push(A, B, C);
    planted.external_repeated_supplement = B;
    // A: received, accepted, completed two working days later
    at(0, 10 * 60 + 5, () => report([extEvent(A, 1, 'submit', null, '', 'submitted')]));
    at(0, 11 * 60 + 20, () => report([extEvent(A, 2, 'accept', 'accept', 'submitted', 'accepted',
        { caseFields: { accept_day: days[0] } })]));
    at(2, 14 * 60 + 40, () => report([extEvent(A, 3, 'approve', 'approve', 'accepted', 'approved')]));
    at(2, 15 * 60 + 10, () => report([extEvent(A, 4, 'complete', 'complete', 'approved', 'completed', {
        fields: { result_type: '准予登记', fee_charged: 0, fee_standard: '不收费' },
        more: { result: { result_type: '准予登记', certificate_no: `MZ-DJ-${year}-0001`, fee_charged: 0, fee_standard: '不收费' } },
    })]));
    // B: 补正 twice
    at(1, 9 * 60 + 40, () => report([extEvent(B, 1, 'submit', null, '', 'submitted', { title: '社会服务机构成立登记' })]));
    at(1, 14 * 60 + 30, () => report([extEvent(B, 2, 'supplement', 'supplement', 'submitted', 'supplementing',
        { fields: { missing_materials: ['验资报告'] } })]));
    at(2, 10 * 60, () => report([extEvent(B, 3, 'resubmit', null, 'supplementing', 'submitted')]));
    at(3, 11 * 60, () => report([extEvent(B, 4, 'supplement', 'supplement', 'submitted', 'supplementing',
        { fields: { missing_materials: ['住所使用权证明'] } })]));
    at(4, 9 * 60 + 30, () => report([extEvent(B, 5, 'resubmit', null, 'supplementing', 'submitted')]));
    at(4, 15 * 60, () => report([extEvent(B, 6, 'accept', 'accept', 'submitted', 'accepted',
        { caseFields: { accept_day: days[Math.min(4, D - 1)] } })]));
    // C: the events of a day, sent the next morning in one batch
    let c1, c2;
    at(2, 9 * 60 + 50, () => {
        c1 = extEvent(C, 1, 'submit', null, '', 'submitted', { title: '民办学校成立登记' });
    });
    at(2, 16 * 60 + 10, () => {
        c2 = extEvent(C, 2, 'accept', 'accept', 'submitted', 'accepted', { caseFields: { accept_day: days[2] } });
    });
    at(3, 8 * 60 + 45, () => report([c2, c1]));
}

// ---------------------------------------------------------------- the walk

function pickItem() {
    return rng.weighted(POOL.filter(([c]) => items[c]));
}

// the scenarios every demo shows, placed early so they mature in the walk
async function plant(day) {
    const has = (c) => !!items[c];
    if (day === 0) {
        if (has('360300-XK-GS-001')) {
            // accepted and then forgotten: yellow after WD_1, red after WD_3 (P1 L3)
            const k = await apply(0, now.minute, '360300-XK-GS-001', { applicant: rng.pick(enterprises) });
            k.noRating = true;
            planted.red_legal = k.number;
            handle(k, { fate: 'stalled', stopAfterAccept: true }, 0, 9 * 60 + 10);
        }
        if (has('360300-XK-GA-001')) {
            // a passport left lying past its promise (P7): yellow; finished
            // three working days late, still within the legal 15 days
            const k = await apply(0, now.minute, '360300-XK-GA-001', { applicant: citizens[1] });
            planted.yellow_promised = k.number;
            handle(k, { fate: 'late', T: Math.min(k.it.P + 3, k.it.L - 1) }, 0, 9 * 60 + 15);
        }
        // a joint review that completes in time
        const jc = ['360300-XK-GA-003', '360300-XK-FGW-001'].find(has);
        if (jc) {
            const k = await apply(0, now.minute, jc, { applicant: rng.pick(enterprises.slice(1)) });
            planted.joint_review = k.number;
            handle(k, { T: Math.min(4, Math.max(1, D - 3)) }, 0, 9 * 60 + 20);
        }
        if (has('360300-XK-WS-002')) {
            // 一次性告知补正, resubmitted the next day, then handled in time
            const k = await apply(0, now.minute, '360300-XK-WS-002', { applicant: citizens[2] });
            planted.supplement = k.number;
            handle(k, { T: 2, supplement: ['医师资格证书', '近6个月内的体检证明'] }, 0, 9 * 60 + 30);
        }
    }
    if (day === 1) {
        if (has('360300-XK-GA-001')) {
            // 检验: a special procedure stops the clock for two working days
            const k = await apply(1, now.minute, '360300-XK-GA-001', { applicant: citizens[3] });
            planted.special_procedure = k.number;
            handle(k, {
                T: 2,
                special: {
                    type: '检验', reason: '申请人提交的出入境证件照片需送检核验', days: 3, took: 2,
                    legal_basis: '《中华人民共和国行政许可法》第四十五条', result: '检验合格',
                },
            }, 1, 9 * 60 + 40);
        }
        if (has('360300-XK-MZ-001')) {
            // 不予受理 with its reason, legal basis and the remedy notice
            const k = await apply(1, now.minute, '360300-XK-MZ-001', { applicant: citizens[4] });
            planted.refusal = k.number;
            handle(k, {
                refuse: {
                    reason: '拟成立的社会团体与本行政区域内已登记的社会团体业务范围相同，没有成立的必要。',
                    legal_basis: '《社会团体登记管理条例》第十三条第（二）项',
                },
            }, 1, 10 * 60);
        }
        // a consultation answered late (yellow), a complaint the department leaves unanswered
        planted.late_consultation = (await consult(1, now.minute, { late: true, lateBy: 6 })).number;
    }
    if (day === 2) {
        if (has('360300-XK-GA-001')) {
            // charged 200 元 against the standard of 120 元: a fee card
            const k = await apply(2, now.minute, '360300-XK-GA-001', { applicant: citizens[5] });
            planted.fee_above_standard = k.number;
            handle(k, { T: 2, fee: 20000 }, 2, 9 * 60 + 30);
        }
        if (has('360300-XK-JT-002')) {
            // 不予许可 with reasons
            const k = await apply(2, now.minute, '360300-XK-JT-002', { applicant: citizens[6] });
            planted.denial = k.number;
            handle(k, {
                T: 1,
                deny: {
                    reason: '申请的通行路线经过的桥梁设计荷载不能满足超限车辆通行要求，且申请人未提出加固改造方案。',
                    legal_basis: '《公路安全保护条例》第三十八条、第四十条',
                },
            }, 2, 9 * 60 + 45);
        }
        planted.open_complaint = (await complain(2, now.minute, { unanswered: true })).number;
    }
}

async function walk() {
    const perDay = () => rng.int(4, 8); // 20-40 a week
    for (let day = 0; day < D; day++) {
        const date = days[day];
        await setClock(date, 9 * 60);
        now.minute = 9 * 60;
        await plant(day);
        // the day's ordinary applications, at random times
        const n = perDay();
        for (let i = 0; i < n; i++) {
            const minute = rng.int(9 * 60, 16 * 60 + 50);
            at(day, minute, async () => {
                const code = pickItem();
                const k = await apply(day, minute, code);
                handle(k, planFor(items[code]), day, minute);
            });
        }
        if (rng.chance(0.6)) at(day, rng.int(9 * 60, 17 * 60), (t) => consult(day, t.minute, { late: rng.chance(0.15) }));
        if (day > 2 && rng.chance(0.2)) at(day, rng.int(9 * 60, 17 * 60), (t) => complain(day, t.minute));
        // run the day's agenda in time order (tasks may add more)
        for (;;) {
            let best = -1;
            for (let i = 0; i < agenda.length; i++) {
                const t = agenda[i];
                if (t.day !== day) continue;
                if (best < 0 || t.minute < agenda[best].minute || (t.minute === agenda[best].minute && t.seq < agenda[best].seq))
                    best = i;
            }
            if (best < 0) break;
            const [t] = agenda.splice(best, 1);
            await setClock(date, t.minute, 0);
            now.minute = Math.max(now.minute, t.minute);
            await t.fn(t);
        }
        if (day === D - 1 || (day + 1) % 5 === 0)
            log(`  to ${date}: ${cases.length} cases, ${messages.length} messages, ${ratings.length} ratings`);
    }
}

// ---------------------------------------------------------------- the summary

async function pages(c, p, max = 50) {
    const all = [];
    for (let page = 1; page <= max; page++) {
        const r = await c.get(`${p}${p.includes('?') ? '&' : '?'}per_page=100&page=${page}`, [200]);
        all.push(...(r.items || []));
        if (!r.items || r.items.length < 100) break;
    }
    return all;
}

async function summary() {
    const s = { cases: {}, messages: {}, ratings: {}, cards: { by_level: {}, by_rule: {}, source: '' } };
    const allCases = await pages(admin, '/api/dept/cases');
    s.cases.total = allCases.length;
    s.cases.by_state = {};
    for (const c of allCases) s.cases.by_state[c.state] = (s.cases.by_state[c.state] || 0) + 1;
    const msgs = await pages(admin, '/api/dept/messages');
    for (const m of msgs) {
        const k = `${m.kind || (String(m.number).startsWith('TS') ? 'complaint' : 'consultation')}`;
        s.messages[k] = s.messages[k] || { total: 0, by_state: {} };
        s.messages[k].total++;
        s.messages[k].by_state[m.state] = (s.messages[k].by_state[m.state] || 0) + 1;
    }
    const rts = await pages(admin, '/api/dept/ratings');
    s.ratings.total = rts.length;
    s.ratings.by_level = {};
    for (const r of rts) s.ratings.by_level[r.level] = (s.ratings.by_level[r.level] || 0) + 1;
    s.ratings.bad = rts.filter((r) => r.level <= 2).length;

    // cards: the list when this build has it, else every subject's view
    const cardList = [];
    const probe = await jiancha.req('GET', '/api/supervision/cards?per_page=1');
    if (probe.status === 200) {
        s.cards.source = '/api/supervision/cards';
        for (const c of await pages(jiancha, '/api/supervision/cards'))
            cardList.push({
                subject: c.subject && typeof c.subject === 'object' ? c.subject.number : c.subject,
                rule: c.rule && typeof c.rule === 'object' ? c.rule.id : c.rule,
                level: c.level,
                state: c.state,
            });
    } else {
        s.cards.source = '/api/supervision/cases/{number}';
        const subjects = [
            ...allCases.map((c) => [c.number, 'case']),
            ...external.map((n) => [n, 'case']),
            ...msgs.map((m) => [m.number, m.kind || (String(m.number).startsWith('TS') ? 'complaint' : 'consultation')]),
            ...rts.map((r) => [r.case_number, 'rating']),
        ];
        for (const [n, type] of subjects) {
            const r = await jiancha.req('GET', `/api/supervision/cases/${encodeURIComponent(n)}?type=${type}`);
            if (r.status === 404) continue;
            check(r, [200], jiancha, 'GET', `/api/supervision/cases/${n}`);
            for (const c of r.json.cards || [])
                cardList.push({ subject: n, rule: typeof c.rule === 'object' ? c.rule.id : c.rule, level: c.level, state: c.state });
        }
    }
    const live = cardList.filter((c) => c.state !== 'retracted');
    s.cards.total = live.length;
    for (const c of live) {
        s.cards.by_level[c.level] = (s.cards.by_level[c.level] || 0) + 1;
        s.cards.by_rule[c.rule] = (s.cards.by_rule[c.rule] || 0) + 1;
    }
    s.cards.list = live;
    for (const p of ['/api/supervision/overview', '/api/supervision/counts']) {
        const r = await jiancha.req('GET', p);
        if (r.status === 200) s[p.split('/').pop()] = r.json;
    }
    return s;
}

// ---------------------------------------------------------------- main

async function main() {
    const t0 = Date.now();
    srv = await startServer();
    const tStart = Date.now();
    admin = await new Client(srv.base).login('admin');
    const clock = await new Client(srv.base).get('/api/clock', [200]);
    if (!clock.fake) throw new DemoError('the server is not on the fake clock');
    const cal = await workingDays();
    days = cal.list;
    D = days.length;
    if (D < 1) throw new DemoError(`no working day between ${cal.start} and ${cal.today}`);
    log(`demo activity: ${opt.weeks} week(s), ${D} working days ${days[0]} … ${days[D - 1]}, seed ${opt.seed}`);

    // the accounts are made the morning before the first working day
    await setClock(days[0], 8 * 60);
    jiancha = await new Client(srv.base).login('jiancha');
    await loadItems();
    await setupStaff();
    await setupApplicants();
    await setupIntake();
    planExternal();
    await tradingActivity({ base: srv.base, Client, at, days, enterprises }); // scheduled on the walk's agenda
    const tSetup = Date.now();
    log(`  accounts: ${accountsMade.length} made (${((tSetup - tStart) / 1000).toFixed(1)} s)`);

    await walk();
    const tWalk = Date.now();

    // the real now: the ticker fires what fell due since the last working day
    const real = new Date();
    await admin.must('PUT', '/api/admin/clock', { now: real.toISOString().replace(/\.\d{3}Z$/, 'Z') }, [200]);
    now.iso = real.toISOString();
    await demoExperts({ as: (login) => new Client(srv.base).login(login), log, today: cityDate(real.getTime()) });
    await exchangeDemo({ base: srv.base, bin: opt.bin, dataDir: opt.dataDir, Client, log });
    const s = await summary();
    const code = await srv.stop();
    if (code.code !== 0) throw new DemoError(`server exited with ${code.code} (signal ${code.signal})`);
    if (/ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/.test(srv.log()))
        throw new DemoError(`sanitizer report in the server log:\n${srv.log().slice(-8000)}`);
    const tEnd = Date.now();

    s.walk = { weeks: opt.weeks, seed: opt.seed, first_day: days[0], last_day: days[D - 1], working_days: D };
    s.planted = planted;
    s.external = { reported_events: intake ? intake.sent : 0, cases: external, skipped: !intake };
    s.accounts = accountsMade;
    s.seconds = {
        start: +((tStart - t0) / 1000).toFixed(2),
        setup: +((tSetup - tStart) / 1000).toFixed(2),
        walk: +((tWalk - tSetup) / 1000).toFixed(2),
        summary_and_stop: +((tEnd - tWalk) / 1000).toFixed(2),
        total: +((tEnd - t0) / 1000).toFixed(2),
    };
    s.clock_moves = stats.clockMoves;
    s.requests = stats.requests;
    if (opt.summary) writeFileSync(opt.summary, JSON.stringify(s, null, 2) + '\n');

    const fmt = (o) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    log('');
    log(`cases:    ${s.cases.total} (${fmt(s.cases.by_state)})`);
    log(`cards:    ${s.cards.total} (${fmt(s.cards.by_level)}) — ${fmt(s.cards.by_rule)}`);
    for (const [k, v] of Object.entries(s.messages)) log(`${k === 'complaint' ? 'complaints:   ' : 'consultations:'} ${v.total} (${fmt(v.by_state)})`);
    log(`ratings:  ${s.ratings.total} (by level: ${fmt(s.ratings.by_level)}; bad ${s.ratings.bad})`);
    log(intake ? `external: ${intake.sent} events of ${external.length} cases reported by 360300-MZ's system` : 'external: skipped (no intake route in this build)');
    log(`planted:  ${fmt(planted)}`);
    log('');
    log(`accounts made by the walk (password ${PASSWORD}):`);
    for (const [login, role, who] of accountsMade) log(`  ${login.padEnd(16)} ${role.padEnd(10)} ${who}`);
    log('');
    log(`done in ${s.seconds.total} s (setup ${s.seconds.setup} s, walk ${s.seconds.walk} s, ${stats.requests} requests, ${stats.clockMoves} clock moves)`);
}

main().catch(async (err) => {
    console.error(`demo-activity: ${err instanceof DemoError ? err.message : err.stack}`);
    if (srv) {
        const tail = srv.log().split('\n').slice(-30).join('\n');
        if (tail.trim()) console.error(`--- server log (tail) ---\n${tail}`);
        try {
            await srv.stop();
        } catch (e) {
            console.error(e.message);
        }
    }
    process.exit(1);
});

#!/usr/bin/env node
// seed.mjs - the template cases bench-gen clones, made through the real API
// of a running server (the real handlers, process definitions, supervision
// engine and ledger). For each online licensing item (or the first --items
// of them) it applies once per history and walks the case along it:
//   submitted      applied (网上申请), nothing more
//   pre_reviewed   预审 passed, waiting for acceptance (the case-action benchmark accepts these)
//   supplementing  一次性告知补正 sent, waiting for the applicant
//   handling       受理 (accepted): the legal clock runs, the engine's timers are set
//   completed      accepted, reviewed, approved and 办结 with a certificate and a fee
//   not_accepted   不予受理 with reason, legal basis and remedies
// Staff: a clerk and a head per department of those items (made by admin).
//
//   node bench/seed.mjs --base http://127.0.0.1:PORT [--items N] [--summary FILE]
//
// Exits non-zero with the response printed when any request fails. Node 20,
// built-ins only.
import { writeFileSync } from 'node:fs';

const PASSWORD = 'Demo2026pass';
export const HISTORIES = ['submitted', 'pre_reviewed', 'supplementing', 'handling', 'completed', 'not_accepted'];

function args(argv) {
    const o = { base: null, items: 0, summary: null };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--base') o.base = argv[++i];
        else if (a === '--items') o.items = Number(argv[++i]);
        else if (a === '--summary') o.summary = argv[++i];
        else throw new Error(`seed: unknown option ${a}`);
    }
    if (!o.base) throw new Error('usage: node bench/seed.mjs --base URL [--items N] [--summary FILE]');
    return o;
}

class Client {
    constructor(base) {
        this.base = base;
        this.cookie = null;
        this.csrf = null;
        this.who = 'anonymous';
    }
    async login(login) {
        const j = await this.must('POST', '/api/auth/login', { login, password: PASSWORD }, [200]);
        this.csrf = j.csrf_token;
        this.who = login;
        return this;
    }
    async must(method, p, body, ok = [200, 201], contentType) {
        const h = {};
        let data;
        if (body !== undefined) {
            const raw = body instanceof Uint8Array;
            data = raw ? body : JSON.stringify(body);
            h['Content-Type'] = contentType || (raw ? 'application/octet-stream' : 'application/json');
        }
        if (this.cookie) h.Cookie = `zt_session=${this.cookie}`;
        if (method !== 'GET' && this.csrf) h['X-CSRF-Token'] = this.csrf;
        const res = await fetch(this.base + p, { method, headers: h, body: data });
        for (const sc of res.headers.getSetCookie()) {
            const m = /^zt_session=([^;]*)/.exec(sc);
            if (m) this.cookie = m[1] || null;
        }
        const text = await res.text();
        if (!ok.includes(res.status)) throw new Error(`seed: ${method} ${p} as ${this.who}: HTTP ${res.status}\n${text}`);
        return text ? JSON.parse(text) : null;
    }
}

// one page, Helvetica: a valid PDF the upload sniffer accepts
function pdf(line) {
    const text = `BT /F1 12 Tf 72 760 Td (${line.replace(/[^\x20-\x7e]|[\\()]/g, '?')}) Tj ET`;
    const objs = [
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
        '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    ];
    let out = '%PDF-1.4\n';
    const offs = [];
    objs.forEach((o, i) => {
        offs.push(out.length);
        out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    });
    const xref = out.length;
    out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
    for (const o of offs) out += `${String(o).padStart(10, '0')} 00000 n \n`;
    out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    return Buffer.from(out, 'latin1');
}

export async function seed({ base, items: maxItems = 0 }) {
    const anon = new Client(base);
    const admin = await new Client(base).login('admin');
    const people = { citizen: await new Client(base).login('zhangsan'), enterprise: await new Client(base).login('pxqiye') };
    // the online licensing items, in code order
    const list = [];
    for (let page = 1; ; page++) {
        const r = await anon.must('GET', `/api/items?online=1&per_page=100&page=${page}`);
        list.push(...r.items);
        if (!r.items.length || page * 100 >= r.total) break;
    }
    const items = [];
    for (const it of list.sort((a, b) => (a.code < b.code ? -1 : 1))) {
        const full = await anon.must('GET', `/api/items/${it.code}`);
        if (full.process_kind !== 'licensing') continue;
        items.push(full);
        if (maxItems && items.length >= maxItems) break;
    }
    // a clerk and a head for each department (gaj_clerk/gaj_head exist for 360300-GA)
    const staff = {};
    for (const code of [...new Set(items.map((it) => it.department))].sort()) {
        if (code === '360300-GA') {
            staff[code] = { clerk: await new Client(base).login('gaj_clerk'), head: await new Client(base).login('gaj_head') };
            continue;
        }
        const r = await admin.must('GET', `/api/departments?q=${encodeURIComponent(code)}&per_page=100`);
        const d = r.items.find((x) => x.code === code);
        const tag = code.toLowerCase().replace(/[^a-z0-9]/g, '_');
        const made = {};
        for (const role of ['clerk', 'dept_head']) {
            const login = `bg_${tag}_${role}`;
            const found = await admin.must('GET', `/api/users?q=${login}&per_page=10`);
            if (!found.items.some((u) => u.login === login))
                await admin.must('POST', '/api/users', { login, password: PASSWORD, name: `基准${role === 'clerk' ? '窗口' : '负责人'}`, role, dept_id: d.id }, [201]);
            made[role] = await new Client(base).login(login);
        }
        staff[code] = { clerk: made.clerk, head: made.dept_head };
    }
    const made = [];
    let n = 0;
    for (const it of items) {
        const g = it.guide;
        const who = g.subjects.includes('自然人') ? people.citizen : people.enterprise;
        const required = g.materials.filter((m) => m.required).map((m) => m.name);
        const fee = (g.fees || []).find((f) => typeof f.amount_yuan === 'number');
        const { clerk, head } = staff[it.department];
        for (const history of HISTORIES) {
            n++;
            const up = await who.must('POST', `/api/uploads?name=${encodeURIComponent(`材料-${n}.pdf`)}`, pdf(`bench seed ${n} ${it.code}`), [201], 'application/pdf');
            const c = await who.must('POST', '/api/cases', {
                item_code: it.code,
                title: `基准样本 ${history} ${it.name}`.slice(0, 100),
                form: { note: `bench seed ${n}` },
                materials: required.map((m) => ({ material: m, upload_id: up.id })),
                contact_phone: `1390799${String(n).padStart(4, '0')}`,
            }, [201]);
            const act = (client, action, fields = {}) => client.must('POST', `/api/cases/${c.number}/actions/${action}`, { fields }, [200]);
            if (history === 'pre_reviewed' || history === 'handling' || history === 'completed')
                await act(clerk, 'pre_review_pass', { opinion: '材料齐全，符合法定形式' });
            if (history === 'supplementing')
                await act(clerk, 'request_supplement', { missing_materials: required.slice(0, 1), notice: '请一次性补正所列材料。' });
            if (history === 'not_accepted')
                await act(clerk, 'refuse_acceptance', {
                    reason: '申请事项不属于本机关职权范围', legal_basis: '《中华人民共和国行政许可法》第三十二条第一款第（二）项',
                    remedy_notice: '如不服本决定，可在六十日内申请行政复议，或在六个月内提起行政诉讼。',
                });
            if (history === 'handling' || history === 'completed')
                await act(clerk, 'accept', { notice_no: `萍受〔2026〕${n}号`, opinion: '予以受理' });
            if (history === 'completed') {
                await act(clerk, 'submit_review', { opinion: '经审查，符合法定条件、标准，建议准予许可。' });
                await act(head, 'approve', { decision_no: `萍许〔2026〕${n}号`, opinion: '同意' });
                await act(clerk, 'complete', {
                    result_type: '准予许可', certificate_no: `萍证〔2026〕${n}号`,
                    fee_charged: fee ? Math.round(fee.amount_yuan * 100) : 0,
                    fee_standard: fee ? `${fee.name}：${fee.standard}` : '不收费', delivery: '电子证照',
                });
            }
            made.push({ number: c.number, history, item: it.code, department: it.department, password: c.query_password });
        }
    }
    return made;
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const o = args(process.argv.slice(2));
    const made = await seed(o);
    if (o.summary) writeFileSync(o.summary, JSON.stringify(made, null, 1));
    console.log(`seed: ${made.length} template cases (${HISTORIES.join(', ')}) over ${made.length / HISTORIES.length} items`);
}

// trading.mjs - the demo city's public resource trading (公共资源交易, docs/trading.md),
// through the real API as the walk of demo-activity.mjs moves the fake clock: the trading centre
// (jyzx) publishes projects of the four types with the dates the law wants, the demo's
// enterprises register and submit bids sealed as the browser seals them (WebCrypto AES-256-GCM),
// unlock them at the opening; one inquiry goes the whole way (committee, scores, report,
// publicity, an objection answered, award, contract), one fails for fewer than 3 bids, one
// negotiation's bidders share a device and price in a progression (collusion cards), land and
// property rights stay announced with their registrations; a plot of land is auctioned after the
// opening (raises by the increment, the hammer) when the walk is long enough.
//
// tradingActivity({ base, Client, at, days, enterprises }) schedules its steps on the walk's
// agenda (at(day, minute, fn): day = index of the working day in days[]); it must be called
// before the walk. Steps whose day lies beyond the walk are dropped: a shorter walk leaves the
// projects earlier in their life.
import { webcrypto } from 'node:crypto';

const { subtle } = webcrypto;

async function seal(price, device) {
    const key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
    const iv = webcrypto.getRandomValues(new Uint8Array(12));
    const doc = new TextEncoder().encode(JSON.stringify({ price, note: '投标文件（演示）' }));
    const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, key, doc));
    const sha256 = Buffer.from(await subtle.digest('SHA-256', ct)).toString('hex');
    const raw = Buffer.from(await subtle.exportKey('raw', key)).toString('base64');
    return {
        body: { ciphertext: Buffer.from(ct).toString('base64'), iv: Buffer.from(iv).toString('base64'), sha256, device },
        key: raw,
    };
}

const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const yuan = (n) => Math.round(n * 100);

export async function tradingActivity({ base, Client, at, days, enterprises }) {
    const D = days.length;
    if (D < 1 || enterprises.length < 3) return;
    let jyzx;
    const centre = async () => (jyzx ??= await new Client(base).login('jyzx'));
    const P = {}; // name -> {number, bids: [{who, sealed}]}
    const act = async (name, action, body = {}) =>
        (await centre()).post(`/api/trading/projects/${P[name].number}/actions/${action}`, body);
    // the first working day on or after a calendar day
    const dayOn = (date) => days.findIndex((d) => d >= date);
    const deadline = (i) => `${days[i]}T10:00:00+08:00`;

    const project = (name, day, body, publish) =>
        at(day, 9 * 60 + 10, async () => {
            const p = await (await centre()).post('/api/trading/projects', body);
            P[name] = { number: p.number, bids: [] };
            await act(name, 'publish', publish());
        });
    const bid = (name, day, minute, who, price, device) =>
        at(day, minute, async () => {
            const p = P[name];
            const e = enterprises[who].client;
            await e.post(`/api/trading/projects/${p.number}/registration`, { deposit: 0 });
            const s = await seal(price, device);
            await e.must('PUT', `/api/trading/projects/${p.number}/bid`, s.body, [200]);
            p.bids.push({ e, s });
        });
    const open = (name, day, then) =>
        at(day, 10 * 60, async () => {
            const p = P[name];
            const r = await act(name, 'open');
            if (r.state !== 'opened') return;
            for (const b of p.bids) await b.e.post(`/api/trading/projects/${p.number}/bid/unlock`, { key: b.s.key });
            await act(name, 'seal_opening');
            if (then) await then(p);
        });

    // 1. 询价 of office computers: the whole way to the contract
    const q = { docs: 0, close: 3 };
    if (D > q.close) {
        project('inquiry', q.docs, {
            type: 'procurement', method: '询价', title: '市政务服务中心办公计算机采购（询价）', department: '360300-MZ',
            budget: yuan(480000), legal_basis: '《中华人民共和国政府采购法》第四十条', eval_method: '经评审的最低投标价法',
            criteria: [{ name: '资格与符合性', weight: 100 }],
        }, () => ({ docs_from: days[q.docs], docs_to: days[Math.min(q.close, D - 1)], deadline: deadline(q.close), notice: '采购 80 台办公计算机，交货期 30 日。' }));
        bid('inquiry', 1, 10 * 60, 0, yuan(452000), 'demo-hd');
        bid('inquiry', 1, 14 * 60, 1, yuan(466800), 'demo-gx');
        bid('inquiry', 2, 11 * 60, 2, yuan(447900), 'demo-ay');
        open('inquiry', q.close, async (p) => {
            const c = await centre();
            const experts = ['ZJ3603001', 'ZJ3603014', 'ZJ3603027'];
            const reps = ['采购人代表 刘芳', '采购人代表 张伟'];
            // a procurement committee: experts ≥ 2/3 of an odd number ≥ 5
            await c.must('PUT', `/api/trading/projects/${p.number}/committee`, { experts: [...experts, 'ZJ3603033'], representatives: [reps[0]] }, [200]);
            const list = await c.get(`/api/trading/projects/${p.number}`);
            for (const m of [...experts, 'ZJ3603033', reps[0]])
                for (const b of list.opening.filter((x) => x.state === 'unlocked'))
                    await c.post(`/api/trading/projects/${p.number}/scores`, { member: m, bid: b.bid, scores: { 资格与符合性: 85 } });
            await act('inquiry', 'report', { note: '三家供应商均通过资格性和符合性审查，按报价由低到高推荐。' });
        });
        at(q.close + 1, 9 * 60 + 30, async () => P.inquiry && (await act('inquiry', 'publicize')));
        at(q.close + 1, 15 * 60, async () => {
            const p = P.inquiry;
            if (!p) return;
            const o = await p.bids[1].e.post(`/api/trading/projects/${p.number}/objections`, { text: '第一候选人所投产品的处理器型号与采购需求不符。' });
            p.objection = o.id;
        });
        at(q.close + 2, 10 * 60, async () => {
            const p = P.inquiry;
            if (p?.objection)
                await (await centre()).post(`/api/trading/objections/${p.objection}/answer`, { answer: '经复核，所投型号满足采购需求（同等或优于），异议不成立。' });
        });
        if (D > q.close + 1) {
            const award = dayOn(addDays(days[q.close + 1], 4));
            if (award > 0) {
                at(award, 9 * 60 + 30, async () => P.inquiry && (await act('inquiry', 'award')));
                at(award + 1, 10 * 60, async () =>
                    P.inquiry && (await act('inquiry', 'contract', { amount: yuan(447900), signed_on: days[award + 1] })));
            }
        }
    }

    // 2. 询价 of school furniture with two offers only: no opening, failed
    if (D > 4) {
        project('few', 1, {
            type: 'procurement', method: '询价', title: '安源区实验小学课桌椅采购', department: '360300-MZ', budget: yuan(96000),
            legal_basis: '《中华人民共和国政府采购法》第四十条', eval_method: '经评审的最低投标价法',
            criteria: [{ name: '资格与符合性', weight: 100 }],
        }, () => ({ docs_from: days[1], docs_to: days[Math.min(3, D - 1)], deadline: deadline(4) }));
        bid('few', 2, 10 * 60 + 20, 0, yuan(91000), 'demo-hd');
        bid('few', 3, 9 * 60 + 40, 3, yuan(89500), 'demo-ly');
        open('few', 4);

        // 3. 竞争性谈判 where two bidders share a device and the prices step evenly: collusion cards
        project('collusion', 1, {
            type: 'procurement', method: '竞争性谈判', title: '市民中心物业管理服务（竞争性谈判）', department: '360300-GA',
            budget: yuan(1200000), legal_basis: '《中华人民共和国政府采购法》第三十八条',
        }, () => ({ docs_from: days[1], docs_to: days[Math.min(3, D - 1)], deadline: deadline(4) }));
        bid('collusion', 2, 15 * 60, 0, yuan(1150000), 'demo-shared-7f3a');
        bid('collusion', 3, 9 * 60 + 15, 2, yuan(1120000), 'demo-shared-7f3a');
        bid('collusion', 3, 16 * 60, 3, yuan(1090000), 'demo-ly');
        open('collusion', 4);
    }

    // 4. land sold by auction (拍卖): sealed prices, then raises at the opening (a walk of 4 weeks or more)
    const landOpen = dayOn(addDays(days[0], 20));
    project('auction', 0, {
        type: 'land', method: '拍卖', title: '安源区 2026-03 号地块国有建设用地使用权拍卖出让', department: '360300-GA',
        budget: yuan(8800000), legal_basis: '《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）',
    }, () => ({ docs_from: days[0], docs_to: addDays(days[0], 18), deadline: `${addDays(days[0], 20)}T10:00:00+08:00` }));
    bid('auction', 1, 10 * 60 + 30, 0, yuan(8800000), 'demo-hd');
    bid('auction', 2, 10 * 60, 1, yuan(9000000), 'demo-gx');
    bid('auction', 3, 15 * 60, 3, yuan(8950000), 'demo-ly');
    if (landOpen > 0)
        open('auction', landOpen, async (p) => {
            await act('auction', 'auction', { increment: yuan(100000) });
            const raise = (i, price) => enterprises[i].client.post(`/api/trading/projects/${p.number}/auction/raise`, { price: yuan(price) });
            await raise(0, 9100000);
            await raise(3, 9200000);
            await raise(1, 9300000);
            await raise(0, 9450000);
            await act('auction', 'hammer');
            await act('auction', 'report', { note: '现场竞价，价高者得。' });
        });

    // 5. an engineering tender, land and property rights: announced, registrations coming in
    const far = (n) => `${addDays(days[0], n)}T09:30:00+08:00`;
    project('road', 0, {
        type: 'engineering', method: '公开招标', title: '萍乡市安源区建设路改造工程施工', department: '360300-GA',
        budget: yuan(18600000), legal_basis: '《中华人民共和国招标投标法》', deposit: yuan(300000),
        lots: [{ title: '一标段（道路）', budget: yuan(12000000) }, { title: '二标段（排水）', budget: yuan(6600000) }],
    }, () => ({ docs_from: days[0], docs_to: addDays(days[0], 6), deadline: far(30), notice: '施工总承包三级及以上资质。' }));
    project('land', 0, {
        type: 'land', method: '挂牌', title: '湘东区 2026-07 号地块国有建设用地使用权挂牌出让', department: '360300-GA',
        budget: yuan(23500000), legal_basis: '《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）',
    }, () => ({ docs_from: days[0], docs_to: addDays(days[0], 25), deadline: far(26) }));
    project('property', 0, {
        type: 'property', method: '竞价', title: '萍乡市城投公司所持某物流公司 30% 股权转让', department: '360300-GA',
        budget: yuan(5200000), legal_basis: '《企业国有资产交易监督管理办法》（国务院国资委 财政部令第32号）',
    }, () => ({ docs_from: days[0], docs_to: addDays(days[0], 35), deadline: far(40) }));
    at(1, 11 * 60, async () => {
        if (!P.road) return;
        await enterprises[1].client.post(`/api/trading/projects/${P.road.number}/registration`, { deposit: yuan(300000) });
        const qn = await enterprises[1].client.post(`/api/trading/projects/${P.road.number}/questions`, { question: '二标段是否接受联合体投标？' });
        await (await centre()).post(`/api/trading/questions/${qn.id}/answer`, { answer: '本项目不接受联合体投标。' });
    });
}

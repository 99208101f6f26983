// experts.mjs - the demo's bid-evaluation expert pool (评标专家库) and a
// demo draw, made through the real API (docs/experts.md): ~300 experts over
// the specialty classification, recommended by departments and approved by
// the trading centre, with employers (some past), declared relatives and
// drafting participation that the demo draw's avoidance runs into; then a
// draw with the supervisor attached, the three parties' commit-reveal, the
// RFC 3797 selection, one refusal replaced by the next pick, and the
// publication. Also the identifiers' generators the API tests share.
//
// Every ID number and credit code here is synthetic: made-up serials with a
// correct check character (GB 11643 MOD 11-2; GB 11714 and GB 32100).
import { createHash } from 'node:crypto';

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** A synthetic 18-character ID number: region, birth date (YYYYMMDD), serial (0-999). */
export function idNumber(region, birth, serial) {
    const body = `${region}${birth.replaceAll('-', '')}${String(serial % 1000).padStart(3, '0')}`;
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += Number(body[i]) * ID_W[i];
    return body + '10X98765432'[sum % 11];
}

/** A synthetic unified social credit code of an enterprise (91) in region 360300, serial n. */
export function uscc(n) {
    const org = String(n).padStart(8, '0'); // a GB 11714 organisation code with its own check
    const ow = [3, 7, 9, 10, 5, 8, 4, 2];
    const c = 11 - ([...org].reduce((a, d, i) => a + Number(d) * ow[i], 0) % 11);
    const body = `91360300${org}${c === 10 ? 'X' : c === 11 ? '0' : String(c)}`;
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(body[i]) * USCC_W[i];
    return body + USCC_CHARS[(31 - (sum % 31)) % 31];
}

/** SHA-256 hex of a text (a seed's commitment). */
export const sha256 = (s) => createHash('sha256').update(s).digest('hex');

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈';
const GIVEN = ['建国', '伟', '芳', '敏', '静', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '华', '平', '刚', '桂英', '志强', '海燕', '晓东', '立新'];
const TITLES = ['高级工程师', '正高级工程师', '高级经济师', '高级会计师', '教授', '副教授', '研究员', '注册造价工程师', '律师'];
const REGIONS = ['360302', '360313', '360321', '360322', '360323'];
const EMPLOYERS = [
    '萍乡市建筑设计研究院有限公司', '萍乡市市政工程有限公司', '江西萍钢实业股份有限公司', '萍乡学院', '萍乡市人民医院',
    '萍乡市水利规划设计院', '萍乡市交通规划设计院', '江西赣西会计师事务所', '萍乡市信息产业有限公司', '萍乡市公路建设有限公司',
    '萍乡市电力设计有限公司', '萍乡市工程造价咨询有限公司', '萍乡市物业管理有限公司', '萍乡市土地评估事务所', '萍乡市律师事务所',
    '萍乡市环境卫生服务有限公司', '萍乡市资产评估有限公司', '萍乡市教育装备有限公司', '萍乡市医疗器械有限公司', '萍乡市产权交易所',
];

/** Run the demo: c(login) gives a logged-in client with must(method, path, body, statuses). */
export async function demoExperts({ as, log = () => {}, today, count = 300 }) {
    const centre = await as('jyzx');
    const recommenders = [await as('gaj_head'), await as('mzj_head')];
    const spec = await centre.must('GET', '/api/experts/specialties', undefined, [200]);
    const codes = spec.classes.flatMap((c) => c.items.map((i) => i.code));
    const ids = [];
    for (let i = 0; i < count; i++) {
        const year = 1962 + (i * 7) % 30;
        const birth = `${year}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
        const emp = i % EMPLOYERS.length;
        const body = {
            name: SURNAMES[i % SURNAMES.length] + GIVEN[(i * 3) % GIVEN.length],
            id_number: idNumber(REGIONS[i % REGIONS.length], birth, 100 + i),
            phone: `139${String(7990000 + i * 37).padStart(8, '0')}`,
            region_code: REGIONS[i % REGIONS.length],
            title: TITLES[i % TITLES.length],
            seniority: 8 + (i % 25),
            employer: { name: EMPLOYERS[emp], uscc: uscc(1000 + emp), since: `${2005 + (i % 15)}-03-01` },
            specialties: [codes[i % codes.length], ...(i % 4 === 0 ? [codes[(i + 5) % codes.length]] : [])],
        };
        // a past employer within three years for some: avoidance meets them
        if (i % 9 === 0) body.past_employers = [{ name: EMPLOYERS[(emp + 1) % EMPLOYERS.length], uscc: uscc(1000 + ((emp + 1) % EMPLOYERS.length)), since: '2015-01-01', until: '2024-06-30' }];
        if (i % 11 === 0) body.relatives = [{ name: '亲属' + i, id_number: idNumber('360302', '1970-05-05', 500 + i), relation: i % 2 ? '配偶' : '兄弟姐妹' }];
        if (i % 23 === 0) body.drafting = [{ project_code: 'PX-GC-2026-DEMO', note: '参与招标文件技术部分编制' }];
        const x = await recommenders[i % 2].must('POST', '/api/experts', body, [201]);
        if (i % 17 !== 16) await centre.must('POST', `/api/experts/${x.id}/actions/approve`, { reason: '材料齐全，符合入库条件' }, [200]);
        ids.push(x);
    }
    // the demo expert's login (zhuanjia) is one of them
    await centre.must('POST', `/api/experts/${ids[0].id}/account`, { login: 'zhuanjia' }, [201]);
    log(`experts: ${ids.length} recommended, ${ids.filter((_, i) => i % 17 !== 16).length} in the pool`);

    // a demo draw: 房屋建筑 (A01) and 工程造价 (A06), evaluation two working days on
    const cal = await centre.must('GET', `/api/calendar/add?start=${today}&days=2`, undefined, [200]);
    const evaluation = cal.date;
    const bidderA = { name: EMPLOYERS[1], uscc: uscc(1001), people: [{ name: '法定代表人甲', id_number: idNumber('360302', '1970-05-05', 500), role: 'legal_representative' }] };
    const bidderB = { name: EMPLOYERS[9], uscc: uscc(1009), people: [{ name: '实际控制人乙', id_number: idNumber('360313', '1968-08-08', 321), role: 'controller' }] };
    const draw = await centre.must('POST', '/api/expert-draws', {
        project_code: 'PX-GC-2026-DEMO', project_name: '萍乡市城区道路改造工程施工招标', evaluation_date: evaluation,
        region_code: '360300', supervisor: 'jiancha',
        groups: [{ specialty: codes[0], count: 3, reserve: 1 }, { specialty: 'A06', count: 2, reserve: 1 }],
        excluded_employers: [uscc(1019)], purchaser: { dept_code: '360300-GA' }, bidders: [bidderA, bidderB],
    }, [201]);
    const parties = { supervision: await as('jiancha'), centre, tenderer: await as('gaj_clerk') };
    const secrets = {
        supervision: '20261208 731905 448126',
        centre: '93017 228461 550392 17',
        tenderer: '61 440928 713355 902',
    };
    for (const [p, c] of Object.entries(parties)) await c.must('POST', `/api/expert-draws/${draw.number}/commit`, { commitment: sha256(secrets[p]) }, [200]);
    for (const [p, c] of Object.entries(parties)) await c.must('POST', `/api/expert-draws/${draw.number}/reveal`, { reveal: secrets[p] }, [200]);
    let d = await centre.must('POST', `/api/expert-draws/${draw.number}/select`, {}, [200]);
    let refused = false;
    for (;;) {
        const called = d.picks.filter((p) => p.status === 'called');
        if (!called.length) break;
        const p = called[0];
        d = await centre.must('POST', `/api/expert-draws/${draw.number}/picks/${p.expert}`,
            refused ? { accept: true } : { accept: false, reason: '评标当日另有公务，无法参加' }, [200]);
        refused = true;
    }
    d = await centre.must('POST', `/api/expert-draws/${draw.number}/publish`, {}, [200]);
    log(`experts: draw ${d.number}: ${d.exclusions.length} exclusions, committee of ${d.committee.length}, published`);
    return { experts: ids.length, draw: d.number };
}

// demo/exchange.mjs - the data centre's part of the demo city (issue #17,
// docs/exchange.md), run by scripts/demo-activity.mjs after the walk, on the
// real now, through the real API: the base databases generated (a smaller
// base than the full size, so that the demo stays quick: the full size is
// `zhengtong exchange gen-base` with its defaults, 200,000 persons and 20,000
// legal persons), then 民政局 requests the population data for its 低保
// checks, the data office checks it, 公安局 agrees, 民政局 issues its
// application key and its system reads a few records - 张三's among them,
// so that his portal shows who read his data; 民政局 also gets the legal
// persons (unconditional) and a request waits in the data office's queue.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const POP = '1-01/360300-GA-00001';
const LEGAL = '1-02/360300-GS-00001';
const ZHANGSAN = '360302198503120045';

/**
 * ctx: { base, bin, dataDir, Client (demo-activity's), log }. Returns a
 * summary: { persons, legal_persons, requests, calls }.
 */
export async function exchangeDemo({ base, bin, dataDir, Client, log }) {
    const gen = spawnSync(path.resolve(bin), ['exchange', 'gen-base', '--data-dir', dataDir, '--persons', '20000', '--legal', '2000'], {
        encoding: 'utf8',
        env: { ...process.env, TZ: 'Asia/Shanghai' },
    });
    if (gen.status !== 0) throw new Error(`exchange gen-base failed: ${gen.stderr}`);
    log(`  ${gen.stdout.trim().split('\n')[0]}`);
    const [xxzx, mzj, mzjHead, gajHead, admin] = await Promise.all(
        ['xxzx', 'mzj_clerk', 'mzj_head', 'gaj_head', 'admin'].map((l) => new Client(base, l).login(l)),
    );
    const request = (resource, items, purpose, basis) => mzj.post('/api/exchange/requests', { resource, items, purpose, basis }, [201]);
    // the population data for the 低保 checks: checked, answered, granted
    const pop = await request(POP, ['id_number', 'name', 'sex', 'birth_date', 'region_code', 'marital'], '最低生活保障申请人家庭成员身份核对', '《社会救助暂行办法》第十一条');
    await xxzx.post(`/api/exchange/requests/${pop.number}/pass`, { note: '数据项符合最小必要原则' });
    const granted = await gajHead.post(`/api/exchange/requests/${pop.number}/approve`, { note: '同意，限低保核对使用' });
    const legal = await request(LEGAL, ['uscc', 'name', 'representative', 'status'], '社会组织登记前置核查', '《社会团体登记管理条例》');
    const legalGrant = await xxzx.post(`/api/exchange/requests/${legal.number}/pass`, {});
    // one waits in the data office's queue
    await request(POP, ['name', 'address', 'phone'], '困难群众走访联系', '《江西省社会救助办法》');
    const key = (await mzjHead.post(`/api/exchange/grants/${granted.grant_id}/key`, {}, [201])).key;
    const legalKey = (await mzjHead.post(`/api/exchange/grants/${legalGrant.grant_id}/key`, {}, [201])).key;
    const depts = await admin.get('/api/departments?per_page=100', [200]);
    const mz = depts.items.find((d) => d.code === '360300-MZ');
    const sysKey = (await mzjHead.post('/api/keys', { dept_id: mz.id, name: '社会救助信息系统（数据交换）' }, [201])).key;
    const sys = new Client(base, 'mz-system', sysKey);
    // a few reads: 张三 and the first persons and legal persons of the base, by name too
    const people = await sys.must('GET', `/api/exchange/data/persons?name=${encodeURIComponent('张三')}&user=${encodeURIComponent('赵丽')}&issue=MZ-DB-2026-0001`, undefined, [200], { 'X-Grant-Key': key });
    let calls = 1;
    for (const [i, p] of [{ id_number: ZHANGSAN }, ...people.records].slice(0, 3).entries()) {
        await sys.must('GET', `/api/exchange/data/persons/${p.id_number}?user=${encodeURIComponent('赵丽')}&issue=MZ-DB-2026-000${i + 2}`, undefined, [200], { 'X-Grant-Key': key });
        calls++;
    }
    const firm = await sys.must('GET', `/api/exchange/data/legal_persons?name=${encodeURIComponent('萍乡市')}&user=${encodeURIComponent('孙伟')}&issue=MZ-SZ-2026-0001`, undefined, [200], { 'X-Grant-Key': legalKey });
    calls++;
    log(`  exchange: 3 sharing requests (${pop.number} granted by 公安局, ${legal.number} unconditional, one in the data office's queue), ${calls} calls (${firm.records.length} legal persons by name)`);
    return { requests: 3, calls };
}

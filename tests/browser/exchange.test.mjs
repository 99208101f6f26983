// The data centre's pages in real Chromium (issue #17): the data office
// (xxzx) lands on the resource catalogue, searches it in Chinese and checks a
// department's sharing request from its queue; the consumer's clerk issues
// the grant's application key (shown once); the citizen sees who read his
// population record. Setup through the API as the departments would.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { confirmBox, launch, loginAs, openPage as openPage_, screenshot, startServer, as, Client } from './lib/browser.mjs';
import { BIN, REPO, initDemo, tempDir } from '../api/lib/server.mjs';

const WAIT_MS = 30000;
async function openPage(browser, opts) {
    const pg = await openPage_(browser, opts);
    pg.context.setDefaultTimeout(WAIT_MS);
    pg.context.setDefaultNavigationTimeout(WAIT_MS);
    return pg;
}
const LONG = ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'];
const POP = '1-01/360300-GA-00001';

async function ok(rp, status = 200) {
    const r = await rp;
    assert.equal(r.status, status, r.text);
    return r.json;
}

describe('the data centre pages', () => {
    let srv, browser, number;

    before(async () => {
        const dir = tempDir('zt-exchange-web-');
        initDemo(dir);
        const g = spawnSync(BIN, ['exchange', 'gen-base', '--data-dir', dir, '--persons', '500', '--legal', '50'], { cwd: REPO, encoding: 'utf8' });
        assert.equal(g.status, 0, g.stderr);
        [srv, browser] = await Promise.all([startServer({ dir, args: LONG }), launch()]);
        const admin = await as(srv, 'admin');
        await ok(admin.put('/api/admin/clock', { now: '2026-11-02T02:00:00Z' }));
        const mzj = await as(srv, 'mzj_clerk');
        const q = await ok(mzj.post('/api/exchange/requests', { resource: POP, items: ['name', 'sex'], purpose: '低保资格核对', basis: '《社会救助暂行办法》' }), 201);
        number = q.number;
    });

    after(async () => {
        await browser?.close();
        await srv?.stop();
    });

    test('the data office lands on the catalogue, searches it and passes a request from its queue', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'xxzx');
        await page.waitForURL(/#\/data$/);
        await page.getByText('人口基础信息').first().waitFor();
        await page.getByLabel('关键字').fill('法定代表人');
        await page.getByLabel('关键字').press('Enter');
        await page.getByRole('button', { name: '检索' }).click();
        await page.locator('[data-test=catalogue-table]').getByText('法人单位基础信息').waitFor();
        assert.equal(await page.locator('[data-test=catalogue-table]').getByText('人口基础信息').count(), 0);
        await screenshot(page, 'data-catalogue');
        await page.goto(`${srv.base}/#/data/requests`);
        const row = page.locator('[data-test=requests-table] tr', { hasText: number });
        await row.getByRole('button', { name: '通过', exact: true }).click();
        await page.locator('[data-test=form-pass]').waitFor();
        await page.locator('[data-test=action-submit]').click();
        await confirmBox(page);
        await page.getByText('没有共享申请').waitFor();
        await screenshot(page, 'data-requests');
        await page.goto(`${srv.base}/#/data/monitor`);
        await page.locator('[data-test=alerts-table]').waitFor();
        await screenshot(page, 'data-monitor');
        await pg.done();
    });

    test('the provider answers, the consumer issues the application key once; the citizen sees who read his data', async () => {
        const gaj = await as(srv, 'gaj_head');
        const r = await ok(gaj.post(`/api/exchange/requests/${number}/approve`, {}));
        assert.equal(r.state, 'granted');
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'mzj_head');
        await page.goto(`${srv.base}/#/data/grants`);
        await page.locator('[data-test=grants-table]').getByRole('button', { name: '签发密钥' }).click();
        const key = await page.getByRole('dialog', { name: '应用密钥（只显示这一次）' }).locator('input').inputValue();
        assert.match(key, /^zg_[0-9a-f]{8}_/);
        await screenshot(page, 'data-grant-key');
        await page.getByRole('button', { name: '已保存' }).click();
        await pg.done();
        // the consumer's system calls with the key
        const admin = await as(srv, 'admin');
        const depts = await ok(admin.get('/api/departments?per_page=100'));
        const mzjHead = await as(srv, 'mzj_head');
        const k = await ok(mzjHead.post('/api/keys', { dept_id: depts.items.find((d) => d.code === '360300-MZ').id, name: '救助系统' }), 201);
        const sys = new Client(srv, { key: k.key });
        const c = await sys.get('/api/exchange/data/persons/360302198503120045?user=zl&issue=MZ-2026-0007', { headers: { 'X-Grant-Key': key } });
        assert.equal(c.status, 200, c.text);
        const cp = await openPage(browser);
        await loginAs(cp.page, srv, 'zhangsan');
        await cp.page.goto(`${srv.base}/#/my/data-reads`);
        await cp.page.locator('[data-test=my-reads]').getByText('MZ-2026-0007').waitFor();
        await cp.page.locator('[data-test=my-reads]').getByText('萍乡市民政局').waitFor();
        await screenshot(cp.page, 'portal-my-data-reads');
        await cp.done();
    });
});

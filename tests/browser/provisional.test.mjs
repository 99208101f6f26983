// provisional.test.mjs - deadlines in a year the working-day calendar does
// not cover yet (issue #12; docs/calendar.md, "When the calendar runs out"),
// in real Chromium. On a fake-clock server near the end of December 2026
// (the shipped calendar ends on 2026-12-31) gaj_clerk accepts zhangsan's
// passport application on Thursday 2026-12-24: its promised limit of 7
// working days ends in 2027, counted on the weekday rule, so the API lists
// it in deadlines.provisional and every page that shows the date marks it
// 暂定 with the explanation in a tooltip: the clerk's 待办 and case page, the
// applicant's 我的办件 and case page.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, screenshot, startServer, as, Client, loginAs } from './lib/browser.mjs';

const ITEM = '360300-XK-GA-001'; // 普通护照签发: promised 7, legal 15 working days
const PDF = Buffer.from('%PDF-1.4\n%%EOF\n');
const ARGS = ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'];
const TIP = '该日期所在年度的节假日安排尚未发布，按周末规则暂计，导入新年度日历后将重新计算';

async function ok(rp, status = 200) {
    const r = await rp;
    assert.equal(r.status, status, r.text);
    return r.json;
}

describe('provisional deadlines (暂定)', () => {
    let srv, browser, number, promised;

    before(async () => {
        [srv, browser] = await Promise.all([startServer({ args: ARGS }), launch()]);
        const admin = await as(srv, 'admin');
        await ok(admin.put('/api/admin/clock', { now: '2026-12-24T10:00:00+08:00' })); // Thursday
        const zs = await as(srv, 'zhangsan');
        const clerk = await as(srv, 'gaj_clerk');
        const guide = (await ok(new Client(srv).get(`/api/items/${ITEM}`))).guide;
        const up = await ok(
            zs.req('POST', '/api/uploads?name=m.pdf', { body: PDF, headers: { 'Content-Type': 'application/octet-stream' } }),
            201,
        );
        const materials = guide.materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: up.id }));
        number = (await ok(zs.post('/api/cases', { item_code: ITEM, title: '跨年的护照申请', materials }), 201)).number;
        await ok(clerk.post(`/api/cases/${number}/actions/pre_review_pass`, { fields: { opinion: '材料齐全' } }));
        const c = await ok(clerk.post(`/api/cases/${number}/actions/accept`, { fields: { notice_no: '萍公出受〔2026〕99号' } }));
        // 12-25, 12-28..31, then 2027-01-01 (a Friday: the weekday rule, nothing
        // imported says otherwise) and 01-04
        promised = c.deadlines.promised_due;
        assert.equal(promised, '2027-01-04');
        assert.ok(c.deadlines.legal_due.startsWith('2027-'), c.deadlines.legal_due);
        assert.ok(c.deadlines.provisional.includes('promised_due'), JSON.stringify(c.deadlines));
        assert.ok(c.deadlines.provisional.includes('legal_due'), JSON.stringify(c.deadlines));
        const row = (await ok(clerk.get(`/api/dept/cases?q=${number}`))).items[0];
        assert.ok(row.provisional.includes('promised_due'), JSON.stringify(row));
    });

    after(async () => {
        await browser?.close();
        await srv?.stop();
    });

    /** Hover the mark and read its tooltip. */
    async function tooltipOf(page, mark) {
        await mark.hover();
        const tip = page.locator('.el-popper[role=tooltip]').filter({ hasText: TIP });
        await tip.waitFor();
        return tip.innerText();
    }

    test('the clerk sees 暂定 beside the promised date in 待办 and on the case, with why', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'gaj_clerk');
        await page.waitForURL(/#\/staff/);
        await page.getByRole('tab', { name: '办理中' }).click();
        const row = page.locator('[data-test="todo-table"] .el-table__row', { hasText: number });
        await row.waitFor();
        assert.match(await row.innerText(), new RegExp(`${promised}\\s*暂定`));
        await screenshot(page, 'staff-todo-provisional');

        await row.getByRole('link', { name: number }).click();
        await page.waitForURL((u) => u.hash === `#/staff/cases/${number}`);
        const deadlines = page.locator('#case-deadlines');
        await deadlines.locator('[data-test=promised-due]').filter({ hasText: promised }).waitFor();
        const mark = deadlines.locator('[data-test=promised-due] + [data-test=provisional]');
        assert.equal(await mark.count(), 1);
        assert.equal(await deadlines.locator('[data-test=legal-due] + [data-test=provisional]').count(), 1, 'the legal date too');
        assert.equal(await tooltipOf(page, mark), TIP);
        await screenshot(page, 'staff-case-provisional');
        await pg.done();
    });

    test('the applicant sees 暂定 in 我的办件 and on the case', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'zhangsan');
        await page.waitForURL(/#\/my\/cases/);
        const item = page.locator('[data-test=my-cases] li', { hasText: number });
        await item.waitFor();
        assert.match(await item.innerText(), /承诺 2027-01-04 前办结\s*暂定/);
        await page.goto(srv.url(`/#/my/cases/${number}`));
        await page.locator('[data-test=promised-due]').filter({ hasText: promised }).waitFor();
        const mark = page.locator('[data-test=promised-due] + [data-test=provisional]');
        assert.equal(await mark.count(), 1);
        assert.equal(await tooltipOf(page, mark), TIP);
        await screenshot(page, 'portal-case-provisional');
        await pg.done();
    });
});

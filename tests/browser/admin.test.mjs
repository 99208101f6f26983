// admin.test.mjs - the administration in the browser (issue #6): an
// administrator adds a user who can then log in; an API key is shown once;
// a local holiday moves the working-day calculator; a rule is disabled with
// a reason and gets a new version. Every change is confirmed first. And the
// calendar running out (issue #12): on a fake-clock server the console's
// banner comes 60 days before 2026-12-31 for administrators (with the way to
// the import) and supervisors (information), and goes once 2027 is imported.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, screenshot, startServer, as, Client, loginAs, confirmBox } from './lib/browser.mjs';

describe('administration', () => {
    let srv, browser;

    before(async () => {
        srv = await startServer();
        browser = await launch();
    });
    after(async () => {
        if (browser) await browser.close();
        if (srv) await srv.stop();
    });

    test('an administrator adds a user, who can then log in', async () => {
        // the refused password is a 400 the page provokes on purpose
        const pg = await openPage(browser, { allow: [{ status: 400, path: '/api/users' }] });
        const { page } = pg;
        await loginAs(page, srv, 'admin');
        await page.waitForURL(/#\/admin$/);
        await page.getByRole('heading', { name: '用户与角色' }).waitFor();
        await page.getByRole('cell', { name: 'gaj_clerk', exact: true }).waitFor();
        await screenshot(page, 'admin-users');

        await page.locator('[data-test=user-create]').click();
        const dlg = page.getByRole('dialog', { name: '新建账号' });
        await dlg.getByLabel('登录名').fill('gaj_li');
        await dlg.getByLabel('姓名/名称').fill('李警官');
        // a password the server refuses: its message lands on the field, nothing is created
        await dlg.getByLabel('所属部门').click();
        await page.keyboard.type('公安局');
        await page.getByRole('option', { name: /萍乡市公安局/ }).first().click();
        await dlg.getByLabel('初始密码').fill('short');
        await page.locator('[data-test=user-save]').click();
        await confirmBox(page);
        await dlg.locator('.el-form-item__error').filter({ hasText: /密码/ }).waitFor();
        await screenshot(page, 'admin-user-create-error');

        await dlg.getByLabel('初始密码').fill('Li2026police');
        await page.locator('[data-test=user-save]').click();
        await confirmBox(page);
        await dlg.waitFor({ state: 'hidden' });
        await page.getByText('账号已创建').waitFor();
        await page.getByLabel('搜索登录名或姓名').fill('gaj_li');
        await page.getByRole('button', { name: '搜索' }).click();
        const row = page.getByRole('row').filter({ hasText: 'gaj_li' });
        await row.waitFor();
        assert.match(await row.innerText(), /李警官[\s\S]*窗口\/承办人员[\s\S]*萍乡市公安局/);

        // the account is real: it logs in with that password, as a clerk of 公安局
        const li = await as(srv, 'gaj_li', 'Li2026police');
        assert.equal(li.user.role, 'clerk');
        assert.equal(li.user.dept_name, '萍乡市公安局');
        // and the change is in the audit trail
        const adm = await as(srv, 'admin');
        const audit = await adm.get('/api/audit?action=user.create&actor=admin');
        assert.ok(audit.json.items.some((a) => a.detail.login === 'gaj_li'), JSON.stringify(audit.json.items));
        await pg.done();
    });

    test('an API key is shown once and works for its department', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'admin');
        await page.waitForURL(/#\/admin$/);
        await page.goto(srv.url('/#/admin/keys'));
        await page.locator('[data-test=key-create]').click();
        const dlg = page.getByRole('dialog', { name: '新建接口密钥' });
        await dlg.getByLabel('部门').click();
        await page.keyboard.type('民政局');
        await page.getByRole('option', { name: /萍乡市民政局/ }).first().click();
        await dlg.getByLabel('名称').fill('民政业务系统');
        await dlg.getByRole('button', { name: '创建' }).click();
        await confirmBox(page);
        const once = page.locator('[data-test=key-once]');
        await once.waitFor();
        const key = (await once.locator('code').innerText()).trim();
        assert.match(key, /^zt_[A-Za-z0-9_-]+_[A-Za-z0-9_-]+$/);
        await screenshot(page, 'admin-keys');
        // the key authenticates as its department's system
        const me = await new Client(srv, { key }).get('/api/auth/me');
        assert.equal(me.status, 200);
        assert.equal(me.json.key.name, '民政业务系统');
        // "I have saved it": the key is gone from the page for good
        await once.getByRole('button', { name: '我已保存' }).click();
        await once.waitFor({ state: 'detached' });
        assert.ok(!(await page.content()).includes(key));
        await page.getByRole('cell', { name: '民政业务系统' }).waitFor();
        await pg.done();
    });

    test('a local holiday moves the working-day calculator', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'admin');
        await page.waitForURL(/#\/admin$/);
        await page.goto(srv.url('/#/admin/calendar'));
        await page.getByRole('cell', { name: '国庆节' }).first().waitFor();
        // 2026-06-15 (a Monday) + 1 working day = 06-16; after making 06-16 a local holiday: 06-17
        const calc = async () => {
            await page.getByLabel('起算日').fill('2026-06-15');
            await page.getByLabel('起算日').press('Enter');
            await page.getByLabel('工作日', { exact: true }).fill('1');
            await page.getByRole('button', { name: '计算' }).click();
            return page.locator('[data-test=calc-result]').innerText();
        };
        assert.match(await calc(), /2026-06-16/);
        await page.getByLabel('日期', { exact: true }).fill('2026-06-16');
        await page.getByLabel('日期', { exact: true }).press('Enter');
        await page.getByLabel('名称').fill('市庆');
        await page.getByRole('button', { name: '保存' }).click();
        await confirmBox(page);
        await page.getByRole('row').filter({ hasText: '2026-06-16' }).filter({ hasText: '本地安排' }).waitFor();
        await page.getByRole('button', { name: '计算' }).click();
        await page.locator('[data-test=calc-result]').filter({ hasText: '2026-06-17' }).waitFor();
        await screenshot(page, 'admin-calendar');
        const day = await new Client(srv).get('/api/calendar/day/2026-06-16');
        assert.equal(day.json.working, false);
        assert.equal(day.json.name, '市庆');
        await pg.done();
    });

    test('a rule is disabled with a reason: a new version', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'admin');
        await page.waitForURL(/#\/admin$/);
        await page.goto(srv.url('/#/admin/rules'));
        // Element Plus draws the switch over a visually hidden input[role=switch]
        await page.getByRole('switch', { name: '停用规则 超过承诺时限（黄牌）' }).waitFor({ state: 'attached' });
        await page.getByRole('row').filter({ hasText: '超过承诺时限（黄牌）' }).locator('.el-switch').click();
        const box = page.locator('.el-message-box');
        await box.locator('textarea').fill('试行期间暂停');
        await box.getByRole('button', { name: '确定' }).click();
        await page.getByText('已停用').waitFor();
        await page.getByRole('switch', { name: '启用规则 超过承诺时限（黄牌）' }).waitFor({ state: 'attached' });
        await screenshot(page, 'admin-rules');
        const sv = await as(srv, 'jiancha');
        const rule = await sv.get('/api/supervision/rules/promised_yellow');
        assert.equal(rule.json.enabled, false);
        assert.equal(rule.json.version, 2);
        await pg.done();
    });

    test('the directory: a department head may edit only their own department', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'gaj_head');
        await page.waitForURL(/#\/staff/);
        await page.goto(srv.url('/#/admin/org'));
        await page.getByRole('tab', { name: '部门' }).click();
        await page.getByLabel('搜索部门名称').fill('公安局');
        await page.getByRole('button', { name: '搜索' }).click();
        const own = page.getByRole('row').filter({ hasText: '萍乡市公安局' }).first();
        await own.getByRole('button', { name: '修改' }).click();
        const dlg = page.getByRole('dialog', { name: '修改部门' });
        await dlg.getByLabel('电话').fill('0799-6666110');
        await dlg.getByRole('button', { name: '保存' }).click();
        await confirmBox(page);
        await dlg.waitFor({ state: 'hidden' });
        await page.getByRole('cell', { name: '0799-6666110' }).waitFor();
        await screenshot(page, 'admin-org');
        // another department's row offers no change
        await page.getByLabel('搜索部门名称').fill('民政局');
        await page.getByRole('button', { name: '搜索' }).click();
        const other = page.getByRole('row').filter({ hasText: '萍乡市民政局' }).first();
        await other.waitFor();
        assert.equal(await other.getByRole('button', { name: '修改' }).count(), 0);
        await pg.done();
    });
});

describe('the calendar running out: the console banner', () => {
    let srv, browser, admin;
    const LONG = ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'];
    // TEST FIXTURE, not the State Council's 2027 schedule (unpublished when
    // this was written): just enough of the import format to cover 2027
    const FIXTURE_2027 = '# TEST FIXTURE ONLY (tests/browser/admin.test.mjs)\nyear\t2027\n2027-01-01\tholiday\t测试元旦\n';

    const clock = async (day) => {
        const r = await admin.put('/api/admin/clock', { now: `${day}T09:00:00+08:00` });
        assert.equal(r.status, 200, r.text);
    };
    const banner = (page) => page.locator('[data-test=calendar-banner]');
    /** Load a console page afresh (a hash change alone keeps the layout) and wait until the banner's question was answered. */
    async function open(page, hash) {
        await page.goto(srv.url(`/#${hash}`));
        const answered = page.waitForResponse((r) => r.url().endsWith('/api/calendar/coverage'));
        await page.reload();
        await answered;
    }

    before(async () => {
        [srv, browser] = await Promise.all([startServer({ args: LONG }), launch()]);
        admin = await as(srv, 'admin');
    });
    after(async () => {
        if (browser) await browser.close();
        if (srv) await srv.stop();
    });

    test('no banner while the calendar reaches far enough (2026-10-01)', async () => {
        await clock('2026-10-01');
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'admin');
        await page.waitForURL(/#\/admin$/);
        await open(page, '/admin/rules');
        await page.getByRole('heading', { name: '监察规则' }).waitFor();
        assert.equal(await banner(page).count(), 0);
        await pg.done();
    });

    test('from 60 days before 2026-12-31: administrators see the day and the way to the import, on every console page', async () => {
        await clock('2026-11-02');
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'admin');
        await page.waitForURL(/#\/admin$/);
        await banner(page).waitFor();
        const text = await banner(page).innerText();
        assert.match(text, /工作日历将于 2026-12-31 到期，请导入 2027 年工作日历/);
        assert.match(text, /工作日历只覆盖到 2026-12-31/);
        assert.match(text, /还剩 59 天/);
        assert.match(text, /导入 2027 年工作日历/);
        await screenshot(page, 'admin-calendar-banner');
        for (const hash of ['/admin/org', '/admin/audit', '/sv/cards']) {
            await open(page, hash);
            await banner(page).waitFor();
        }
        // the button leads to 工作日历, where the banner says to import here
        await banner(page).locator('[data-test=calendar-banner-import]').click();
        await page.waitForURL(/#\/admin\/calendar$/);
        await banner(page).filter({ hasText: '请在本页「导入年度日历文件」中导入 2027 年的日历' }).waitFor();
        await pg.done();
    });

    test('supervisors read it, without the import; clerks are not bothered', async () => {
        const sv = await openPage(browser);
        await loginAs(sv.page, srv, 'jiancha');
        await sv.page.waitForURL(/#\/sv/);
        await banner(sv.page).waitFor();
        assert.match(await banner(sv.page).innerText(), /请联系系统管理员导入 2027 年工作日历/);
        assert.equal(await sv.page.locator('[data-test=calendar-banner-import]').count(), 0);
        await screenshot(sv.page, 'sv-calendar-banner');
        await sv.done();
        const clerk = await openPage(browser);
        let asked = false;
        clerk.page.on('request', (r) => {
            if (r.url().endsWith('/api/calendar/coverage')) asked = true;
        });
        await loginAs(clerk.page, srv, 'gaj_clerk');
        await clerk.page.waitForURL(/#\/staff/);
        await clerk.page.locator('[data-test=todo-table]').waitFor();
        assert.equal(await banner(clerk.page).count(), 0);
        assert.equal(asked, false);
        await clerk.done();
    });

    test('after 2026-12-31 the banner says the calendar ran out; importing 2027 on 工作日历 removes it', async () => {
        await clock('2027-01-05');
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'admin');
        await page.waitForURL(/#\/admin$/);
        await banner(page).filter({ hasText: '工作日历已于 2026-12-31 到期，请导入 2027 年工作日历' }).waitFor();
        assert.match(await banner(page).innerText(), /已过 5 天/);
        await banner(page).locator('[data-test=calendar-banner-import]').click();
        await page.waitForURL(/#\/admin\/calendar$/);
        await page.getByLabel('日历文件').setInputFiles({
            name: '2027-test-fixture.tsv',
            mimeType: 'text/tab-separated-values',
            buffer: Buffer.from(FIXTURE_2027),
        });
        await page.getByRole('button', { name: '导入', exact: true }).click();
        await confirmBox(page);
        await page.getByText('导入完成').waitFor();
        await banner(page).waitFor({ state: 'detached' });
        await screenshot(page, 'admin-calendar-imported');
        const cov = (await new Client(srv).get('/api/calendar/coverage')).json;
        assert.deepEqual([cov.status, cov.covered_until], ['ok', '2027-12-31']);
        // and on the next page too
        await open(page, '/admin/rules');
        await page.getByRole('heading', { name: '监察规则' }).waitFor();
        assert.equal(await banner(page).count(), 0);
        await pg.done();
    });
});

// admin.test.mjs - the administration in the browser (issue #6): an
// administrator adds a user who can then log in; an API key is shown once;
// a local holiday moves the working-day calculator; a rule is disabled with
// a reason and gets a new version. Every change is confirmed first.
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

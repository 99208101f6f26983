// The expert pool's pages in real Chromium (docs/experts.md): the trading
// centre's pool (a recommendation approved through the action form, the
// detail with employers), a draw whose seeds the supervisor and the tenderer
// committed and revealed through the API: the centre commits and reveals
// its own seed on the page (SHA-256 in the browser), selects, sees the picks
// in RFC 3797 order and the exclusions with their rules, records a refusal
// (the reason required by the server, shown in place) and the replacement
// is called; after publication the public re-check in the browser (MD5 and
// RFC 3797 in JS) agrees; the expert's own profile page. Screenshots of each page.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage as openPage_, screenshot, startServer, as } from './lib/browser.mjs';
import { idNumber, sha256, uscc } from '../../scripts/demo/experts.mjs';

const WAIT_MS = 30000;
async function openPage(browser, opts) {
    const pg = await openPage_(browser, opts);
    pg.context.setDefaultTimeout(WAIT_MS);
    return pg;
}
const LONG = ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'];

async function ok(rp, status = 200) {
    const r = await rp;
    assert.equal(r.status, status, r.text);
    return r.json;
}

describe('the expert pool pages', () => {
    let srv, browser, centre, pending, draw;

    before(async () => {
        [srv, browser] = await Promise.all([startServer({ args: LONG }), launch()]);
        const root = await as(srv, 'admin');
        await ok(root.put('/api/admin/clock', { now: '2026-09-08T02:00:00Z' })); // Tuesday 10:00
        centre = await as(srv, 'jyzx');
        const head = await as(srv, 'gaj_head');
        const experts = [];
        for (let i = 0; i < 7; i++) {
            const x = await ok(head.post('/api/experts', {
                name: `页面专家${i}`, id_number: idNumber('360302', '1972-02-0' + (i + 1), 40 + i), phone: '1390799' + (1000 + i),
                region_code: '360302', title: '高级工程师', seniority: 15, specialties: ['A01'],
                employer: { name: `萍乡市页面单位${i}`, uscc: uscc(9100 + i), since: '2016-05-01' },
            }), 201);
            if (i < 6) await ok(centre.post(`/api/experts/${x.id}/actions/approve`, {}));
            experts.push(x);
        }
        pending = experts[6];
        await ok(centre.post(`/api/experts/${experts[0].id}/account`, { login: 'zhuanjia' }), 201);
        draw = await ok(centre.post('/api/expert-draws', {
            project_code: 'PX-WEB-01', project_name: '页面测试项目', evaluation_date: '2026-09-10', region_code: '360300',
            supervisor: 'jiancha', groups: [{ specialty: 'A01', count: 3, reserve: 1 }], purchaser: { dept_code: '360300-GA' },
            excluded_employers: [uscc(9105)],
        }), 201);
        const sup = await as(srv, 'jiancha');
        const ten = await as(srv, 'gaj_clerk');
        await ok(sup.post(`/api/expert-draws/${draw.number}/commit`, { commitment: sha256('111222 333444 5') }));
        await ok(ten.post(`/api/expert-draws/${draw.number}/commit`, { commitment: sha256('999888 777666 5') }));
    });

    after(async () => {
        await browser?.close();
        await srv?.stop();
    });

    async function login(page, who, redirect) {
        await page.goto(srv.url(`/#/login?redirect=${encodeURIComponent(redirect)}`), { waitUntil: 'domcontentloaded' });
        await page.locator('#login-name').fill(who);
        await page.locator('#login-password').fill('Demo2026pass');
        await page.locator('#login-password').press('Enter');
        await page.waitForURL((u) => u.hash.startsWith(`#${redirect}`));
    }

    test('the centre approves a recommendation and reads an expert with his employers', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await login(page, 'jyzx', '/experts');
        const row = page.locator('[data-test="experts-table"] .el-table__row', { hasText: pending.number });
        await row.waitFor();
        await row.getByRole('button', { name: '审核通过' }).click();
        await page.locator('[data-test="action-submit"]').click();
        await page.getByRole('button', { name: '确定' }).click();
        await row.waitFor({ state: 'detached' }); // the list of 待审核 no longer holds him
        assert.equal((await ok(centre.get(`/api/experts/${pending.id}`))).state, 'active');
        await screenshot(page, 'experts-pool');
        await pg.done();
    });

    test('a draw on its page: seed, selection, exclusions, a refusal replaced', async () => {
        const pg = await openPage(browser, { allow: [{ status: 400, path: `/api/expert-draws/${draw.number}/picks/` }, /status of 400/] });
        const { page } = pg;
        await login(page, 'jyzx', `/experts/draws/${draw.number}`);
        await page.getByLabel('种子').fill('424242 171717 3');
        await page.getByRole('button', { name: '提交承诺' }).click();
        await page.getByText('424242 171717 3').waitFor({ state: 'detached' }).catch(() => {});
        await page.getByRole('button', { name: '揭示种子' }).waitFor();
        // the other parties reveal through the API once all three committed
        const d0 = await ok(centre.get(`/api/expert-draws/${draw.number}`));
        assert.equal(d0.seeds.length, 3);
        await ok((await as(srv, 'jiancha')).post(`/api/expert-draws/${draw.number}/reveal`, { reveal: '111222 333444 5' }));
        await ok((await as(srv, 'gaj_clerk')).post(`/api/expert-draws/${draw.number}/reveal`, { reveal: '999888 777666 5' }));
        await page.getByRole('button', { name: '揭示种子' }).click();
        await page.getByRole('button', { name: '抽取', exact: true }).click();
        const picks = page.locator('[data-test="picks-table"] .el-table__row');
        await picks.nth(3).waitFor();
        assert.match(await picks.nth(0).textContent(), /已通知/);
        assert.match(await picks.nth(3).textContent(), /备选/);
        const ex = page.locator('[data-test="exclusions-table"] .el-table__row');
        await ex.first().waitFor();
        assert.match(await ex.first().textContent(), /回避单位/);
        // a refusal without its reason: the server's message in place; then with it
        await picks.nth(0).getByRole('button', { name: '拒绝' }).click();
        await page.getByText('专家拒绝参加须写明理由').waitFor();
        await picks.nth(0).getByPlaceholder('拒绝理由').fill('出差');
        await picks.nth(0).getByRole('button', { name: '拒绝' }).click();
        await page.waitForFunction(() => /已通知/.test(document.querySelectorAll('[data-test="picks-table"] .el-table__row')[3]?.textContent || ''));
        assert.match(await picks.nth(0).textContent(), /拒绝\s*出差/);
        const log = page.locator('[data-test="draw-log"] .el-table__row');
        assert.equal(await log.count(), 2);
        assert.match(await log.nth(1).textContent(), /按 RFC 3797 抽取/);
        await screenshot(page, 'experts-draw');
        await pg.done();
    });

    test('after publication anyone re-checks the draw in the browser', async () => {
        let d = await ok(centre.get(`/api/expert-draws/${draw.number}`));
        for (const p of d.picks.filter((x) => x.status === 'called'))
            d = await ok(centre.post(`/api/expert-draws/${draw.number}/picks/${p.expert}`, { accept: true }));
        await ok(centre.post(`/api/expert-draws/${draw.number}/publish`, {}));
        const pg = await openPage(browser);
        const { page } = pg;
        await page.goto(srv.url(`/#/draws/${draw.number}`));
        await page.locator('[data-test="check-ok"]').waitFor();
        const rows = page.locator('[data-test="check-table"] .el-table__row');
        assert.equal(await rows.count(), 4);
        assert.match(await rows.nth(0).textContent(), /拒绝/);
        await screenshot(page, 'experts-recheck');
        await pg.done();
    });

    test('the expert reads his own profile and keeps his unavailable dates', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await login(page, 'zhuanjia', '/expert/me');
        const me = page.locator('[data-test="my-expert"]');
        await me.waitFor();
        assert.match(await me.textContent(), /页面专家0/);
        assert.match(await me.textContent(), /萍乡市页面单位0/);
        await screenshot(page, 'experts-me');
        await pg.done();
    });

    test('a citizen applies through the portal: the server names a bad field, then the application is taken', async () => {
        const pg = await openPage(browser, { allow: [{ status: 404, path: '/api/expert/me' }, { status: 400, path: '/api/experts/apply' }] });
        const { page } = pg;
        await login(page, 'zhangsan', '/expert/me');
        await page.locator('[data-test="not-expert"]').waitFor();
        await page.getByRole('link', { name: '申请成为评标专家' }).click();
        await page.locator('#xa-phone').fill('13907990999');
        await page.locator('#xa-title').fill('高级会计师');
        // an Element Plus select: open it (again if a closing dropdown swallowed the click), pick
        async function choose(label, option) {
            const opt = page.getByRole('option', { name: option, exact: true });
            for (let i = 0; i < 5 && !(await opt.isVisible()); i++) {
                await page.locator('.el-select', { has: page.getByLabel(label) }).first().click();
                await opt.waitFor({ timeout: 3000 }).catch(() => {});
            }
            await opt.click();
        }
        await choose('所在地区', '安源区');
        await choose('评标专业', 'C03 财务审计及法律服务');
        await page.keyboard.press('Escape');
        await page.locator('#xa-emp').fill('萍乡市审计事务所');
        await page.locator('#xa-uscc').fill('91360300000000000A');
        await page.locator('#xa-since').fill('2015-07-01');
        await page.locator('#xa-since').press('Enter');
        await page.locator('[data-test="expert-apply-submit"]').click();
        await page.getByText('工作单位统一社会信用代码无效').first().waitFor();
        await page.locator('#xa-uscc').fill(uscc(9300));
        await page.locator('[data-test="expert-apply-submit"]').click();
        await page.waitForURL((u) => u.hash.startsWith('#/expert/me'));
        const me = page.locator('[data-test="my-expert"]');
        await me.waitFor();
        assert.match(await me.textContent(), /待审核/);
        assert.match(await me.textContent(), /张三/);
        await screenshot(page, 'experts-apply');
        await pg.done();
    });
});

// The supervision dashboard in real Chromium (issue #6, third scenario): on a
// fake-clock server a citizen's online application waits for its
// pre-acceptance; the city's supervisor opens the big screen; the clock is
// moved through the API and the yellow card must appear on the open page
// live (server-sent events, no reload) with the figures updated; he opens it
// in 监察卡 and escalates it (督办) with a reason, which the API then shows.
// The subject's view, the scores (computed from the page) and the ledger
// check (every entry of the case and its cards ✓ against the signed
// checkpoint, and ✗ when a proof is tampered with) are exercised too.
// Screenshots of each page, the big screen also in full-screen mode.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, screenshot, startServer, as, Client, DESKTOP, MOBILE, loginAs, confirmBox } from './lib/browser.mjs';

const ITEM = '360300-XK-GA-001'; // 普通护照签发
const PDF = Buffer.from('%PDF-1.4\n%%EOF\n');
// checkpoints every second, so the ledger view can verify what was just written
const ARGS = ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000', '--ledger.checkpoint_seconds', '1'];
const REASON = '逾期未预审，请三个工作日内办结并书面说明';

async function ok(rp, status = 200) {
    const r = await rp;
    assert.equal(r.status, status, r.text);
    return r.json;
}

describe('the supervision dashboard', () => {
    let srv, browser, admin, sup, number, yellow;

    const clock = (iso) => ok(admin.put('/api/admin/clock', { now: iso }));

    before(async () => {
        [srv, browser] = await Promise.all([startServer({ args: ARGS }), launch()]);
        admin = await as(srv, 'admin');
        sup = await as(srv, 'jiancha');
        const zs = await as(srv, 'zhangsan');
        const anon = new Client(srv);
        await clock('2026-09-14T10:00:00+08:00'); // Monday
        const guide = (await ok(anon.get(`/api/items/${ITEM}`))).guide;
        const up = await ok(
            zs.req('POST', '/api/uploads?name=m.pdf', { body: PDF, headers: { 'Content-Type': 'application/octet-stream' } }),
            201,
        );
        const materials = guide.materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: up.id }));
        number = (await ok(zs.post('/api/cases', { item_code: ITEM, materials }), 201)).number;
        // nobody pre-reviews it: the warning comes at the start of the 3rd working day
        await clock('2026-09-17T10:00:00+08:00');
        const cards = await ok(sup.get(`/api/supervision/cards?subject=${number}`));
        assert.deepEqual(cards.items.map((c) => c.level), ['warning']);
    });

    after(async () => {
        await browser?.close();
        await srv?.stop();
    });

    const kpi = (page, id) => page.locator(`[data-test="kpi-${id}"] .kpi-value`);

    test('the yellow card appears live on the big screen; the supervisor escalates it (督办)', async () => {
        const pg = await openPage(browser, { device: DESKTOP });
        const { page } = pg;
        await loginAs(page, srv, 'jiancha');
        await page.waitForURL(/#\/sv$/);
        await page.getByText('实时动态已连接').waitFor();
        assert.equal(await kpi(page, 'warning').textContent(), '1');
        assert.equal(await kpi(page, 'yellow').textContent(), '0');
        // the city's tree down to townships, coloured by its worst open card
        const table = page.locator('[data-test="region-table"]');
        await table.getByText('萍乡市').first().waitFor();
        assert.match(await table.locator('tr', { hasText: '萍乡市' }).first().textContent(), /预警/);
        await table.getByText('安源区').waitFor();
        // no reload may happen from here on: this mark would be lost
        await page.evaluate(() => {
            window.__svSamePage = true;
        });

        // the promise to pre-review is broken by more than 3 working days: a yellow card, raised by the ticker
        await clock('2026-09-21T10:00:00+08:00');
        const cards = await ok(sup.get(`/api/supervision/cards?subject=${number}&level=yellow`));
        assert.equal(cards.total, 1);
        yellow = cards.items[0];
        assert.equal(yellow.state, 'issued');
        const live = page.locator(`[data-test="feed-item"][data-live="1"][data-number="${yellow.number}"]`);
        await live.waitFor();
        assert.match(await live.textContent(), /黄牌\s*发出/);
        await page.waitForFunction(() => document.querySelector('[data-test="kpi-yellow"] .kpi-value')?.textContent === '1');
        assert.equal(await page.evaluate(() => window.__svSamePage), true, 'the page was not reloaded');
        assert.match(await table.locator('tr', { hasText: '萍乡市' }).first().textContent(), /黄牌/);
        await screenshot(page, 'sv-bigscreen');

        // the big screen: dark, filling the screen; back again
        await page.locator('[data-test="fullscreen"]').click();
        await page.locator('.sv-screen.full').waitFor();
        await page.getByRole('button', { name: '退出全屏' }).waitFor();
        await page.waitForTimeout(300); // the charts redraw in the dark theme (a screenshot, not an assertion)
        await screenshot(page, 'sv-bigscreen-fullscreen');
        await page.getByRole('button', { name: '退出全屏' }).click();
        await page.locator('.sv-screen.full').waitFor({ state: 'detached' });

        // from the feed to the card, then 督办 with a reason
        await live.getByRole('link', { name: yellow.number }).click();
        await page.waitForURL(new RegExp(`#/sv/cards\\?card=${yellow.id}$`));
        const drawer = page.locator('[data-test="card-detail"]');
        await drawer.getByText(yellow.number).waitFor();
        assert.equal(await drawer.locator('[data-test="card-state"]').textContent(), '已发');
        await drawer.locator('[data-test="action-escalate"]').click();
        // a reason is required: the form says so in place
        await page.locator('[data-test="action-submit"]').click();
        await page.getByText('请填写督办理由').waitFor();
        await page.getByLabel('督办理由（必填）').fill(REASON);
        await page.locator('[data-test="action-submit"]').click();
        await confirmBox(page, '督办');
        await page.waitForFunction(
            () => document.querySelector('[data-test="card-detail"] [data-test="card-state"]')?.textContent === '督办',
        );
        await drawer.locator('[data-test="card-timeline"]').getByText(REASON).waitFor();
        await screenshot(page, 'sv-card-escalated');
        const after = await ok(sup.get(`/api/supervision/cards/${yellow.id}`));
        assert.equal(after.state, 'escalated');
        assert.ok(after.escalated_due);
        const last = after.events[after.events.length - 1];
        assert.equal(last.action, 'escalate');
        assert.equal(last.actor, 'jiancha');
        assert.equal(last.reason, REASON);

        // the list behind the drawer, filtered to 督办
        await page.keyboard.press('Escape');
        await page.waitForURL(/#\/sv\/cards$/);
        await page.getByRole('button', { name: yellow.number }).waitFor();
        await screenshot(page, 'sv-cards');
        await pg.done();
    });

    test('a subject\'s view: deadlines, steps and its cards; the subjects list finds it', async () => {
        const pg = await openPage(browser, { device: DESKTOP });
        const { page } = pg;
        await loginAs(page, srv, 'jiancha');
        await page.waitForURL(/#\/sv$/);
        await page.goto(srv.url('/#/sv/cases'));
        await page.getByLabel('编号或事项名称').fill(number);
        await page.getByRole('button', { name: '查询' }).click();
        await page.locator('[data-test="subjects-table"]').getByRole('link', { name: number }).click();
        await page.waitForURL(new RegExp(`#/sv/cases/${number}\\?type=case$`));
        const cards = page.locator('[data-test="subject-cards"]');
        await cards.getByText(yellow.number).waitFor();
        assert.match(await cards.textContent(), /督办/);
        assert.match(await page.locator('[data-test="case-timeline"]').textContent(), /提交申请/);
        await screenshot(page, 'sv-case');
        await pg.done();
    });

    test('the month\'s scores are computed from the page, with the reasons of every point lost', async () => {
        const pg = await openPage(browser, { device: DESKTOP });
        const { page } = pg;
        await loginAs(page, srv, 'jiancha');
        await page.waitForURL(/#\/sv$/);
        await page.goto(srv.url('/#/sv/scores?month=2026-09'));
        await page.getByText('该月尚未计算').waitFor();
        await page.locator('[data-test="compute"]').click();
        await confirmBox(page, '计算');
        const row = page.locator('[data-test="scores-table"] .el-table__row', { hasText: '萍乡市公安局' });
        await row.waitFor();
        // 2 yellow cards count 2 points each (the warning costs nothing): 100 - 2 × 2 = 96
        const api = await ok(sup.get('/api/supervision/scores?month=2026-09'));
        const ga = api.items.find((x) => x.dept_code === '360300-GA');
        assert.match(await row.textContent(), new RegExp(String(ga.score)));
        await row.locator('.el-table__expand-icon').click();
        await page.getByText(/黄牌 \d+ 张 × 2 分/).waitFor();
        assert.equal(await page.locator('[data-test="export"]').getAttribute('href'), '/api/supervision/scores/2026-09.xlsx');
        await screenshot(page, 'sv-scores');
        await pg.done();
    });

    test('the ledger view verifies every entry of the case and its cards against the signed checkpoint', async () => {
        // wait for a checkpoint that covers everything written so far (one a second)
        const size = (await ok(sup.get('/api/ledger/entries?from=0&to=1'))).size;
        for (let tries = 0; ; tries++) {
            const cp = await new Client(srv).get('/api/ledger/checkpoint');
            assert.equal(cp.status, 200);
            if (Number(cp.text.split('\n')[1]) >= size) break;
            assert.ok(tries < 150, `no checkpoint covers the ${size} entries: ${cp.text}`);
            await new Promise((r) => setTimeout(r, 200));
        }
        const subjects = [`case/${number}`, ...(await ok(sup.get(`/api/supervision/cases/${number}`))).cards.map((c) => `card/${c.number}`)];
        let expected = 0;
        for (const s of subjects)
            expected += (await ok(sup.get(`/api/ledger/entries?from=0&to=1000&subject=${encodeURIComponent(s)}`))).items.length;
        assert.ok(expected >= 4, `entries of the case and its cards: ${expected}`);

        const pg = await openPage(browser, { device: DESKTOP });
        const { page } = pg;
        await loginAs(page, srv, 'shenji'); // the auditor lands on the ledger
        await page.waitForURL(/#\/sv\/ledger$/);
        await page.locator('[data-test="cp-signature"]').getByText('✓ 签名有效').waitFor();
        await page.getByLabel('编号').fill(number);
        await page.locator('[data-test="verify"]').click();
        const summary = page.locator('[data-test="verify-summary"]');
        await summary.waitFor();
        const results = await page.locator('[data-test="verify-result"]').allTextContents();
        assert.equal(results.length, expected);
        assert.deepEqual([...new Set(results)], ['✓']);
        assert.match(await summary.textContent(), new RegExp(`✓ ${expected} 条通过`));
        await screenshot(page, 'sv-ledger');

        // the browser really checks: one altered sibling hash in a proof is caught
        await page.route('**/api/ledger/proof/inclusion?*', async (route) => {
            const res = await route.fetch();
            const body = await res.json();
            if (body.proof.length) body.proof[0] = Buffer.alloc(32, 7).toString('base64');
            await route.fulfill({ response: res, json: body });
        });
        await page.locator('[data-test="verify"]').click();
        await page.waitForFunction(() => /✗ [1-9]\d* 条不符/.test(document.querySelector('[data-test="verify-summary"]')?.textContent || ''));
        assert.ok((await page.locator('[data-test="verify-result"]').allTextContents()).includes('✗'));
        await pg.done();
    });

    test('the big screen on a phone', async () => {
        const pg = await openPage(browser, { device: MOBILE });
        const { page } = pg;
        await loginAs(page, srv, 'jiancha');
        await page.waitForURL(/#\/sv$/);
        await page.getByText('实时动态已连接').waitFor();
        await page.locator('[data-test="feed-item"]').first().waitFor();
        await screenshot(page, 'sv-bigscreen-mobile');
        await pg.done();
    });
});

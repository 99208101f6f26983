// funds.test.mjs - public-fund supervision (公共财政资金运行监管, issue #12):
// the national classification catalogue (政府收支分类科目) that budget lines and
// payments name, served from data/funds/*.tsv to signed-in users.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, as, errorOf, startServer } from './lib/server.mjs';

let srv, czj;

before(async () => {
    srv = await startServer();
    czj = await as(srv, 'czj');
});

after(async () => {
    if (srv) await srv.stop();
});

// every code's parent exists, is one level up and is its prefix
function checkTree(items) {
    const byCode = new Map(items.map((i) => [i.code, i]));
    assert.equal(byCode.size, items.length, 'codes are unique');
    for (const i of items) {
        assert.match(i.code, /^\d{3}(\d{2}){0,2}$/);
        assert.equal(i.code.length, [0, 3, 5, 7][i.level], `${i.code}: level ${i.level}`);
        if (i.level === 1) assert.equal(i.parent, null);
        else {
            const p = byCode.get(i.parent);
            assert.ok(p, `${i.code}: parent ${i.parent}`);
            assert.equal(p.level, i.level - 1);
            assert.ok(i.code.startsWith(p.code));
        }
    }
    return byCode;
}

describe('classification catalogue (政府收支分类科目)', () => {
    test('functional codes (支出功能分类): 类/款/项 with their real names', async () => {
        const r = await czj.get('/api/funds/classification/functional');
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.scheme, 'functional');
        const codes = checkTree(r.json.items);
        assert.equal(codes.get('201').name, '一般公共服务支出');
        assert.equal(codes.get('20106').name, '财政事务');
        assert.equal(codes.get('2010801').name, '行政运行');
        assert.equal(codes.get('2050202').name, '小学教育');
        assert.equal(codes.get('2050202').parent, '20502');
    });

    test('economic codes (支出经济分类) carry the 三公 and 公务卡 flags', async () => {
        const r = await czj.get('/api/funds/classification/economic');
        assert.equal(r.status, 200, r.text);
        const codes = checkTree(r.json.items);
        const sangong = r.json.items.filter((i) => i.flags.includes('sangong')).map((i) => i.code);
        assert.deepEqual(sangong.sort(), ['30212', '30217', '30231', '31013']);
        assert.equal(codes.get('30217').name, '公务接待费');
        assert.ok(codes.get('30211').flags.includes('card'), '差旅费 by 公务卡');
        assert.deepEqual(codes.get('30101').flags, []);
    });

    test('an unknown scheme is 404 naming the field; anonymous is 401', async () => {
        const r = await czj.get('/api/funds/classification/revenue');
        assert.equal(r.status, 404);
        assert.equal(errorOf(r).field, 'scheme');
        const anon = await new Client(srv).get('/api/funds/classification/functional');
        assert.equal(anon.status, 401);
        const auditor = await as(srv, 'shenji');
        assert.equal((await auditor.get('/api/funds/classification/economic')).status, 200);
    });
});

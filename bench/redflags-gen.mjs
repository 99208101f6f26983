// redflags-gen.mjs - N synthetic OCDS compiled releases, one a line, for
// measuring `zhengtong trading red-flags` (docs/redflags.md). Deterministic
// (a fixed LCG), so runs compare. usage: node bench/redflags-gen.mjs N > FILE.jsonl
const n = Number(process.argv[2] || 100000);
let seed = 42;
const rnd = (k) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % k);
const out = [];
const flush = () => { process.stdout.write(out.join('')); out.length = 0; };
for (let i = 0; i < n; i++) {
    const nb = 1 + rnd(5);
    const details = [];
    for (let b = 0; b < nb; b++) {
        const status = rnd(10) < 2 ? 'disqualified' : 'valid';
        details.push({ id: `${i}-${b}`, status, date: `2024-03-${String(10 + rnd(10)).padStart(2, '0')}T10:00:00Z`,
            tenderers: [{ id: `T${rnd(5000)}`, name: 'Tenderer' }], value: { amount: 10000 + rnd(90000), currency: 'CNY' } });
    }
    const valid = details.filter((d) => d.status === 'valid');
    const winner = valid.length ? valid.reduce((a, b) => (b.value.amount < a.value.amount ? b : a)) : null;
    const items = [];
    for (let k = 0; k <= rnd(3); k++) items.push({ id: String(k), classification: { scheme: 'CPV', id: `${10 + rnd(40)}000000` } });
    const start = 1 + rnd(20);
    out.push(JSON.stringify({
        ocid: `ocds-zt-${i}`, id: `${i}`, date: '2024-04-01T00:00:00Z', tag: ['compiled'], initiationType: 'tender',
        buyer: { id: `B${rnd(300)}`, name: 'Buyer' },
        tender: { id: `${i}`, status: 'complete', procurementMethod: ['open', 'selective', 'limited'][rnd(3)], numberOfTenderers: nb,
            procuringEntity: { id: `P${rnd(200)}` },
            tenderPeriod: { startDate: `2024-02-${String(start).padStart(2, '0')}T09:00:00+08:00`, endDate: '2024-03-15T17:00:00+08:00' } },
        bids: { details },
        awards: winner ? [{ id: `${i}-a`, status: 'active', suppliers: [{ id: winner.tenderers[0].id }], value: winner.value, items }] : [],
    }) + '\n');
    if (out.length >= 1000) flush();
}
flush();

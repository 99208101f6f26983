// sse.mjs - the supervision office's live feed (GET /api/supervision/stream,
// server-sent events) as the API tests and the soak read it.
export const PATH = '/api/supervision/stream';
export const WAIT_MS = 15000; // generous: these are not speed assertions

/**
 * Open a stream as client (null: anonymous). Resolves once the response
 * headers came. The result collects events ({id, event, data}), comments
 * and the last id seen (also from blocks without data), and can wait for a
 * condition on them.
 */
export async function openStream(srv, client, { query = '', lastEventId = null } = {}) {
    const ctrl = new AbortController();
    const headers = {};
    if (client && client.cookie) headers.Cookie = `zt_session=${client.cookie}`;
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    const res = await fetch(srv.url(PATH + query), { headers, signal: ctrl.signal });
    const s = {
        res,
        status: res.status,
        events: [],
        comments: [],
        lastId: null,
        ended: false,
        close: () => ctrl.abort(),
    };
    const waiters = new Set();
    const notify = () => {
        for (const w of waiters) w();
    };
    s.waitFor = (pred, what, ms = WAIT_MS) =>
        new Promise((resolve, reject) => {
            const check = () => {
                if (pred(s)) {
                    waiters.delete(check);
                    clearTimeout(timer);
                    resolve(s);
                } else if (s.ended) {
                    waiters.delete(check);
                    clearTimeout(timer);
                    reject(new Error(`stream ended while waiting for ${what}: ${JSON.stringify(s.events)}`));
                }
            };
            const timer = setTimeout(() => {
                waiters.delete(check);
                reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(s.events)}`));
            }, ms);
            waiters.add(check);
            check();
        });
    if (res.status !== 200) {
        s.json = await res.json();
        s.ended = true;
        return s;
    }
    s.done = (async () => {
        const reader = res.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        try {
            for (;;) {
                const { value, done } = await reader.read();
                if (done) break;
                buf += dec.decode(value, { stream: true });
                let at;
                while ((at = buf.indexOf('\n\n')) >= 0) {
                    const block = buf.slice(0, at);
                    buf = buf.slice(at + 2);
                    const ev = {};
                    for (const line of block.split('\n')) {
                        if (line.startsWith(':')) s.comments.push(line.slice(1).trim());
                        else if (line.startsWith('id: ')) ev.id = line.slice(4);
                        else if (line.startsWith('event: ')) ev.event = line.slice(7);
                        else if (line.startsWith('data: ')) ev.data = JSON.parse(line.slice(6));
                        else if (line.startsWith('retry: ')) s.retry = Number(line.slice(7));
                        else throw new Error(`unexpected line in the stream: ${JSON.stringify(line)}`);
                    }
                    if (ev.id !== undefined) s.lastId = ev.id;
                    if (ev.data !== undefined) s.events.push(ev);
                }
                notify();
            }
        } catch (err) {
            if (err.name !== 'AbortError') s.error = err;
        }
        s.ended = true;
        notify();
    })();
    return s;
}


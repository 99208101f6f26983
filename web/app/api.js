// api.js - the one way the pages talk to the server.
//
// api.get/post/put/patch/del(path, body?, {query}) answer the parsed JSON (or
// null for 204) and throw ApiError for any non-2xx: {status, code, message,
// field} from the server's {"error": {...}} body, so a page can show the
// message in place and mark the field it names. Writes carry the session's
// CSRF token (X-CSRF-Token). upload() uses XMLHttpRequest for its progress
// events. A 401 on a page that needs a login sends the visitor to the login
// page (onUnauthorized, set by main.js).
import { session } from './session.js';

export class ApiError extends Error {
    constructor(status, body, fallback) {
        const err = (body && body.error) || {};
        super(err.message || fallback || `请求失败（HTTP ${status}）`);
        this.status = status;
        this.code = err.code || (status === 0 ? 'network' : 'http_' + status);
        this.field = err.field || null;
        this.body = body;
    }
}

let unauthorized = null;
/** Called with the ApiError when a request answers 401 (the session ended). */
export function onUnauthorized(fn) {
    unauthorized = fn;
}

/** Build "/path?a=1&b=2" from a query object, skipping empty values. */
export function withQuery(path, query) {
    if (!query) return path;
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
        if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) continue;
        q.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    const s = q.toString();
    return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

async function request(method, path, body, opts = {}) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
    let payload;
    if (opts.rawBody !== undefined) {
        payload = opts.rawBody; // a file's text (calendar import): Content-Type from opts.headers
    } else if (body !== undefined && body !== null) {
        headers['Content-Type'] = 'application/json';
        payload = JSON.stringify(body);
    }
    if (opts.headers) Object.assign(headers, opts.headers);
    let res;
    try {
        res = await fetch(withQuery(path, opts.query), { method, headers, body: payload, credentials: 'same-origin' });
    } catch {
        throw new ApiError(0, null, '无法连接服务器，请检查网络后重试');
    }
    const text = await res.text();
    let json = null;
    if (text && (res.headers.get('content-type') || '').includes('json')) {
        try {
            json = JSON.parse(text);
        } catch {
            json = null;
        }
    }
    if (!res.ok) {
        const err = new ApiError(res.status, json);
        if (res.status === 401 && unauthorized && !opts.quiet401) unauthorized(err);
        throw err;
    }
    return opts.text ? text : json;
}

export const api = {
    get: (path, query, opts = {}) => request('GET', path, null, { ...opts, query }),
    post: (path, body = {}, opts) => request('POST', path, body, opts),
    put: (path, body = {}, opts) => request('PUT', path, body, opts),
    patch: (path, body = {}, opts) => request('PATCH', path, body, opts),
    del: (path, opts) => request('DELETE', path, null, opts),
    request,
};

/**
 * Upload a file (the bytes as the body, ?name=) with progress:
 * onProgress(percent 0-100). Resolves to the upload row, rejects with ApiError.
 */
export function upload(file, onProgress, path = '/api/uploads') {
    return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', withQuery(path, { name: file.name }));
        if (session.csrf) xhr.setRequestHeader('X-CSRF-Token', session.csrf);
        xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
        xhr.upload.onprogress = (ev) => {
            if (ev.lengthComputable && onProgress) onProgress(Math.round((ev.loaded / ev.total) * 100));
        };
        xhr.onload = () => {
            let json = null;
            try {
                json = JSON.parse(xhr.responseText);
            } catch {
                json = null;
            }
            if (xhr.status >= 200 && xhr.status < 300) resolve(json);
            else reject(new ApiError(xhr.status, json));
        };
        xhr.onerror = () => reject(new ApiError(0, null, '上传中断，请检查网络后重试'));
        xhr.send(file);
    });
}

// trading/util.js - what the trading pages share: labels, the state tags, and
// the sealing of a bid in the browser (docs/trading.md, "Sealed bids").
export const TYPES = [
    { value: 'engineering', label: '工程招标', methods: ['公开招标', '邀请招标'] },
    { value: 'procurement', label: '政府采购', methods: ['公开招标', '邀请招标', '竞争性谈判', '竞争性磋商', '询价', '单一来源'] },
    { value: 'land', label: '土地出让', methods: ['招标', '拍卖', '挂牌'] },
    { value: 'property', label: '产权交易', methods: ['挂牌', '拍卖', '竞价'] },
];

export const STATES = [
    ['announced', '公告中'], ['opened', '开标解密'], ['evaluating', '评标中'], ['evaluated', '评标完成'],
    ['publicized', '候选人公示'], ['paused', '异议处理中'], ['awarded', '已定标'], ['contracted', '已签合同'],
    ['failed', '流标'], ['terminated', '终止'],
];

export function stateTag(s) {
    if (s === 'failed' || s === 'terminated') return 'danger';
    if (s === 'paused') return 'warning';
    if (s === 'contracted' || s === 'awarded') return 'success';
    return 'primary';
}

export const yuan = (fen) => (fen === null || fen === undefined ? '—' : (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 }) + ' 元');

const b64 = (u8) => btoa(String.fromCharCode(...u8));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const hex = (u8) => [...u8].map((b) => b.toString(16).padStart(2, '0')).join('');

/** A device fingerprint of this browser (what the collusion rules compare), kept in localStorage. */
export function deviceId() {
    let id = localStorage.getItem('zt_device');
    if (!id) {
        id = 'dev-' + hex(crypto.getRandomValues(new Uint8Array(8)));
        localStorage.setItem('zt_device', id);
    }
    return id;
}

/**
 * Seal a bid: a fresh AES-256-GCM key only this browser sees (offered as a key
 * file to keep), a random IV; answers the body of PUT …/bid and the key file's text.
 */
export async function sealBid(doc) {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = new TextEncoder().encode(JSON.stringify(doc));
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain));
    const sha256 = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', ct)));
    const raw = b64(new Uint8Array(await crypto.subtle.exportKey('raw', key)));
    return { body: { ciphertext: b64(ct), iv: b64(iv), sha256, device: deviceId() }, key: raw };
}

/** Offer text as a file download. */
export function download(name, text) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The key out of a key file's text (ours: JSON {key}), checked to be 32 bytes. */
export function keyOf(text) {
    let k = text.trim();
    try {
        k = JSON.parse(k).key;
    } catch {
        /* a bare Base64 key */
    }
    if (!k || unb64(k).length !== 32) throw new Error('不是有效的开标解密密钥文件');
    return k;
}

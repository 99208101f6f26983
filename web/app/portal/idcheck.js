// idcheck.js - the ID checks of registration, as the server makes them
// (src/base/idcheck.c): the citizen ID number (居民身份证号码, GB 11643) and the
// unified social credit code (统一社会信用代码, GB 32100). The page checks as
// the user types; the server checks again and its answer wins.
//
// Each function answers null when the value is valid, else a Chinese message
// saying what is wrong (for <el-form-item :error>). Lower-case letters are
// accepted here because the server upper-cases both before checking.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

function realDate(y, m, d) {
    if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1) return false;
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    return d <= days[m - 1];
}

/** null if s is a valid 18-character citizen ID number, else why not. */
export function idNumberProblem(input) {
    const s = String(input || '').trim().toUpperCase();
    if (!s) return '请输入 18 位居民身份证号码';
    if (!/^[0-9]{17}[0-9X]$/.test(s)) {
        if (/[^0-9X]/.test(s) || /X./.test(s)) return '身份证号码只能是数字，最后一位可以是 X';
        if (s.length < 18) return `身份证号码应为 18 位，还差 ${18 - s.length} 位`;
        return '身份证号码应为 18 位';
    }
    if (!realDate(Number(s.slice(6, 10)), Number(s.slice(10, 12)), Number(s.slice(12, 14))))
        return '身份证号码中的出生日期（第 7–14 位）不是有效日期';
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += Number(s[i]) * ID_WEIGHTS[i];
    if (ID_CHECK[sum % 11] !== s[17]) return '身份证号码校验位不正确，请核对是否输错';
    return null;
}

// 31 characters: no I, O, S, V, Z
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
// 登记管理部门代码 -> the 机构类别代码 the standard defines under it
const AUTHORITIES = {
    1: '1239',
    2: '19',
    3: '123459',
    4: '19',
    5: '1239',
    6: '129',
    7: '129',
    8: '19',
    9: '123',
    A: '19',
    N: '1239',
    Y: '1',
};

// GB 11714 organisation code check (characters 9-17): letters A = 10 .. Z = 35
function orgCheck(s) {
    const w = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += (/[0-9]/.test(s[i]) ? Number(s[i]) : s.charCodeAt(i) - 55) * w[i];
    const c = 11 - (sum % 11);
    return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** null if s is a valid 18-character unified social credit code, else why not. */
export function creditCodeProblem(input) {
    const s = String(input || '').trim().toUpperCase();
    if (!s) return '请输入 18 位统一社会信用代码';
    for (const ch of s)
        if (!USCC_CHARS.includes(ch)) return `统一社会信用代码不含字符「${ch}」（只用数字和除 I、O、S、V、Z 外的大写字母）`;
    if (s.length !== 18)
        return s.length < 18 ? `统一社会信用代码应为 18 位，还差 ${18 - s.length} 位` : '统一社会信用代码应为 18 位';
    if (!/^[0-9]{6}$/.test(s.slice(2, 8))) return '统一社会信用代码第 3–8 位应为登记机关的行政区划代码（数字）';
    const types = AUTHORITIES[s[0]];
    if (!types || !types.includes(s[1])) return '统一社会信用代码前两位（登记管理部门和机构类别）不正确';
    if (orgCheck(s.slice(8)) !== s[16]) return '统一社会信用代码第 17 位（组织机构代码校验位）不正确';
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(s[i]) * USCC_WEIGHTS[i];
    if (USCC_CHARS[(31 - (sum % 31)) % 31] !== s[17]) return '统一社会信用代码校验位（第 18 位）不正确，请核对是否输错';
    return null;
}

// confirm.js - every change is confirmed before it is sent.
//   if (!(await confirmChange('停用账号「张三」？'))) return;
//   const reason = await askReason('撤销理由');  (null when cancelled)
import { ElMessageBox } from 'element-plus';

/** Ask "are you sure"; resolves true or false (cancel, Esc, close). */
export async function confirmChange(message, title = '请确认', ok = '确定') {
    try {
        await ElMessageBox.confirm(message, title, { confirmButtonText: ok, cancelButtonText: '取消', type: 'warning' });
        return true;
    } catch {
        return false;
    }
}

/** Ask for a required reason (1-500 characters); resolves the text or null. */
export async function askReason(title, message = '请填写理由（必填）', placeholder = '') {
    try {
        const { value } = await ElMessageBox.prompt(message, title, {
            confirmButtonText: '确定',
            cancelButtonText: '取消',
            inputType: 'textarea',
            inputPlaceholder: placeholder,
            inputValidator: (v) => (v && v.trim() && v.trim().length <= 500) || '请填写理由（不超过 500 字）',
        });
        return value.trim();
    } catch {
        return null;
    }
}

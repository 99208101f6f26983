// labels.js - the Chinese words of the exchange's codes.
export const SHARE = { unconditional: '无条件共享', conditional: '有条件共享', none: '不予共享' };
export const SHARE_TAG = { unconditional: 'success', conditional: 'warning', none: 'info' };
export const REQ_STATE = {
    checking: '合规审查中',
    answering: '待提供部门答复',
    granted: '已授权',
    refused: '不予共享',
    withdrawn: '已撤回',
    revoked: '授权已撤销',
};
export const RES_STATE = { draft: '编制中', submitted: '待审核', published: '已发布', retired: '已撤销' };

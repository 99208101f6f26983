// supervise/routes.js - 电子监察, the supervision office's pages (issue #6):
// the big screen, the cards to handle, any supervised subject, the monthly
// scores and the ledger check. The rules are the administration's page
// (/admin/rules), which supervisors may read.
import BigScreen from './BigScreen.vue';
import CardsPage from './CardsPage.vue';
import CasesPage from './CasesPage.vue';
import CaseView from './CaseView.vue';
import ScoresPage from './ScoresPage.vue';
import LedgerPage from './LedgerPage.vue';

const READERS = ['supervisor', 'admin', 'auditor'];

export const superviseRoutes = [
    { path: '/sv', component: BigScreen, meta: { title: '监察大屏', menu: '监察大屏', icon: 'DataBoard', roles: READERS } },
    { path: '/sv/cards', component: CardsPage, meta: { title: '监察卡', menu: '监察卡', icon: 'Tickets', roles: READERS } },
    { path: '/sv/cases', component: CasesPage, meta: { title: '监察对象', menu: '监察对象', icon: 'Files', roles: READERS } },
    { path: '/sv/cases/:number', component: CaseView, meta: { title: '监察对象详情', roles: READERS } },
    { path: '/sv/scores', component: ScoresPage, meta: { title: '绩效考核', menu: '绩效考核', icon: 'TrendCharts', roles: READERS } },
    { path: '/sv/ledger', component: LedgerPage, meta: { title: '账本核验', menu: '账本核验', icon: 'Lock', roles: READERS } },
];

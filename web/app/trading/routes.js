// trading/routes.js - public resource trading (公共资源交易, docs/trading.md): the
// portal's announcements and project pages (enterprises bid there), and the
// trading centre's console page (see ../routes.js for meta).
import TradingList from './TradingList.vue';
import TradingDetail from './TradingDetail.vue';
import TradingConsole from './TradingConsole.vue';

export const tradingPortalRoutes = [
    { path: '/trading', component: TradingList, meta: { title: '交易公告' } },
    { path: '/trading/:number', component: TradingDetail, meta: { title: '交易项目' } },
];

export const tradingConsoleRoutes = [
    {
        path: '/staff/trading',
        component: TradingConsole,
        meta: { title: '交易项目', menu: '交易项目', icon: 'Sell', roles: ['trading_officer', 'admin'] },
    },
];

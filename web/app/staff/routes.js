// staff/routes.js - the staff console (工作台): the department's to-do list and
// case handling, item drafting, the legality-review queue, consultations and
// complaints, bad ratings, supervision cards and the monthly score.
import TodoPage from './TodoPage.vue';
import CaseDetail from './CaseDetail.vue';
import ItemsPage from './ItemsPage.vue';
import ItemEditor from './ItemEditor.vue';
import ReviewPage from './ReviewPage.vue';
import MessagesPage from './MessagesPage.vue';
import RatingsPage from './RatingsPage.vue';
import CardsPage from './CardsPage.vue';
import ScorePage from './ScorePage.vue';

const DEPT = ['clerk', 'dept_head'];

export const staffRoutes = [
    { path: '/staff', component: TodoPage, meta: { title: '待办事项', menu: '待办', icon: 'List', roles: DEPT } },
    { path: '/staff/cases/:number', component: CaseDetail, meta: { title: '办件详情', roles: DEPT } },
    { path: '/staff/messages', component: MessagesPage, meta: { title: '咨询投诉', menu: '咨询投诉', icon: 'ChatDotRound', roles: DEPT } },
    { path: '/staff/ratings', component: RatingsPage, meta: { title: '差评回访整改', menu: '差评整改', icon: 'Star', roles: DEPT } },
    { path: '/staff/cards', component: CardsPage, meta: { title: '监察卡', menu: '监察卡', icon: 'Warning', roles: DEPT } },
    { path: '/staff/items', component: ItemsPage, meta: { title: '事项编制', menu: '事项编制', icon: 'EditPen', roles: DEPT } },
    { path: '/staff/items/new', component: ItemEditor, meta: { title: '新建事项草稿', roles: DEPT } },
    { path: '/staff/items/:code/draft', component: ItemEditor, meta: { title: '编辑事项草稿', roles: DEPT } },
    {
        path: '/staff/review',
        component: ReviewPage,
        meta: { title: '合法性审查', menu: '合法性审查', icon: 'Stamp', roles: ['legal_reviewer', 'admin'] },
    },
    {
        path: '/staff/score',
        component: ScorePage,
        meta: {
            title: '本部门绩效',
            menu: '绩效考核',
            icon: 'TrendCharts',
            roles: ['clerk', 'dept_head', 'legal_reviewer', 'trading_officer', 'finance_officer', 'data_officer'],
        },
    },
];

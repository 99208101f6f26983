// portal/routes.js - the public portal (门户) for citizens and enterprises (see ../routes.js for meta).
import { PEOPLE } from '../session.js';
import HomePage from './HomePage.vue';
import ItemsPage from './ItemsPage.vue';
import ItemGuide from './ItemGuide.vue';
import ApplyPage from './ApplyPage.vue';
import MyCases from './MyCases.vue';
import MyCaseDetail from './MyCaseDetail.vue';
import StatusPage from './StatusPage.vue';
import MessageNew from './MessageNew.vue';
import MyMessages from './MyMessages.vue';
import RegisterPage from './RegisterPage.vue';
import MyDataReads from './MyDataReads.vue';

export const portalRoutes = [
    { path: '/', component: HomePage, meta: { title: '首页' } },
    { path: '/items', component: ItemsPage, meta: { title: '办事指南' } },
    { path: '/items/:code', component: ItemGuide, meta: { title: '办事指南' } },
    { path: '/apply/:code', component: ApplyPage, meta: { title: '在线申请', roles: PEOPLE } },
    { path: '/my/cases', component: MyCases, meta: { title: '我的办件', roles: PEOPLE } },
    { path: '/my/cases/:number', component: MyCaseDetail, meta: { title: '办件详情', roles: PEOPLE } },
    { path: '/status', component: StatusPage, meta: { title: '办件查询' } },
    { path: '/messages/new', component: MessageNew, meta: { title: '咨询投诉', roles: PEOPLE } },
    { path: '/my/messages', component: MyMessages, meta: { title: '我的咨询投诉', roles: PEOPLE } },
    { path: '/register', component: RegisterPage, meta: { title: '注册' } },
    { path: '/my/data-reads', component: MyDataReads, meta: { title: '谁查看了我的数据', roles: ['citizen'] } },
];

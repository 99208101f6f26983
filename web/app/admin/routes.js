// admin/routes.js - the pages of this area (see ../routes.js for meta).
export const adminRoutes = [];

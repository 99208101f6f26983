/* funds.h - public-fund supervision (公共财政资金运行监管, issue #12): the
 * national classification catalogue (政府收支分类科目) as data. */
#ifndef ZT_FUNDS_H
#define ZT_FUNDS_H

#include <stddef.h>

#include "http/http.h"

const zt_route *zt_funds_routes(size_t *n);

#endif

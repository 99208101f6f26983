/* routes.c - every route set of the product (routes.h). */
#include "routes.h"

#include "auth/auth.h"
#include "experts/experts.h"
#include "exchange/exchange.h"
#include "flow/api.h"
#include "flow/step.h"
#include "funds/funds.h"
#include "ledger/record.h"
#include "ledger/service.h"
#include "org/org.h"
#include "platform/platform.h"
#include "services/services.h"
#include "supervise/kinds/kinds.h"
#include "supervise/stream.h"
#include "supervise/supervise.h"
#include "trading/trading.h"
#include "zones/zones.h"

/* zt_platform_routes takes the serve mode, the table's functions take
 * nothing: the mode of the walk in progress on this thread. */
static _Thread_local int walk_fake_clock;

static const zt_route *platform_routes(size_t *n) { return zt_platform_routes(walk_fake_clock, n); }

/* Serving order; NULL ends the table. */
static const zt_route_set_fn SETS[] = {
    zt_auth_routes,    zt_org_routes,      platform_routes,     zt_ledger_routes,
    zt_items_routes,   zt_uploads_routes,  zt_cases_routes,     zt_messages_routes,
    zt_ratings_routes, zt_flow_routes,     zt_sv_routes,        zt_sv_score_routes,
    zt_sv_card_routes, zt_sv_view_routes,  zt_sv_stream_routes, zt_sv_intake_routes,
    zt_sv_rule_routes, zt_trading_routes,  zt_ocds_routes,      zt_experts_routes,
    zt_zones_routes,   zt_exchange_routes, zt_funds_routes,     NULL,
};

void zt_route_sets_each(int fake_clock, void (*fn)(const zt_route *routes, size_t n, void *ctx), void *ctx) {
    walk_fake_clock = fake_clock;
    for (const zt_route_set_fn *set = SETS; *set; set++) {
        size_t n = 0;
        const zt_route *routes = (*set)(&n);
        fn(routes, n, ctx);
    }
}

static void serve_set(const zt_route *routes, size_t n, void *srv) { zt_server_routes(srv, routes, n); }

void zt_serve_routes(zt_server *srv, int fake_clock) { zt_route_sets_each(fake_clock, serve_set, srv); }

/* --- wiring --------------------------------------------------------------- */

/* The process engine's events: a subject supervision watches is stored,
 * recorded and judged there; any other step (an item's version, a card) is
 * recorded: the audit row and the ledger entry, the event as its payload. */
static zt_err event_sink(zt_db *db, const zt_principal *actor, json_t *ev, int64_t owner_user_id, zt_error *e) {
    const char *type = json_string_value(json_object_get(ev, "subject_type"));
    zt_err rc = zt_sv_supervises(type)
                    ? zt_sv_ingest(db, actor, ev, owner_user_id, NULL, e)
                    : zt_record(db, actor, json_string_value(json_object_get(ev, "type")), type,
                                json_string_value(json_object_get(ev, "subject")), owner_user_id, ev, e);
    /* two zones: a case's step that must cross goes to the outbox, in this
     * write (nothing in single mode) */
    return rc ? rc : zt_zones_event(db, actor, ev, owner_user_id, e);
}

/* What the crossing between the two zones needs of cases (docs/zones.md). */
static const zt_zones_cases ZONE_CASES = {.export_application = zt_cases_cross_export,
                                          .import_application = zt_cases_cross_import,
                                          .step = zt_cases_cross_step,
                                          .material_path = zt_cases_cross_material_path,
                                          .import_material = zt_cases_cross_material,
                                          .public_step = zt_applicant_step};

/* The fake clock moved (PUT /api/admin/clock): the supervision signals now
 * due fire, and what has expired goes (uploads no case holds), before the
 * answer. */
static zt_err tick_on_clock_set(zt_app *app, int64_t now, zt_error *e) {
    zt_err rc = zt_sv_tick(app, now, NULL, e);
    if (!rc) rc = zt_experts_on_clock(app, now, e);
    return rc ? rc : zt_services_sweep(app, now, NULL, e);
}

/* The working-day calendar changed (an import or a day set or unset, by the
 * API or the CLI), inside its write: deadlines already computed move - the
 * cases' own, then supervision's, which re-evaluates its open subjects. */
static zt_err calendar_changed(zt_db *db, const zt_calendar *cal, const char *why, zt_error *e) {
    zt_err rc = zt_cases_calendar_changed(db, cal, why, e);
    return rc ? rc : zt_sv_calendar_changed(db, cal, why, e);
}

/* The kinds of subject supervision watches (src/supervise/kind.h): a new
 * domain adds its line here. */
static const zt_sv_kind *const KINDS[] = {
    &zt_sv_case_kind,    &zt_sv_consultation_kind,   &zt_sv_complaint_kind,
    &zt_sv_rating_kind,  &zt_sv_tender_kind,         &zt_sv_expert_draw_kind,
    &zt_sv_sharing_kind, &zt_sv_dataset_change_kind, NULL,
};

void zt_wire(void) {
    static int wired;
    if (wired) return;
    wired = 1;
    for (const zt_sv_kind *const *k = KINDS; *k; k++) zt_sv_kind_register(*k);
    zt_sv_case_fees(zt_items_fees);
    zt_flow_set_sink(event_sink);
    zt_record_on_region(zt_org_record_region);
    /* an applicant's ledger entries show his steps as his case view does */
    zt_ledger_on_applicant_step(zt_applicant_step);
    zt_platform_on_clock_set(tick_on_clock_set);
    /* an import or a day set or unset, by the API or the CLI: deadlines
     * already computed move, in the change's own write */
    zt_platform_on_calendar_change(calendar_changed);
    zt_org_on_dept_renamed(zt_cases_dept_renamed); /* the status answers that name it */
    zt_zones_set_cases(&ZONE_CASES);
}

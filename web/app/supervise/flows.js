// flows.js - the words of the process definitions (GET /api/flows/{id},
// docs/flow.md): a state's or an action's label by its id, so the
// supervision pages say 「网上提交（待预审）」 rather than "submitted".
// Each definition is read once per page load.
import { api } from '../api.js';

const cache = new Map();

/** {states: {id: label}, actions: {id: label}} of a flow; empty maps when it cannot be read. */
export function flowLabels(id) {
    if (!id) return Promise.resolve({ states: {}, actions: {} });
    if (!cache.has(id))
        cache.set(
            id,
            api.get(`/api/flows/${encodeURIComponent(id)}`).then(
                (f) => {
                    const def = f.definition || f;
                    const map = (xs) => Object.fromEntries((xs || []).map((x) => [x.id, x.label]));
                    return { states: map(def.states), actions: map(def.actions) };
                },
                () => {
                    cache.delete(id); // try again next time; the raw ids are shown meanwhile
                    return { states: {}, actions: {} };
                },
            ),
        );
    return cache.get(id);
}

/** The flows a subject type may run under, most common first. */
export const FLOWS_OF = {
    case: ['licensing', 'on_the_spot', 'joint_review'],
    consultation: ['consultation'],
    complaint: ['complaint'],
    rating: [],
};

/** The labels of several flows merged, the first flow's label winning. */
export async function labelsFor(type, flow) {
    const ids = flow ? [flow] : FLOWS_OF[type] || [];
    const all = await Promise.all(ids.map(flowLabels));
    const out = { states: {}, actions: {} };
    for (const l of all.reverse()) {
        Object.assign(out.states, l.states);
        Object.assign(out.actions, l.actions);
    }
    return out;
}

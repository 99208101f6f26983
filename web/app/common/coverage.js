// coverage.js - how far the working-day calendar reaches (GET
// /api/calendar/coverage), shared by the console's banner and the calendar
// page, which reloads it after an import or a local change.
import { reactive } from 'vue';
import { api } from '../api.js';

/** {data: the API's answer or null} */
export const coverage = reactive({ data: null });

/** Ask the server again; a failure leaves no banner (the calendar page shows its own errors). */
export async function loadCoverage() {
    try {
        coverage.data = await api.get('/api/calendar/coverage');
    } catch {
        coverage.data = null;
    }
}

/**
 * The incident library (issue 22): timelines of provisioning logs built from Microsoft's documented
 * record shapes, each with the problems the alert rules must page about and the rules that must stay
 * quiet. `npm run replay` backtests the rules on them; README.md says how they are built.
 */
import { thousandApps } from "./fleet";
import type { Incident } from "./incident";
import { tenantIncidents } from "./scenarios";

export type { AppPlan } from "./activity";
export { thousandApps, type FleetSize } from "./fleet";
export { type Incident, type Problem, type RuleId, writeIncident } from "./incident";
export { EXPORT_FILES, INCIDENT_TABLES, type IncidentTable, type Row } from "./records";

/** Every incident at its default size (the 1,000-apps incident replays two days). */
export const INCIDENTS: readonly Incident[] = [...tenantIncidents(), thousandApps()];

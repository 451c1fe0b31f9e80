/**
 * The answer of `GET /offer/dashboard` (./dashboard.ts): what the server computes and the web application reads
 * (web/src/lib/offer-dashboard.ts imports these types). Types only, so the web build takes nothing else from here.
 */

/** The figures of a group of units (a department, an activity, or all of them). */
export interface DashboardFigures {
  units: number;
  installedBeds: number;
  /** Present when the caller sees availability. */
  freeBeds?: number;
  unitsWithFreeBeds?: number;
  staleUnits?: number;
  neverUpdatedUnits?: number;
}

export interface DashboardUnit {
  id: string;
  name: string;
  organization: { id: string; name: string };
  department?: string;
  capacityUpdatedAt?: string;
}

export interface Dashboard {
  generatedAt: string;
  staleHours: number;
  /** False for access profile 0: the figures below are installed capacity only. */
  availability: boolean;
  totals: DashboardFigures & { staleShare?: number };
  byDepartment: (DashboardFigures & { code: string })[];
  byActivity: (DashboardFigures & { code: string; label: string })[];
  /** Oldest first; at most MAX_LISTED (./dashboard.ts), `truncated` when there were more. */
  staleUnits?: { units: DashboardUnit[]; truncated: boolean };
  neverUpdatedUnits?: { units: DashboardUnit[]; truncated: boolean };
}

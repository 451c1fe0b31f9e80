/**
 * What a caller may see of the offer, from its access profile (the national ROR's profiles 0 to 5) or its role:
 * - confidential contacts: a telecom or contact whose confidentiality level (TRE_R283: 1 free access, 2 restricted,
 *   3 very restricted) is above what the profile sees is removed;
 * - sensitive units (`ror-healthcareservice-sensitive-unit` = true): the whole HealthcareService is hidden;
 * - bed availability: profile 0 (the public) sees installed capacity only.
 * Analysts, administrators and the server itself see everything.
 *
 * The IG names the profiles without a normative table of what each sees; this one is the server's default and the
 * README documents it (Security, "What you may see").
 */
import { isPrincipal, type Actor } from '../kernel/actor';

export interface Visibility {
  /** Sees everything: nothing to hide or redact (the fast path). */
  all: boolean;
  /** Highest confidentiality level (1 to 3) of the telecoms and contacts served. */
  maxConfidentiality: number;
  sensitiveUnits: boolean;
  /** Free, occupied, closed… beds (every capacity status but "installed"). */
  availability: boolean;
}

export const SEES_ALL: Visibility = Object.freeze({ all: true, maxConfidentiality: 3, sensitiveUnits: true, availability: true });

/** Access profile → what it sees. */
export const ACCESS_PROFILES: readonly Visibility[] = Object.freeze([
  { all: false, maxConfidentiality: 1, sensitiveUnits: false, availability: false },
  { all: false, maxConfidentiality: 1, sensitiveUnits: false, availability: true },
  { all: false, maxConfidentiality: 2, sensitiveUnits: false, availability: true },
  { all: false, maxConfidentiality: 3, sensitiveUnits: false, availability: true },
  { all: false, maxConfidentiality: 3, sensitiveUnits: true, availability: true },
  SEES_ALL,
]);

/** What `actor` sees; anonymous callers see as `publicProfile`. */
export function visibilityOf(actor: Actor, publicProfile: number): Visibility {
  switch (actor.kind) {
    case 'system':
    case 'admin':
      return SEES_ALL;
    case 'anonymous':
      return ACCESS_PROFILES[publicProfile];
  }
  if (isPrincipal(actor) && (actor.role === 'analyst' || actor.role === 'admin')) return SEES_ALL;
  return ACCESS_PROFILES[Math.max(0, Math.min(5, actor.accessProfile))];
}

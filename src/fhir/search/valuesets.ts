/**
 * transitional: removed when main.ts composes the validator
 *
 * Value sets for token `:in` / `:not-in` and the ANS short names of code systems, from the process's default
 * Terminology (src/fhir/terminology). planSearch takes its terminology in PlanOptions.
 */
import type { TokenValue } from '../../store/search-plan';
import { defaultTerminology } from '../terminology/default-instance';

export { loadTerminology } from '../terminology/default-instance';

/** The (system, code) pairs of a value set, or undefined when it is unknown or cannot be expanded locally. */
export function expandValueSet(url: string): TokenValue[] | undefined {
  const expansion = defaultTerminology().expand(url);
  return expansion.kind === 'expanded' ? expansion.codes.pairs() : undefined;
}

/** The canonical URL of an ANS code system given its short name (`TRE_R330`). */
export function codeSystemForAlias(system: string): string | undefined {
  return defaultTerminology().codeSystemForAlias(system);
}

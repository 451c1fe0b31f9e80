/**
 * What the request's thread (./pool.ts) and a search thread (src/offer-search-thread.ts) say to each other.
 * In: a write of the index to follow (opaque here: the index's own change, which its replica takes), or a query to
 * answer. Out: ready (the replica loaded), or an answer: its JSON, or the error that stands for it.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { OfferAnswerKind, OfferVisibility } from '../answers';

export type ToThread =
  | { type: 'change'; change: unknown }
  | { type: 'answer'; id: number; kind: OfferAnswerKind; params: string; vis: OfferVisibility; now: number };

export type FromThread = { type: 'ready'; seq: number } | { type: 'answer'; id: number; json?: string; error?: SearchThreadError };

/** An error of a thread's answer, as it crosses back (a FhirError's status and outcome, or a fault's message). */
export interface SearchThreadError {
  status: number;
  message: string;
  outcome?: OperationOutcome;
  headers?: Record<string, string>;
}

/** What a search thread starts with. */
export interface SearchThreadData {
  /** The index's file, which the thread's replica opens read-only. */
  file: string;
  staleHours: number;
}

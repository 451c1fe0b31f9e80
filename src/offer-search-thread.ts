/**
 * The composition root of an offer search thread (src/offer/search-threads/pool.ts starts it; ROR_OFFER_SEARCH_THREADS):
 * a read-only replica of the embedded offer index (src/store/sqlite/offer-replica.ts) that follows the index's writes
 * and answers offer search with the same code as the request's thread (src/offer/answers.ts).
 * Messages: src/offer/search-threads/messages.ts. A replica that lost a write ends the thread (the pool starts
 * another, which loads afresh).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FhirError } from './errors';
import { answerOffer } from './offer/answers';
import { frenchPlaces } from './offer/places';
import type { FromThread, SearchThreadData, SearchThreadError, ToThread } from './offer/search-threads/messages';
import type { OfferIndexChange } from './store/sqlite/offer-reading';
import { OfferReplica } from './store/sqlite/offer-replica';

const port = parentPort;
if (!port) throw new Error('the offer search thread runs as a worker thread');
const { file, staleHours } = workerData as SearchThreadData;
const replica = new OfferReplica(file);
const deps = { index: replica, staleHours, places: frenchPlaces() };
const post = (message: FromThread) => port.postMessage(message);

port.on('message', (message: ToThread) => {
  if (message.type === 'change') {
    // A gap throws: the thread ends with the error.
    replica.receive(message.change as OfferIndexChange);
    return;
  }
  const { id, kind, params, vis, now } = message;
  answerOffer(kind, new URLSearchParams(params), vis, now, deps).then(
    (json) => post({ type: 'answer', id, json }),
    (err: unknown) => post({ type: 'answer', id, error: describe(err) }),
  );
});
post({ type: 'ready', seq: replica.changeCount });

function describe(err: unknown): SearchThreadError {
  if (err instanceof FhirError) return { status: err.status, outcome: err.outcome, headers: err.headers, message: err.message };
  return { status: 500, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

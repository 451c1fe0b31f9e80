/**
 * Entry of the validation thread (see ValidationThread in ./validate.ts): validates the resources of a batch with
 * the same validator as the main thread (rebuilt from its recipe), and answers each with its error, if any.
 *
 * Messages in: `{ id, json }`, `json` a JSON array of resources. Out: `{ id, errors, stats }` with `errors[i]` the
 * rejection reason of resource i or null, `stats` the thread's validation counts so far; `{ id, fatal }` when the
 * batch could not be handled at all.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../definitions';
import { Validator, type ValidatorRecipe } from '../../fhir/validation';
import { ShapeCachedValidator } from './validate';

const { mode, recipe } = workerData as { mode: 'shape' | 'full'; recipe: ValidatorRecipe };
loadDefinitions();
const validator = new ShapeCachedValidator(Validator.fromRecipe(recipe), mode);

parentPort!.on('message', ({ id, json }: { id: number; json: string }) => {
  try {
    const errors = (JSON.parse(json) as Resource[]).map((resource) => validator.rejection(resource) ?? null);
    parentPort!.postMessage({ id, errors, stats: validator.stats });
  } catch (err) {
    parentPort!.postMessage({ id, fatal: (err as Error).stack ?? String(err) });
  }
});

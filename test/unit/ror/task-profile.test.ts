/** RORTask (data-quality anomaly), built from the FSH: required elements and input slices by pattern on `type`. */
import { rorValidator } from '../../helpers/validation';
import { errors, rejection, ROR_SD } from './helpers';

const INPUT = 'https://interop.esante.gouv.fr/ig/fhir/ror/CodeSystem/input-task-ror-codesystem';
const tre = (name: string) => `https://mos.esante.gouv.fr/NOS/TRE_${name}/FHIR/TRE-${name}`;

function task(): any {
  return {
    resourceType: 'Task',
    meta: { profile: [`${ROR_SD}/ror-task`] },
    status: 'requested',
    intent: 'proposal',
    businessStatus: { coding: [{ system: tre('R352-StatutMetierAnomalie'), code: '02' }] },
    code: { coding: [{ system: tre('R350-ThematiqueAnomalie'), code: '06' }] },
    focus: { reference: 'Location/ror-loc-ssr-1' },
    authoredOn: '2026-11-20T10:00:00+01:00',
    lastModified: '2026-11-20T10:00:00+01:00',
    reasonCode: { coding: [{ system: tre('R349-ActionAnomalie'), code: 'COR' }] },
    input: [
      { type: { coding: [{ system: INPUT, code: 'systemRequester' }] }, valueString: 'Santé.fr' },
      { type: { coding: [{ system: INPUT, code: 'errorValue' }] }, valueString: '0474454141' },
    ],
  };
}

describe('RORTask', () => {
  it('accepts an anomaly report', () => {
    expect(() => rorValidator().validateForWrite(task())).not.toThrow();
  });

  it('requires focus and the requesting system', () => {
    const t = task();
    delete t.focus;
    t.input.splice(0, 1);
    const err = rejection(t);
    expect(err.status).toBe(422);
    expect(errors(err.outcome)).toEqual([
      'Task.focus: Missing required element (minimum cardinality not met)',
      'Task.input: Slice systemRequester is required (1..1) and missing',
    ]);
  });

  it('checks the value type of an input slice', () => {
    const t = task();
    delete t.input[1].valueString;
    t.input[1].valueInteger = 3;
    expect(errors(rejection(t).outcome)).toEqual([
      'Task.input[1].value.ofType(integer): valueInteger is not allowed by the profile: the type of value must be string',
    ]);
  });
});

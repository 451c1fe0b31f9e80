/**
 * The RORTask code lists (JDV_J241 theme, JDV_J242 action, JDV_J244 business status, with their TRE_R350, R349,
 * R352 code systems) are part of the server's terminology: the `ror-task` profile's required bindings are checked,
 * so a Task with a code outside them is refused, and the tasks the rules raise carry the terminology's labels.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Task } from '@medplum/fhirtypes';
import request from 'supertest';
import { ACTION_SYSTEM, BUSINESS_STATUS_SYSTEM, THEME_SYSTEM, terminologyLabels } from '../../src/quality/tasks/codes';
import { THEME_LABELS } from '../../src/quality/rules/types';
import { taskId } from '../../src/quality/tasks/task';
import { qualityEnv, type QualityEnv } from './helpers';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fhir-profiles/profiles/build-manifest.json'), 'utf8')) as {
  requiredBindingsWithoutLocalCodeList: string[];
};

let env: QualityEnv;
let raised: Task & { id: string };

beforeAll(async () => {
  env = qualityEnv();
  const put = await request(env.t.app)
    .put('/Location/loc-sans-position')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Location', id: 'loc-sans-position', status: 'active', name: 'Zone sans position', address: { city: 'Bourg-en-Bresse' } }));
  expect(put.status).toBe(201);
  await env.drain();
  raised = (await env.task('loc-no-position', 'Location', 'loc-sans-position'))!;
  expect(raised).toBeDefined();
});
afterAll(() => env.close());

const post = (task: Task) => request(env.t.app).post('/Task').set('Content-Type', 'application/fhir+json').send(JSON.stringify(task));
const copy = (): Task => {
  const { id: _id, meta, ...rest } = raised;
  return { ...rest, meta: { profile: meta?.profile } };
};

it('ships the three value sets: no RORTask binding is left unchecked', () => {
  const unchecked = manifest.requiredBindingsWithoutLocalCodeList.filter((url) => /J241|J242|J244/.test(url));
  expect(unchecked).toEqual([]);
  expect(terminologyLabels(THEME_SYSTEM)).toEqual({ '01': 'Complétude', '02': 'Exhaustivité', '03': 'Cohérence', '04': 'Récence', '05': 'Structuration', '06': 'Exactitude' });
  expect(Object.keys(terminologyLabels(ACTION_SYSTEM))).toEqual(['AJO', 'COR', 'SUP']);
  expect(Object.keys(terminologyLabels(BUSINESS_STATUS_SYSTEM))).toHaveLength(11);
});

it('labels the tasks the rules raise with the terminology', () => {
  expect(raised.id).toBe(taskId('loc-no-position', 'Location', 'loc-sans-position'));
  expect(raised.meta?.profile).toContain('https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-task');
  expect(raised.code?.coding?.[0]).toMatchObject({ system: THEME_SYSTEM, code: '01', display: THEME_LABELS['01'] });
  expect(raised.reasonCode?.coding?.[0]).toMatchObject({ system: ACTION_SYSTEM, code: 'AJO', display: 'Ajout' });
  expect(raised.businessStatus?.coding?.[0]).toMatchObject({ system: BUSINESS_STATUS_SYSTEM, code: '02', display: 'À traiter' });
});

it('accepts a RORTask whose codes are in the value sets', async () => {
  expect((await post(copy())).status).toBe(201);
});

it('refuses a RORTask with an unknown theme, action or business status (422, naming the element)', async () => {
  const theme = copy();
  theme.code = { coding: [{ system: THEME_SYSTEM, code: '99' }] };
  const r1 = await post(theme);
  expect(r1.status).toBe(422);
  expect(JSON.stringify(r1.body)).toContain('Task.code');

  const action = copy();
  action.reasonCode = { coding: [{ system: ACTION_SYSTEM, code: 'DEL' }] };
  const r2 = await post(action);
  expect(r2.status).toBe(422);
  expect(JSON.stringify(r2.body)).toContain('Task.reasonCode');

  const status = copy();
  status.businessStatus = { coding: [{ system: BUSINESS_STATUS_SYSTEM, code: '42' }] };
  const r3 = await post(status);
  expect(r3.status).toBe(422);
  expect(JSON.stringify(r3.body)).toContain('Task.businessStatus');

  // A theme code of another system is not a JDV_J241 code either.
  const otherSystem = copy();
  otherSystem.code = { coding: [{ system: ACTION_SYSTEM, code: '01' }] };
  expect((await post(otherSystem)).status).toBe(422);
});

it('refuses a hand report with a theme outside TRE_R350', async () => {
  const res = await request(env.t.app)
    .post('/Task/$report')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Parameters', parameter: [
      { name: 'focus', valueReference: { reference: 'Location/loc-sans-position' } },
      { name: 'description', valueString: 'Téléphone faux' },
      { name: 'theme', valueCode: '99' },
    ] }));
  expect(res.status).toBe(400);
  expect(JSON.stringify(res.body)).toContain('TRE_R350');
});

/** validationOutcome, for $validate (https://hl7.org/fhir/R4/resource-operation-validate.html): never throws. */
import { r4Validator } from '../../helpers/validation';
import { json, location, organization, rejection } from './fixtures';

describe('validationOutcome', () => {
  it('returns one informational issue for a valid resource', () => {
    expect(r4Validator().outcome(location())).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: 'validation successful' }],
    });
  });

  it.each([
    ['not an object', 'hello', undefined],
    ['an unknown type', { resourceType: 'Lieu' }, undefined],
    ['a broken JSON shape', { ...organization(), address: 'Paris' }, ['Organization.address']],
    ['a bad element', { ...organization(), active: 'yes' }, ['Organization.active']],
  ])('returns the issues of %s without throwing', (_label, body, expression) => {
    const outcome = r4Validator().outcome(body);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue?.[0].severity).toBe('error');
    expect(outcome.issue?.[0].expression).toEqual(expression);
  });

  it('applies the write options (type and id of the URL)', () => {
    expect(r4Validator().outcome(organization(), { expectedType: 'Location' }).issue?.[0].diagnostics).toBe(
      'resourceType Organization in the body does not match Location in the URL',
    );
    expect(r4Validator().outcome(organization(), { expectedId: 'other' }).issue?.[0].expression).toEqual(['Organization.id']);
  });

  it('returns warnings alone when there is no error', () => {
    const outcome = r4Validator().outcome({ ...organization(), alias: [' '] });
    expect(outcome.issue).toEqual([
      { severity: 'warning', code: 'value', diagnostics: 'String contains only whitespace', expression: ['Organization.alias[0]'] },
    ]);
  });

  it('lists errors before warnings, one issue per problem, in the outcome of a rejected write too', () => {
    const body = json(organization());
    body.alias = [' '];
    body.active = 'yes';
    body.address[0].city = '';
    const expected = [
      { severity: 'error', expression: ['Organization.address[0].city'] },
      { severity: 'error', expression: ['Organization.active'] },
      { severity: 'warning', expression: ['Organization.alias[0]'] },
    ];
    expect(r4Validator().outcome(body).issue).toMatchObject(expected);
    expect(rejection(body).outcome.issue).toMatchObject(expected);
  });

  it('reports a failure of the validator itself as an exception issue (and a write lets it surface as a 500)', () => {
    jest.isolateModules(() => {
      jest.doMock('../../../src/fhir/validation/medplum', () => ({
        baseIssues: () => {
          throw new Error('boom');
        },
      }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const helpers = require('../../helpers/validation') as typeof import('../../helpers/validation');
      const validator = helpers.r4Validator();
      expect(validator.outcome(organization()).issue).toEqual([
        { severity: 'error', code: 'exception', diagnostics: 'Validation could not be completed: boom' },
      ]);
      expect(() => validator.validateForWrite(organization())).toThrow('boom');
    });
  });
});

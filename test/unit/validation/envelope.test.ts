/** The envelope of a written resource: JSON object, resourceType, id (https://hl7.org/fhir/R4/http.html). */
import { r4Validator } from '../../helpers/validation';
import { json, organization, rejection } from './fixtures';

describe('Validator.validateForWrite: envelope', () => {
  it('returns the resource itself when it is valid', () => {
    const org = organization();
    expect(r4Validator().validateForWrite(org)).toBe(org);
  });

  it.each([
    ['null', null],
    ['a string', 'Organization'],
    ['a number', 42],
    ['an array', [organization()]],
  ])('rejects %s with 400', (_label, body) => {
    const err = rejection(body);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/Expected a FHIR resource \(a JSON object\), received/);
  });

  it('rejects a body without resourceType', () => {
    const { resourceType: _rt, ...rest } = organization();
    const err = rejection(rest);
    expect(err.status).toBe(400);
    expect(err.message).toBe('The resource has no resourceType');
  });

  it.each([['Organisation'], ['organization'], ['Resource'], ['DomainResource'], [42]])(
    'rejects the unknown resourceType %p and says what it received',
    (type) => {
      const err = rejection({ ...organization(), resourceType: type });
      expect(err.status).toBe(400);
      expect(err.message).toContain(`received ${JSON.stringify(type)}`);
      expect(err.message).toContain('not a FHIR R4 resource type');
    },
  );

  it('rejects a body whose type differs from the URL', () => {
    const err = rejection(organization(), { expectedType: 'Location' });
    expect(err.status).toBe(400);
    expect(err.message).toBe('resourceType Organization in the body does not match Location in the URL');
  });

  it('accepts a body of the type of the URL', () => {
    expect(() => r4Validator().validateForWrite(organization(), { expectedType: 'Organization' })).not.toThrow();
  });

  it.each([['a_b'], ['a b'], [''], ['x'.repeat(65)], ['é'], [7]])('rejects the id %p', (id) => {
    const err = rejection({ ...organization(), id });
    expect(err.status).toBe(400);
    expect(err.outcome.issue?.[0].expression).toEqual(['Organization.id']);
  });

  it.each([['a'], ['A-1.b'], ['x'.repeat(64)]])('accepts the id %p', (id) => {
    expect(() => r4Validator().validateForWrite({ ...organization(), id })).not.toThrow();
  });

  describe('update (expectedId)', () => {
    it('accepts the id of the URL', () => {
      expect(() => r4Validator().validateForWrite(organization(), { expectedId: 'ej-750000001' })).not.toThrow();
    });

    it('rejects a different id', () => {
      const err = rejection(organization(), { expectedType: 'Organization', expectedId: 'other' });
      expect(err.status).toBe(400);
      expect(err.message).toBe('id "ej-750000001" in the body does not match "other" in the URL');
    });

    it('rejects a body without id', () => {
      const body = json(organization());
      delete body.id;
      const err = rejection(body, { expectedId: 'ej-750000001' });
      expect(err.status).toBe(400);
      expect(err.message).toMatch(/has no id/);
    });
  });

  it('requireId rejects a body without id and accepts one with an id', () => {
    const body = json(organization());
    expect(() => r4Validator().validateForWrite(body, { requireId: true })).not.toThrow();
    delete body.id;
    expect(rejection(body, { requireId: true }).status).toBe(400);
    expect(() => r4Validator().validateForWrite(body)).not.toThrow();
  });
});

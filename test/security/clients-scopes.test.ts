/**
 * SMART system scopes: parsing v2 and v1, the defaults of each role, what a client is granted when it asks.
 */
import { defaultScopes, grantScopes, normaliseScopes, parseScope, ScopeError } from '../../src/security/clients/scopes';

test('v2 scopes are read; permissions come back in cruds order; v1 is rewritten in v2', () => {
  expect(parseScope('system/Location.cu')).toEqual({ resourceType: 'Location', permissions: 'cu' });
  expect(parseScope('system/*.sr')).toEqual({ resourceType: '*', permissions: 'rs' });
  expect(parseScope('system/Observation.rs?category=laboratory')).toEqual({ resourceType: 'Observation', permissions: 'rs', query: 'category=laboratory' });
  expect(parseScope('system/*.read')).toEqual({ resourceType: '*', permissions: 'rs' });
  expect(parseScope('system/Location.write')).toEqual({ resourceType: 'Location', permissions: 'cud' });
  expect(parseScope('system/*.*')).toEqual({ resourceType: '*', permissions: 'cruds' });
});

test('what is not a system scope is not read', () => {
  for (const bad of ['patient/*.rs', 'user/Location.read', 'openid', 'system/*.', 'system/*.rr', 'system/*.x', 'system/location.rs', 'system/*.read?x=1', 'system/*.rs extra', '']) {
    expect(parseScope(bad)).toBeUndefined();
  }
});

test('the defaults of each role', () => {
  expect(defaultScopes('consumer')).toEqual(['system/*.rs']);
  expect(defaultScopes('establishment')).toEqual(['system/*.rs', 'system/Organization.u', 'system/HealthcareService.cu', 'system/Location.cu', 'system/Task.cu']);
  expect(defaultScopes('analyst')).toEqual(['system/*.rs', 'system/Task.cruds', 'system/Subscription.cruds']);
  expect(defaultScopes('admin')).toEqual(['system/*.cruds']);
  // a copy: the caller changing it changes nothing
  defaultScopes('consumer').push('system/*.cruds');
  expect(defaultScopes('consumer')).toEqual(['system/*.rs']);
});

test('normalising merges duplicates and drops scopes another covers; a bad scope throws', () => {
  expect(normaliseScopes(['system/Location.read', 'system/Location.cu', 'system/*.rs', 'system/Location.rs'])).toEqual(['system/Location.crus', 'system/*.rs']);
  expect(normaliseScopes(['system/*.cruds', 'system/Task.c'])).toEqual(['system/*.cruds']);
  expect(() => normaliseScopes(['system/*.rs', 'launch'])).toThrow(ScopeError);
});

test('asking nothing grants everything the client may have', () => {
  expect(grantScopes(undefined, defaultScopes('establishment'))).toEqual(defaultScopes('establishment'));
  expect(grantScopes('', ['system/*.rs'])).toEqual(['system/*.rs']);
});

test('each requested scope is granted as far as the allowed ones cover it', () => {
  expect(grantScopes('system/*.cruds', ['system/*.rs'])).toEqual(['system/*.rs']);
  expect(grantScopes('system/Location.cruds', defaultScopes('establishment'))).toEqual(['system/Location.crus']);
  expect(grantScopes('system/*.cruds', defaultScopes('establishment'))).toEqual(defaultScopes('establishment'));
  expect(grantScopes('system/Location.rs system/Organization.read', defaultScopes('consumer'))).toEqual(['system/Location.rs', 'system/Organization.rs']);
  expect(grantScopes('system/*.rs system/Location.rs', defaultScopes('consumer'))).toEqual(['system/*.rs']);
  expect(grantScopes('system/Observation.rs?category=x', ['system/*.rs'])).toEqual(['system/Observation.rs?category=x']);
  expect(grantScopes('system/Observation.rs', ['system/Observation.rs?category=x'])).toEqual(['system/Observation.rs?category=x']);
});

test('a scope none of the allowed ones covers, or not a system scope, is refused with the scope named', () => {
  const refused = (requested: string, allowed: string[]) => {
    try {
      grantScopes(requested, allowed);
    } catch (err) {
      return (err as ScopeError).scope;
    }
    return undefined;
  };
  expect(refused('system/*.rs system/Task.c', defaultScopes('consumer'))).toBe('system/Task.c');
  expect(refused('system/Organization.c', defaultScopes('establishment'))).toBe('system/Organization.c');
  expect(refused('patient/*.rs', defaultScopes('admin'))).toBe('patient/*.rs');
  expect(refused('system/Observation.rs?category=y', ['system/Observation.rs?category=x'])).toBe('system/Observation.rs?category=y');
  expect(refused('system/*.rs', ['system/*.rs'])).toBeUndefined();
});

/** The web application's French formats and error messages (web/src/lib/format.ts, api.ts): pure, no browser. */
import { errorMessage, query } from '../../web/src/lib/api';
import { formatAge, formatDate, formatDateTime, formatNumber, formatPercent, isStale } from '../../web/src/lib/format';

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('French formats', () => {
  it('writes dates and times in French, in Paris time', () => {
    expect(formatDateTime('2026-12-07T13:05:00Z')).toBe('7 déc. 2026, 14:05');
    expect(formatDate('2026-07-14T22:30:00Z')).toBe('15 juil. 2026');
    expect(formatDateTime(undefined)).toBe('—');
    expect(formatDate('pas une date')).toBe('—');
  });

  it('writes numbers and shares the French way', () => {
    expect(formatNumber(12345)).toBe('12\u202f345');
    expect(formatPercent(0.256)).toBe('26\u00a0%');
    expect(formatNumber(undefined)).toBe('—');
  });

  it('says how old a figure is', () => {
    expect(formatAge('2026-12-07T11:59:40Z', NOW)).toBe('à l’instant');
    expect(formatAge('2026-12-07T11:35:00Z', NOW)).toBe('il y a 25 min');
    expect(formatAge('2026-12-07T09:00:00Z', NOW)).toBe('il y a 3 h');
    expect(formatAge('2026-12-04T12:00:00Z', NOW)).toBe('il y a 3 j');
    expect(formatAge(undefined, NOW)).toBe('jamais');
  });

  it('calls a figure stale past the threshold, or when it was never entered', () => {
    expect(isStale('2026-12-06T13:00:00Z', 24, NOW)).toBe(false);
    expect(isStale('2026-12-06T11:00:00Z', 24, NOW)).toBe(true);
    expect(isStale(undefined, 24, NOW)).toBe(true);
  });
});

describe('API messages', () => {
  it('tells what went wrong from an OperationOutcome, an OAuth error, or the status', () => {
    const oo = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'Location/x is not one of your establishments' }, { severity: 'error', code: 'invalid', details: { text: 'nbCapacity must be ≥ 0' } }] };
    expect(errorMessage(403, oo)).toBe('Location/x is not one of your establishments ; nbCapacity must be ≥ 0');
    expect(errorMessage(400, { error: 'invalid_request', error_description: 'unknown demo account' })).toBe('unknown demo account');
    expect(errorMessage(412, undefined)).toBe('quelqu’un a modifié ces données entre-temps');
    expect(errorMessage(418, 'teapot')).toBe('erreur 418');
  });

  it('builds query strings: arrays repeat, empty values are left out', () => {
    expect(query({ q: 'soins de suite', department: ['01', '39'], available: true, fresh: false, near: undefined, limit: 20 })).toBe('?q=soins+de+suite&department=01&department=39&available=true&limit=20');
    expect(query({})).toBe('');
  });
});

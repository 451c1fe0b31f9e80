import { backoffDelay } from '../../../src/subscriptions/backoff';

const opts = { backoffBaseMs: 1000, backoffMaxMs: 30_000 };

test('the ceiling doubles each attempt up to the maximum', () => {
  const ceilings = [1, 2, 3, 4, 5, 6, 7, 20].map((a) => backoffDelay(a, opts, () => 1));
  expect(ceilings).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
});

test('equal jitter: between half and all of the ceiling', () => {
  expect(backoffDelay(3, opts, () => 0)).toBe(2000);
  expect(backoffDelay(3, opts, () => 0.5)).toBe(3000);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(4, opts);
    expect(d).toBeGreaterThanOrEqual(4000);
    expect(d).toBeLessThanOrEqual(8000);
  }
});

test('huge attempt numbers do not overflow', () => {
  expect(backoffDelay(10_000, opts, () => 1)).toBe(30_000);
  expect(backoffDelay(0, opts, () => 1)).toBe(1000);
});

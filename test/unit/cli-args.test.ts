/**
 * How the command-line scripts read an option's value (scripts/lib/cli-args.ts): the next argument, never a missing
 * one, an empty one or the next option, with the option named in the error (and the script's own error type).
 */
import { optionValue } from '../../scripts/lib/cli-args';

test('the value is the argument after the option', () => {
  expect(optionValue(['--source', 'https://ror.example/fhir', '--force'], 0)).toBe('https://ror.example/fhir');
});

test('a missing value, an empty one or the next option is refused, naming the option', () => {
  expect(() => optionValue(['--force', '--source'], 1)).toThrow('--source needs a value');
  expect(() => optionValue(['--source', ''], 0)).toThrow('--source needs a value');
  expect(() => optionValue(['--measure', '--dry-run'], 0)).toThrow('--measure needs a value');
});

test('the error is the script’s own when it asks', () => {
  class UsageError extends Error {}
  expect(() => optionValue(['--role'], 0, (m) => new UsageError(m))).toThrow(UsageError);
});

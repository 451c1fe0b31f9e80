/**
 * What the command-line scripts (sync, federate, measures, clients) share in reading their arguments. Their options
 * are few and each script checks them its own way (instants, shares, FINESS files…), so each keeps its own loop;
 * this reads an option's value alike everywhere.
 */

/**
 * The value of the option at `argv[at]` (`--name value`): the next argument, which must be there and not be another
 * option; otherwise the error made by `fail` (an Error by default) with a message naming the option.
 */
export function optionValue(argv: readonly string[], at: number, fail: (message: string) => Error = (message) => new Error(message)): string {
  const value = argv[at + 1];
  if (!value || value.startsWith('--')) throw fail(`${argv[at]} needs a value`);
  return value;
}

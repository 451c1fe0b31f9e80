/**
 * Thrown while expanding a value set that cannot be computed locally; `message` says why. Expansion never returns
 * a partial list: a caller either gets every code of the value set or this reason.
 */
export class NotExpandable extends Error {
  override readonly name = 'NotExpandable';
}

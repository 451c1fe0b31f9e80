import { InvalidCursorError } from '../errors';

/** History paging cursors: the sequence number of the last version on the page, base64url-encoded. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`h:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const m = /^h:([0-9]{1,16})$/.exec(text);
  if (!m) throw new InvalidCursorError(cursor);
  return Number(m[1]);
}

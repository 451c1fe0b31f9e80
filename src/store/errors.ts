/** Raised by a store when a paging cursor it is given is not one it produced (tampered with or truncated). */
export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`invalid paging cursor '${cursor.slice(0, 40)}': follow the links of a previous page`);
    this.name = 'InvalidCursorError';
  }
}

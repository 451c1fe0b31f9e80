/** Raised by a store when a paging cursor it is given is not one it produced (tampered with or truncated). */
export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`invalid paging cursor '${cursor.slice(0, 40)}': follow the links of a previous page`);
    this.name = 'InvalidCursorError';
  }
}

/**
 * Raised by a store when a put names the version it expects to replace (`expectVersion`) and the resource's current
 * version is another one: someone wrote it since the caller read it. The transaction must not commit as is.
 */
export class VersionConflictError extends Error {
  constructor(
    readonly resourceType: string,
    readonly id: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${resourceType}/${id} is at version ${actual}, not ${expected}: it changed since it was read`);
    this.name = 'VersionConflictError';
  }
}

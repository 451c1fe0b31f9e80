/** The codes of an expanded value set, by code system, in the order the value set gives them. */
export class CodeSet {
  /** Every code whatever its system, built on first use when there are several systems. */
  private anySystem: ReadonlySet<string> | undefined;

  constructor(readonly bySystem: ReadonlyMap<string, ReadonlySet<string>>) {
    if (bySystem.size === 1) this.anySystem = bySystem.values().next().value;
  }

  has(system: string, code: string): boolean {
    return this.bySystem.get(system)?.has(code) ?? false;
  }

  /** Whether `code` is in the set under some system: what a `code` element, which has no system, is checked against. */
  hasCode(code: string): boolean {
    this.anySystem ??= new Set(this.codes());
    return this.anySystem.has(code);
  }

  systems(): string[] {
    return [...this.bySystem.keys()];
  }

  /** The distinct codes, whatever their system. */
  codes(): string[] {
    const out = new Set<string>();
    for (const codes of this.bySystem.values()) for (const code of codes) out.add(code);
    return [...out];
  }

  /** The (system, code) pairs, e.g. the values a token search matches. */
  pairs(): { system: string; code: string }[] {
    const out: { system: string; code: string }[] = [];
    for (const [system, codes] of this.bySystem) for (const code of codes) out.push({ system, code });
    return out;
  }
}

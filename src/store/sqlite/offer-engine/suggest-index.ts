/**
 * Type-ahead names in memory: the distinct unit, establishment and commune names of the active documents, each with
 * how many active documents carry it and how many of them are not sensitive, searched by prefix with the bm25 of
 * text-index.ts. Order: names starting with what was typed first, then score, then the names carried by most
 * documents, then label, kind and key (as the SQL of the former FTS5 table did).
 */
import { analyzeQuery, foldedWords } from '../../../indexing/french';
import type { OfferSuggestion } from '../../offer-index';
import { TextIndex, type Phrase } from './text-index';
import type { TermDictionary } from './term-dictionary';
import { TopK } from './top-k';

export type SuggestionKind = OfferSuggestion['kind'];

/** Distinct term ids of a text (its tokens' ids, in order) with their counts, as [id, count, …]. */
export function termsOf(text: readonly number[]): number[] {
  // Names are a few words: a scan of the pairs so far is cheaper than a map.
  const terms: number[] = [];
  outer: for (const id of text) {
    for (let i = 0; i < terms.length; i += 2) {
      if (terms[i] === id) {
        terms[i + 1]++;
        continue outer;
      }
    }
    terms.push(id, 1);
  }
  return terms;
}

function sameText(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export class SuggestIndex {
  private readonly text: TextIndex;
  private readonly bySlot: {
    kind: SuggestionKind;
    key: string;
    label: string;
    folded: string | undefined;
    text: readonly number[];
    docs: number;
    publicDocs: number;
  }[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly free: number[] = [];

  constructor(dictionary: TermDictionary) {
    this.text = new TextIndex(dictionary);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Adds (or takes back) one document's use of a name; a name no active document uses any more is removed. */
  count(kind: SuggestionKind, key: string, label: string, text: readonly number[], docs: number, publicDocs: number): void {
    const k = `${kind}|${key}`;
    const slot = this.byKey.get(k);
    if (slot === undefined) {
      if (docs <= 0) return;
      const s = this.free.pop() ?? this.bySlot.length;
      // Every member set here, `folded` too (computed at the first lookup), so all entries share one shape.
      this.bySlot[s] = { kind, key, label, folded: undefined, text, docs, publicDocs };
      this.byKey.set(k, s);
      this.text.add(s, termsOf(text), text.length);
      return;
    }
    const e = this.bySlot[slot];
    const total = e.docs + docs;
    if (total <= 0) {
      this.text.remove(slot, termsOf(e.text));
      this.byKey.delete(k);
      this.free.push(slot);
      return;
    }
    e.docs = total;
    e.publicDocs = Math.max(0, e.publicDocs + publicDocs);
    // A name written anew (a renamed establishment) replaces the former one.
    if (docs > 0 && e.label !== label) {
      e.label = label;
      e.folded = undefined;
      if (!sameText(e.text, text)) {
        this.text.remove(slot, termsOf(e.text));
        e.text = text;
        this.text.add(slot, termsOf(text), text.length);
      }
    }
  }

  clear(): void {
    for (const [, slot] of this.byKey) this.text.remove(slot, termsOf(this.bySlot[slot].text));
    this.byKey.clear();
    this.bySlot.length = 0;
    this.free.length = 0;
  }

  suggest(typedText: string, limit: number, hideSensitive: boolean): OfferSuggestion[] {
    const q = analyzeQuery(typedText, true);
    const phrases: Phrase[] = q.terms.map((t) => ({ text: t, prefix: false }));
    if (q.prefix) phrases.push({ text: q.prefix, prefix: true });
    if (!phrases.length || limit === 0) return [];
    const entries = this.bySlot;
    const m = this.text.match(phrases, hideSensitive ? (s) => entries[s].publicDocs > 0 : () => true);
    const typed = foldedWords(typedText);
    const starts = new Uint8Array(m.length);
    // The first two keys of the order in one number (scores are far below 1e6), so most matches are dropped by
    // one comparison with the last kept.
    const key = new Float64Array(m.length);
    for (let i = 0; i < m.length; i++) {
      const e = entries[m.slots[i]];
      e.folded ??= foldedWords(e.label);
      starts[i] = e.folded.startsWith(typed) ? 1 : 0;
      key[i] = starts[i] * 1e6 + m.scores[i];
    }
    const top = new TopK(limit, (a, b) => {
      const ea = entries[m.slots[a]];
      const eb = entries[m.slots[b]];
      return (
        starts[b] - starts[a] ||
        m.scores[b] - m.scores[a] ||
        eb.docs - ea.docs ||
        cmp(ea.label, eb.label) ||
        cmp(ea.kind, eb.kind) ||
        cmp(ea.key, eb.key)
      );
    });
    for (let i = 0; i < m.length; i++) {
      if (top.size === limit && key[i] < key[top.worst()]) continue;
      top.push(i);
    }
    return top.sorted().map((i) => {
      const e = entries[m.slots[i]];
      return { kind: e.kind, id: e.key, label: e.label };
    });
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Type-ahead names in memory: the distinct unit, establishment and commune names of the active documents, each with
 * how many active documents carry it and how many of them are not sensitive, searched by prefix with the bm25 of
 * text-index.ts. Order: names starting with what was typed first, then score, then the names carried by most
 * documents, then label, kind and key (as the SQL of the former FTS5 table did).
 *
 * A name is a (kind, key): a unit per unit id, an establishment per organization id, a commune per INSEE code. At
 * national scale hundreds of thousands of names share a few thousand (kind, label, text): every hospital has its
 * "Urgences". The text index therefore holds one entry per *group* of names with the same kind, label and analysed
 * text, with its members (the keys); a search scores groups, and only the members of the best groups are ranked,
 * so its cost follows the distinct names matched, not the keys. Members of one group share the first keys of the
 * order (starts-with and score), so groups are taken best first until `limit` members are reached; the groups tied
 * with the last one taken compete too, and of each group only its best `limit` members (most documents, then key)
 * are looked at.
 *
 * Because the text index counts groups, bm25's statistics are over distinct names: a word's idf is how many distinct
 * names have it (not how many keys), and the mean length is that of the distinct names. For one typed word the idf
 * is a common factor of every score, so the order is unchanged among names holding the word equally often (the
 * usual case: once; f/(f + c·D) orders names of one frequency f by length D whatever the mean length in c); across
 * words, a word weighs by how many distinct names have it.
 *
 * A group is visible to a caller hiding sensitive units when one of its members is carried by a non-sensitive
 * document (publicDocs > 0); of such a group only those members are shown.
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

/** One (kind, key) name: how many active documents carry it, how many of them are not sensitive, its group. */
interface Member {
  key: string;
  docs: number;
  publicDocs: number;
  group: Group;
}

/** The names sharing a kind, label and analysed text: one entry (slot) of the text index. */
interface Group {
  slot: number;
  kind: SuggestionKind;
  label: string;
  /** The label's folded words, computed at the first search that matches the group. */
  folded: string | undefined;
  text: readonly number[];
  /**
   * The members; by key once `ordered`, so that the best members (most documents, then key) are found without
   * comparing keys. A group is put in order by the first search that needs it, and kept so (names added in bulk,
   * as when an index is loaded, are appended, not inserted one by one).
   */
  members: Member[];
  ordered: boolean;
  /** How many members have publicDocs > 0. */
  visible: number;
}

export class SuggestIndex {
  private readonly text: TextIndex;
  private readonly bySlot: (Group | undefined)[] = [];
  /** Per kind and label, its groups (one per text). */
  private readonly groups = new Map<SuggestionKind, Map<string, Group[]>>();
  private readonly byKey = new Map<string, Member>();
  private readonly free: number[] = [];

  constructor(dictionary: TermDictionary) {
    this.text = new TextIndex(dictionary);
  }

  /** How many (kind, key) names. */
  get size(): number {
    return this.byKey.size;
  }

  /** Adds (or takes back) one document's use of a name; a name no active document uses any more is removed. */
  count(kind: SuggestionKind, key: string, label: string, text: readonly number[], docs: number, publicDocs: number): void {
    const k = `${kind}|${key}`;
    const m = this.byKey.get(k);
    if (m === undefined) {
      if (docs <= 0) return;
      const created: Member = { key, docs, publicDocs, group: undefined as unknown as Group };
      this.byKey.set(k, created);
      this.join(created, kind, label, text);
      return;
    }
    const total = m.docs + docs;
    if (total <= 0) {
      this.leave(m);
      this.byKey.delete(k);
      return;
    }
    const wasVisible = m.publicDocs > 0;
    m.docs = total;
    m.publicDocs = Math.max(0, m.publicDocs + publicDocs);
    const isVisible = m.publicDocs > 0;
    if (wasVisible !== isVisible) m.group.visible += isVisible ? 1 : -1;
    // A name written anew (a renamed establishment) replaces the former one: the key moves to the new name's group.
    if (docs > 0 && m.group.label !== label) {
      this.leave(m);
      this.join(m, kind, label, text);
    }
  }

  clear(): void {
    this.text.clear();
    this.groups.clear();
    this.byKey.clear();
    this.bySlot.length = 0;
    this.free.length = 0;
  }

  suggest(typedText: string, limit: number, hideSensitive: boolean): OfferSuggestion[] {
    const q = analyzeQuery(typedText, true);
    const phrases: Phrase[] = q.terms.map((t) => ({ text: t, prefix: false }));
    if (q.prefix) phrases.push({ text: q.prefix, prefix: true });
    if (!phrases.length || limit <= 0) return [];
    const groups = this.bySlot as Group[];
    const m = this.text.match(phrases, hideSensitive ? (s) => groups[s].visible > 0 : () => true);
    if (m.length === 0) return [];
    const typed = foldedWords(typedText);
    const starts = new Uint8Array(m.length);
    for (let i = 0; i < m.length; i++) {
      const g = groups[m.slots[i]];
      g.folded ??= foldedWords(g.label);
      starts[i] = g.folded.startsWith(typed) ? 1 : 0;
    }
    const scores = m.scores;
    // > 0 when match a comes before match b on the keys its members share.
    const before = (a: number, b: number) => starts[a] - starts[b] || scores[a] - scores[b];

    const sizeOf = (i: number) => {
      const g = groups[m.slots[i]];
      return hideSensitive ? g.visible : g.members.length;
    };

    // Groups best first until `limit` members are reached, then the groups tied with the last one taken.
    const queue = new MatchQueue(m.length, before);
    const taken: number[] = [];
    let reached = 0;
    while (queue.size > 0 && reached < limit) {
      const i = queue.pop();
      taken.push(i);
      reached += sizeOf(i);
    }
    const last = taken[taken.length - 1];
    while (queue.size > 0 && before(queue.peek(), last) === 0) taken.push(queue.pop());

    // Groups before the last one's tie class give all their members (fewer than `limit`); of each group of the tie
    // class, its best `limit - above` members compete.
    let above = 0;
    for (const i of taken) if (before(i, last) > 0) above += sizeOf(i);
    const candidates: number[] = [];
    const members: Member[] = [];
    for (const i of taken) {
      const k = before(i, last) > 0 ? limit : limit - above;
      for (const member of bestMembers(groups[m.slots[i]], k, hideSensitive)) {
        candidates.push(i);
        members.push(member);
      }
    }
    const top = new TopK(limit, (a, b) => {
      const ga = groups[m.slots[candidates[a]]];
      const gb = groups[m.slots[candidates[b]]];
      return (
        before(candidates[b], candidates[a]) ||
        members[b].docs - members[a].docs ||
        cmp(ga.label, gb.label) ||
        cmp(ga.kind, gb.kind) ||
        cmp(members[a].key, members[b].key)
      );
    });
    for (let c = 0; c < candidates.length; c++) top.push(c);
    return top.sorted().map((c) => {
      const g = groups[m.slots[candidates[c]]];
      return { kind: g.kind, id: members[c].key, label: g.label };
    });
  }

  /** Puts a name in the group of its kind, label and text (created when it is the first). */
  private join(m: Member, kind: SuggestionKind, label: string, text: readonly number[]): void {
    let byLabel = this.groups.get(kind);
    if (byLabel === undefined) this.groups.set(kind, (byLabel = new Map()));
    let list = byLabel.get(label);
    if (list === undefined) byLabel.set(label, (list = []));
    let g: Group | undefined;
    for (const x of list) if (sameText(x.text, text)) g = x;
    if (g === undefined) {
      const slot = this.free.pop() ?? this.bySlot.length;
      // Every member set here, `folded` too, so all groups share one shape.
      g = { slot, kind, label, folded: undefined, text, members: [], ordered: false, visible: 0 };
      list.push(g);
      this.bySlot[slot] = g;
      this.text.add(slot, termsOf(text), text.length);
    }
    m.group = g;
    if (g.ordered) g.members.splice(keyBound(g.members, m.key), 0, m);
    else g.members.push(m);
    if (m.publicDocs > 0) g.visible++;
  }

  /** Takes a name out of its group; a group left empty leaves the text index. */
  private leave(m: Member): void {
    const g = m.group;
    const ms = g.members;
    if (g.ordered) {
      ms.splice(keyBound(ms, m.key), 1);
    } else {
      const at = ms.lastIndexOf(m);
      const moved = ms.pop() as Member;
      if (moved !== m) ms[at] = moved;
    }
    if (m.publicDocs > 0) g.visible--;
    if (ms.length > 0) return;
    this.text.remove(g.slot, termsOf(g.text));
    const byLabel = this.groups.get(g.kind) as Map<string, Group[]>;
    const list = byLabel.get(g.label) as Group[];
    if (list.length === 1) byLabel.delete(g.label);
    else list.splice(list.indexOf(g), 1);
    this.bySlot[g.slot] = undefined;
    this.free.push(g.slot);
  }
}

/**
 * The best `k` members of a group by (docs desc, key), only those with publicDocs > 0 when `visibleOnly`: a heap
 * of k, not a sort of the whole group. Walked in key order (the group is put in order the first time), a member
 * tied on documents with the last kept comes after it, so one comparison of numbers drops most members (usually
 * every one past the first k).
 */
function bestMembers(g: Group, k: number, visibleOnly: boolean): Member[] {
  const members = g.members;
  if (members.length <= k) return visibleOnly ? members.filter((x) => x.publicDocs > 0) : members.slice();
  if (!g.ordered) {
    members.sort((a, b) => cmp(a.key, b.key));
    g.ordered = true;
  }
  const top = new TopK(k, (a, b) => members[b].docs - members[a].docs || a - b);
  for (let i = 0; i < members.length; i++) {
    const x = members[i];
    if (visibleOnly && !(x.publicDocs > 0)) continue;
    if (top.size === k && x.docs <= members[top.worst()].docs) continue;
    top.push(i);
  }
  return top.sorted().map((i) => members[i]);
}

/** The index of the first member whose key is not below `key` (members by key). */
function keyBound(members: readonly Member[], key: string): number {
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (members[mid].key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The matched groups, best first on demand: a binary heap over match indexes under `before` (> 0: a first). */
class MatchQueue {
  private readonly heap: Int32Array;
  size: number;

  constructor(
    n: number,
    private readonly before: (a: number, b: number) => number,
  ) {
    this.heap = new Int32Array(n);
    for (let i = 0; i < n; i++) this.heap[i] = i;
    this.size = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  peek(): number {
    return this.heap[0];
  }

  pop(): number {
    const h = this.heap;
    const top = h[0];
    h[0] = h[--this.size];
    this.down(0);
    return top;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = this.size;
    const item = h[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.before(h[child + 1], h[child]) > 0) child++;
      if (this.before(h[child], item) <= 0) break;
      h[i] = h[child];
      i = child;
    }
    h[i] = item;
  }
}

function sameText(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

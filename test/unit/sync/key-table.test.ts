import { KeyTable } from '../../../src/sync/reconcile/key-table';

describe('KeyTable (compact sync state)', () => {
  test('behaves like a Map<string, number> through growth, with ASCII and non-ASCII keys', () => {
    const table = new KeyTable(4);
    const map = new Map<string, number>();
    const keyOf = (i: number) => (i % 7 === 0 ? `clé-é${i}-€` : i % 5 === 0 ? '' + 'x'.repeat(i % 300) + i : `810${i}-R${i * 3}`);
    for (let i = 0; i < 20_000; i++) {
      const k = keyOf(i);
      const v = i % 3 === 0 ? -i - 2 : i * 2 ** 20 + 0.5 * (i % 2);
      table.set(k, v);
      map.set(k, v);
    }
    for (let i = 0; i < 20_000; i += 3) {
      table.set(keyOf(i), 2 ** 47 + i);
      map.set(keyOf(i), 2 ** 47 + i);
    }
    expect(table.size).toBe(map.size);
    for (const [k, v] of map) expect(table.get(k)).toBe(v);
    expect(table.get('absent')).toBeUndefined();
    expect(table.has('810-R')).toBe(false);
    expect(table.get('clé-é')).toBeUndefined();
    expect(new Map(table.entries())).toEqual(map);
    expect([...table.keys()]).toEqual([...map.keys()]);
    const i = table.indexOf(keyOf(7));
    expect(table.keyAt(i)).toBe(keyOf(7));
    table.setValueAt(i, 42);
    expect(table.get(keyOf(7))).toBe(42);
  });

  test('the empty key and keys differing by one byte', () => {
    const t = new KeyTable();
    t.set('', 1).set('a', 2).set('b', 3).set('ab', 4).set('é', 5).set('\u00e9', 6);
    expect([t.get(''), t.get('a'), t.get('b'), t.get('ab'), t.get('é')]).toEqual([1, 2, 3, 4, 6]);
    expect(t.size).toBe(5);
  });
});

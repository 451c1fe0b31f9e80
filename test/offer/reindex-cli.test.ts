/**
 * The progress bar of `npm run reindex-offer` (scripts/reindex-offer.ts): redrawn in place on a terminal, plain
 * lines elsewhere, always showing the final count.
 */
import { progressBar } from '../../scripts/reindex-offer';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, s: { isTTY, write: (chunk: string) => written.push(chunk) } as unknown as NodeJS.WriteStream };
}

test('on a terminal: one line redrawn with \\r, ending at 100 % and a newline', () => {
  const { written, s } = stream(true);
  const bar = progressBar(s);
  bar.update({ done: 500, total: 1000 });
  bar.update({ done: 1000, total: 1000 });
  bar.done();
  expect(written[0]).toMatch(/^\roffer index \[#{15}-{15}\] {2}50% 500\/1000 units/);
  expect(written.at(-2)).toMatch(/^\roffer index \[#{30}\] 100% 1000\/1000 units/);
  expect(written.at(-1)).toBe('\n');
});

test('elsewhere: plain lines, the last one always written', () => {
  const { written, s } = stream(false);
  const bar = progressBar(s);
  bar.update({ done: 1, total: 3 });
  bar.update({ done: 2, total: 3 });
  bar.update({ done: 3, total: 3 });
  bar.done();
  expect(written).toHaveLength(2);
  expect(written.every((l) => !l.includes('\r') && l.endsWith('\n'))).toBe(true);
  expect(written[1]).toContain('100% 3/3 units');
});

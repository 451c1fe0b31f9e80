/**
 * FINESS etalab fields: `;`-separated with RFC 4180 quoting (`"LIEU DE VIE ""MAVOUNA MEMA 1"""`), see
 * ../shared/referentiels/NOTES.md. Returns undefined when a quoted field is still open at the end of the text (the
 * caller then appends the next physical line: RFC 4180 allows line breaks inside quotes).
 */
export function splitFinessFields(text: string, sep = ';'): string[] | undefined {
  if (!text.includes('"')) return text.split(sep);
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) return undefined;
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // Anything between the closing quote and the separator is kept as is (lenient, like most readers).
      const next = text.indexOf(sep, i);
      value += next === -1 ? text.slice(i) : text.slice(i, next);
      fields.push(value);
      if (next === -1) return fields;
      i = next + 1;
    } else {
      const next = text.indexOf(sep, i);
      if (next === -1) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, next));
      i = next + 1;
    }
    if (i === n) {
      fields.push('');
      return fields;
    }
  }
}

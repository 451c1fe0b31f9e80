/** Field checks shared by the FINESS readers (formats: ../shared/referentiels/finess/etalab_notices/*.csv). */

/**
 * A FINESS number: 9 characters `[0-9][0-9AB][0-9]{7}` (2A/2B: Corsica); the last digit is a Luhn check digit,
 * verified when the number is all digits (every real number in the samples passes it).
 */
export function isValidFiness(v: string): boolean {
  if (!/^[0-9][0-9AB][0-9]{7}$/.test(v)) return false;
  if (!/^[0-9]{9}$/.test(v)) return true;
  return luhn(v);
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** `YYYY-MM-DD` naming a real calendar day (no 2026-02-30), years 1800–2100. */
export function isValidDate(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1800 || y > 2100 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** Overseas FINESS department codes → first three digits of the INSEE code. */
const OVERSEAS: Record<string, string> = { '9A': '971', '9B': '972', '9C': '973', '9D': '974', '9E': '975', '9F': '976', '9J': '986' };

/**
 * INSEE commune code from FINESS departement + commune (NOTES.md): departement + commune, except overseas where the
 * department is written 9A…9J and the commune's three digits follow the first two of the INSEE department
 * (9D + 411 = 97411).
 */
export function inseeCode(departement: string, commune: string): string | undefined {
  if (!/^[0-9]{3}$/.test(commune)) return undefined;
  if (OVERSEAS[departement]) return OVERSEAS[departement].slice(0, 2) + commune;
  if (/^([0-9]{2}|2A|2B)$/.test(departement)) return departement + commune;
  return undefined;
}

export function isValidDepartement(v: string): boolean {
  return /^([0-9]{2}|2A|2B|9[A-J])$/.test(v);
}

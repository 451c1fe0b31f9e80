/**
 * How the words of `q` are understood (src/offer/understand.ts): criteria of beds, departments, communes, the
 * ambiguity rules and what is left for the text match. On a small table of places, so each rule is seen alone, and
 * on France's (src/offer/places.ts) for the names that make the rules necessary.
 */
import { frenchPlaces, placesOf } from '../../src/offer/places';
import { remainingText, understand, understoodAnything, type Part, type UnderstandOptions } from '../../src/offer/understand';

const places = placesOf(
  [
    { code: '01', name: 'Ain' },
    { code: '38', name: 'Isère' },
    { code: '59', name: 'Nord' },
    { code: '69', name: 'Rhône' },
    { code: '74', name: 'Haute-Savoie' },
    { code: '86', name: 'Vienne' },
    { code: '44', name: 'Loire-Atlantique' },
    { code: '42', name: 'Loire' },
  ],
  [
    { code: '01053', name: 'Bourg-en-Bresse', department: '01', population: 42000 },
    { code: '33067', name: 'Bourg', department: '33', population: 2200 },
    { code: '69123', name: 'Lyon', department: '69', population: 520000 },
    { code: '38185', name: 'Grenoble', department: '38', population: 158000 },
    { code: '38544', name: 'Vienne', department: '38', population: 29000 },
    { code: '57336', name: "L'Hôpital", department: '57', population: 5000 },
    { code: '42218', name: 'Saint-Étienne', department: '42', population: 170000 },
    { code: '42207', name: 'Saint-Étienne-le-Molard', department: '42', population: 1000 },
  ],
);
const options = (o: Partial<UnderstandOptions> = {}): UnderstandOptions => ({ prefix: false, given: {}, ...o });
/** The parts understood as more than text: [words as typed, role, value]. */
const roles = (q: string, o?: Partial<UnderstandOptions>, p = places) =>
  understand(q, p, options(o))
    .parts.filter((x) => x.role !== 'text')
    .map((x: Part) => [x.words, x.role, x.gender ?? x.department?.code ?? x.communes?.[0]?.code ?? null, ...(x.role === 'commune' ? [x.marked] : [])]);
const left = (q: string, o?: Partial<UnderstandOptions>, keepCandidates = true) => remainingText(understand(q, places, options(o)), { keepCandidates });

describe('criteria of beds', () => {
  it('takes "disponible(s)", "libre(s)" as a free bed now, and drops "lit", "place", "chambre"', () => {
    expect(roles('médecine lits disponibles')).toEqual([
      ['lits', 'filler', null],
      ['disponibles', 'available', null],
    ]);
    expect(roles('place libre en cardiologie')).toEqual([
      ['place', 'filler', null],
      ['libre', 'available', null],
    ]);
    expect(left('médecine lits disponibles').text).toBe('médecine');
  });

  it('takes "femme(s)" / "homme(s)" as the gender of a free bed beside a word about beds only', () => {
    expect(roles('lit femme disponible')).toEqual([
      ['lit', 'filler', null],
      ['femme', 'gender', 'female'],
      ['disponible', 'available', null],
    ]);
    expect(roles('chirurgie lits hommes')).toEqual([
      ['lits', 'filler', null],
      ['hommes', 'gender', 'male'],
    ]);
    // Alone, "femme" is a word of names: "Hôpital Femme Mère Enfant".
    expect(roles('hôpital femme mère enfant')).toEqual([]);
  });

  it('leaves a kind of criterion given as a parameter to the parameter', () => {
    expect(roles('lit femme disponible', { given: { gender: true, available: true } })).toEqual([
      ['lit', 'filler', null],
      ['disponible', 'filler', null],
    ]);
    expect(left('lit femme disponible', { given: { gender: true } }).text).toBe('femme');
  });
});

describe('departments', () => {
  it('reads a code in brackets or after "département", "dans le"', () => {
    expect(roles('ehpad (01)')).toEqual([['01', 'department', '01']]);
    expect(roles('ehpad dans le 69')).toEqual([['dans le 69', 'department', '69']]);
    expect(roles('ehpad département 38')).toEqual([['département 38', 'department', '38']]);
    // A bare number is an age, a count, anything: not a department.
    expect(roles('gériatrie 80 ans')).toEqual([]);
    expect(roles('ehpad 01')).toEqual([]);
  });

  it('reads a name after "dans", "en", "département", or alone when it is nothing else', () => {
    expect(roles("médecine dans l'Ain")).toEqual([["dans l'Ain", 'department', '01']]);
    expect(roles('psychiatrie en Haute-Savoie')).toEqual([['en Haute-Savoie', 'department', '74']]);
    expect(roles('urgences rhone')).toEqual([['rhone', 'department', '69']]);
    expect(roles('lit de médecine femme disponible ain')).toEqual([
      ['lit', 'filler', null],
      ['femme', 'gender', 'female'],
      ['disponible', 'available', null],
      ['ain', 'department', '01'],
    ]);
    expect(left('lit de médecine femme disponible ain').text).toBe('médecine');
  });

  it('leaves alone a name that is a common word or a large town, unless a marker says which it is', () => {
    // "Hôpital Nord": a word of names.
    expect(roles('hopital nord')).toEqual([]);
    expect(roles('ehpad dans le Nord')).toEqual([['dans le Nord', 'department', '59']]);
    // Vienne: a department, and a town of 29,000 in Isère: alone, it stays text.
    expect(roles('ehpad vienne')).toEqual([]);
    expect(roles('ehpad dans la Vienne')).toEqual([['dans la Vienne', 'department', '86']]);
    expect(roles('ehpad à Vienne')).toEqual([['à Vienne', 'commune', '38544', true]]);
  });

  it('does not take a department name being typed that a longer name begins with', () => {
    expect(roles('cardiologie loire', { prefix: true })).toEqual([]);
    expect(roles('cardiologie loire ', { prefix: true })).toEqual([['loire', 'department', '42']]);
    expect(roles('cardiologie loire', { prefix: false })).toEqual([['loire', 'department', '42']]);
  });
});

describe('communes', () => {
  it('reads a commune after "près de", "à", "autour de", and says it was marked', () => {
    expect(roles('soins de suite gériatrique près de Bourg-en-Bresse, lit femme disponible')).toEqual([
      ['près de Bourg-en-Bresse', 'commune', '01053', true],
      ['lit', 'filler', null],
      ['femme', 'gender', 'female'],
      ['disponible', 'available', null],
    ]);
    expect(left('soins de suite gériatrique près de Bourg-en-Bresse, lit femme disponible')).toEqual({ text: 'soins de suite gériatrique', prefix: false });
    expect(roles('urgences à Grenoble')).toEqual([['à Grenoble', 'commune', '38185', true]]);
    expect(roles('psychiatrie autour de lyon')).toEqual([['autour de lyon', 'commune', '69123', true]]);
  });

  it('takes the longest name: Saint-Étienne-le-Molard is not Saint-Étienne', () => {
    expect(roles('ehpad saint etienne le molard')).toEqual([['saint etienne le molard', 'commune', '42207', false]]);
    expect(roles('dialyse saint-etienne')).toEqual([['saint-etienne', 'commune', '42218', false]]);
  });

  it('keeps a commune named alone as text, a candidate the caller may place when the text finds nothing', () => {
    expect(left('urgences bourg en bresse', { prefix: true })).toEqual({ text: 'urgences bourg en bresse', prefix: true });
    expect(left('urgences bourg en bresse', { prefix: true }, false)).toEqual({ text: 'urgences', prefix: false });
  });

  it('never takes a word of the care offer for a commune without a place word', () => {
    // L'Hôpital (Moselle) folds to "hopital"; Bourg (Gironde) is the beginning of many names.
    expect(roles('hôpital de jour')).toEqual([]);
    expect(roles('orthopédie bourg', { prefix: true })).toEqual([]);
  });

  it('leaves a commune to an explicit near', () => {
    expect(roles('urgences près de Lyon', { given: { near: true } })).toEqual([]);
  });
});

describe('what is left for the text', () => {
  it('is the words as typed, stop words trimmed at the ends, the last one a beginning only if it ends q', () => {
    expect(left('lit de médecine femme disponible', { prefix: true })).toEqual({ text: 'médecine', prefix: false });
    expect(left('disponible en cardio', { prefix: true })).toEqual({ text: 'cardio', prefix: true });
    expect(left('soins de', { prefix: true })).toEqual({ text: 'soins de', prefix: true });
    expect(left('lits disponibles dans le 69')).toEqual({ text: '', prefix: false });
  });

  it('is the whole of q when nothing was understood', () => {
    const u = understand('soins de suite readaptation', places, options({ prefix: true }));
    expect(understoodAnything(u)).toBe(false);
    expect(remainingText(u, { keepCandidates: true })).toEqual({ text: 'soins de suite readaptation', prefix: true });
  });
});

describe("France's places", () => {
  const france = frenchPlaces();

  it('holds every department with its INSEE code, and the communes of the COG', () => {
    expect(france.departmentNamed('ain')).toEqual({ code: '01', name: 'Ain' });
    expect(france.departmentNamed('corse du sud')?.code).toBe('2A');
    expect(france.departmentNamed('la reunion')?.code).toBe('974');
    expect(france.department('2b')?.name).toBe('Haute-Corse');
    expect(france.communesNamed('bourg en bresse').map((c) => c.code)).toEqual(['01053']);
    // Homonyms, most populous first.
    expect(france.communesNamed('saint denis').slice(0, 2).map((c) => c.code)).toEqual(['97411', '93066']);
  });

  it('reads the issue\'s sentence, and leaves words of names that are also communes', () => {
    expect(roles('soins de suite gériatrique près de Bourg-en-Bresse, lit femme disponible', {}, france)[0]).toEqual(['près de Bourg-en-Bresse', 'commune', '01053', true]);
    expect(roles('hôpital de jour', {}, france)).toEqual([]);
    expect(roles('hôpital femme mère enfant', {}, france)).toEqual([]);
    expect(roles('ehpad dans l’Isère', {}, france)).toEqual([['dans l’Isère', 'department', '38']]);
  });
});

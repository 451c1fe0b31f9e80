/**
 * Where an establishment is, in the INSEE codes offer search filters on: its department (from the postal code of
 * its address, else from its FINESS number) and its region (the INSEE COG 2024 regions, which are also the TRE_R30
 * RegionOM codes the ROR tags resources with). The region tag of a resource, when it has one, wins over this table
 * (see ./document.ts); the table fills in resources written without it.
 */

/** INSEE COG 2024: region code → its departments. Overseas departments are regions of their own (01 to 06). */
const REGIONS: Readonly<Record<string, readonly string[]>> = {
  '11': ['75', '77', '78', '91', '92', '93', '94', '95'],
  '24': ['18', '28', '36', '37', '41', '45'],
  '27': ['21', '25', '39', '58', '70', '71', '89', '90'],
  '28': ['14', '27', '50', '61', '76'],
  '32': ['02', '59', '60', '62', '80'],
  '44': ['08', '10', '51', '52', '54', '55', '57', '67', '68', '88'],
  '52': ['44', '49', '53', '72', '85'],
  '53': ['22', '29', '35', '56'],
  '75': ['16', '17', '19', '23', '24', '33', '40', '47', '64', '79', '86', '87'],
  '76': ['09', '11', '12', '30', '31', '32', '34', '46', '48', '65', '66', '81', '82'],
  '84': ['01', '03', '07', '15', '26', '38', '42', '43', '63', '69', '73', '74'],
  '93': ['04', '05', '06', '13', '83', '84'],
  '94': ['2A', '2B'],
  '01': ['971'],
  '02': ['972'],
  '03': ['973'],
  '04': ['974'],
  '06': ['976'],
};

const REGION_OF_DEPARTMENT = new Map<string, string>(Object.entries(REGIONS).flatMap(([region, deps]) => deps.map((d) => [d, region] as [string, string])));

/**
 * Collectivities outside the regions (Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, the Pacific ones):
 * TRE_R30 codes them with their own three digits, which is what the region filter then matches.
 */
const OWN_REGION = /^(975|977|978|98\d)$/;

/** A department code as offer search writes them: `01`…`95`, `2A`, `2B`, `971`…`989`. */
export const DEPARTMENT_CODE = /^(0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-8]|98\d)$/;

/** The department of a French postal code (5 digits), or undefined. */
export function departmentOfPostalCode(postalCode: string | undefined): string | undefined {
  const pc = postalCode?.replace(/\s+/g, '');
  if (!pc || !/^\d{5}$/.test(pc)) return undefined;
  if (pc.startsWith('97') || pc.startsWith('98')) return pc.slice(0, 3);
  if (pc.startsWith('20')) return Number(pc.slice(2, 3)) <= 1 ? '2A' : '2B';
  const dep = pc.slice(0, 2);
  return dep === '00' ? undefined : dep;
}

/** Old FINESS overseas prefixes (9A Guadeloupe … 9F Mayotte). */
const FINESS_OVERSEAS: Readonly<Record<string, string>> = { A: '971', B: '972', C: '973', D: '974', E: '975', F: '976' };

/**
 * The department of a FINESS number (9 characters): its first two (`01`, `2A`), or for the overseas ones `970d…` →
 * `97d` and the old `9A`…`9F`.
 */
export function departmentOfFiness(finess: string | undefined): string | undefined {
  if (!finess || !/^[0-9][0-9AB][0-9]{7}$|^9[A-F][0-9]{7}$/.test(finess)) return undefined;
  const overseas = /^970(\d)/.exec(finess);
  if (overseas) return `97${overseas[1]}`;
  if (/^9[A-F]/.test(finess)) return FINESS_OVERSEAS[finess[1]];
  const dep = finess.slice(0, 2);
  return DEPARTMENT_CODE.test(dep) ? dep : undefined;
}

/** The region (INSEE / TRE_R30 code) of a department, or undefined for a code that is not one. */
export function regionOfDepartment(department: string | undefined): string | undefined {
  if (!department) return undefined;
  if (OWN_REGION.test(department)) return department;
  return REGION_OF_DEPARTMENT.get(department);
}

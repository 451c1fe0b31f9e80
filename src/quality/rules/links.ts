/**
 * Links to what the referentials closed: a unit (HealthcareService) attached to an establishment that is closed
 * or deactivated (FINESS: `active=false`, set by the sync when the establishment leaves the file), a
 * PractitionerRole on a FINESS site that no longer exists, a PractitionerRole still attached to units whose
 * practitioner is no longer in RPPS (the sync deactivated the Practitioner).
 */
import type { HealthcareService, Organization, PractitionerRole } from '@medplum/fhirtypes';
import type { Rule } from './types';

const closed = (org: Organization | null | undefined) => org === null || org?.active === false;
const orgName = (org: Organization | null | undefined, ref: string | undefined) => (org ? (org.name ?? `Organization/${org.id}`) : (ref ?? 'introuvable'));

export const UNIT_CLOSED_ESTABLISHMENT: Rule<HealthcareService> = {
  id: 'hs-closed-establishment',
  type: 'HealthcareService',
  theme: '03',
  action: 'SUP',
  check: ({ resource, organization }) => {
    if (resource.active === false || !resource.providedBy || !closed(organization)) return [];
    const what = orgName(organization, resource.providedBy.reference);
    return [
      {
        path: 'HealthcareService.providedBy',
        declared: resource.providedBy.reference ?? resource.providedBy.identifier?.value,
        description: `L'unité « ${resource.name ?? resource.id} » est rattachée à l'établissement ${what}, ${organization === null ? "qui n'existe pas" : 'fermé ou désactivé dans FINESS'} : la désactiver ou la rattacher à un établissement ouvert.`,
      },
    ];
  },
};

export const ROLE_SITE_GONE: Rule<PractitionerRole> = {
  id: 'role-site-gone',
  type: 'PractitionerRole',
  theme: '03',
  action: 'SUP',
  check: ({ resource, organization }) => {
    if (resource.active === false || !resource.organization || !closed(organization)) return [];
    return [
      {
        path: 'PractitionerRole.organization',
        declared: resource.organization.reference ?? resource.organization.identifier?.value,
        description: `La situation d'exercice est rattachée au site ${orgName(organization, resource.organization.reference)}, qui n'existe plus dans FINESS.`,
      },
    ];
  },
};

export const ROLE_PRACTITIONER_GONE: Rule<PractitionerRole> = {
  id: 'role-practitioner-gone',
  type: 'PractitionerRole',
  theme: '03',
  action: 'SUP',
  check: ({ resource, practitioner }) => {
    const units = resource.healthcareService ?? [];
    if (!units.length || !resource.practitioner || !(practitioner === null || practitioner?.active === false)) return [];
    const who = practitioner?.name?.[0] ? [practitioner.name[0].given?.join(' '), practitioner.name[0].family].filter(Boolean).join(' ') : resource.practitioner.reference;
    return [
      {
        path: 'PractitionerRole.healthcareService',
        declared: units.map((u) => u.reference ?? u.identifier?.value).join(' | '),
        description: `Le professionnel ${who ?? ''} n'est plus dans le RPPS mais reste rattaché à ${units.length} unité(s) : retirer ce rattachement.`,
      },
    ];
  },
};

/**
 * What the CapabilityStatement says of security (`rest.security`): OAuth with SMART Backend Services (this server's
 * token endpoint, also in /.well-known/smart-configuration), bearer tokens of the region's identity provider, and
 * the access rules of README "Security", in short.
 */
import type { CapabilityStatementRestSecurity } from '@medplum/fhirtypes';
import { TOKEN_PATH } from './clients';

const SERVICE = 'http://terminology.hl7.org/CodeSystem/restful-security-service';

export function capabilitySecurity(options: { cors: boolean }): (baseUrl: string) => CapabilityStatementRestSecurity {
  return (baseUrl) => ({
    cors: options.cors,
    service: [{ coding: [{ system: SERVICE, code: 'OAuth' }, { system: SERVICE, code: 'SMART-on-FHIR' }] }],
    description:
      'Reads are public as access profile 0 unless the server is configured otherwise; writes need a bearer token ' +
      `(client credentials at ${baseUrl}${TOKEN_PATH}, or the region's identity provider), a verified client certificate, ` +
      'or a session of a person signed in. Establishment editors write the offer of their own FINESS numbers; ' +
      'what a caller sees follows its access profile (confidential contacts, sensitive units, bed availability).',
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [{ url: 'token', valueUri: `${baseUrl}${TOKEN_PATH}` }],
      },
    ],
  });
}

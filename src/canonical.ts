/**
 * Canonical base of what this server defines itself (its extensions, code systems, operations): one namespace for
 * every artifact that ends up in stored data, so it never has to be migrated from one spelling to another.
 */
export const SERVER_CANONICAL_BASE = 'https://ror-fhir-server.example.org/fhir';

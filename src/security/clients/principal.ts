/**
 * The Principal an API client acts as (src/kernel/actor.ts): its role, FINESS numbers and access profile as
 * registered, the scopes its token grants.
 */
import type { AuthMethod, Principal } from '../../kernel/actor';
import type { ApiClient } from '../../store/auth';

export function clientPrincipal(client: ApiClient, scopes: readonly string[], via: AuthMethod, address?: string): Principal {
  return {
    kind: 'client',
    id: client.clientId,
    ...(client.label !== undefined ? { name: client.label } : {}),
    role: client.role,
    finess: [...client.finess],
    accessProfile: client.accessProfile,
    scopes: [...scopes],
    via,
    ...(address !== undefined ? { address } : {}),
  };
}

/**
 * Settings of the built-in token endpoint from the environment: ROR_TOKEN_TTL (lifetime of the access tokens it
 * issues, seconds, default 300) and ROR_TOKEN_ALG (ES256, the default, or RS256: the algorithm of the server's
 * signing keys).
 */
import { integer, type Env } from '../../env';
import { SIGNING_ALGS, type SigningAlg } from './keys';

export interface TokenConfig {
  tokenTtlSeconds: number;
  signingAlg: SigningAlg;
}

export function loadTokenConfig(env: Env = process.env): TokenConfig {
  const alg = env.ROR_TOKEN_ALG?.trim() || 'ES256';
  if (!(SIGNING_ALGS as readonly string[]).includes(alg)) throw new Error(`ROR_TOKEN_ALG must be one of ${SIGNING_ALGS.join(', ')}, got '${alg}'`);
  return { tokenTtlSeconds: integer(env, 'ROR_TOKEN_TTL', 300, 30, 86_400), signingAlg: alg as SigningAlg };
}

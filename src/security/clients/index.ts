/**
 * API clients and the built-in token endpoint: what the composition root wires (see each module).
 */
export { authRouter, allowedScopes, smartConfiguration, TOKEN_PATH, JWKS_PATH, SMART_CONFIGURATION_PATH, type AuthRouterDeps } from './token-endpoint';
export { builtInIssuer, InvalidTokenError, ACCESS_TOKEN_TYPE, type BearerIssuer, type BuiltInIssuerOptions } from './issuer';
export { SigningKeys, SIGNING_ALGS, type SigningAlg, type SigningKeysOptions } from './keys';
export { loadTokenConfig, type TokenConfig } from './config';
export { defaultScopes, grantScopes, normaliseScopes, parseScope, ScopeError } from './scopes';
export { clientPrincipal } from './principal';
export { generateSecret, hashSecret, verifySecret } from './secrets';
export { registerClient, revokeClient, rotateClientSecret, ClientAdminError, type NewClient } from './admin';

/**
 * Sign-in of people through OpenID Connect, as the composition root uses it: read the settings
 * (`oidcConfigFromEnv`, undefined when ROR_OIDC_ISSUER is unset), then mount `await oidcSignIn(config, deps)` at
 * OIDC_MOUNT_PATH. `oidcClientUrls` gives the URLs to register at the provider.
 */
export { oidcConfigFromEnv, type OidcConfig } from './config';
export { ID_TOKEN_COOKIE, LOGIN_COOKIE, OIDC_MOUNT_PATH, oidcClientUrls, oidcSignIn } from './router';

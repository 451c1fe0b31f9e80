/**
 * SAML 2.0 sign-in, as the composition root uses it: `samlConfigFromEnv(env, baseUrl)` (undefined: SAML is off),
 * then `app.use(SAML_MOUNT_PATH, await samlSignIn(config, signInDeps))`, before any middleware that reads bodies.
 */
export { samlConfigFromEnv, type SamlConfig } from './config';
export { samlSignIn, SAML_MOUNT_PATH } from './router';
export { storedAssertions, type AssertionMemory } from './replay';

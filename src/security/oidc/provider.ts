/**
 * The server's view of its OpenID provider (openid-client): the provider's metadata found by discovery, how this
 * client authenticates to its token endpoint, and that ID token signatures are always checked. Discovery runs at start; when the provider cannot be reached
 * then, the server still starts and sign-in retries discovery when someone next tries to sign in (at most every
 * few seconds), so an identity provider that is down does not take the FHIR API down with it.
 */
import { importPKCS8 } from 'jose';
import * as client from 'openid-client';
import type { Logger } from '../../logger';
import type { OidcConfig } from './config';

const RETRY_AFTER_MS = 10_000;

export class ProviderUnavailable extends Error {}

export class OidcProvider {
  private pending?: Promise<client.Configuration>;
  private lastFailure?: { at: number; error: ProviderUnavailable };

  constructor(
    private readonly config: OidcConfig,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The provider's configuration; throws ProviderUnavailable when discovery fails. */
  configuration(): Promise<client.Configuration> {
    if (this.pending) return this.pending;
    if (this.lastFailure && this.now() - this.lastFailure.at < RETRY_AFTER_MS) return Promise.reject(this.lastFailure.error);
    this.pending = this.discover().catch((err: unknown) => {
      const error = new ProviderUnavailable(`the identity provider ${this.config.issuer.href} cannot be reached (${describeError(err)})`);
      this.logger.error({ err, issuer: this.config.issuer.href }, 'OpenID Connect discovery failed');
      this.lastFailure = { at: this.now(), error };
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }

  private async discover(): Promise<client.Configuration> {
    const { config } = this;
    const metadata: Partial<client.ClientMetadata> = {};
    if (config.clientSecret !== undefined) metadata.client_secret = config.clientSecret;
    const configuration = await client.discovery(config.issuer, config.clientId, metadata, await this.clientAuth(), {
      // ID tokens are checked against the provider's published keys even though they come straight from its token
      // endpoint: TLS alone would vouch for them otherwise (and nothing does over plain http).
      execute: config.allowHttp ? [client.enableNonRepudiationChecks, client.allowInsecureRequests] : [client.enableNonRepudiationChecks],
    });
    this.logger.info({ issuer: configuration.serverMetadata().issuer }, 'OpenID Connect provider discovered');
    return configuration;
  }

  private async clientAuth(): Promise<client.ClientAuth> {
    const { config } = this;
    switch (config.clientAuth) {
      case 'client_secret_basic':
        return client.ClientSecretBasic(config.clientSecret);
      case 'client_secret_post':
        return client.ClientSecretPost(config.clientSecret);
      case 'private_key_jwt': {
        const { pem, alg, kid } = config.privateKey!;
        return client.PrivateKeyJwt({ key: await importPKCS8(pem, alg), kid });
      }
    }
  }
}

/** An openid-client error in words for a log or the audit trail: its message and, when it has one, its cause's. */
export function describeError(err: unknown): string {
  if (err instanceof client.ResponseBodyError) {
    return `the provider answered ${err.status} ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`;
  }
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && cause !== err.message ? `${err.message}: ${cause}` : err.message;
}

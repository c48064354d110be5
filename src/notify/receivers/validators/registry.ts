import type { Clock } from '../../../runtime/clock.ts';
import { ReceiverTypes, type ReceiverType, type ReceiverValidator } from '../types.ts';
import { createAcrValidator } from './acr.ts';
import { createBitbucketValidator } from './bitbucket.ts';
import { createDockerHubValidator } from './dockerhub.ts';
import { createGcrValidator, type JwksSource } from './gcr.ts';
import { createGenericHmacValidator } from './generic-hmac.ts';
import { createGenericValidator } from './generic.ts';
import { createGitHubValidator } from './github.ts';
import { createGitLabValidator } from './gitlab.ts';
import { createHarborValidator } from './harbor.ts';
import { createNexusValidator } from './nexus.ts';
import { createQuayValidator } from './quay.ts';

/** Dependencies a validator factory may use. */
export interface ValidatorOptions {
  /** Google's signing keys for `gcr` (see `createGoogleJwksSource`); without them gcr calls are refused. */
  gcrJwks?: JwksSource;
  /** Issuers gcr tokens may have, default Google's. */
  gcrIssuers?: readonly string[];
  clock?: Clock;
}

/** Receiver type → validator factory; the one place a new type is registered. */
export const validatorFactories: Readonly<Record<ReceiverType, (opts: ValidatorOptions) => ReceiverValidator>> = {
  [ReceiverTypes.generic]: () => createGenericValidator(),
  [ReceiverTypes.genericHmac]: () => createGenericHmacValidator(),
  [ReceiverTypes.github]: () => createGitHubValidator(),
  [ReceiverTypes.gitlab]: () => createGitLabValidator(),
  [ReceiverTypes.bitbucket]: () => createBitbucketValidator(),
  [ReceiverTypes.harbor]: () => createHarborValidator(),
  [ReceiverTypes.dockerhub]: () => createDockerHubValidator(),
  [ReceiverTypes.quay]: () => createQuayValidator(),
  [ReceiverTypes.gcr]: (o) =>
    createGcrValidator({
      ...(o.gcrJwks ? { jwks: o.gcrJwks } : {}),
      ...(o.gcrIssuers ? { issuers: o.gcrIssuers } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
    }),
  [ReceiverTypes.nexus]: () => createNexusValidator(),
  [ReceiverTypes.acr]: () => createAcrValidator(),
};

/** Builds one validator per registered type; a type missing from the map (`generic-oidc`, `cdevents`) is unsupported. */
export function createValidatorRegistry(opts: ValidatorOptions = {}): ReadonlyMap<string, ReceiverValidator> {
  return new Map(Object.entries(validatorFactories).map(([type, factory]) => [type, factory(opts)]));
}

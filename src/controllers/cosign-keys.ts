// The one reading of a `spec.verify` that asks for cosign with public keys, shared by the OCIRepository and
// HelmChart reconcilers: keyless verification is refused by name, the keys come from every `*.pub` entry of
// the `secretRef` Secret (as source-controller reads them). What a failure means is each caller's own.
import { Reasons } from '../api/constants.ts';
import type { KubeClient } from '../kube/client.ts';
import { ReconcileFailure } from '../runtime/reconcile/failure.ts';
import { trustedKeysFromSecret, type TrustedKey } from '../sources/oci/cosign-verify.ts';
import { messageOf, readSecretData } from './shared.ts';

/** The shape both kinds' `spec.verify` share (OCIRepositoryVerification, HelmChartVerification). */
export interface CosignVerifySpec {
  provider?: string;
  secretRef?: { name: string };
}

/** The Ready message of a keyless cosign verify (no secretRef): NotSupported, as its own matchers are. */
export const KeylessNotSupportedMessage =
  'spec.verify without spec.verify.secretRef (keyless cosign verification against Fulcio and Rekor) is not supported by Driftless: sign with a key pair and put the public key (<name>.pub) in a Secret named by spec.verify.secretRef';

/**
 * The name of the Secret holding the trusted keys. Throws a stalled NotSupported ReconcileFailure when the
 * verify is not cosign with a key (the field table refuses notation and the keyless matchers by name; a
 * cosign verify without a secretRef is keyless too).
 */
export function cosignKeySecretName(spec: CosignVerifySpec): string {
  if ((spec.provider ?? 'cosign') !== 'cosign' || !spec.secretRef?.name) {
    throw new ReconcileFailure(Reasons.NotSupported, KeylessNotSupportedMessage, { stalled: true });
  }
  return spec.secretRef.name;
}

/** The keys Secret is missing or holds a `.pub` entry that is not a public key; the message names which. */
export class CosignKeysError extends Error {
  override readonly name = 'CosignKeysError';
}

/**
 * The trusted keys of the Secret `namespace/name`: every entry whose name ends in `.pub`, possibly none (the
 * caller decides what an empty set means). Throws CosignKeysError with `secrets "<name>" not found`, or with
 * the entry's name when one does not parse; never with a key's content.
 */
export async function readCosignKeys(client: KubeClient, namespace: string, name: string): Promise<TrustedKey[]> {
  const data = await readSecretData(client, namespace, name);
  if (!data) throw new CosignKeysError(`secrets "${name}" not found`);
  try {
    return trustedKeysFromSecret(data);
  } catch (err) {
    throw new CosignKeysError(`secret '${namespace}/${name}': ${messageOf(err)}`, { cause: err });
  }
}

// Flux's "source manager" for an ImageUpdateAutomation: which GitRepository, with which credentials, which
// ref to check out and which branch to push to; and the commit signer of spec.git.commit.signingKey.
// Each failure is a ReconcileFailure with Flux's reason and a message naming the field or Secret.
import { gitRepositoryTimeoutMs, type GitRepository } from '../../api/git-repository.ts';
import { AutomationReasons, type ImageUpdateAutomation } from '../../api/image-update-automation.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { preparePgpSigner, prepareSshSigner, type PreparedSigner } from '../../sources/git/commit-signing.ts';
import { gitAuthFromSecret, gitProxyFromSecret, type GitAuth, type GitProxy } from '../../sources/git/git-auth.ts';
import type { GitSessionOptions } from '../../sources/git/git-session.ts';
import { messageOf, readSecretData } from '../shared.ts';

/** Where the automation reads and writes. */
export interface AutomationSource {
  url: string;
  auth?: GitAuth;
  proxy?: GitProxy;
  timeoutMs: number;
  ref: NonNullable<GitRepository['spec']['ref']>;
  pushBranch: string;
  /** The push branch differs from the checkout branch. */
  switchBranch: boolean;
}

const sourceManagerFailed = (msg: string) =>
  new ReconcileFailure(AutomationReasons.SourceManagerFailed, `failed configuring source manager: ${msg}`);

/** The GitRepository of `spec.sourceRef` (from the cache), its credentials, the checkout ref and the push branch. */
export async function readAutomationSource(
  o: { client: KubeClient; sources: Informer; noCrossNamespaceRefs?: boolean | undefined },
  obj: ImageUpdateAutomation,
): Promise<AutomationSource> {
  const ns = obj.metadata.namespace ?? '';
  const git = obj.spec.git;
  const invalid = (msg: string) =>
    new ReconcileFailure(AutomationReasons.InvalidSourceConfiguration, `${msg}: invalid source configuration`, {
      stalled: true,
    });
  const kind = obj.spec.sourceRef.kind || 'GitRepository';
  if (kind !== 'GitRepository') throw invalid(`source kind '${kind}' not supported`);
  if (!git) throw invalid(`source kind 'GitRepository' necessitates field .spec.git`);
  const srcNs = obj.spec.sourceRef.namespace || ns;
  const key = `${srcNs}/${obj.spec.sourceRef.name}`;
  if (o.noCrossNamespaceRefs && srcNs !== ns)
    throw new ReconcileFailure(
      AutomationReasons.AccessDenied,
      `can't access 'GitRepository/${key}', cross-namespace references have been blocked`,
      { stalled: true },
    );
  const repo = o.sources.get(key) as GitRepository | undefined;
  if (!repo)
    throw sourceManagerFailed(
      `referenced git repository does not exist: gitrepositories.source.toolkit.fluxcd.io "${obj.spec.sourceRef.name}" not found`,
    );
  const ref = git.checkout?.ref ?? repo.spec.ref ?? { branch: 'master' };
  const pushBranch = git.push?.branch || ref.branch;
  if (!pushBranch)
    throw sourceManagerFailed(
      'push spec not provided, and cannot be inferred from .spec.git.checkout.ref or GitRepository .spec.ref',
    );
  const src: AutomationSource = {
    url: repo.spec.url,
    timeoutMs: gitRepositoryTimeoutMs(repo.spec),
    ref,
    pushBranch,
    switchBranch: pushBranch !== ref.branch,
  };
  if (repo.spec.secretRef) {
    const data = await readSecretData(o.client, srcNs, repo.spec.secretRef.name);
    if (!data)
      throw sourceManagerFailed(`failed to get auth secret '${srcNs}/${repo.spec.secretRef.name}': secret not found`);
    src.auth = gitAuthFromSecret(data);
  }
  if (repo.spec.proxySecretRef) {
    const name = `${srcNs}/${repo.spec.proxySecretRef.name}`;
    const data = await readSecretData(o.client, srcNs, repo.spec.proxySecretRef.name);
    if (!data) throw sourceManagerFailed(`failed to get proxy secret '${name}': secret not found`);
    try {
      src.proxy = gitProxyFromSecret(data, name);
    } catch (err) {
      throw sourceManagerFailed(messageOf(err));
    }
  }
  return src;
}

/** The options of a Git session against the source. */
export function sessionOptions(src: AutomationSource, signal: AbortSignal): GitSessionOptions {
  return {
    url: src.url,
    timeoutMs: src.timeoutMs,
    signal,
    ...(src.auth ? { auth: src.auth } : {}),
    ...(src.proxy ? { proxy: src.proxy } : {}),
  };
}

/**
 * Flux's resolveSigner: the key of spec.git.commit.signingKey, a Secret of the automation's namespace:
 * type gpg (default) reads `git.asc` and `passphrase`, type ssh reads `identity` and `password`.
 * Undefined when the automation does not sign.
 */
export async function prepareSigner(
  client: KubeClient,
  obj: ImageUpdateAutomation,
  signal: AbortSignal,
): Promise<PreparedSigner | undefined> {
  const key = obj.spec.git?.commit.signingKey;
  if (!key) return undefined;
  const ns = obj.metadata.namespace ?? '';
  const name = key.secretRef.name;
  const data = await readSecretData(client, ns, name);
  if (!data) throw sourceManagerFailed(`could not find signing key secret '${ns}/${name}'`);
  const ssh = key.type === 'ssh';
  const needed = ssh ? 'identity' : 'git.asc';
  const material = data[needed];
  if (!material)
    throw sourceManagerFailed(
      `signing key secret '${ns}/${name}' does not contain ${ssh ? 'an' : 'a'} '${needed}' key (signingKey type ${ssh ? 'ssh' : 'gpg'})`,
    );
  try {
    return ssh
      ? await prepareSshSigner({ identity: material, password: data['password'] }, signal)
      : await preparePgpSigner({ armoredKey: material, passphrase: data['passphrase'] }, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    throw sourceManagerFailed(`signing key secret '${ns}/${name}': ${messageOf(err)}`);
  }
}

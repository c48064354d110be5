// Pull-request mode (beyond Flux, opt-in): the annotation `driftless.dev/pull-request-provider` names a
// Provider (github, gitlab or gitea) of the automation's namespace. The update is pushed to its own branch
// and one pull/merge request from that branch to the checkout branch is opened or kept up to date through
// the forge's API, listing the changed images; merging it is what brings the change into the GitOps loop.
// A newer image updates the same request (force-pushed branch, new description); when the base already
// has every proposed image (merged elsewhere, changed by hand) the request is stale and is closed.
import { Groups } from '../../api/constants.ts';
import type { ImageUpdateAutomation } from '../../api/image-update-automation.ts';
import { NotificationVersions, type ProviderObject } from '../../api/notification.ts';
import type { KubeClient } from '../../kube/client.ts';
import { PullRequestProviderTypes } from '../../notify/providers/pull-request.ts';
import type { ProviderConfig } from '../../notify/providers/types.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import type { UpdateResult } from '../../sources/image/update-files.ts';
import { ProviderConfigError, providerConfig } from '../provider-config.ts';
import { messageOf } from '../shared.ts';

/** The annotation that turns pull-request mode on, naming a Provider of the automation's namespace. */
export const PullRequestProviderAnnotation = 'driftless.dev/pull-request-provider';
/** Ready reason when the Provider cannot be used or the forge refused the request. */
export const PullRequestFailed = 'PullRequestFailed';

/** The Provider's configuration for pull-request mode; undefined when the annotation is absent. */
export async function pullRequestProvider(
  client: KubeClient,
  obj: ImageUpdateAutomation,
): Promise<ProviderConfig | undefined> {
  const name = obj.metadata.annotations?.[PullRequestProviderAnnotation];
  if (name === undefined) return undefined;
  const ns = obj.metadata.namespace ?? '';
  const fail = (msg: string, stalled = false) =>
    new ReconcileFailure(PullRequestFailed, `pull-request mode (annotation ${PullRequestProviderAnnotation}): ${msg}`, {
      stalled,
    });
  if (name === '') throw fail('the annotation names no Provider', true);
  const provider = await client.get<ProviderObject>({
    apiVersion: `${Groups.notification}/${NotificationVersions.providerAlert}`,
    kind: 'Provider',
    namespace: ns,
    name,
  });
  if (!provider) throw fail(`Provider '${ns}/${name}' not found`);
  if (!(PullRequestProviderTypes as readonly string[]).includes(provider.spec.type))
    throw fail(
      `Provider '${ns}/${name}' is of type '${provider.spec.type}'; pull requests need one of type ${PullRequestProviderTypes.join(', ')}`,
      true,
    );
  try {
    return await providerConfig(client, provider);
  } catch (err) {
    if (err instanceof ProviderConfigError) throw fail(err.message);
    throw err;
  }
}

/**
 * The branch the update goes to: `spec.git.push.branch` when it differs from the checkout branch, else
 * `image-updates/<automation name>` (pull-request mode never pushes to the branch it checks out).
 */
export function pullRequestBranch(obj: ImageUpdateAutomation, checkoutBranch: string): string {
  const push = obj.spec.git?.push?.branch;
  return push && push !== checkoutBranch ? push : `image-updates/${obj.metadata.name}`;
}

const cell = (s: string) => `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;

/** The request's title (the commit message's first line) and description (the changed images, as a table). */
export function pullRequestText(
  obj: ImageUpdateAutomation,
  update: UpdateResult,
  commitMessage: string,
): { title: string; body: string } {
  const firstLine = commitMessage.split('\n', 1)[0]?.trim() ?? '';
  const title = (firstLine || 'Update images').slice(0, 250);
  const rows: string[] = [];
  for (const [file, objects] of [...update.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    for (const o of objects)
      for (const c of o.changes)
        rows.push(`| ${cell(file)} | ${cell(c.Setter)} | ${cell(c.OldValue)} | ${cell(c.NewValue)} |`);
  const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  const body = [
    `ImageUpdateAutomation \`${key}\` found newer images:`,
    '',
    '| File | Policy | From | To |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    'Merge this request to have them applied. While it is open, Driftless keeps its branch and this description up to date.',
  ].join('\n');
  return { title, body };
}

/** The description a stale request is closed with: the base already holds every image it proposed. */
export function staleRequestText(obj: ImageUpdateAutomation, base: string): string {
  const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  return `ImageUpdateAutomation \`${key}\` closed this request: \`${base}\` already has the images it proposed (merged elsewhere or changed by hand). A newer image opens a new request.`;
}

/** The failure when the forge refused to open, update or close the request. */
export function pullRequestFailure(branch: string, err: unknown): ReconcileFailure {
  return new ReconcileFailure(
    PullRequestFailed,
    `could not open, update or close the pull request of branch '${branch}': ${messageOf(err)}`,
    { cause: err },
  );
}

// Shared pieces of the image automation end-to-end tests: tags pushed into a test registry, reconcile
// requests, the events of an object, and the Ready condition.
import { Groups } from '../../src/api/constants.ts';
import type { KubeObject, ObjectRef } from '../../src/kube/types.ts';
import type { RegistryCredentials } from '../../src/sources/oci/auth.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { pushArtifact } from '../../src/sources/oci/push.ts';
import type { TestEnv } from './env.ts';
import type { TestRegistry } from './oci-registry.ts';

/** `image.toolkit.fluxcd.io/v1`. */
export const imageApiVersion = `${Groups.image}/v1`;

export type Cond = { type: string; status: string; reason: string; message: string };
export type Obj = KubeObject & { status?: Record<string, unknown> & { conditions?: Cond[] } };
export const readyOf = (o: Obj | undefined): Cond | undefined => o?.status?.conditions?.find((c) => c.type === 'Ready');

/** Pushes a tiny artifact under each of `tags` into `repository` of the registry. */
export async function pushTags(
  registry: TestRegistry,
  repository: string,
  tags: string[],
  opts: { credentials?: RegistryCredentials; insecure?: boolean } = {},
): Promise<void> {
  const client = new RegistryClient({
    registry: registry.host,
    repository,
    insecure: opts.insecure ?? false,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  });
  for (const tag of tags) await pushArtifact({ client, tag, layer: Buffer.from(`layer of ${tag}`), meta: {} });
}

/** Sets `reconcile.fluxcd.io/requestedAt` to a new token and returns it. */
export async function requestReconcile(env: TestEnv, r: ObjectRef): Promise<string> {
  const token = `${Date.now()}-${Math.random()}`;
  await env.client.patch(r, { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
  return token;
}

/** A Kubernetes Event as the tests read it. */
export interface TestEvent {
  reason?: string;
  type?: string;
  message?: string;
  involvedObject?: { name?: string; kind?: string };
}

/** The Events of `kind/name` in `namespace`. */
export async function eventsOf(env: TestEnv, namespace: string, kind: string, name: string): Promise<TestEvent[]> {
  const list = await env.client.list('v1', 'Event', { namespace });
  return (list.items as TestEvent[]).filter((e) => e.involvedObject?.kind === kind && e.involvedObject.name === name);
}

// Helpers shared by the cli tests: a Kustomization to build, a client for a cluster that is not there,
// and a temp dir removed afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Kustomization } from '../api/kustomization.ts';
import { KubeClient } from '../kube/client.ts';

/** A client for an address where nothing listens: any API call fails fast, as with an unreachable cluster. */
export function unreachableClient(): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'http://127.0.0.1:9', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new KubeClient({ kubeConfig: kc });
}

/** Kustomization apps/app from GitRepository repo, with `spec` merged over the required fields. */
export const testKustomization = (spec: Partial<Kustomization['spec']> = {}): Kustomization => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'app', namespace: 'apps' },
  spec: { interval: '1m', prune: true, sourceRef: { kind: 'GitRepository', name: 'repo' }, ...spec },
});

/** Runs `body` with a fresh temp dir and removes the dir afterwards, whatever happens. */
export async function withTmp(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-cli-build-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane } from '../../src/devenv/control-plane.ts';

/** A control plane for one test file: its admin kubeconfig and how to let go of it. */
export type TestControlPlane = { kubeconfigPath: string; stop(): Promise<void> };

/**
 * Gives a test a Kubernetes API server. When `DRIFTLESS_TEST_KUBECONFIG` is set, that cluster is reused
 * and `stop` does nothing (start one with `driftless controlplane start` to share it across runs);
 * otherwise a fresh control plane starts in a temp dir and `stop` kills it and removes the dir.
 * Set `DRIFTLESS_TEST_BIN_DIR` to use binaries outside ~/.cache/driftless/bin. `independent: true` always
 * starts a fresh one (its own dir, etcd and ports), e.g. the second cluster of a two-cluster test.
 */
export async function testControlPlane(opts: { independent?: boolean } = {}): Promise<TestControlPlane> {
  const shared = process.env['DRIFTLESS_TEST_KUBECONFIG'];
  if (shared && !opts.independent) return { kubeconfigPath: shared, stop: async () => {} };

  const dir = await mkdtemp(join(tmpdir(), 'driftless-test-cp-'));
  const binDir = process.env['DRIFTLESS_TEST_BIN_DIR'];
  try {
    const cp = await startControlPlane({ dir, ...(binDir ? { binDir } : {}) });
    return {
      kubeconfigPath: cp.kubeconfigPath,
      stop: async () => {
        await cp.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

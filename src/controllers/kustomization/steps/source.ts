import { Reasons } from '../../../api/constants.ts';
import type { Kustomization } from '../../../api/kustomization.ts';
import type { Artifact } from '../../../api/meta.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';

/** Where a Kustomization's source lives, as `Kind/namespace/name`. */
export function sourceKey(ks: Kustomization): { kind: string; namespace: string; name: string } {
  return {
    kind: ks.spec.sourceRef.kind,
    namespace: ks.spec.sourceRef.namespace ?? ks.metadata.namespace ?? '',
    name: ks.spec.sourceRef.name,
  };
}

/**
 * Finds the source's current artifact. A missing source or artifact is not terminal: Flux retries
 * (after `retryInterval`, or `--requeue-dependency` while the source has no artifact yet).
 */
export function resolveSource(opts: {
  ks: Kustomization;
  sources: Map<string, Informer>;
  noCrossNamespaceRefs: boolean;
  requeueDependencyMs: number;
  retryIntervalMs: number;
}): { artifact: Artifact; sourceName: string } {
  const ref = sourceKey(opts.ks);
  const display = `${ref.kind}/${ref.namespace}/${ref.name}`;
  if (opts.noCrossNamespaceRefs && ref.namespace !== opts.ks.metadata.namespace) {
    throw new ReconcileFailure(
      Reasons.AccessDenied,
      `can't access '${display}', cross-namespace references have been blocked (spec.sourceRef.namespace must be '${opts.ks.metadata.namespace}')`,
      { stalled: true },
    );
  }
  const informer = opts.sources.get(ref.kind);
  if (!informer) {
    throw new ReconcileFailure(
      Reasons.ArtifactFailed,
      `source kind '${ref.kind}' in spec.sourceRef is not supported by this Driftless version (supported: ${[...opts.sources.keys()].join(', ')})`,
      { stalled: true },
    );
  }
  const source = informer.get(`${ref.namespace}/${ref.name}`) as
    | { apiVersion: string; metadata: { generation?: number }; status?: { artifact?: Artifact; conditions?: [] } }
    | undefined;
  if (!source) {
    throw new ReconcileFailure(Reasons.ArtifactFailed, `Source '${display}' not found`, {
      requeueAfterMs: opts.retryIntervalMs,
      event: 'none',
    });
  }
  const artifact = source.status?.artifact;
  if (!artifact) {
    throw new ReconcileFailure(Reasons.ArtifactFailed, `Source '${display}' is not ready, artifact not found`, {
      requeueAfterMs: opts.requeueDependencyMs,
      event: 'none',
    });
  }
  return { artifact, sourceName: display };
}

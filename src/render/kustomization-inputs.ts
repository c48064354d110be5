// What a Kustomization's spec feeds into a build: the overlay fields and the post-build variables.
// Shared by the manager and `driftless build|diff`, so both build exactly the same thing.
// The input is a plain shape of the fields read here, so render does not depend on the Flux kind;
// a Kustomization object satisfies it as is.
import { BuildError } from './errors.ts';
import type { KustomizeSpec } from './kustomize-build.ts';

/** A ConfigMap or Secret whose data feeds post-build substitution; a missing one is skipped when `optional`. */
export interface SubstituteSource {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  optional?: boolean;
}

/** Post-build substitution settings: inline `substitute` wins over `substituteFrom` (applied in order). */
export interface PostBuildInput {
  substitute?: Record<string, string>;
  substituteFrom?: SubstituteSource[];
  substituteStrategy?: 'WithVariables' | 'Always';
}

/** The parts of a Kustomization-like object a build reads: its namespace, the overlay fields and `postBuild`. */
export interface KustomizationInput {
  metadata: { namespace?: string };
  spec: KustomizeSpec & { postBuild?: PostBuildInput };
}

/** The spec fields that shape the kustomize build (targetNamespace, prefixes, patches, images, components, commonMetadata, buildMetadata). */
export function kustomizeSpecOf(ks: Pick<KustomizationInput, 'spec'>): KustomizeSpec {
  const spec = ks.spec;
  return {
    ...(spec.targetNamespace ? { targetNamespace: spec.targetNamespace } : {}),
    ...(spec.namePrefix ? { namePrefix: spec.namePrefix } : {}),
    ...(spec.nameSuffix ? { nameSuffix: spec.nameSuffix } : {}),
    ...(spec.patches ? { patches: spec.patches } : {}),
    ...(spec.images ? { images: spec.images } : {}),
    ...(spec.components ? { components: spec.components } : {}),
    ...(spec.ignoreMissingComponents ? { ignoreMissingComponents: true } : {}),
    ...(spec.commonMetadata ? { commonMetadata: spec.commonMetadata } : {}),
    ...(spec.buildMetadata?.length ? { buildMetadata: spec.buildMetadata } : {}),
  };
}

/** Reads a ConfigMap's data, or a Secret's data decoded; `undefined` when it does not exist. */
export type ConfigDataReader = (
  kind: 'ConfigMap' | 'Secret',
  namespace: string,
  name: string,
) => Promise<Record<string, string> | undefined>;

/**
 * The post-build variables: each `substituteFrom` ConfigMap/Secret in order, then inline
 * `substitute` (highest precedence). `undefined` when there is nothing to substitute (Flux's
 * `WithVariables` strategy). A missing, non-optional reference is a BuildError naming it and the fix.
 */
export async function postBuildVariables(
  ks: KustomizationInput,
  read: ConfigDataReader,
): Promise<Record<string, string> | undefined> {
  const postBuild = ks.spec.postBuild;
  if (!postBuild) return undefined;
  const vars: Record<string, string> = {};
  const ns = ks.metadata.namespace ?? '';
  for (const ref of postBuild.substituteFrom ?? []) {
    const data = await read(ref.kind, ns, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new BuildError({
        message: `postBuild.substituteFrom: ${ref.kind} '${ns}/${ref.name}' not found; create it or mark the reference optional: true`,
      });
    }
    Object.assign(vars, data);
  }
  Object.assign(vars, postBuild.substitute ?? {});
  if (Object.keys(vars).length === 0 && postBuild.substituteStrategy !== 'Always') return undefined;
  return vars;
}

// Read-only accessors over any Flux object, whatever its kind: the fields the report and metrics use.
import type { KubeObject } from '../../../kube/types.ts';

/** The fields of a Flux object (any kind) that reporting reads; everything is optional. */
export type FluxLike = KubeObject & {
  spec?: { suspend?: boolean; [key: string]: unknown };
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    artifact?: { revision?: string; size?: number };
    lastAttemptedRevision?: string;
    [key: string]: unknown;
  };
};

/** The object's Ready condition, if any. */
export function readyCondition(obj: KubeObject): { status: string; reason?: string; message?: string } | undefined {
  return (obj as FluxLike).status?.conditions?.find((c) => c.type === 'Ready');
}

/** A string at a dotted path under the object (`spec.ref.branch`), or undefined when absent or not a string. */
export function stringAt(obj: KubeObject, path: string): string | undefined {
  let node: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' ? node : undefined;
}

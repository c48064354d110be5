// Generates apiextensions.k8s.io/v1 CRDs from the kinds' TypeBox schemas, so types and CRDs never drift.
import type { TSchema } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { Annotations, AnnotationValues } from './constants.ts';
import { ArtifactGeneratorCrd } from './artifact-generator.ts';
import { BucketCrd } from './bucket.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { FluxInstanceCrd } from './flux-instance.ts';
import { ExternalArtifactCrd } from './external-artifact.ts';
import { GitRepositoryCrd } from './git-repository.ts';
import { OCIRepositoryCrd } from './oci-repository.ts';
import { HelmChartCrd } from './helm-chart.ts';
import { HelmRepositoryCrd } from './helm-repository.ts';
import { HelmReleaseCrd } from './helm-release.ts';
import { FluxReportCrd } from './flux-report.ts';
import { ImagePolicyCrd } from './image-policy.ts';
import { ImageRepositoryCrd } from './image-repository.ts';
import { ImageUpdateAutomationCrd } from './image-update-automation.ts';
import { KustomizationCrd } from './kustomization.ts';
import { AlertCrd, ProviderCrd, ReceiverCrd } from './notification.ts';
import type { FluxObject } from './meta.ts';

export type { CrdDefinition, PrinterColumn } from './crd-definition.ts';

/** The kinds whose CRDs Driftless serves, in output order; add Helm, notification or report kinds here. */
export const CrdDefinitions: readonly CrdDefinition[] = [
  GitRepositoryCrd,
  OCIRepositoryCrd,
  BucketCrd,
  HelmRepositoryCrd,
  HelmChartCrd,
  ExternalArtifactCrd,
  ArtifactGeneratorCrd,
  KustomizationCrd,
  HelmReleaseCrd,
  ImageRepositoryCrd,
  ImagePolicyCrd,
  ImageUpdateAutomationCrd,
  ProviderCrd,
  AlertCrd,
  ReceiverCrd,
  FluxReportCrd,
  FluxInstanceCrd,
];

/** Label on every Driftless CRD (value `flux`), as on Flux's, so reporters can list the Flux kinds. */
export const CrdPartOfLabel = 'app.kubernetes.io/part-of';

/** A CustomResourceDefinition manifest (loosely typed: `spec` is plain JSON). */
export type CustomResourceDefinition = FluxObject<Record<string, unknown>, never>;

/** A JSON Schema node as plain data. */
type SchemaNode = { [key: string]: unknown };

/** The schema of a CRD version is not structural; the message names the JSON path of the bad node. */
export class NonStructuralSchemaError extends Error {
  override readonly name: string = 'NonStructuralSchemaError';
  /** Generation-time failure; never a condition, but kept for uniform error handling. */
  readonly reason: string = 'InvalidSchema';
  constructor(path: string, detail: string) {
    super(`CRD schema node ${path} is not structural: ${detail}`);
  }
}

// Keys TypeBox and JSON Schema allow but the apiextensions OpenAPI subset does not, or that we never emit.
const droppedKeys = new Set(['$id', '$schema', 'examples', 'title']);

/**
 * Converts a TypeBox schema to a Kubernetes structural schema: literal unions become `enum`,
 * records become `additionalProperties`, unknown values become `x-kubernetes-preserve-unknown-fields`,
 * TypeBox's symbol keys and `additionalProperties: false` are dropped. Throws NonStructuralSchemaError
 * for any node left without a `type`.
 */
export function toStructuralSchema(schema: TSchema, path = '.'): SchemaNode {
  const src = schema as unknown as SchemaNode;
  const literalUnion = asLiteralUnion(src);
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(src)) {
    if (droppedKeys.has(key) || key === 'anyOf' || key === 'const') continue;
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'properties') {
      const props: SchemaNode = {};
      for (const [name, child] of Object.entries(value as Record<string, TSchema>)) {
        props[name] = toStructuralSchema(child, `${path}${path.endsWith('.') ? '' : '.'}${name}`);
      }
      out.properties = props;
    } else if (key === 'patternProperties') {
      const [valueSchema] = Object.values(value as Record<string, TSchema>);
      if (valueSchema) out.additionalProperties = toStructuralSchema(valueSchema, `${path}[*]`);
    } else if (key === 'items') {
      out.items = toStructuralSchema(value as TSchema, `${path}[]`);
    } else if (key === 'additionalProperties' && typeof value === 'object' && value !== null) {
      out.additionalProperties = toStructuralSchema(value as TSchema, `${path}[*]`);
    } else {
      out[key] = value;
    }
  }
  if (literalUnion) {
    out.type = literalUnion.type;
    out.enum = literalUnion.values;
  } else if ('const' in src) {
    out.type = typeof src.const;
    out.enum = [src.const];
  } else if ('anyOf' in src) {
    throw new NonStructuralSchemaError(path, 'unions other than string literals cannot be expressed');
  }
  if (out.type === undefined && out['x-kubernetes-int-or-string'] !== true) {
    // An unconstrained TypeBox node (Type.Unknown / Type.Any) is raw JSON.
    if (Object.keys(out).every((k) => k === 'description')) out['x-kubernetes-preserve-unknown-fields'] = true;
    else throw new NonStructuralSchemaError(path, 'every node needs a type');
  }
  return out;
}

// Union of `const` literals of one primitive type, as StringEnum builds it.
function asLiteralUnion(node: SchemaNode): { type: string; values: unknown[] } | undefined {
  const anyOf = node.anyOf;
  if (!Array.isArray(anyOf) || anyOf.length === 0) return undefined;
  const values = anyOf.map((n: SchemaNode) => n.const);
  const types = new Set(values.map((v) => typeof v));
  if (values.some((v) => v === undefined) || types.size !== 1) return undefined;
  return { type: [...types][0] as string, values };
}

/** Builds the CustomResourceDefinition for one kind: one served storage version, status subresource, Flux's annotation. */
export function crdFor(def: CrdDefinition): CustomResourceDefinition {
  const properties: SchemaNode = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: toStructuralSchema(def.specSchema, '.spec'),
  };
  if (def.statusSchema) properties.status = toStructuralSchema(def.statusSchema, '.status');
  const version: SchemaNode = {
    name: def.version,
    served: true,
    storage: true,
    additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })),
    schema: {
      openAPIV3Schema: sortKeys({
        description: def.description,
        type: 'object',
        properties,
        ...(def.validations?.length ? { 'x-kubernetes-validations': def.validations.map((v) => ({ ...v })) } : {}),
      }),
    },
  };
  if (def.statusSchema) version.subresources = { status: {} };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.plural}.${def.group}`,
      // The Flux convention: reporters list the served Flux kinds by this label.
      labels: { [CrdPartOfLabel]: 'flux' },
      // Stops Driftless's own post-build substitution from rewriting `${...}` inside the CRD text.
      annotations: { [Annotations.kustomizeSubstitute]: AnnotationValues.disabled },
    },
    spec: {
      group: def.group,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: [...def.shortNames],
        categories: [...def.categories],
      },
      scope: def.scope ?? 'Namespaced',
      versions: [version],
    },
  };
}

/** The CRDs of every kind in `definitions` (default: all Driftless kinds). */
export function allCrds(definitions: readonly CrdDefinition[] = CrdDefinitions): CustomResourceDefinition[] {
  return definitions.map(crdFor);
}

/** The multi-document YAML written to `deploy/crds/crds.yaml`; deterministic for the same definitions. */
export function renderCrdsYaml(definitions: readonly CrdDefinition[] = CrdDefinitions): string {
  const header = '# Generated by renderCrdsYaml() in src/api/crd.ts. Do not edit; regenerate instead.\n';
  const docs = allCrds(definitions).map((crd) => `---\n${stringify(crd, { lineWidth: 0 })}`);
  return header + docs.join('');
}

// Sorted keys make the output stable and diffs small, like controller-gen's.
function sortKeys(value: unknown): SchemaNode {
  return sortDeep(value) as SchemaNode;
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (typeof value !== 'object' || value === null) return value;
  const out: SchemaNode = {};
  for (const key of Object.keys(value).sort()) out[key] = sortDeep((value as SchemaNode)[key]);
  return out;
}

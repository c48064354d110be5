// Every YAML example in Flux's documentation for the kinds Driftless serves (test/fixtures/flux-docs/, one file per
// kind) is applied server-side at once, against the real API server with the engine running. Each must pass
// admission without losing a field, then be seen by its reconciler: reconciled (Ready may be False for
// missing peers) or Stalled NotSupported naming each refused field it uses. Nothing is silently ignored.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import YAML from 'yaml';
import { NotSupportedPhrase, refusedFields } from '../../src/api/field-support.ts';
import { isRecord } from '../../src/util/is-record.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { startTestEnv, type TestEnv } from '../support/env.ts';

const ns = 'flux-docs';
const dir = new URL('../fixtures/flux-docs/', import.meta.url);

interface Example {
  /** `<kind>.yaml#<n>` and the doc page, for messages. */
  id: string;
  page: string;
  obj: KubeObject;
}

// Each example gets a unique name in one namespace, so that all of them can be applied at once.
const examples: Example[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) =>
    YAML.parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((doc, i): Example => {
      // A status block in an example shows what the controller writes; it is no input.
      const { status: _status, ...obj } = doc.toJS() as KubeObject;
      const comment = `${doc.commentBefore ?? ''} ${(doc.contents as { commentBefore?: string } | null)?.commentBefore ?? ''}`;
      const page = /from (v\w+\/[\w-]+\.md)/.exec(comment)?.[1] ?? file;
      const name = `${obj.kind.toLowerCase()}-${i}`;
      return {
        id: `${file}#${i} (${page}, ${obj.metadata.name})`,
        page,
        obj: { ...obj, metadata: { name, namespace: ns } },
      };
    }),
  )
  // An example without spec illustrates status or metadata only: there is nothing to apply.
  .filter((e) => e.obj.spec !== undefined);

/** Pages of Flux's documentation for kinds this version does not serve: nothing to apply. */
const skippedPages: Record<string, string> = {
  'image-automation-controller docs/spec/v1/imageupdateautomations.md': 'ImageUpdateAutomation is not served',
  'source-controller docs/spec/v1/externalartifacts.md': 'ExternalArtifact is not served',
  'source-watcher docs/spec/v1beta1/artifactgenerators.md': 'ArtifactGenerator is not served',
  'image-reflector-controller docs/spec/v1/imagerepositories.md (2 examples)':
    'written with apiVersion source.toolkit.fluxcd.io/v1beta2, a group ImageRepository does not exist in',
  'helm-controller docs/spec/v2/helmreleases.md (1 fragment)': 'a fragment without metadata, not an object',
  'every page: examples without spec': 'they illustrate status or metadata only, there is nothing to apply',
};

/** The spec paths of `example` that are missing from `stored` (dropped by the API server as unknown). */
function droppedPaths(example: unknown, stored: unknown, path = 'spec'): string[] {
  if (isRecord(example)) {
    if (!isRecord(stored)) return [path];
    return Object.keys(example).flatMap((k) =>
      Object.hasOwn(stored, k) ? droppedPaths(example[k], stored[k], `${path}.${k}`) : [`${path}.${k}`],
    );
  }
  if (Array.isArray(example) && Array.isArray(stored))
    return example.flatMap((v, i) => droppedPaths(v, stored[i], `${path}[${i}]`));
  return [];
}

type Condition = { type: string; status: string; reason: string; message: string };
/**
 * Fields of Flux's current API the CRDs of this version do not declare yet: the API server rejects an example
 * setting one (never drops it silently). Each is a gap to close, not an accepted difference.
 */
// Fields of Flux's schemas that Driftless's CRDs lack (none now: Receiver spec.oidcProviders is declared and
// refused at admission with the generic-oidc type).
const knownGaps: Record<string, string> = {};

// A snippet the page shortens ("# ...omitted for brevity"): only required-field errors, which Flux's CRDs give too.
const SNIPPET_ERRORS = [
  /spec(\.[\w.]+)?: Required value/g,
  /spec: Invalid value: "null": spec in body must be of type object: "null"/g,
  /<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation/g,
];
function isSnippet(message: string): boolean {
  if (/\.spec: expected map, got/.test(message)) return true;
  const m = /is invalid: (.*)$/s.exec(message);
  if (!m || !/Required value|must be of type object/.test(m[1] as string)) return false;
  const rest = SNIPPET_ERRORS.reduce((text, re) => text.replace(re, ''), m[1] as string);
  return rest.replace(/[[\],\s]/g, '') === '';
}

/** Why a rejection is fine: a shortened snippet, a refusal naming every refused field, or a known gap. */
function rejectionReason(e: Example, message: string): string | undefined {
  if (isSnippet(message)) return 'snippet';
  const refusals = refusedFields(e.obj.kind, { spec: e.obj.spec });
  if (refusals.length && message.includes(NotSupportedPhrase) && refusals.every((r) => message.includes(r.path)))
    return 'refused at admission';
  const gaps = Object.keys(knownGaps).filter((f) => message.includes(`${f}: field not declared in schema`));
  return gaps.length ? `known gap ${gaps.join(', ')}` : undefined;
}

const condition = (o: KubeObject | undefined, type: string): Condition | undefined =>
  ((o?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);

let env: TestEnv;
const stored = new Map<string, KubeObject>();
const rejected: string[] = [];
const outcomes = new Map<string, number>();

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  const results = await Promise.allSettled(
    examples.map((e) => env.client.apply(e.obj, { fieldManager: 'flux-docs', force: true })),
  );
  results.forEach((r, i) => {
    const e = examples[i] as Example;
    if (r.status === 'fulfilled') stored.set(e.id, r.value);
    else {
      const message = (r.reason as Error).message;
      const why = rejectionReason(e, message);
      if (why) outcomes.set(why, (outcomes.get(why) ?? 0) + 1);
      else rejected.push(`${e.id}: ${message}`);
    }
  });
});
after(() => env?.stop());

for (const [page, reason] of Object.entries(skippedPages)) {
  void test(`skipped: ${page}`, { skip: reason }, () => {});
}

test('every example passes admission and keeps every field it sets, unless it is refused or a snippet', (t) => {
  for (const [why, n] of outcomes) t.diagnostic(`rejected as ${why}: ${n}`);
  assert.ok(examples.length > 150, `the fixtures hold ${examples.length} examples`);
  assert.deepEqual(rejected, []);
  const dropped = examples.flatMap((e) => {
    if (!stored.has(e.id)) return [];
    const paths = droppedPaths(e.obj.spec, stored.get(e.id)?.spec);
    return paths.length ? [`${e.id}: ${paths.join(', ')}`] : [];
  });
  assert.deepEqual(dropped, [], 'fields the CRD schema does not know are dropped silently');
});

test('every example is reconciled or Stalled NotSupported naming each refused field it uses', async () => {
  assert.ok(stored.size > 80, `${stored.size} examples were accepted`);
  const pending = (): Promise<string[]> =>
    Promise.all(
      examples.map(async (e) => {
        if (!stored.has(e.id)) return ''; // rejected, see above
        if ((e.obj.spec as { suspend?: boolean } | undefined)?.suspend === true) return ''; // Flux leaves it alone too
        // Provider and Alert (v1beta3) have no status in Flux: admission (above) is their whole check.
        if (e.obj.kind === 'Provider' || e.obj.kind === 'Alert') return '';
        // Nor does a HelmRepository of type oci (static since Flux 2.9).
        if (e.obj.kind === 'HelmRepository' && (e.obj.spec as { type?: string }).type === 'oci') return '';
        const live = await env.get({
          apiVersion: e.obj.apiVersion,
          kind: e.obj.kind,
          namespace: ns,
          name: e.obj.metadata.name,
        });
        const refusals = refusedFields(e.obj.kind, { spec: e.obj.spec });
        const stalled = condition(live, 'Stalled');
        if (refusals.length) {
          const named = refusals.every((r) => stalled?.message.includes(r.path));
          return stalled?.status === 'True' && stalled.reason === 'NotSupported' && named
            ? ''
            : `${e.id}: expected Stalled NotSupported naming ${refusals.map((r) => r.path).join(', ')}`;
        }
        if (stalled?.reason === 'NotSupported')
          return `${e.id}: refused but uses no refused field (${stalled.message})`;
        // Ready in any state (Unknown while a slow fetch is in progress) means the refusal check was passed.
        return condition(live, 'Ready') ? '' : `${e.id}: not reconciled yet`;
      }),
    ).then((list) => list.filter(Boolean));
  let last: string[] = [];
  await env.waitFor(
    () => `every example to be handled; still:\n${last.join('\n')}`,
    async () => (last = await pending()).length === 0,
    180_000,
  );
});

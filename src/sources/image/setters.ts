// Flux's image setters: a scalar followed by `# {"$imagepolicy": "<ns>:<name>[:tag|:name|:digest]"}` on the
// same line gets the policy's latest image, edited in place in the text so comments, order and formatting stay.
import { isMap, isScalar, isSeq, parseAllDocuments, parse as parseYaml, type Scalar } from 'yaml';
import { isRecord } from '../../util/is-record.ts';

/** The token a file must contain to be looked at (Flux's screening reader). */
export const SetterToken = '"$imagepolicy"';

/** The latest image of one ImagePolicy (its `status.latestRef`). */
export interface PolicyImage {
  namespace: string;
  name: string;
  latest: { name: string; tag: string; digest?: string | undefined };
}

/** Flux's ObjectIdentifier: the object a change was made in (a kustomization.yaml may have no name). */
export interface ObjectId {
  APIVersion: string;
  Kind: string;
  Name: string;
  Namespace: string;
}

/** Flux's Change: the setter that made it, and the value before and after. */
export interface SetterChange {
  OldValue: string;
  NewValue: string;
  Setter: string;
}

/** What one file's update did. */
export interface TextUpdate {
  text: string;
  changes: { object: ObjectId; change: SetterChange }[];
  /** Setter names of markers no policy in scope provides (left alone). */
  unknown: string[];
}

/** A file that contains the setter token but does not parse as YAML (skipped, as Flux's reader does). */
export class InvalidYamlError extends Error {
  override readonly name = 'InvalidYamlError';
}

/** The setter values Flux defines per policy: `<ns>:<name>` (name:tag[@digest]), and `:tag`, `:name`, `:digest`. */
export function setterValues(policies: readonly PolicyImage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of policies) {
    const base = `${p.namespace}:${p.name}`;
    const { name, tag, digest } = p.latest;
    out.set(base, `${name}:${tag}${digest ? `@${digest}` : ''}`);
    out.set(`${base}:tag`, tag);
    out.set(`${base}:name`, name);
    out.set(`${base}:digest`, digest ?? '');
  }
  return out;
}

/** The setter a line comment names (`{"$imagepolicy": "…"}` as JSON), or undefined when it is no marker. */
export function markerOf(comment: string): string | undefined {
  const body = comment.replace(/^#+/, '').trim();
  if (!body.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (!isRecord(parsed) || parsed['$imagepolicy'] === undefined || parsed['$imagepolicy'] === null) return undefined;
    const v = parsed['$imagepolicy'];
    return typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    return undefined;
  }
}

const PLAIN_UNSAFE_START = /^[-?:,[\]{}#&*!|>'"%@`\s]/;

/** The new value written in the style of the old scalar: plain stays plain when YAML reads it back the same. */
export function renderScalar(value: string, node: Scalar): string {
  if (node.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (node.type === 'PLAIN' || node.type === undefined) {
    const syntaxSafe =
      value !== '' &&
      !PLAIN_UNSAFE_START.test(value) &&
      !/[\n\r\t]/.test(value) &&
      !value.includes(': ') &&
      !value.includes(' #') &&
      !value.endsWith(' ') &&
      !value.endsWith(':');
    if (syntaxSafe) {
      // A string stays a string: quote a new value YAML would read as a number, boolean or null.
      let same = false;
      try {
        same = parseYaml(value) === value;
      } catch {
        same = false;
      }
      if (same || typeof node.value !== 'string') return value;
    }
  }
  return JSON.stringify(value);
}

function objectIdOf(contents: unknown): ObjectId {
  const id: ObjectId = { APIVersion: '', Kind: '', Name: '', Namespace: '' };
  if (!isRecord(contents)) return id;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  id.APIVersion = str(contents['apiVersion']);
  id.Kind = str(contents['kind']);
  const meta = contents['metadata'];
  if (isRecord(meta)) {
    id.Name = str(meta['name']);
    id.Namespace = str(meta['namespace']);
  }
  return id;
}

/**
 * Applies the setters to every marked scalar (map values and sequence items, in every document) of `text`.
 * Only the marked scalars' text changes; a marker naming a setter `values` lacks is left alone and listed.
 */
export function applySetters(text: string, values: ReadonlyMap<string, string>): TextUpdate {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const edits: { start: number; end: number; text: string }[] = [];
  const changes: TextUpdate['changes'] = [];
  const unknown: string[] = [];
  for (const doc of list) {
    if (doc.errors.length > 0) throw new InvalidYamlError(doc.errors[0]!.message.split('\n')[0] ?? 'invalid YAML');
    const object = objectIdOf(doc.toJS({ maxAliasCount: 100 }) as unknown);
    const visit = (node: unknown): void => {
      if (isMap(node)) for (const pair of node.items) visit(pair.value);
      else if (isSeq(node)) for (const item of node.items) visit(item);
      else if (isScalar(node) && node.range) {
        const [start, valueEnd] = node.range;
        const rest = text.slice(
          valueEnd,
          text.indexOf('\n', valueEnd) === -1 ? undefined : text.indexOf('\n', valueEnd),
        );
        const comment = /^[ \t]*#(.*)$/.exec(rest.replace(/\r$/, ''))?.[1];
        if (comment === undefined) return;
        const setter = markerOf(comment);
        if (setter === undefined) return;
        const newValue = values.get(setter);
        if (newValue === undefined) {
          unknown.push(setter);
          return;
        }
        const oldValue = typeof node.value === 'string' ? node.value : String(node.value ?? '');
        if (oldValue === newValue) return;
        edits.push({ start, end: valueEnd, text: renderScalar(newValue, node as Scalar) });
        changes.push({ object, change: { OldValue: oldValue, NewValue: newValue, Setter: setter } });
      }
    };
    visit(doc.contents);
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { text: out, changes, unknown };
}

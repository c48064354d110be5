// Hardened multi-document YAML decoding shared by manifest parsing, kustomization files and substitution.
import { Composer, LineCounter, Parser } from 'yaml';
import type { CST, ParseOptions, ScalarTag, SchemaOptions, Tags, YAMLError } from 'yaml';
import { ManifestError } from './errors.ts';

/** Default byte cap for one YAML stream (a file or a build output). */
export const DEFAULT_MAX_YAML_BYTES = 64 * 1024 * 1024;
/** Default cap on alias expansions per anchor, as in Flux and the `yaml` package. */
export const DEFAULT_MAX_ALIAS_COUNT = 100;
/**
 * Hard ceiling on collection nesting. The `yaml` composer recurses per level and overflows Node's default stack
 * between ~780 (flow sequences) and ~940 (block maps) levels; a caught overflow inside it has been seen to abort
 * the whole process later (V8 "RegExpCompiler Allocation failed"), so deeper input is refused before composing.
 */
export const MAX_YAML_DEPTH = 400;

/** Limits and labels for {@link parseYamlDocuments}. */
export type YamlLimits = {
  /** Name used in error messages (file path relative to the source, or a stream label); default `manifest`. */
  source?: string;
  /** Byte cap on the input; default 64 MiB. */
  maxBytes?: number;
  /** Alias expansion cap passed to the `yaml` package; default 100. */
  maxAliasCount?: number;
  /** Maximum collection nesting; default and ceiling {@link MAX_YAML_DEPTH}. */
  maxDepth?: number;
  /**
   * Also read YAML 1.1 booleans (`yes`, `on`, `y`, …) as booleans, as Go's yaml.v2 does when Flux converts
   * substituted YAML to JSON; default false (kustomize's yaml.v3 keeps them as strings).
   */
  yaml11Booleans?: boolean;
  /** Read every scalar as a string (YAML failsafe schema), for files whose values are paths and names; default false. */
  allStrings?: boolean;
  /** Resolve `<<` merge keys as Go's YAML libraries do (kustomize honours them in kustomization files); default false. */
  merge?: boolean;
};

/** One decoded document: its 1-based position in the stream and its plain JS value (`null` for an empty doc). */
export type YamlDocument = { index: number; value: unknown };

// Go's YAML decoders (and thus kubectl, kustomize and the apiserver) read `0644` as octal; YAML 1.2 core would not.
const legacyOctal: ScalarTag = {
  identify: () => false,
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^[-+]?0[0-7]+$/,
  resolve: (text) => (text.startsWith('-') ? -1 : 1) * parseInt(text.replace(/^[-+]/, ''), 8),
};
const legacyTrue: ScalarTag = {
  identify: () => false,
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:y|Y|yes|Yes|YES|on|On|ON)$/,
  resolve: () => true,
};
const legacyFalse: ScalarTag = {
  identify: () => false,
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:n|N|no|No|NO|off|Off|OFF)$/,
  resolve: () => false,
};

const kubernetesTags = (tags: Tags): Tags => [legacyOctal, ...tags];
const yaml11Tags = (tags: Tags): Tags => [legacyOctal, legacyTrue, legacyFalse, ...tags];

const lossySurrogate = /[\uD800-\uDFFF]/u;

/**
 * Decodes a multi-document YAML stream into plain values under hard limits: byte cap, strict UTF-8 (no NUL, no
 * lone surrogates), nesting depth (checked iteratively on the CST before the recursive composer runs), duplicate
 * keys and alias expansions. Throws ManifestError naming `source` and the 1-based document; never echoes content.
 */
export function parseYamlDocuments(input: string | Uint8Array, limits: YamlLimits = {}): YamlDocument[] {
  const source = limits.source ?? 'manifest';
  const text = decodeText(input, source, limits.maxBytes ?? DEFAULT_MAX_YAML_BYTES);
  const maxDepth = Math.min(limits.maxDepth ?? MAX_YAML_DEPTH, MAX_YAML_DEPTH);
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  checkDepth(tokens, maxDepth, source, lines);

  const options: ParseOptions & SchemaOptions = limits.allStrings
    ? { uniqueKeys: true, strict: true, schema: 'failsafe', merge: limits.merge ?? false }
    : {
        uniqueKeys: true,
        strict: true,
        merge: limits.merge ?? false,
        customTags: limits.yaml11Booleans ? yaml11Tags : kubernetesTags,
      };
  const composer = new Composer(options);
  const out: YamlDocument[] = [];
  let index = 0;
  for (const doc of composer.compose(tokens, true, text.length)) {
    index += 1;
    const error = doc.errors[0];
    if (error) throw new ManifestError({ source, message: `document ${index}: ${describeYamlError(error, lines)}` });
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const message = /excessive alias count/i.test(reason)
        ? `document ${index}: too many YAML alias expansions (limit ${limits.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT}); refusing a possible "billion laughs" document`
        : `document ${index}: ${reason}`;
      throw new ManifestError({ source, message, cause: err });
    }
    out.push({ index, value: value ?? null });
  }
  return out;
}

function decodeText(input: string | Uint8Array, source: string, maxBytes: number): string {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > maxBytes) {
    throw new ManifestError({ source, message: `is ${size} bytes, larger than the ${maxBytes}-byte limit` });
  }
  let text: string;
  if (typeof input === 'string') {
    if (lossySurrogate.test(input)) throw new ManifestError({ source, message: 'is not valid UTF-8 text' });
    text = input;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input);
    } catch (err) {
      throw new ManifestError({ source, message: 'is not valid UTF-8 text', cause: err });
    }
  }
  // NUL never occurs in YAML text; its presence means a binary file, so say that instead of a parser error.
  if (text.includes('\0'))
    throw new ManifestError({ source, message: 'contains NUL bytes; it is not a YAML text file' });
  return text;
}

function describeYamlError(error: YAMLError, lines: LineCounter): string {
  // Only the first line of the message: later lines of a pretty error quote source text, which may hold secrets.
  const head = (error.message.split('\n')[0] ?? 'invalid YAML').replace(/ at line \d+, column \d+:?$/, '');
  const at = lines.linePos(error.pos[0]);
  return `${head} at line ${at.line}, column ${at.col}`;
}

type Nested = { token: CST.Token | null | undefined; depth: number };

function checkDepth(tokens: CST.Token[], maxDepth: number, source: string, lines: LineCounter): void {
  // An explicit stack keeps this walk safe on inputs nested far deeper than the JS call stack allows.
  const stack: Nested[] = tokens.map((token) => ({ token, depth: 0 }));
  let docIndex = 0;
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as Nested;
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth: 0 });
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    const next = depth + 1;
    if (next > maxDepth) {
      docIndex = tokens.filter((t) => t.type === 'document' && t.offset <= token.offset).length;
      const at = lines.linePos(token.offset);
      throw new ManifestError({
        source,
        message: `document ${docIndex}: nesting deeper than ${maxDepth} levels at line ${at.line}, column ${at.col}`,
      });
    }
    for (const item of token.items) {
      stack.push({ token: item.value, depth: next });
      if ('key' in item && item.key) stack.push({ token: item.key, depth: next });
    }
  }
}

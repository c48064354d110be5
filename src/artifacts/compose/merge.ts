// The Merge copy strategy: YAML files merged the way Helm merges several `--values` files.
import { parseAllDocuments, stringify } from 'yaml';
import { isRecord } from '../../util/is-record.ts';

type Values = Record<string, unknown>;

/** Deep merge: maps merge key by key, anything else (arrays included) is replaced by the overlay. */
export function mergeValues(base: Values, overlay: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    const b = out[k];
    out[k] = isRecord(v) && isRecord(b) ? mergeValues(b, v) : v;
  }
  return out;
}

/** Every document of a multi-document YAML text merged into one map; throws when one is not a map. */
export function loadYamlValues(text: string, name: string): Values {
  let out: Values = {};
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`error reading YAML document in '${name}': ${doc.errors[0]?.message ?? 'invalid YAML'}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) throw new Error(`cannot unmarshal YAML document in '${name}': not a map`);
    out = mergeValues(out, value);
  }
  return out;
}

/** The destination file's values with the source file's merged over them, as YAML with sorted keys. */
export function mergeYamlFiles(destText: string, srcText: string): string {
  const merged = mergeValues(loadYamlValues(destText, 'destination'), loadYamlValues(srcText, 'source'));
  return stringify(merged, { sortMapEntries: true });
}

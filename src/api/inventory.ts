// Inventory entry ids in the cli-utils format Flux stores in `status.inventory.entries[].id`.
import { InvalidInventoryIdError } from './errors.ts';

/** The object identity an inventory id encodes; `namespace` is '' for cluster-scoped, `group` '' for core. */
export type ObjectIdentity = { namespace: string; name: string; group: string; kind: string };

const separator = '_';
const colonEncoded = '__';
const rbacGroup = 'rbac.authorization.k8s.io';
const rbacKinds: ReadonlySet<string> = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/**
 * `<namespace>_<name>_<group>_<kind>`, e.g. `default_podinfo_apps_Deployment`, `_admin_rbac.authorization.k8s.io_ClusterRole`.
 * Colons in RBAC names become `__` (`system:foo` → `system__foo`) because only RBAC kinds allow them, as in cli-utils.
 */
export function inventoryId(ref: {
  namespace?: string | undefined;
  name: string;
  group?: string | undefined;
  kind: string;
}): string {
  const group = ref.group ?? '';
  const name = group === rbacGroup && rbacKinds.has(ref.kind) ? ref.name.replaceAll(':', colonEncoded) : ref.name;
  return [ref.namespace ?? '', name, group, ref.kind].join(separator);
}

/**
 * Splits an inventory id back into its parts, decoding `__` in the name to `:`.
 * Throws InvalidInventoryIdError when a field is missing, the kind or name is empty, or the name holds a stray `_`.
 */
export function parseInventoryId(id: string): ObjectIdentity {
  // Namespaces, groups and kinds never contain '_', so the outer fields split unambiguously.
  const first = id.indexOf(separator);
  const last = id.lastIndexOf(separator);
  if (first < 0 || last <= first) throw new InvalidInventoryIdError({ id, detail: 'too few fields' });
  const namespace = id.slice(0, first);
  const kind = id.slice(last + 1);
  const middle = id.slice(first + 1, last);
  const groupSep = middle.lastIndexOf(separator);
  if (groupSep < 0) throw new InvalidInventoryIdError({ id, detail: 'too few fields' });
  const group = middle.slice(groupSep + 1);
  const name = middle.slice(0, groupSep).replaceAll(colonEncoded, ':');
  if (name.includes(separator)) throw new InvalidInventoryIdError({ id, detail: 'too many fields' });
  if (name === '') throw new InvalidInventoryIdError({ id, detail: 'empty name' });
  if (kind === '') throw new InvalidInventoryIdError({ id, detail: 'empty kind' });
  return { namespace, name, group, kind };
}

// An applier's inventory as a tree: each object with its health in words and an icon; nested
// Kustomizations and HelmReleases open to what they applied, and link to their own pages.
import type { Health, InventoryTree, TreeNode } from './api.ts';
import { objectHref } from './router.ts';
import { StatusBadge } from './status.tsx';

/** Groups the dashboard has pages for (nested Kustomizations, HelmReleases and sources link to theirs). */
const fluxGroups = new Set([
  'kustomize.toolkit.fluxcd.io',
  'source.toolkit.fluxcd.io',
  'helm.toolkit.fluxcd.io',
  'notification.toolkit.fluxcd.io',
  'image.toolkit.fluxcd.io',
]);

const healthLabels: Record<Health, { icon: string; word: string; css: string }> = {
  Ready: { icon: '✔', word: 'Ready', css: 'ready' },
  InProgress: { icon: '⟳', word: 'In progress', css: 'progressing' },
  Failed: { icon: '✖', word: 'Failed', css: 'failing' },
  Terminating: { icon: '⌫', word: 'Terminating', css: 'progressing' },
  NotFound: { icon: '∅', word: 'Not found', css: 'failing' },
  Unknown: { icon: '?', word: 'Unknown', css: 'unknown' },
};

function HealthBadge({ health, message }: { health: Health; message: string }) {
  const l = healthLabels[health];
  return (
    <span class={`status status-${l.css}`} title={message} data-health={health}>
      <span aria-hidden="true" class="icon">
        {l.icon}
      </span>{' '}
      {l.word}
    </span>
  );
}

function Node({ n }: { n: TreeNode }) {
  const label = `${n.kind} ${n.namespace ? `${n.namespace}/` : ''}${n.name}`;
  const name = fluxGroups.has(n.group) ? <a href={objectHref(n.kind, n.namespace, n.name)}>{label}</a> : label;
  const head = (
    <>
      <span class="node-name">{name}</span>{' '}
      {n.status ? <StatusBadge status={n.status} /> : <HealthBadge health={n.health} message={n.healthMessage} />}
      {n.healthMessage && n.health !== 'Ready' && !n.status && <span class="muted"> {n.healthMessage}</span>}
    </>
  );
  if (!n.children?.length) return <li data-node={label}>{head}</li>;
  return (
    <li data-node={label}>
      <details open>
        <summary>
          {head}{' '}
          <span class="muted">
            ({n.children.length} {n.children.length === 1 ? 'object' : 'objects'})
          </span>
        </summary>
        <ul class="tree">
          {n.children.map((c) => (
            <Node key={`${c.kind}/${c.namespace}/${c.name}`} n={c} />
          ))}
        </ul>
      </details>
    </li>
  );
}

export function InventoryTreeView({ tree }: { tree: InventoryTree }) {
  return (
    <>
      {tree.errors.map((e) => (
        <p key={e} role="alert" class="warning">
          {e}
        </p>
      ))}
      {tree.nodes.length === 0 ? (
        <p class="muted">Nothing applied (or not a kind that applies objects).</p>
      ) : (
        <>
          {tree.from === 'helm-release' && (
            <p class="muted">The objects of the current Helm release (this HelmRelease has no status.inventory).</p>
          )}
          <ul class="tree inventory">
            {tree.nodes.map((n) => (
              <Node key={`${n.kind}/${n.namespace}/${n.name}`} n={n} />
            ))}
          </ul>
        </>
      )}
      {tree.omitted > 0 && <p class="muted">{tree.omitted} more objects are not shown.</p>}
    </>
  );
}

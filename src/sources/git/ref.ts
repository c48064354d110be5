// Picks what to fetch from a GitRepository `.spec.ref`, with Flux's precedence and name validation.
import { semverRange } from '../../util/semver-range.ts';
import { GitOperationError } from './errors.ts';
import { hashAlgo } from './revision.ts';

/** A GitRepository `.spec.ref`; precedence commit > name > semver > tag > branch, default `branch: master`. */
export interface GitRef {
  branch?: string;
  tag?: string;
  semver?: string;
  name?: string;
  commit?: string;
}

/** The one reference to fetch, after precedence and validation. */
export type RefPlan =
  | { kind: 'branch'; branch: string }
  | { kind: 'tag'; tag: string }
  | { kind: 'semver'; range: string }
  | { kind: 'name'; name: string }
  | { kind: 'commit'; commit: string; branch?: string };

/** Flux's default branch when `.spec.ref` is empty. */
export const DEFAULT_BRANCH = 'master';

/** True when `name` is a full ref git would accept (`git check-ref-format` rules), also refusing components that start with `-`. */
export function isValidRefName(name: string): boolean {
  if (!name.startsWith('refs/') || name.endsWith('/') || name.endsWith('.') || name.includes('//')) return false;
  if (name.includes('..') || name.includes('@{') || name === '@') return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  return name
    .split('/')
    .every((part) => part !== '' && !part.startsWith('.') && !part.startsWith('-') && !part.endsWith('.lock'));
}

/** Human wording of a plan for error messages, e.g. `branch 'main'`. */
export function describeRef(plan: RefPlan): string {
  switch (plan.kind) {
    case 'branch':
      return `branch '${plan.branch}'`;
    case 'tag':
      return `tag '${plan.tag}'`;
    case 'semver':
      return `semver '${plan.range}'`;
    case 'name':
      return `ref '${plan.name}'`;
    case 'commit':
      return plan.branch === undefined
        ? `commit '${plan.commit}'`
        : `commit '${plan.commit}' on branch '${plan.branch}'`;
  }
}

function checkShortName(kind: 'branch' | 'tag', value: string, prefix: string): void {
  if (!isValidRefName(`${prefix}${value}`)) {
    throw new GitOperationError(`invalid ${kind} name '${value}' in .spec.ref: not a valid Git reference name`, {
      ref: `${kind} '${value}'`,
    });
  }
}

/** Applies Flux precedence to `.spec.ref`; throws `GitOperationError` for malformed names, commits or ranges. */
export function planRef(ref: GitRef = {}): RefPlan {
  const present = (v: string | undefined): v is string => v !== undefined && v !== '';
  if (present(ref.commit)) {
    const commit = ref.commit.toLowerCase();
    if (hashAlgo(commit) === undefined) {
      throw new GitOperationError(
        `invalid commit '${ref.commit}' in .spec.ref: expected a full 40 or 64 hex digit id`,
        {
          ref: `commit '${ref.commit}'`,
        },
      );
    }
    if (!present(ref.branch)) return { kind: 'commit', commit };
    checkShortName('branch', ref.branch, 'refs/heads/');
    return { kind: 'commit', commit, branch: ref.branch };
  }
  if (present(ref.name)) {
    if (!isValidRefName(ref.name)) {
      throw new GitOperationError(
        `invalid ref name '${ref.name}' in .spec.ref.name: expected a full reference such as 'refs/heads/main' or 'refs/pull/1/head'`,
        { ref: `ref '${ref.name}'` },
      );
    }
    return { kind: 'name', name: ref.name };
  }
  if (present(ref.semver)) {
    if (semverRange(ref.semver) === null) {
      throw new GitOperationError(`invalid semver range '${ref.semver}' in .spec.ref.semver`, {
        ref: `semver '${ref.semver}'`,
      });
    }
    return { kind: 'semver', range: ref.semver };
  }
  if (present(ref.tag)) {
    checkShortName('tag', ref.tag, 'refs/tags/');
    return { kind: 'tag', tag: ref.tag };
  }
  const branch = present(ref.branch) ? ref.branch : DEFAULT_BRANCH;
  checkShortName('branch', branch, 'refs/heads/');
  return { kind: 'branch', branch };
}

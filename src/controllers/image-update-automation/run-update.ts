// One automation run against the checkout: apply the setters, commit as the author with the rendered
// message, push (force when the push branch differs from the checkout branch, as Flux's default), then the
// refspec. A push rejected because the branch moved is redone once on the new head.
import path from 'node:path';
import {
  commitAll,
  pushRefspecs,
  PushRejectedError,
  resetToRemoteBranch,
  sameChangeOnRemote,
  switchToBranch,
  type CommitAuthor,
} from '../../sources/git/commit-push.ts';
import type { GitSession } from '../../sources/git/git-session.ts';
import { renderCommitMessage } from '../../sources/image/commit-template.ts';
import type { PolicyImage } from '../../sources/image/setters.ts';
import { updateWithSetters, type UpdateResult } from '../../sources/image/update-files.ts';

/** What the run is asked to do. */
export interface UpdatePlan {
  dir: string;
  /** spec.update.path, relative to the repository root. */
  updatePath: string;
  policies: readonly PolicyImage[];
  pushBranch: string;
  /** Push branch differs from the checkout branch: force push (Flux's GitForcePushBranch default). */
  switchBranch: boolean;
  refspec?: string | undefined;
  pushOptions?: Readonly<Record<string, string>> | undefined;
  author: CommitAuthor;
  messageTemplate?: string | undefined;
  messageTemplateValues?: Readonly<Record<string, string>> | undefined;
  automation: { namespace: string; name: string };
  /** git `-c` settings that sign the commits (a prepared OpenPGP signer). */
  signing?: readonly string[] | undefined;
  /** Pull-request mode: leave the push branch alone when it already holds the same change on the same base. */
  keepSameChange?: boolean | undefined;
  /** Starts timing the Git write (the pushes, retry included); the returned function ends it (SLI M7). */
  timePush?: (() => () => void) | undefined;
}

/** What happened: the update result, and the pushed commit when there was one. */
export interface UpdateOutcome {
  update: UpdateResult;
  pushed?: { commit: string; message: string; refspecs: string[] };
  /** The push branch's head when it already held this change (`keepSameChange`), so nothing was pushed. */
  unchanged?: { commit: string; message: string };
}

/** The update path inside the checkout; Flux joins it securely, so it never leaves the repository. */
export function updateRoot(dir: string, updatePath: string): string {
  const joined = path.resolve(dir, `./${path.posix.normalize(`/${updatePath}`)}`);
  return joined.startsWith(path.resolve(dir)) ? joined : path.resolve(dir);
}

/** One run of the setters and the commit: what changed, and the commit when there was a change. */
interface Attempt {
  update: UpdateResult;
  commit?: string;
  message?: string;
}

/** Applies, commits and pushes; throws typed errors (template, git) for the reconciler to map. */
export async function runUpdate(session: GitSession, plan: UpdatePlan): Promise<UpdateOutcome> {
  await switchToBranch(session, plan.dir, plan.pushBranch);
  const root = updateRoot(plan.dir, plan.updatePath);
  const attempt = async (): Promise<Attempt> => {
    const update = await updateWithSetters(root, plan.policies);
    if (update.files.size === 0) return { update };
    const message = renderCommitMessage(plan.messageTemplate, {
      automation: plan.automation,
      files: update.files,
      values: plan.messageTemplateValues,
    });
    const commit = await commitAll(session, plan.dir, plan.author, message, plan.signing);
    return commit === undefined ? { update } : { update, commit, message };
  };
  const first = await attempt();
  if (first.commit === undefined) return { update: first.update };
  if (plan.keepSameChange) {
    const same = await sameChangeOnRemote(session, plan.dir, plan.pushBranch);
    if (same) return { update: first.update, unchanged: { commit: same, message: first.message! } };
  }
  const branchSpec = `refs/heads/${plan.pushBranch}:refs/heads/${plan.pushBranch}`;
  const endPush = plan.timePush?.();
  try {
    return await pushAll(session, plan, branchSpec, first, attempt);
  } finally {
    endPush?.();
  }
}

/** Pushes the branch (redone once on the new head when it moved), then the refspec. */
async function pushAll(
  session: GitSession,
  plan: UpdatePlan,
  branchSpec: string,
  firstAttempt: Attempt,
  attempt: () => Promise<Attempt>,
): Promise<UpdateOutcome> {
  let first = firstAttempt;
  try {
    await pushRefspecs(session, plan.dir, [branchSpec], { force: plan.switchBranch, options: plan.pushOptions });
  } catch (err) {
    if (!(err instanceof PushRejectedError)) throw err;
    // The branch moved since the checkout: redo the update on its new head and push once more.
    await resetToRemoteBranch(session, plan.dir, plan.pushBranch);
    first = await attempt();
    if (first.commit === undefined) return { update: first.update };
    await pushRefspecs(session, plan.dir, [branchSpec], { options: plan.pushOptions });
  }
  const refspecs: string[] = [];
  if (plan.refspec) {
    await pushRefspecs(session, plan.dir, [plan.refspec], { options: plan.pushOptions });
    refspecs.push(plan.refspec);
  }
  return { update: first.update, pushed: { commit: first.commit!, message: first.message!, refspecs } };
}

/** Flux's push summary: `pushed commit '<short>' to branch '<b>'[ and refspecs '…']\n<message>`. */
export function pushSummary(commit: string, branch: string, refspecs: readonly string[], message: string): string {
  let out = `pushed commit '${commit.slice(0, 7)}' to branch '${branch}'`;
  if (refspecs.length > 0) out += ` and refspecs '${refspecs.join("', '")}'`;
  if (message) out += `\n${message}`;
  return out;
}

/** The skipped files and unknown markers of a run as one sentence, or undefined when there are none. */
export function skippedSummary(update: UpdateResult, namespace: string): string | undefined {
  const parts: string[] = [];
  for (const s of update.skipped) parts.push(`skipped '${s.file}': not valid YAML (${s.error})`);
  for (const u of update.unknown)
    parts.push(
      `left the marker '${u.setter}' in '${u.file}' alone: no ImagePolicy with a latest image by that name in namespace '${namespace}' (or the policySelector leaves it out)`,
    );
  return parts.length > 0 ? parts.join('; ') : undefined;
}

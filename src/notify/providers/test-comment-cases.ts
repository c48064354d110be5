// Contract-test rows of the change-request comment providers: each service call (user, list, create)
// is answered by the in-memory forge, which checks it against the forge's API description.
import assert from 'node:assert/strict';
import type { FluxEvent } from '../event.ts';
import { CommentForgeStandIn } from './test-comment-forge.ts';
import type { CommentForgeKind } from './test-comment-forge.ts';
import { isError, PROVIDER_UID, TOKEN } from './test-provider-cases.ts';
import type { ProviderCase } from './test-provider-cases.ts';
import type { Recorded, Reply } from './test-server.ts';
import type { ProviderType } from './types.ts';

function commentCase(type: ProviderType, kind: CommentForgeKind, prefix: string, auth: string): ProviderCase {
  // A fresh thread per test run: every post finds no comment of its own and creates one.
  const answer = (req: Recorded): Reply => {
    const forge = new CommentForgeStandIn();
    const a = forge.handle(kind, req.method, req.url.slice(prefix.length), req.body ? JSON.parse(req.body) : undefined);
    return {
      status: a.problems.length ? 422 : a.status,
      body: JSON.stringify(a.problems.length ? a.problems : a.body),
    };
  };
  return {
    type,
    config: (base) => ({ address: `${base}/org/app`, token: TOKEN, providerUid: PROVIDER_UID }),
    prepare: (e: FluxEvent) => ({
      ...e,
      metadata: { ...e.metadata, 'event.toolkit.fluxcd.io/change_request': '12' },
    }),
    route: answer,
    ok: { status: 201, body: '{}' },
    requests: () => 3,
    check(reqs, event) {
      assert.deepEqual(
        reqs.map((r) => r.method),
        ['GET', 'GET', 'POST'],
      );
      for (const r of reqs) {
        assert.ok(r.url.startsWith(prefix), r.url);
        assert.equal(r.headers[auth.split(':')[0] ?? ''], auth.slice(auth.indexOf(':') + 1).replace('TOKEN', TOKEN));
      }
      const created = JSON.parse(reqs[2]?.body ?? '{}') as { body: string };
      assert.match(
        created.body,
        new RegExp(
          `^<!-- flux-(pr|mr)-comment-key:${PROVIDER_UID}/Kustomization/apps/webapp -->\n\n## Flux Status\n\n${isError(event) ? '⚠️' : 'ℹ️'} `,
        ),
      );
      // Flux leaves out the merged `change_request` key; these raw events still carry the annotation's key.
      assert.ok(!created.body.includes('* `change_request`'), 'the change_request key is not listed');
    },
  };
}

/** The three change-request comment providers. */
export const commentCases: ProviderCase[] = [
  commentCase('githubpullrequestcomment', 'github', '/api/v3', 'authorization:Bearer TOKEN'),
  commentCase('gitlabmergerequestcomment', 'gitlab', '/api/v4', 'private-token:TOKEN'),
  commentCase('giteapullrequestcomment', 'gitea', '/api/v1', 'authorization:token TOKEN'),
];

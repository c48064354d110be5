// Signing in with a Kubernetes bearer token (a ServiceAccount token from `kubectl create token`, or any
// token the API server accepts): kept in this tab's sessionStorage, sent as a header, checked by the
// engine with a TokenReview. The actions panel of an object page, run as that user.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, currentToken, fetchAuth, postAction, setToken, type Action, type AuthInfo } from './api.ts';
import { reconnect } from './live.ts';

let info: AuthInfo | undefined;
const watchers = new Set<(i: AuthInfo | undefined) => void>();

async function refresh(): Promise<void> {
  info = await fetchAuth().catch(() => undefined);
  for (const w of watchers) w(info);
}

/** What the dashboard asks of the user, and who they are; undefined while loading. */
export function useAuth(): AuthInfo | undefined {
  const [v, setV] = useState(info);
  useEffect(() => {
    watchers.add(setV);
    if (!info) void refresh();
    return () => watchers.delete(setV);
  }, []);
  return v;
}

/** The header's sign-in control: a token field, or the signed-in user and "Sign out". */
export function SignIn() {
  const auth = useAuth();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState('');
  if (!auth || (!auth.actions && !auth.readRequiresToken)) return null;
  if (auth.user)
    return (
      <span class="signin">
        Signed in as <strong class="user">{auth.user}</strong>{' '}
        <button
          type="button"
          onClick={() => {
            setToken('');
            reconnect();
            void refresh();
          }}
        >
          Sign out
        </button>
      </span>
    );
  if (!open)
    return (
      <button type="button" class="signin" onClick={() => setOpen(true)}>
        Sign in
      </button>
    );
  return (
    <form
      class="signin-form"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(draft.trim());
        void refresh().then(() => {
          if (!info?.user) {
            setError('The API server did not accept this token.');
            setToken('');
          } else {
            setOpen(false);
            setDraft('');
            setError('');
            reconnect();
          }
        });
      }}
    >
      <label>
        Kubernetes token{' '}
        <input
          type="password"
          name="token"
          autoComplete="off"
          value={draft}
          onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
        />
      </label>{' '}
      <button type="submit">Sign in</button>
      {error && (
        <span role="alert" class="error">
          {error}
        </span>
      )}
    </form>
  );
}

/** Reconcile (with source), suspend or resume one object, with the result said in words. */
export function Actions({
  kind,
  namespace,
  name,
  suspended,
  hasSource,
}: {
  kind: string;
  namespace: string;
  name: string;
  suspended: boolean;
  hasSource: boolean;
}) {
  const auth = useAuth();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  if (!auth?.actions) return null;
  const needsSignIn = auth.actionsRequireToken && !currentToken();
  const run = (action: Action, withSource = false): void => {
    setBusy(true);
    setResult(undefined);
    postAction(kind, namespace, name, action, withSource)
      .then((r) =>
        setResult({ ok: true, text: `Done: ${action} of ${r.done.join(' and ')}${r.as ? ` as ${r.as}` : ''}.` }),
      )
      .catch((e: unknown) =>
        setResult({
          ok: false,
          text:
            e instanceof ApiError && e.status === 403
              ? `Not allowed: ${e.message}`
              : e instanceof ApiError && e.status === 401
                ? `Sign in first: ${e.message}`
                : String(e instanceof Error ? e.message : e),
        }),
      )
      .finally(() => setBusy(false));
  };
  return (
    <section class="actions" aria-label="Actions">
      {suspended ? (
        <button type="button" disabled={busy || needsSignIn} onClick={() => run('resume')}>
          <span aria-hidden="true">▶</span> Resume
        </button>
      ) : (
        <>
          <button type="button" disabled={busy || needsSignIn} onClick={() => run('reconcile')}>
            <span aria-hidden="true">⟳</span> Reconcile
          </button>
          {hasSource && (
            <button type="button" disabled={busy || needsSignIn} onClick={() => run('reconcile', true)}>
              <span aria-hidden="true">⟳</span> Reconcile with source
            </button>
          )}
          <button type="button" disabled={busy || needsSignIn} onClick={() => run('suspend')}>
            <span aria-hidden="true">‖</span> Suspend
          </button>
        </>
      )}
      {needsSignIn && <span class="muted"> Sign in with a Kubernetes token to act.</span>}
      {result && (
        <p role={result.ok ? 'status' : 'alert'} class={result.ok ? 'action-ok' : 'action-error'}>
          <span aria-hidden="true">{result.ok ? '✔ ' : '✖ '}</span>
          {result.text}
        </p>
      )}
    </section>
  );
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api.ts';
import { ControlPlaneError, ControlPlaneReason } from './errors.ts';
import { componentArgs, kwokNodeAnnotation, type Component, type Layout } from './flags.ts';
import { logTail, spawnComponent, type Started } from './processes.ts';

/** Name of the fake Node that kwok plays the kubelet for. */
export const fakeNodeName = 'driftless-node';

/** The fake Node: kwok manages it through the annotation; no taint, so every Pod may land on it. */
export function fakeNode(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [kwokNodeAnnotation]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    spec: {},
  };
}

type BootOptions = {
  layout: Layout;
  binaries: Record<Component, string>;
  client: ApiClient;
  detached: boolean;
  log: (line: string) => void;
  deadline: number;
};

/**
 * Starts the components in order and waits for each milestone; throws `ControlPlaneError`
 * (ProcessExited with the log tail, or StartTimeout) and leaves the cleanup to the caller.
 */
export async function bootComponents(o: BootOptions): Promise<Started[]> {
  const started: Started[] = [];
  const start = async (component: Component) => {
    const env = component === 'kwok' ? kwokEnv(o.layout.dir) : process.env;
    const args = componentArgs(component, o.layout);
    started.push(
      await spawnComponent({
        dir: o.layout.dir,
        component,
        binary: o.binaries[component],
        args,
        detached: o.detached,
        env,
      }),
    );
  };
  const wait = (what: string, suspect: Component, check: () => Promise<boolean>) =>
    waitFor({ ...o, started, what, suspect, check });

  await start('etcd');
  await wait('etcd /health', 'etcd', async () => {
    const res = await fetch(`http://127.0.0.1:${o.layout.ports.etcdClient}/health`, {
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  });
  await start('kube-apiserver');
  await wait('kube-apiserver /readyz', 'kube-apiserver', async () => (await o.client.get('/readyz')).status === 200);

  // They only talk to the API server, so they can come up together.
  await start('kube-controller-manager');
  await start('kube-scheduler');
  await start('kwok');
  const created = await o.client.post('/api/v1/nodes', fakeNode(fakeNodeName));
  if (created.status !== 201 && created.status !== 409) {
    throw new ControlPlaneError({
      reason: ControlPlaneReason.ApiRequestFailed,
      message: `creating Node ${fakeNodeName} failed with HTTP ${created.status}: ${created.body}`,
    });
  }
  await wait('the default ServiceAccount', 'kube-controller-manager', async () => {
    return (await o.client.get('/api/v1/namespaces/default/serviceaccounts/default')).status === 200;
  });
  await wait(`Node ${fakeNodeName} to be Ready`, 'kwok', async () => {
    const res = await o.client.get(`/api/v1/nodes/${fakeNodeName}`);
    if (res.status !== 200) return false;
    const node = JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } };
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  });
  return started;
}

/** kwok also reads ~/.kwok/kwok.yaml; a private HOME keeps a developer's own kwok setup out of the tests. */
function kwokEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: dir };
}

async function waitFor(
  o: BootOptions & { started: Started[]; what: string; suspect: Component; check: () => Promise<boolean> },
): Promise<void> {
  o.log(`waiting for ${o.what}…`);
  let lastError = '';
  for (;;) {
    const dead = o.started.find((s) => s.exit);
    if (dead) {
      const how = dead.exit?.signal ? `signal ${dead.exit.signal}` : `code ${dead.exit?.code}`;
      throw new ControlPlaneError({
        reason: ControlPlaneReason.ProcessExited,
        message: `${dead.component} exited (${how}) while waiting for ${o.what}; last lines of ${dead.component}.log:\n${await logTail(o.layout.dir, dead.component)}`,
      });
    }
    try {
      if (await o.check()) return;
      lastError = 'not ready yet';
    } catch (err) {
      // Connection refused and 5xx are expected while a process is still starting.
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > o.deadline) {
      throw new ControlPlaneError({
        reason: ControlPlaneReason.StartTimeout,
        message: `timed out waiting for ${o.what} (last: ${lastError}); last lines of ${o.suspect}.log:\n${await logTail(o.layout.dir, o.suspect)}`,
      });
    }
    await sleep(100);
  }
}

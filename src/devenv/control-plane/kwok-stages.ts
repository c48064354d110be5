import { stringify } from 'yaml';
import { kwokNodeAnnotation } from './flags.ts';

// kwok has no built-in behaviour: without Stage objects it exits with "no stages found", and Nodes and Pods
// would never leave Pending. These are the few stages the dev cluster needs, written for Driftless; the Stage
// API (resourceRef, selector, delay, next) is described at https://kwok.sigs.k8s.io/docs/user/stages-configuration/.

/** kwok's `--config` file: Stages that bring the fake Node up, keep it Ready, run Pods, finish run-to-completion Pods and delete Pods. */
export function kwokConfigYaml(): string {
  return stages()
    .map((s) => stringify(s, { lineWidth: 0 }))
    .join('---\n');
}

/** A Go-template expression kwok evaluates per object; its result lands in the status as a JSON-quoted string. */
class Expr {
  constructor(readonly expr: string) {}
}
/** A list with one entry per element of a Go-template list; inside `item`, `.` is that element. */
class Each {
  constructor(
    readonly list: string,
    readonly item: Template,
  ) {}
}
type Template = string | number | boolean | Expr | Each | Template[] | { [key: string]: Template };

const expr = (e: string) => new Expr(e);
const each = (list: string, item: Template) => new Each(list, item);

type Requirement = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };

const noDeletionTimestamp: Requirement = { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' };
const readyIs = (operator: 'In' | 'NotIn'): Requirement => ({
  // `[]?` because a fresh object has no conditions at all.
  key: '.status.conditions[]? | select(.type == "Ready") | .status',
  operator,
  values: ['True'],
});
const phaseIs = (phase: string): Requirement => ({ key: '.status.phase', operator: 'In', values: [phase] });

/** The Node conditions a healthy kubelet reports; the transition time stays the Node's creation so heartbeats do not move it. */
const nodeConditions = (
  [
    ['Ready', 'True', 'KubeletReady', 'fake kubelet (kwok) is ready'],
    ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'no memory pressure on a fake node'],
    ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'no disk pressure on a fake node'],
    ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'no PID pressure on a fake node'],
    ['NetworkUnavailable', 'False', 'FakeNetworkReady', 'the fake node needs no routes'],
  ] as const
).map(([type, status, reason, message]) => ({
  type,
  status,
  reason,
  message,
  lastHeartbeatTime: expr('$now'),
  lastTransitionTime: expr('$since'),
}));
const nodeTimes = { $now: 'Now', $since: 'or .metadata.creationTimestamp Now' };

// Roomy but plausible, so the scheduler never turns a test Pod away.
const nodeResources = { cpu: '32', memory: '128Gi', pods: '250', 'ephemeral-storage': '1Ti' };

const nodeStatus: Record<string, Template> = {
  phase: 'Running',
  conditions: nodeConditions,
  addresses: [
    { type: 'InternalIP', address: expr('NodeIP') },
    // kwok's NodeName is its own --node-name flag (unset here), not the Node being rendered.
    { type: 'Hostname', address: expr('.metadata.name') },
  ],
  allocatable: nodeResources,
  capacity: nodeResources,
  nodeInfo: {
    architecture: 'amd64',
    operatingSystem: 'linux',
    osImage: 'kwok fake node',
    kernelVersion: expr('print "kwok-" Version'),
    kubeletVersion: expr('print "kwok-" Version'),
    kubeProxyVersion: expr('print "kwok-" Version'),
    containerRuntimeVersion: expr('print "kwok://" Version'),
    machineID: '',
    systemUUID: '',
    bootID: '',
  },
};

const podTimes = {
  $now: 'Now',
  $hostIP: 'NodeIPWith .spec.nodeName',
  // Allocated from kwok's --cidr once per Pod UID; host-network Pods get the node's address instead.
  $podIP: 'PodIPWith .spec.nodeName (or .spec.hostNetwork false) .metadata.uid .metadata.name .metadata.namespace',
};

const podCondition = (type: string, status: 'True' | 'False', reason?: string) => ({
  type,
  status,
  ...(reason ? { reason } : {}),
  lastTransitionTime: expr('$now'),
});

const podRunning: Record<string, Template> = {
  phase: 'Running',
  startTime: expr('$now'),
  hostIP: expr('$hostIP'),
  hostIPs: [{ ip: expr('$hostIP') }],
  podIP: expr('$podIP'),
  podIPs: [{ ip: expr('$podIP') }],
  conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((t) => podCondition(t, 'True')),
  // Init containers have run to completion by the time the main containers start.
  initContainerStatuses: each('.spec.initContainers', {
    name: expr('.name'),
    image: expr('.image'),
    ready: true,
    restartCount: 0,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: expr('$now'), finishedAt: expr('$now') } },
  }),
  containerStatuses: each('.spec.containers', {
    name: expr('.name'),
    image: expr('.image'),
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: expr('$now') } },
  }),
};

/** A Pod whose containers ran to completion: Succeeded (exit 0) or Failed (exit 1). */
const podExited = (phase: 'Succeeded' | 'Failed'): Record<string, Template> => ({
  phase,
  conditions: ['ContainersReady', 'Ready'].map((t) =>
    podCondition(t, 'False', phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed'),
  ),
  containerStatuses: each('.spec.containers', {
    name: expr('.name'),
    image: expr('.image'),
    ready: false,
    started: false,
    restartCount: 0,
    state: {
      terminated: {
        exitCode: phase === 'Succeeded' ? 0 : 1,
        reason: phase === 'Succeeded' ? 'Completed' : 'Error',
        startedAt: expr('$now'),
        finishedAt: expr('$now'),
      },
    },
  }),
});

/**
 * The annotation that makes a run-to-completion Pod fail (`Failed`, exit code 1) instead of succeeding, so
 * a test can have a Job or a Helm test hook fail deterministically on the fake node.
 */
export const fakePodPhaseAnnotation = 'driftless.dev/fake-pod-phase';
const fakePhaseIs = (operator: 'In' | 'NotIn'): Requirement => ({
  key: `.metadata.annotations["${fakePodPhaseAnnotation}"]`,
  operator,
  values: ['Failed'],
});
const runsToCompletion: Requirement[] = [
  noDeletionTimestamp,
  phaseIs('Running'),
  { key: '.spec.restartPolicy', operator: 'In', values: ['Never', 'OnFailure'] },
];

function stages(): object[] {
  return [
    stage({
      name: 'driftless-node-up',
      kind: 'Node',
      annotations: { [kwokNodeAnnotation]: 'fake' },
      match: [readyIs('NotIn')],
      next: { statusTemplate: statusTemplate(nodeTimes, nodeStatus) },
    }),
    stage({
      // kwok renews the Node's Lease itself (--node-lease-duration-seconds), which is what keeps the Node
      // Ready; this only refreshes the condition heartbeats now and then, as a kubelet does.
      name: 'driftless-node-heartbeat',
      kind: 'Node',
      annotations: { [kwokNodeAnnotation]: 'fake' },
      match: [readyIs('In')],
      delay: { durationMilliseconds: 240_000, jitterDurationMilliseconds: 300_000 },
      next: { statusTemplate: statusTemplate(nodeTimes, { conditions: nodeConditions }) },
    }),
    stage({
      name: 'driftless-pod-running',
      kind: 'Pod',
      match: [noDeletionTimestamp, { key: '.spec.nodeName', operator: 'Exists' }, phaseIs('Pending')],
      next: { statusTemplate: statusTemplate(podTimes, podRunning) },
    }),
    stage({
      // Run-to-completion Pods (a Job's, a Helm hook or test) "exit 0" right away so that Jobs, hooks and
      // tests (and Flux health checks on them) complete; the two stages' selectors exclude each other, as
      // kwok picks at random among matching stages.
      name: 'driftless-pod-succeeded',
      kind: 'Pod',
      match: [...runsToCompletion, fakePhaseIs('NotIn')],
      next: { statusTemplate: statusTemplate({ $now: 'Now' }, podExited('Succeeded')) },
    }),
    stage({
      name: 'driftless-pod-failed',
      kind: 'Pod',
      match: [...runsToCompletion, fakePhaseIs('In')],
      next: { statusTemplate: statusTemplate({ $now: 'Now' }, podExited('Failed')) },
    }),
    stage({
      // Stands in for the kubelet confirming a graceful delete, so namespaces and ReplicaSets can finish
      // deleting. Other controllers' finalizers are left alone: the API server keeps the Pod until they go.
      name: 'driftless-pod-gone',
      kind: 'Pod',
      match: [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }],
      next: { delete: true },
    }),
  ];
}

type StageOptions = {
  name: string;
  kind: 'Node' | 'Pod';
  match: Requirement[];
  annotations?: Record<string, string>;
  delay?: { durationMilliseconds: number; jitterDurationMilliseconds: number };
  next: { statusTemplate: string } | { delete: true };
};

function stage(o: StageOptions): object {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name: o.name },
    spec: {
      // Core resources are addressed by their version, not an empty group.
      resourceRef: { apiGroup: 'v1', kind: o.kind },
      selector: {
        ...(o.annotations ? { matchAnnotations: o.annotations } : {}),
        matchExpressions: o.match,
      },
      ...(o.delay ? { delay: o.delay } : {}),
      next: o.next,
    },
  };
}

/**
 * Turns a status shape into the Go template kwok renders into YAML: `vars` become `{{ $name := … }}` lines,
 * `Expr` values become `{{ … | Quote }}`, and an `Each` value becomes a `range` over its list.
 */
function statusTemplate(vars: Record<string, string>, status: Record<string, Template>): string {
  const exprs: string[] = [];
  const header = Object.entries(vars).map(([name, value]) => `{{ ${name} := ${value} }}`);
  const body = toYaml(status, exprs).replace(/kwokexpr(\d+)\b/g, (_, i: string) => `{{ ${exprs[Number(i)]} | Quote }}`);
  return `${header.join('\n')}\n${body}`;
}

/** YAML of `value` with each `Expr` replaced by a `kwokexpr<n>` token (an index into `exprs`) and each `Each` expanded. */
function toYaml(value: Template, exprs: string[]): string {
  const lists: Each[] = [];
  const tokenise = (t: Template): unknown => {
    if (Array.isArray(t)) return t.map(tokenise);
    if (typeof t !== 'object') return t;
    if (t instanceof Expr) return `kwokexpr${exprs.push(t.expr) - 1}`;
    if (t instanceof Each) return `kwokeach${lists.push(t) - 1}`;
    return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, tokenise(v)]));
  };
  let text = stringify(tokenise(value), { lineWidth: 0 });
  // An `Each` may only be a mapping value, so its token always ends a `key: token` line.
  lists.forEach((list, i) => {
    text = text.replace(new RegExp(`^( *)([^\\n:]+): kwokeach${i}$`, 'm'), (_, indent: string, key: string) => {
      const entry = toYaml(list.item, exprs)
        .trimEnd()
        .split('\n')
        .map((line, n) => `${indent}${n === 0 ? '- ' : '  '}${line}`);
      return [`${indent}${key}:`, `${indent}{{ range ${list.list} }}`, ...entry, `${indent}{{ end }}`].join('\n');
    });
  });
  return text;
}

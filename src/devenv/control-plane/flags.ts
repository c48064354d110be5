import { join } from 'node:path';
import type { Pki } from './pki.ts';

/** The processes of a local control plane, in start order (stopped in reverse). */
export const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;

/** One of `components`. */
export type Component = (typeof components)[number];

/** Loopback ports one control plane listens on. */
export type Ports = { etcdClient: number; etcdPeer: number; apiserver: number };

/** Everything the argv builders need: the state dir, certificates, ports and generated files. */
export type Layout = { dir: string; pki: Pki; ports: Ports; kubeconfigPath: string; kwokConfigPath: string };

/** Service network of the cluster; the API server's ClusterIP (10.0.0.1) is in its serving certificate. */
export const serviceClusterIpRange = '10.0.0.0/24';

/** Pod network kwok hands addresses out of, kept apart from the service range. */
export const podCidr = '10.244.0.0/16';

/** Fixed so that service-account tokens survive a restart on another port. */
export const serviceAccountIssuer = 'https://kubernetes.default.svc.cluster.local';

/** Annotation that tells kwok to act as the kubelet of a Node. */
export const kwokNodeAnnotation = 'kwok.x-k8s.io/node';

/** Command-line arguments of each component (pure; the flag set controller-runtime's envtest uses, plus the controllers). */
export function componentArgs(component: Component, l: Layout): string[] {
  const etcdUrl = `http://127.0.0.1:${l.ports.etcdClient}`;
  const peerUrl = `http://127.0.0.1:${l.ports.etcdPeer}`;
  switch (component) {
    case 'etcd':
      return [
        '--name=driftless',
        `--data-dir=${join(l.dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=driftless=${peerUrl}`,
        // A throwaway test store: durability is not worth the fsync latency on every write.
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ];
    case 'kube-apiserver':
      return [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${l.ports.apiserver}`,
        `--cert-dir=${l.pki.dir}`,
        `--tls-cert-file=${l.pki.servingCert}`,
        `--tls-private-key-file=${l.pki.servingKey}`,
        `--client-ca-file=${l.pki.caCert}`,
        '--authorization-mode=RBAC',
        `--service-cluster-ip-range=${serviceClusterIpRange}`,
        `--service-account-issuer=${serviceAccountIssuer}`,
        `--service-account-key-file=${l.pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${l.pki.serviceAccountKey}`,
        '--allow-privileged=true',
        // The loopback advertise address may not be written into the kubernetes Endpoints; nothing in-cluster dials it.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
      ];
    case 'kube-controller-manager':
      return [
        `--kubeconfig=${l.kubeconfigPath}`,
        `--authentication-kubeconfig=${l.kubeconfigPath}`,
        `--authorization-kubeconfig=${l.kubeconfigPath}`,
        '--controllers=*',
        '--leader-elect=false',
        '--use-service-account-credentials=false',
        `--service-account-private-key-file=${l.pki.serviceAccountKey}`,
        `--root-ca-file=${l.pki.caCert}`,
        `--cluster-signing-cert-file=${l.pki.caCert}`,
        `--cluster-signing-key-file=${l.pki.caKey}`,
        `--service-cluster-ip-range=${serviceClusterIpRange}`,
        // No metrics/health endpoint: nothing scrapes it, and one less port to collide.
        '--secure-port=0',
        '--profiling=false',
      ];
    case 'kube-scheduler':
      return [
        `--kubeconfig=${l.kubeconfigPath}`,
        `--authentication-kubeconfig=${l.kubeconfigPath}`,
        `--authorization-kubeconfig=${l.kubeconfigPath}`,
        '--leader-elect=false',
        '--secure-port=0',
        '--profiling=false',
      ];
    case 'kwok':
      return [
        `--kubeconfig=${l.kubeconfigPath}`,
        `--config=${l.kwokConfigPath}`,
        `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation}=fake`,
        `--cidr=${podCidr}`,
        '--node-ip=127.0.0.1',
        '--node-lease-duration-seconds=40',
      ];
  }
}

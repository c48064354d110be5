import { KubeConfig } from './client-node-kubeconfig.ts';

/**
 * Loads a kubeconfig: the given file, else in-cluster config when running in a Pod, else the default
 * ($KUBECONFIG or ~/.kube/config, resolved by client-node). Throws when the file cannot be read.
 */
export function loadKubeConfig(path?: string, opts: { inCluster?: boolean } = {}): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (opts.inCluster) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

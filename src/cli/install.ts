import { Command } from 'commander';

/** `driftless install [--export]`: CRDs, namespace, RBAC and the in-cluster Deployment. */
export function installCommand(): Command {
  return new Command('install')
    .description('install the CRDs, the flux-system namespace, RBAC and the manager Deployment')
    .option('--export', 'print the manifests as YAML instead of applying them', false)
    .option(
      '--crds-only',
      'install only the CRDs and the namespace (for running the manager outside the cluster); with --export, print only the CRDs',
      false,
    )
    .option('--namespace <ns>', 'namespace of the manager', 'flux-system')
    .option('--image <ref>', 'manager container image', 'driftless:0.1.0')
    .option('--kubeconfig <file>', 'kubeconfig to use')
    .action(
      async (o: { export: boolean; crdsOnly: boolean; namespace: string; image: string; kubeconfig?: string }) => {
        // Loaded here, not at the top: the manifests and the client are what `--help` need not pay for.
        if (o.export) {
          const { exportManifests } = await import('../install/manifests.ts');
          process.stdout.write(exportManifests({ namespace: o.namespace, image: o.image, crdsOnly: o.crdsOnly }));
          return;
        }
        const [{ install }, { KubeClient }, { loadKubeConfig }] = await Promise.all([
          import('../install/install.ts'),
          import('../kube/client.ts'),
          import('../kube/config.ts'),
        ]);
        const client = new KubeClient({ kubeConfig: loadKubeConfig(o.kubeconfig) });
        await install(client, {
          namespace: o.namespace,
          image: o.image,
          crdsOnly: o.crdsOnly,
          log: (l) => process.stderr.write(`${l}\n`),
        });
        process.stderr.write('✔ install finished\n');
      },
    );
}

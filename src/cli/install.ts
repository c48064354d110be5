import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { packageRoot } from '../util/package-root.ts';
import type { FluxInstance } from '../api/flux-instance.ts';

/** The FluxInstance of `--instance`, checked against what this version can run; errors name the file. */
async function readInstanceFile(file: string, namespace: string): Promise<FluxInstance> {
  const [{ readInstance }, { availableComponents }] = await Promise.all([
    import('../install/instance.ts'),
    import('../main.ts'),
  ]);
  return readInstance(await readFile(file, 'utf8'), file, namespace, availableComponents());
}

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
    .option(
      '--image <ref>',
      'manager container image (default: the image `npm run image` built, by digest; else driftless:<version> by tag)',
    )
    .option(
      '--no-cluster-reconciler',
      'do not bind cluster-admin (objects are then applied only as the service accounts Kustomizations and HelmReleases name)',
    )
    .option(
      '--instance <file>',
      'a FluxInstance manifest: its spec.components become the manager’s --controllers, each spec.sharding shard gets a Deployment of its own, and the instance is applied too',
    )
    .option('--kubeconfig <file>', 'kubeconfig to use')
    .action(
      async (o: {
        export: boolean;
        crdsOnly: boolean;
        namespace: string;
        image?: string;
        clusterReconciler: boolean;
        instance?: string;
        kubeconfig?: string;
      }) => {
        // Loaded here, not at the top: the manifests and the client are what `--help` need not pay for.
        const [{ exportManifests, packageVersion }, { installImage, readImageRecord }] = await Promise.all([
          import('../install/manifests.ts'),
          import('../install/image.ts'),
        ]);
        if (o.instance && o.crdsOnly)
          throw new Error(
            '--instance shapes the manager Deployments, which --crds-only leaves out: give one or the other',
          );
        let image = o.image;
        if (!image && !o.crdsOnly) {
          const root = packageRoot();
          const chosen = installImage(packageVersion(), readImageRecord(root));
          if (chosen.note) process.stderr.write(`! ${chosen.note}\n`);
          image = chosen.image;
        }
        const manifestOpts = {
          namespace: o.namespace,
          clusterReconciler: o.clusterReconciler,
          ...(image ? { image } : {}),
          ...(o.instance ? { instance: await readInstanceFile(o.instance, o.namespace) } : {}),
        };
        if (o.export) {
          process.stdout.write(exportManifests({ ...manifestOpts, crdsOnly: o.crdsOnly }));
          return;
        }
        const [{ install }, { KubeClient }, { loadKubeConfig }] = await Promise.all([
          import('../install/install.ts'),
          import('../kube/client.ts'),
          import('../kube/config.ts'),
        ]);
        const client = new KubeClient({ kubeConfig: loadKubeConfig(o.kubeconfig) });
        await install(client, {
          ...manifestOpts,
          crdsOnly: o.crdsOnly,
          log: (l) => process.stderr.write(`${l}\n`),
        });
        process.stderr.write('✔ install finished\n');
      },
    );
}

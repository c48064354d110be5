// The image-automation part of `driftless dev --images`: a local registry (the project's one registry
// starter) holding `demo/web:1.0.0`, and the files it adds to the seeded repository under `images/`: a
// Deployment whose image carries a setter marker, and the ImageRepository, ImagePolicy and
// ImageUpdateAutomation that keep it at the newest semver tag by committing to `main`.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { Groups } from '../api/constants.ts';
import { RegistryClient } from '../sources/oci/client.ts';
import { pushArtifact } from '../sources/oci/push.ts';
import { registryBinDir, startRegistry, type RunningRegistry } from './oci-registry.ts';

/** Where the demo objects live, and their name. */
export const ImageDemo = { namespace: 'flux-system', name: 'web', repository: 'demo/web', deployment: 'image-demo' };

/** The running demo registry and what the session adds to the repository. */
export interface DevImages {
  registry: RunningRegistry;
  /** `<registry host>/demo/web`. */
  image: string;
  /** Files to seed the repository with, by path. */
  files: Record<string, string>;
  /** The command that tags a newer image (oras, from the provisioned binaries), for the user to run. */
  tagCommand(tag: string): string[];
}

/** Starts the registry under `dir`, pushes `demo/web:1.0.0`, and returns the demo's files. */
export async function startDevImages(dir: string): Promise<DevImages> {
  await rm(dir, { recursive: true, force: true });
  const registry = await startRegistry({ dir });
  try {
    const image = `${registry.host}/${ImageDemo.repository}`;
    const client = new RegistryClient({ registry: registry.host, repository: ImageDemo.repository });
    await pushArtifact({ client, tag: '1.0.0', layer: Buffer.from('driftless dev image demo'), meta: {} });
    return {
      registry,
      image,
      files: demoFiles(image),
      tagCommand: (tag) => [path.join(registryBinDir(), 'oras'), 'tag', '--plain-http', `${image}:1.0.0`, tag],
    };
  } catch (err) {
    await registry.stop();
    throw err;
  }
}

/** The demo's manifests; the marker is the only thing the automation edits. */
export function demoFiles(image: string): Record<string, string> {
  const { namespace, name, deployment } = ImageDemo;
  const apiVersion = `${Groups.image}/v1`;
  const marker = `# {"$imagepolicy": "${namespace}:${name}"}`;
  const objects = [
    {
      apiVersion,
      kind: 'ImageRepository',
      metadata: { name, namespace },
      // A short interval stands in for a registry webhook, so a new tag is seen within seconds.
      spec: { image, interval: '5s' },
    },
    {
      apiVersion,
      kind: 'ImagePolicy',
      metadata: { name, namespace },
      spec: { imageRepositoryRef: { name }, policy: { semver: { range: '>=1.0.0' } } },
    },
    {
      apiVersion,
      kind: 'ImageUpdateAutomation',
      metadata: { name, namespace },
      spec: {
        interval: '1m',
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
        git: {
          checkout: { ref: { branch: 'main' } },
          commit: {
            author: { name: 'driftless dev', email: 'dev@driftless.local' },
            messageTemplate:
              'Update images\n\n{{ range .Changed.Changes }}- {{ .OldValue }} -> {{ .NewValue }}\n{{ end }}',
          },
          push: { branch: 'main' },
        },
        update: { strategy: 'Setters', path: './images' },
      },
    },
  ];
  const deploymentYaml = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${deployment}
  namespace: ${namespace}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${deployment}
  template:
    metadata:
      labels:
        app: ${deployment}
    spec:
      containers:
        - name: web
          image: ${image}:1.0.0 ${marker}
`;
  return {
    'images/automation.yaml': objects.map((o) => stringify(o)).join('---\n'),
    'images/deployment.yaml': deploymentYaml,
  };
}

/**
 * The seed files with the demo's added. A seed with a root kustomization.yaml (examples/ has one) lists its
 * resources, so the demo's files are appended to them there, or kustomize would leave them out.
 */
export function withDemoFiles(seed: Record<string, string>, demo: Record<string, string>): Record<string, string> {
  const files = { ...seed, ...demo };
  if (Object.keys(demo).length === 0) return files;
  const root = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].find((f) => seed[f] !== undefined);
  if (!root) return files;
  const doc = parseDocument(seed[root]!);
  const listed = doc.get('resources') as { items?: unknown[] } | undefined;
  const present = new Set((listed?.items ?? []).map((i) => String((i as { value?: unknown }).value ?? i)));
  for (const file of Object.keys(demo).sort())
    if (!present.has(file)) {
      if (listed) doc.addIn(['resources'], file);
      else doc.set('resources', doc.createNode([file]));
    }
  files[root] = doc.toString();
  return files;
}

// The field-support table of every kind whose CRD Driftless installs (see field-support.ts).
import type { KindFieldSupport } from './field-support-types.ts';
import { ArtifactGeneratorFieldSupport, ExternalArtifactFieldSupport } from './field-support-artifact-generator.ts';
import { BucketFieldSupport } from './field-support-bucket.ts';
import { FluxInstanceFieldSupport } from './field-support-flux-instance.ts';
import { GitRepositoryFieldSupport, KustomizationFieldSupport } from './field-support-kustomize.ts';
import { OCIRepositoryFieldSupport } from './field-support-oci.ts';
import { HelmChartFieldSupport, HelmRepositoryFieldSupport } from './field-support-helm-source.ts';
import { HelmReleaseFieldSupport } from './field-support-helm-release.ts';
import {
  ImagePolicyFieldSupport,
  ImageRepositoryFieldSupport,
  ImageUpdateAutomationFieldSupport,
} from './field-support-image.ts';
import { AlertFieldSupport, ProviderFieldSupport, ReceiverFieldSupport } from './field-support-notification.ts';

/** Field support by kind, in the order README's "Not done yet" lists the refusals. */
export const FieldSupportTables: Readonly<Record<string, KindFieldSupport>> = {
  GitRepository: GitRepositoryFieldSupport,
  OCIRepository: OCIRepositoryFieldSupport,
  Kustomization: KustomizationFieldSupport,
  Bucket: BucketFieldSupport,
  HelmRepository: HelmRepositoryFieldSupport,
  HelmChart: HelmChartFieldSupport,
  ArtifactGenerator: ArtifactGeneratorFieldSupport,
  ExternalArtifact: ExternalArtifactFieldSupport,
  HelmRelease: HelmReleaseFieldSupport,
  ImageRepository: ImageRepositoryFieldSupport,
  ImagePolicy: ImagePolicyFieldSupport,
  ImageUpdateAutomation: ImageUpdateAutomationFieldSupport,
  Provider: ProviderFieldSupport,
  Alert: AlertFieldSupport,
  Receiver: ReceiverFieldSupport,
  FluxInstance: FluxInstanceFieldSupport,
  // The report's spec is what Driftless observed and wrote; no user sets it, so nothing in it can be ignored.
  FluxReport: { output: 'written by the FluxReport reconciler, never read as desired state' },
};

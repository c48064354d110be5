// ImageUpdateAutomation (image.toolkit.fluxcd.io/v1): schema, type and defaults, from one source (Flux 2.9's fields).
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Groups } from './constants.ts';
import { GitRepositoryRefSchema } from './git-repository.ts';
import { ImageRefSchema } from './image-policy.ts';
import { CommonStatusProperties, LocalObjectReferenceSchema, StatusDefault, kubeObjectSchema } from './meta.ts';
import type { FluxObject } from './meta.ts';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { DateTime, Duration, NamespaceName, ObjectName, StringEnum, StringMap, described } from './schema-types.ts';

/** Flux's reasons specific to ImageUpdateAutomation (api/v1/condition_types.go). */
export const AutomationReasons = {
  InvalidUpdateStrategy: 'InvalidUpdateStrategy',
  InvalidSourceConfiguration: 'InvalidSourceConfiguration',
  SourceManagerFailed: 'SourceManagerFailed',
  GitOperationFailed: 'GitOperationFailed',
  UpdateFailed: 'UpdateFailed',
  InvalidPolicySelector: 'InvalidPolicySelector',
  RemovedTemplateField: 'RemovedTemplateField',
  AccessDenied: 'AccessDenied',
} as const;

/** A Kubernetes label selector (`matchLabels`, `matchExpressions`). */
export const LabelSelectorSchema = Type.Object({
  matchLabels: Type.Optional(StringMap()),
  matchExpressions: Type.Optional(
    Type.Array(
      Type.Object({
        key: Type.String(),
        operator: Type.String({ description: 'In, NotIn, Exists or DoesNotExist.' }),
        values: Type.Optional(Type.Array(Type.String())),
      }),
    ),
  ),
});
/** A label selector. */
export type LabelSelector = Static<typeof LabelSelectorSchema>;

const CommitUserSchema = Type.Object({
  name: Type.Optional(Type.String({ description: 'Name of the commit author.' })),
  email: Type.String({ description: 'Email of the commit author.' }),
});

const SigningKeySchema = Type.Object({
  secretRef: described(
    LocalObjectReferenceSchema,
    "Secret with the key: 'git.asc' (and 'passphrase') for gpg, 'identity' (and 'password') for ssh.",
  ),
  type: Type.Optional(StringEnum(['gpg', 'ssh'] as const, { description: 'Key format; default gpg.' })),
});

/** `spec.git`. */
export const GitSpecSchema = Type.Object({
  checkout: Type.Optional(
    Type.Object(
      { ref: described(GitRepositoryRefSchema, 'Branch, tag or commit to clone; default the GitRepository spec.ref.') },
      { description: 'What to check out before making changes.' },
    ),
  ),
  commit: Type.Object(
    {
      author: described(CommitUserSchema, 'Author (and committer) of the commits.'),
      signingKey: Type.Optional(described(SigningKeySchema, 'Key the commits are signed with.')),
      messageTemplate: Type.Optional(Type.String({ description: 'Go text/template of the commit message.' })),
      messageTemplateValues: Type.Optional(StringMap({ description: 'Extra values for the template (.Values).' })),
    },
    { description: 'How to commit.' },
  ),
  push: Type.Optional(
    Type.Object(
      {
        branch: Type.Optional(Type.String({ description: 'Branch to push to; default the checkout branch.' })),
        refspec: Type.Optional(Type.String({ description: 'Refspec to push as well.' })),
        options: Type.Optional(StringMap({ description: 'git push options sent to the server.' })),
      },
      { description: 'Where to push.' },
    ),
  ),
});
/** `spec.git`. */
export type GitSpec = Static<typeof GitSpecSchema>;

/** `spec` of an ImageUpdateAutomation. */
export const ImageUpdateAutomationSpecSchema = Type.Object({
  sourceRef: Type.Object(
    {
      apiVersion: Type.Optional(Type.String()),
      kind: StringEnum(['GitRepository'] as const, { default: 'GitRepository' }),
      name: ObjectName(),
      namespace: Type.Optional(NamespaceName()),
    },
    { description: 'The GitRepository to check out, update and push to.' },
  ),
  git: Type.Optional(described(GitSpecSchema, 'Git checkout, commit and push settings.')),
  interval: Duration({ description: 'How often the automation runs.' }),
  policySelector: Type.Optional(
    described(LabelSelectorSchema, 'Which ImagePolicies of the namespace apply; default all.'),
  ),
  update: Type.Optional(
    Type.Object(
      {
        strategy: Type.Optional(StringEnum(['Setters'] as const, { default: 'Setters' })),
        path: Type.Optional(Type.String({ description: 'Directory of the manifests to update; default the root.' })),
      },
      { default: { strategy: 'Setters' }, description: 'How files are updated.' },
    ),
  ),
  suspend: Type.Optional(Type.Boolean({ description: 'Stop running this automation while true.' })),
});
/** `spec` of an ImageUpdateAutomation. */
export type ImageUpdateAutomationSpec = Static<typeof ImageUpdateAutomationSpecSchema>;

/** `status` of an ImageUpdateAutomation; defaults to `{observedGeneration: -1}`. */
export const ImageUpdateAutomationStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    lastAutomationRunTime: Type.Optional(DateTime()),
    lastPushCommit: Type.Optional(Type.String()),
    lastPushTime: Type.Optional(DateTime()),
    observedPolicies: Type.Optional(Type.Record(Type.String(), ImageRefSchema)),
    observedSourceRevision: Type.Optional(Type.String()),
  },
  { default: StatusDefault },
);
/** `status` of an ImageUpdateAutomation. */
export type ImageUpdateAutomationStatus = Static<typeof ImageUpdateAutomationStatusSchema>;

/** The whole ImageUpdateAutomation object. */
export const ImageUpdateAutomationSchema = kubeObjectSchema(
  ImageUpdateAutomationSpecSchema,
  ImageUpdateAutomationStatusSchema,
);

/** An ImageUpdateAutomation object. */
export type ImageUpdateAutomation = FluxObject<ImageUpdateAutomationSpec, ImageUpdateAutomationStatus>;

/** CRD definition of ImageUpdateAutomation (columns, names as Flux's). */
export const ImageUpdateAutomationCrd: CrdDefinition = {
  group: Groups.image,
  version: 'v1',
  kind: 'ImageUpdateAutomation',
  plural: 'imageupdateautomations',
  singular: 'imageupdateautomation',
  shortNames: ['iua', 'imgupd', 'imgauto'],
  categories: ['all', 'fluxcd', 'fluxcd-images'],
  description: 'ImageUpdateAutomation writes the latest images of ImagePolicies into a Git repository.',
  specSchema: ImageUpdateAutomationSpecSchema,
  statusSchema: ImageUpdateAutomationStatusSchema,
  printerColumns: [
    ReadyColumn,
    StatusColumn,
    { name: 'Last run', type: 'string', jsonPath: '.status.lastAutomationRunTime', priority: 1 },
    AgeColumn,
  ],
};

// ImagePolicy (image.toolkit.fluxcd.io/v1): schema, type and spec defaults, from one source (Flux 2.9's fields).
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Groups } from './constants.ts';
import { CommonStatusProperties, NamespacedObjectReferenceSchema, StatusDefault, kubeObjectSchema } from './meta.ts';
import type { FluxObject } from './meta.ts';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { Duration, StringEnum, described } from './schema-types.ts';

/** Sort orders of the alphabetical and numerical policies. */
export const PolicyOrders = ['asc', 'desc'] as const;

/** `spec.policy`: one of semver, alphabetical, numerical. */
export const ImagePolicyChoiceSchema = Type.Object({
  semver: Type.Optional(
    Type.Object(
      { range: Type.String({ description: 'Semver range; the highest version in it that is a tag wins.' }) },
      { description: 'Semantic version policy.' },
    ),
  ),
  alphabetical: Type.Optional(
    Type.Object(
      {
        order: Type.Optional(
          StringEnum(PolicyOrders, { default: 'asc', description: 'asc selects Z of A..Z, desc selects A.' }),
        ),
      },
      { description: 'Alphabetical ordering policy.' },
    ),
  ),
  numerical: Type.Optional(
    Type.Object(
      {
        order: Type.Optional(
          StringEnum(PolicyOrders, { default: 'asc', description: 'asc selects 9 of 0..9, desc selects 0.' }),
        ),
      },
      { description: 'Numerical ordering policy.' },
    ),
  ),
});
/** `spec.policy` of an ImagePolicy. */
export type ImagePolicyChoice = Static<typeof ImagePolicyChoiceSchema>;

/** `spec.filterTags`. */
export const TagFilterSchema = Type.Object({
  pattern: Type.Optional(Type.String({ description: 'Regular expression (RE2) the tags must match.' })),
  extract: Type.Optional(
    Type.String({ description: 'Replacement template ($name, ${name}, $1) giving the value to compare.' }),
  ),
});
/** `spec.filterTags` of an ImagePolicy. */
export type TagFilter = Static<typeof TagFilterSchema>;

/** Allowed `spec.digestReflectionPolicy` values. */
export const ReflectionPolicies = ['Always', 'IfNotPresent', 'Never'] as const;

/** `spec` of an ImagePolicy. */
export const ImagePolicySpecSchema = Type.Object({
  imageRepositoryRef: described(NamespacedObjectReferenceSchema, 'The ImageRepository whose tags are selected from.'),
  policy: described(ImagePolicyChoiceSchema, 'How the latest tag is selected.'),
  filterTags: Type.Optional(described(TagFilterSchema, 'Which tags take part, and what of them is compared.')),
  digestReflectionPolicy: Type.Optional(
    StringEnum(ReflectionPolicies, {
      default: 'Never',
      description: 'When status.latestRef.digest is set: Never, IfNotPresent or Always.',
    }),
  ),
  interval: Type.Optional(
    Duration({ description: 'Digest refresh interval; only with digestReflectionPolicy Always.' }),
  ),
  suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object while true.' })),
});
/** `spec` of an ImagePolicy. */
export type ImagePolicySpec = Static<typeof ImagePolicySpecSchema>;

/** An image reference of the status. */
export const ImageRefSchema = Type.Object({
  name: Type.String({ description: "The image's name." }),
  tag: Type.String({ description: "The image's tag." }),
  digest: Type.Optional(Type.String({ description: "The image's digest." })),
});
/** `status.latestRef` of an ImagePolicy. */
export type ImageRef = Static<typeof ImageRefSchema>;

/** `status` of an ImagePolicy; defaults to `{observedGeneration: -1}`. */
export const ImagePolicyStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    latestRef: Type.Optional(ImageRefSchema),
    observedPreviousRef: Type.Optional(ImageRefSchema),
  },
  { default: StatusDefault },
);
/** `status` of an ImagePolicy. */
export type ImagePolicyStatus = Static<typeof ImagePolicyStatusSchema>;

/** The whole ImagePolicy object. */
export const ImagePolicySchema = kubeObjectSchema(ImagePolicySpecSchema, ImagePolicyStatusSchema);

/** An ImagePolicy object. */
export type ImagePolicy = FluxObject<ImagePolicySpec, ImagePolicyStatus>;

/** CRD definition of ImagePolicy (columns, names and CEL rules as Flux's). */
export const ImagePolicyCrd: CrdDefinition = {
  group: Groups.image,
  version: 'v1',
  kind: 'ImagePolicy',
  plural: 'imagepolicies',
  singular: 'imagepolicy',
  shortNames: ['imgpol', 'imagepol'],
  categories: ['all', 'fluxcd', 'fluxcd-images'],
  description: 'ImagePolicy selects the latest tag of an ImageRepository by a policy.',
  specSchema: ImagePolicySpecSchema,
  statusSchema: ImagePolicyStatusSchema,
  printerColumns: [
    { name: 'Image', type: 'string', jsonPath: '.status.latestRef.name' },
    { name: 'Tag', type: 'string', jsonPath: '.status.latestRef.tag' },
    ReadyColumn,
    StatusColumn,
    AgeColumn,
  ],
  validations: [
    {
      rule: "!has(self.spec.interval) || (has(self.spec.digestReflectionPolicy) && self.spec.digestReflectionPolicy == 'Always')",
      message: "spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'",
    },
    {
      rule: "has(self.spec.interval) || !has(self.spec.digestReflectionPolicy) || self.spec.digestReflectionPolicy != 'Always'",
      message: "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
    },
  ],
};

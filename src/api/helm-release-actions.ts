// The action sections of a HelmRelease spec (install, upgrade, test, rollback, uninstall), Flux 2.9's.
// install and upgrade share their strategy, remediation and common switches, built by one factory.
import { Type } from '@sinclair/typebox';
import type { Static, TProperties } from '@sinclair/typebox';
import { Duration, StringEnum } from './schema-types.ts';

const CrdsPolicy = () => StringEnum(['Skip', 'Create', 'CreateReplace'] as const);
const SsaMode = () => StringEnum(['enabled', 'disabled', 'auto'] as const);

/**
 * The fields install and upgrade share: `timeout`, `strategy` (its retryInterval rule per action),
 * `remediation` (plus the action's own remediation fields: upgrade's `strategy`), the disable* switches; then the action's own `rest`.
 */
function releaseActionSchema<R extends TProperties, T extends TProperties>(o: {
  strategyRule: { rule: string; message: string };
  remediation: R;
  rest: T;
}) {
  return Type.Object({
    timeout: Type.Optional(Duration()),
    strategy: Type.Optional(
      Type.Object(
        {
          name: StringEnum(['RemediateOnFailure', 'RetryOnFailure'] as const),
          retryInterval: Type.Optional(Duration()),
        },
        { 'x-kubernetes-validations': [o.strategyRule] },
      ),
    ),
    remediation: Type.Optional(
      Type.Object({
        retries: Type.Optional(Type.Integer()),
        ignoreTestFailures: Type.Optional(Type.Boolean()),
        remediateLastFailure: Type.Optional(Type.Boolean()),
        ...o.remediation,
      }),
    ),
    disableTakeOwnership: Type.Optional(Type.Boolean()),
    disableWait: Type.Optional(Type.Boolean()),
    disableWaitForJobs: Type.Optional(Type.Boolean()),
    disableHooks: Type.Optional(Type.Boolean()),
    disableOpenAPIValidation: Type.Optional(Type.Boolean()),
    disableSchemaValidation: Type.Optional(Type.Boolean()),
    ...o.rest,
  });
}

export const InstallSchema = releaseActionSchema({
  strategyRule: {
    message: ".retryInterval cannot be set when .name is 'RemediateOnFailure'",
    rule: "!has(self.retryInterval) || self.name != 'RemediateOnFailure'",
  },
  remediation: {},
  rest: {
    replace: Type.Optional(Type.Boolean()),
    skipCRDs: Type.Optional(Type.Boolean()),
    crds: Type.Optional(CrdsPolicy()),
    createNamespace: Type.Optional(Type.Boolean()),
    serverSideApply: Type.Optional(Type.Boolean()),
  },
});
export type Install = Static<typeof InstallSchema>;

export const UpgradeSchema = releaseActionSchema({
  strategyRule: {
    message: ".retryInterval can only be set when .name is 'RetryOnFailure'",
    rule: "!has(self.retryInterval) || self.name == 'RetryOnFailure'",
  },
  remediation: { strategy: Type.Optional(StringEnum(['rollback', 'uninstall'] as const)) },
  rest: {
    force: Type.Optional(Type.Boolean()),
    preserveValues: Type.Optional(Type.Boolean()),
    cleanupOnFail: Type.Optional(Type.Boolean()),
    crds: Type.Optional(CrdsPolicy()),
    serverSideApply: Type.Optional(SsaMode()),
    chartNameChangeStrategy: Type.Optional(StringEnum(['InPlaceUpdate', 'Reinstall'] as const)),
  },
});
export type Upgrade = Static<typeof UpgradeSchema>;

export const TestSchema = Type.Object({
  enable: Type.Optional(Type.Boolean()),
  timeout: Type.Optional(Duration()),
  ignoreFailures: Type.Optional(Type.Boolean()),
  filters: Type.Optional(
    Type.Array(
      Type.Object({ name: Type.String({ minLength: 1, maxLength: 253 }), exclude: Type.Optional(Type.Boolean()) }),
    ),
  ),
});
export type HelmTest = Static<typeof TestSchema>;

export const RollbackSchema = Type.Object({
  timeout: Type.Optional(Duration()),
  disableWait: Type.Optional(Type.Boolean()),
  disableWaitForJobs: Type.Optional(Type.Boolean()),
  disableHooks: Type.Optional(Type.Boolean()),
  recreate: Type.Optional(Type.Boolean()),
  force: Type.Optional(Type.Boolean()),
  cleanupOnFail: Type.Optional(Type.Boolean()),
  serverSideApply: Type.Optional(SsaMode()),
});
export type Rollback = Static<typeof RollbackSchema>;

export const UninstallSchema = Type.Object({
  timeout: Type.Optional(Duration()),
  disableHooks: Type.Optional(Type.Boolean()),
  keepHistory: Type.Optional(Type.Boolean()),
  disableWait: Type.Optional(Type.Boolean()),
  deletionPropagation: Type.Optional(
    StringEnum(['background', 'foreground', 'orphan'] as const, { default: 'background' }),
  ),
});
export type Uninstall = Static<typeof UninstallSchema>;

// Provider type → notifier factory, and the dispatch filters Flux applies per provider type.
import type { FluxEvent } from '../event.ts';
import { CommitStatusUpdateValue, EventAnnotationGroup, MetadataKeys, metadataValue } from '../event.ts';
import { alertmanager } from './alertmanager.ts';
import { azuredevops } from './azure-devops.ts';
import { bitbucket } from './bitbucket.ts';
import { bitbucketserver } from './bitbucket-server.ts';
import { datadog } from './datadog.ts';
import { discord } from './discord.ts';
import { generic } from './generic.ts';
import { genericHmac } from './generic-hmac.ts';
import { gitea } from './gitea.ts';
import { github } from './github.ts';
import { githubdispatch } from './github-dispatch.ts';
import { githubpullrequestcomment } from './github-pr-comment.ts';
import { giteapullrequestcomment } from './gitea-pr-comment.ts';
import { gitlabmergerequestcomment } from './gitlab-mr-comment.ts';
import { gitlab } from './gitlab.ts';
import { googlechat } from './google-chat.ts';
import { grafana } from './grafana.ts';
import { incidentio } from './incidentio.ts';
import { lark } from './lark.ts';
import { matrix } from './matrix.ts';
import { msteams } from './msteams.ts';
import { nats } from './nats.ts';
import { NotificationError, NotificationReasons } from './errors.ts';
import { opsgenie } from './opsgenie.ts';
import { pagerduty } from './pagerduty.ts';
import { rocket } from './rocket.ts';
import { sentry } from './sentry.ts';
import { slack } from './slack.ts';
import { telegram } from './telegram.ts';
import { webex } from './webex.ts';
import { zoom } from './zoom.ts';
import { zulip } from './zulip.ts';
import { ChangeRequestProviderTypes, CommitStatusProviderTypes } from './types.ts';
import type { Notifier, NotifierFactory, ProviderConfig, ProviderType } from './types.ts';

/** Every supported provider type and its factory. */
export const providerFactories: Record<ProviderType, NotifierFactory> = {
  generic,
  'generic-hmac': genericHmac,
  slack,
  msteams,
  discord,
  googlechat,
  rocket,
  webex,
  telegram,
  matrix,
  lark,
  alertmanager,
  grafana,
  opsgenie,
  pagerduty,
  sentry,
  datadog,
  github,
  gitlab,
  gitea,
  bitbucket,
  bitbucketserver,
  azuredevops,
  githubdispatch,
  zulip,
  zoom,
  'incident.io': incidentio,
  githubpullrequestcomment,
  gitlabmergerequestcomment,
  giteapullrequestcomment,
  nats,
};

/** Whether `type` has a factory. */
export function isProviderType(type: string): type is ProviderType {
  return Object.hasOwn(providerFactories, type);
}

/**
 * Builds the notifier for `cfg.type`. Throws `NotificationError` with `UnsupportedProviderType`
 * for unknown types (listing the supported ones) or `InvalidProviderConfig` from the factory.
 */
export function createNotifier(cfg: ProviderConfig): Notifier {
  const type: string = cfg.type;
  if (!isProviderType(type)) {
    throw new NotificationError({
      reason: NotificationReasons.UnsupportedType,
      providerType: type,
      message: `provider type ${JSON.stringify(type)} is not supported; supported types: ${Object.keys(providerFactories).join(', ')}`,
    });
  }
  return providerFactories[type](cfg);
}

/** Whether `type` posts git commit statuses. */
export function isCommitStatusProvider(type: string): boolean {
  return (CommitStatusProviderTypes as readonly string[]).includes(type);
}

/**
 * Flux's per-type dispatch filter (event_handlers.go getNotificationParams): events flagged
 * `<group>/commit_status: update` go only to commit-status and generic providers; commit-status
 * providers only take events that carry `event.toolkit.fluxcd.io/commit`, that flag, or severity
 * error. (The `pending` state comes from the flagged Progressing event a Kustomization records when
 * it starts a revision; other Progressing events, like change sets, stay out of commit statuses.)
 * Change-request comment providers only take events whose object carries the
 * `event.toolkit.fluxcd.io/change_request` annotation (and never the commit-status flagged ones).
 * Works on raw events and on events after `mergeMetadata` (prefixes stripped).
 */
export function providerAcceptsEvent(type: string, event: FluxEvent): boolean {
  const commitStatusUpdate = metadataValue(event, MetadataKeys.commitStatus) === CommitStatusUpdateValue;
  const generic = type === 'generic' || type === 'generic-hmac';
  if ((ChangeRequestProviderTypes as readonly string[]).includes(type)) {
    return (
      !commitStatusUpdate &&
      Boolean(
        event.metadata?.[`${EventAnnotationGroup}/${MetadataKeys.changeRequest}`] ??
        event.metadata?.[MetadataKeys.changeRequest],
      )
    );
  }
  if (!isCommitStatusProvider(type)) return generic || !commitStatusUpdate;
  const hasCommit = Boolean(
    event.metadata?.[`${EventAnnotationGroup}/${MetadataKeys.commit}`] ?? event.metadata?.[MetadataKeys.commit],
  );
  return hasCommit || commitStatusUpdate || event.severity === 'error';
}

// Notification providers: one file per type behind `Notifier`, chosen from `providerFactories`.
export {
  createNotifier,
  isCommitStatusProvider,
  isProviderType,
  providerAcceptsEvent,
  providerFactories,
} from './registry.ts';
export { CommitStatusMemo } from './commit-status-memo.ts';
export { commitStateOf, defaultCommitStatusContext, ProgressingReason } from './commit-status.ts';
export type { CommitState, CommitStatus } from './commit-status.ts';
export { CommitStatusExprError, parseCommitStatusExpr } from './commit-status-expr.ts';
export { NotificationDispatchFailedReason, NotificationError, NotificationReasons } from './errors.ts';
export type { NotificationReason } from './errors.ts';
export { DefaultTimeoutMs } from './http.ts';
export { CommitStatusProviderTypes, ProviderTypes } from './types.ts';
export type {
  DeliveryObserver,
  FetchLike,
  Notifier,
  NotifierFactory,
  PostContext,
  ProviderConfig,
  ProviderType,
  RetryOptions,
} from './types.ts';

// Alert matching, metadata merge and duplicate limiting: the pure half of the notification pipeline.
export { compileGoRegexp, InvalidRegexpError, InvalidConfigReason } from './go-regexp.ts';
export type { GoRegexp } from './go-regexp.ts';
export { alertMatches, matchAlerts, validateAlertPatterns } from './match.ts';
export type { MatchOptions } from './match.ts';
export { mergeMetadata, MetadataConflictReason, MetadataSources } from './metadata.ts';
export type { MergedEvent, MetadataConflict } from './metadata.ts';
export { DefaultRateLimitIntervalMs, eventRateLimitKey, RateLimiter } from './rate-limiter.ts';
export type { RateLimiterOptions } from './rate-limiter.ts';
export { NotificationApiVersion } from './types.ts';
export type { Alert, AlertSpec, EventSourceRef, LocalObjectReference, Provider, ProviderSpec } from './types.ts';

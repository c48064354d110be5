// Shapes shared by the receiver validators, the resource resolver and the receiver HTTP app.

/** Receiver types (notification.toolkit.fluxcd.io/v1 `spec.type`) that Driftless validates. */
export const ReceiverTypes = {
  generic: 'generic',
  genericHmac: 'generic-hmac',
  github: 'github',
  gitlab: 'gitlab',
  bitbucket: 'bitbucket',
  harbor: 'harbor',
  dockerhub: 'dockerhub',
  quay: 'quay',
  gcr: 'gcr',
  nexus: 'nexus',
  acr: 'acr',
} as const;

/** One of the receiver type strings in {@link ReceiverTypes}. */
export type ReceiverType = (typeof ReceiverTypes)[keyof typeof ReceiverTypes];

/** An entry of `spec.resources`: the object to annotate, or `name: '*'` with `matchLabels` for many. */
export interface ReceiverResourceRef {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
  matchLabels?: Record<string, string>;
  /** Per-resource CEL filter over `res` and `req` (see resource-filter.ts); it makes coalescing body-aware. */
  filter?: string;
}

/** The part of a Receiver's spec the webhook side reads. */
export interface ReceiverSpec {
  type: string;
  events?: string[];
  resources: ReceiverResourceRef[];
  /** CEL over `res`/`req` (see resource-filter.ts); it makes coalescing body-aware. */
  resourceFilter?: string;
  suspend?: boolean;
}

/** A webhook call as validators see it: case-insensitive headers and the raw body bytes. */
export interface ReceiverRequest {
  headers: Headers;
  body: Buffer;
}

/** What a validator knows of the Receiver: its spec, the Secret's `token`, and the rest of the Secret (gcr `email`, `audience`). */
export interface ReceiverCredentials {
  spec: ReceiverSpec;
  token: string;
  secret?: Readonly<Record<string, string>>;
}

/**
 * A validator's verdict. `ok: true` with `ignored` means "authentic, but nothing to do" (an event type
 * filtered out by `spec.events`, a GitHub `ping`): the server answers 200 without triggering.
 */
export type ValidationResult =
  { ok: true; ignored?: string; summary?: string } | { ok: false; status: number; reason: string };

/** Authenticates one webhook call for one receiver type. */
export interface ReceiverValidator {
  validate(req: ReceiverRequest, receiver: ReceiverCredentials): ValidationResult | Promise<ValidationResult>;
}

/**
 * Status for every authentication or payload failure: 400, like notification-controller (which answers
 * 400 for any validation error) and bad-inputs row 27; a distinct 401 would tell a prober which part failed.
 */
export const VALIDATION_FAILED_STATUS = 400;

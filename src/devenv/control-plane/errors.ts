/** Reasons a local control plane fails, in the Flux condition-reason style. */
export const ControlPlaneReason = {
  MissingBinary: 'MissingBinary',
  CertificateFailed: 'CertificateFailed',
  ProcessExited: 'ProcessExited',
  StartTimeout: 'StartTimeout',
  AlreadyRunning: 'AlreadyRunning',
  ApiRequestFailed: 'ApiRequestFailed',
} as const;

/** One of the `ControlPlaneReason` values. */
export type ControlPlaneReason = (typeof ControlPlaneReason)[keyof typeof ControlPlaneReason];

/** Error raised while starting, probing or stopping the local control plane; `reason` says which step failed. */
export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';
  readonly reason: ControlPlaneReason;

  constructor(opts: { reason: ControlPlaneReason; message: string; cause?: unknown }) {
    super(opts.message, { cause: opts.cause });
    this.reason = opts.reason;
  }
}

// Typed errors of the Helm repository client; controllers map them to Flux's reasons at the step boundary.

/** The server answered with a status other than 200 (the message is Helm's getter's: `failed to fetch <url> : <status>`). */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  constructor(
    readonly url: string,
    readonly status: number,
    statusText: string,
  ) {
    super(`failed to fetch ${url} : ${status} ${statusText}`.trimEnd());
  }
}

/** A download exceeded its size limit; it was stopped there, never buffered in full. */
export class SizeLimitError extends Error {
  override readonly name = 'SizeLimitError';
  constructor(
    readonly what: string,
    readonly limit: number,
  ) {
    super(`${what} exceeds the maximum size of ${limit} bytes`);
  }
}

/** The connection failed, timed out or the TLS handshake was refused. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
}

/** The repository index could not be parsed or validated. */
export class IndexError extends Error {
  override readonly name = 'IndexError';
}

/** Why a chart build failed, with source-controller's BuildErrorReason (reason and summary). */
export class ChartBuildError extends Error {
  override readonly name = 'ChartBuildError';
  constructor(
    readonly reason: ChartBuildReason,
    detail: string,
  ) {
    super(`${BuildSummaries[reason]}: ${detail}`);
  }
  /** source-controller stalls on these: only a spec change can fix them. */
  get persistent(): boolean {
    return (
      this.reason === 'InvalidChartReference' ||
      this.reason === 'MetadataPatchError' ||
      this.reason === 'ValuesFilesError'
    );
  }
}

/** source-controller's chart BuildErrorReason values and their summaries (internal/helm/chart/errors.go). */
export const BuildSummaries = {
  InvalidChartReference: 'invalid chart reference',
  ChartPullError: 'chart pull error',
  MetadataPatchError: 'chart metadata patch error',
  ValuesFilesError: 'values files merge error',
  DependencyBuildError: 'dependency build error',
  ChartPackageError: 'chart package error',
  ChartVerificationError: 'chart verification error',
  Unknown: 'unknown build error',
} as const;
/** A chart build failure reason. */
export type ChartBuildReason = keyof typeof BuildSummaries;

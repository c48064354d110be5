import { pino } from 'pino';

export type Logger = pino.Logger;

/** Keys whose values are never logged, wherever they appear in a log record. */
const REDACT_PATHS = [
  'password',
  'token',
  'bearerToken',
  'identity',
  'data',
  'stringData',
  'authorization',
  '*.password',
  '*.token',
  '*.bearerToken',
  '*.identity',
  '*.data',
  '*.stringData',
  '*.authorization',
  '*.headers.authorization',
];

/** A JSON logger (pino) that redacts credential-looking fields and strips URL userinfo from messages. */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === 'string' ? redactUrls(a) : a)) as typeof args;
          method.apply(this, redacted);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    (opts.destination ?? process.stderr) as pino.DestinationStream,
  );
}

/** Removes `user:pass@` from any URL in a string. */
export function redactUrls(s: string): string {
  return s.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1');
}

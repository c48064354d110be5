// Go (RE2) regular expressions for Alert inclusion/exclusion lists. re2js is a port of RE2, so the
// syntax and error messages are Go's, and matching is linear in the message length: a tenant's
// pattern such as `(a+)+b` or `.*a.*b` cannot stall the event pipeline the way a backtracking
// engine (JavaScript's RegExp) would on a 39,000-character message.
import type * as Re2js from 're2js';
import type { RE2JS } from 're2js';
import { lazyModule } from '../../util/lazy-module.ts';

// Loaded on the first pattern (most installations compile none).
const re2js = lazyModule<typeof Re2js>('re2js');

/** Condition reason Flux uses for Alert configuration problems (the warning event it records). */
export const InvalidConfigReason = 'InvalidConfig';

/** A pattern that is not valid Go RE2 syntax (lookarounds, backreferences, `\Z`, counts over 1000…). */
export class InvalidRegexpError extends Error {
  override readonly name: string = 'InvalidRegexpError';
  readonly reason: string = InvalidConfigReason;
  /** The rejected pattern. */
  readonly pattern: string;
  /** Where it came from, e.g. `spec.inclusionList[0]`. */
  readonly field: string;

  constructor(options: { pattern: string; field: string; detail: string }) {
    super(
      `invalid regular expression ${JSON.stringify(options.pattern)} in ${options.field}: ${options.detail}; ` +
        'Alert lists use Go RE2 syntax (no lookarounds or backreferences; see https://github.com/google/re2/wiki/Syntax)',
    );
    this.pattern = options.pattern;
    this.field = options.field;
  }
}

/** A compiled Go regular expression; `test` is true when it matches anywhere in the input, like Go's `MatchString`. */
export interface GoRegexp {
  readonly source: string;
  test(input: string): boolean;
}

/**
 * Compiles `pattern` with Go RE2 semantics. Throws `InvalidRegexpError` naming `field` for syntax
 * Go rejects, with Go's own explanation (e.g. "invalid or unsupported Perl syntax: `(?=`").
 */
export function compileGoRegexp(pattern: string, field = 'pattern'): GoRegexp {
  let re: RE2JS;
  try {
    re = re2js().RE2JS.compile(pattern);
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    throw new InvalidRegexpError({ pattern, field, detail });
  }
  return { source: pattern, test: (input) => re.matcher(input).find() };
}

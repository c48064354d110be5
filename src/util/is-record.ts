// The one "is this a JSON object?" guard. src/util imports nothing else from src, so every layer,
// src/kube and src/runtime included, may use it.

/**
 * True for a non-null object that is not an array (a parsed JSON or YAML mapping), narrowing it to a
 * record of unknown values. Class instances such as Date or Map also pass: callers use it on parsed data.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Typed errors of SOPS decryption. Messages name the file or object and what to do; they never carry plaintext,
// key material or sops's own output (which may quote values).
import { BuildError } from './errors.ts';

/** A SOPS-encrypted file or Secret could not be decrypted; `source` names it. */
export class DecryptionError extends BuildError {
  override readonly name: string = 'DecryptionError';
  /** The file (relative to the source) or the object (`Secret/ns/name`) that did not decrypt. */
  readonly source: string;

  constructor(options: { source: string; message: string; cause?: unknown }) {
    super({ message: options.message, cause: options.cause });
    this.source = options.source;
  }
}

/** The file's data key is wrapped only by key types Driftless cannot use (cloud KMS, Vault). */
export class UnsupportedKeyTypeError extends DecryptionError {
  override readonly name: string = 'UnsupportedKeyTypeError';
  /** The key types the file lists, sorted. */
  readonly keyTypes: readonly string[];

  constructor(options: { source: string; message: string; keyTypes: readonly string[] }) {
    super({ source: options.source, message: options.message });
    this.keyTypes = options.keyTypes;
  }
}

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into UTF-8 text lines, correct across chunk boundaries: lines are cut on the
 * newline byte (which never occurs inside a multi-byte UTF-8 sequence) and decoded only once whole,
 * so a character split between two network chunks is never corrupted. Empty lines are skipped.
 */
export class LineDecoder {
  /** Bytes of the unfinished line, kept as received so a long line is joined once, not per chunk. */
  private pending: Buffer[] = [];

  /** Feeds one chunk; returns the lines it completes (without their newline). */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf(NEWLINE, start)) >= 0) {
      this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset + start, nl - start));
      this.emit(lines);
      start = nl + 1;
    }
    if (start < chunk.length)
      this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset + start, chunk.length - start));
    return lines;
  }

  /** Ends the stream; returns the last line when it had no trailing newline. */
  end(): string[] {
    const lines: string[] = [];
    this.emit(lines);
    return lines;
  }

  private emit(lines: string[]): void {
    const line = (this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending)).toString('utf8').trim();
    this.pending = [];
    if (line) lines.push(line);
  }
}

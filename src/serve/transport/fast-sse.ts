/**
 * A server-sent-events scanner that works on the response bytes themselves: it finds line ends
 * with `Buffer.indexOf` (native code), decodes only the value of `data:` lines, and never builds
 * strings for anything else. It follows the same rules as `eventsource-parser` (line ends `\n`,
 * `\r` or `\r\n`; one optional space after the colon; several `data` lines joined with `\n`; an
 * event ends at a blank line; a leading byte-order mark is skipped), so the load generator's
 * hot path yields exactly the events the protocol parsers see. A last event that the server
 * closes without a blank line still counts.
 */

const LF = 10;
const CR = 13;
const SPACE = 32;
const COLON = 58;

export class SseDataScanner {
  /** Bytes of a line whose end has not arrived yet. */
  private partial: Buffer | null = null;
  private data = "";
  private dataLines = 0;
  private firstLine = true;
  /** The previous read ended with `\r`: a `\n` opening the next read belongs to the same line end. */
  private skipLeadingLf = false;

  constructor(private readonly onData: (data: string) => void) {}

  /** Feeds the next bytes of the body; `onData` is called for every event they complete. */
  push(bytes: Buffer): void {
    if (bytes.length === 0) return;
    let start = 0;
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (bytes[0] === LF) start = 1;
    }
    if (bytes.indexOf(CR, start) === -1) this.scanLfOnly(bytes, start);
    else this.scanAnyLineEnd(bytes, start);
  }

  /** The body ended: an unfinished line and an event without its blank line still count. */
  end(): void {
    if (this.partial !== null) {
      const line = this.partial;
      this.partial = null;
      this.line(line, 0, line.length);
    }
    this.dispatch();
  }

  private scanLfOnly(bytes: Buffer, from: number): void {
    let start = from;
    let lf = bytes.indexOf(LF, start);
    while (lf !== -1) {
      this.completeLine(bytes, start, lf);
      start = lf + 1;
      lf = bytes.indexOf(LF, start);
    }
    this.keepPartial(bytes, start);
  }

  private scanAnyLineEnd(bytes: Buffer, from: number): void {
    let start = from;
    for (let i = from; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte !== LF && byte !== CR) continue;
      this.completeLine(bytes, start, i);
      if (byte === CR) {
        if (i + 1 === bytes.length) this.skipLeadingLf = true;
        else if (bytes[i + 1] === LF) i++;
      }
      start = i + 1;
    }
    this.keepPartial(bytes, start);
  }

  private completeLine(bytes: Buffer, start: number, end: number): void {
    if (this.partial === null) {
      this.line(bytes, start, end);
      return;
    }
    const line = Buffer.concat([this.partial, bytes.subarray(start, end)]);
    this.partial = null;
    this.line(line, 0, line.length);
  }

  private keepPartial(bytes: Buffer, start: number): void {
    if (start >= bytes.length) return;
    // Copied: the caller may reuse its buffer once `push` returns.
    const rest = Buffer.from(bytes.subarray(start));
    this.partial = this.partial === null ? rest : Buffer.concat([this.partial, rest]);
  }

  private line(bytes: Buffer, lineStart: number, end: number): void {
    let start = lineStart;
    if (this.firstLine) {
      this.firstLine = false;
      if (end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf) start += 3;
    }
    if (start === end) {
      this.dispatch();
      return;
    }
    if (!startsWithData(bytes, start, end)) return; // comments and other fields
    if (end - start === 4) {
      // A bare `data` line (no colon) adds an empty line of data.
      this.appendData("");
    } else if (bytes[start + 4] === COLON) {
      const valueStart = bytes[start + 5] === SPACE ? start + 6 : start + 5;
      this.appendData(bytes.toString("utf8", valueStart, end));
    }
  }

  private appendData(value: string): void {
    this.data = this.dataLines === 0 ? value : `${this.data}\n${value}`;
    this.dataLines++;
  }

  private dispatch(): void {
    if (this.dataLines === 0) return;
    const data = this.data;
    this.data = "";
    this.dataLines = 0;
    this.onData(data);
  }
}

/** `d`, `a`, `t`, `a` at `start`. */
function startsWithData(bytes: Buffer, start: number, end: number): boolean {
  return end - start >= 4 && bytes[start] === 100 && bytes[start + 1] === 97 && bytes[start + 2] === 116 && bytes[start + 3] === 97;
}

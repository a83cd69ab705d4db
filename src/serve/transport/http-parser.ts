/**
 * An incremental HTTP/1.1 response parser for the load generator's own connections: status line,
 * headers, then a body framed by `Transfer-Encoding: chunked`, `Content-Length`, or the end of
 * the connection. Body bytes are handed on as views of the read buffer, without copying.
 * Informational (1xx) responses are skipped.
 */

const CR = 13;
const LF = 10;
/** Status line plus headers larger than this is not a response worth waiting for. */
const MAX_HEAD_BYTES = 64 * 1024;

export interface ResponseHead {
  statusCode: number;
  /** The server lets the connection be reused after this response. */
  keepAlive: boolean;
  /** `Keep-Alive: timeout=N` from the server, in ms. */
  keepAliveTimeoutMs: number | undefined;
}

export interface ResponseParserSink {
  head(head: ResponseHead): void;
  /** Body bytes; valid only during the call. */
  body(bytes: Buffer): void;
  /** The response is complete. */
  complete(): void;
}

export class HttpParseError extends Error {
  readonly code = "HPE_INVALID_RESPONSE";

  constructor(message: string) {
    super(`invalid HTTP response: ${message}`);
    this.name = "HttpParseError";
  }
}

type State = "head" | "chunk-size" | "chunk-data" | "chunk-data-end" | "trailers" | "length" | "until-close" | "done";

export class ResponseParser {
  private state: State = "head";
  private headText = "";
  private lineText = "";
  /** Bytes left in the current chunk or `Content-Length` body. */
  private remaining = 0;
  private keepAlive = true;

  constructor(private readonly sink: ResponseParserSink) {}

  /** True once the response is complete; the connection then holds no more bytes of it. */
  get done(): boolean {
    return this.state === "done";
  }

  /** True while the body runs until the connection closes, so the close completes it. */
  get readsUntilClose(): boolean {
    return this.state === "until-close";
  }

  /** Parses `bytes[start, end)`; throws HttpParseError, or when bytes follow a complete response. */
  push(bytes: Buffer, start: number, end: number): void {
    let at = start;
    while (at < end) {
      switch (this.state) {
        case "head":
          at = this.readHead(bytes, at, end);
          break;
        case "chunk-size":
        case "chunk-data-end":
        case "trailers":
          at = this.readLine(bytes, at, end);
          break;
        case "chunk-data":
        case "length": {
          const take = Math.min(this.remaining, end - at);
          this.sink.body(bytes.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            if (this.state === "length") this.finish();
            else this.state = "chunk-data-end";
          }
          break;
        }
        case "until-close":
          this.sink.body(bytes.subarray(at, end));
          at = end;
          break;
        case "done":
          throw new HttpParseError("bytes after the end of the response");
      }
    }
  }

  /** The connection closed: completes a body that runs until the close; false if the response was cut short. */
  closed(): boolean {
    if (this.state === "until-close") {
      this.finish();
      return true;
    }
    return this.state === "done";
  }

  private readHead(bytes: Buffer, start: number, end: number): number {
    this.headText += bytes.toString("latin1", start, end);
    const blank = findBlankLine(this.headText);
    if (blank === undefined) {
      if (this.headText.length > MAX_HEAD_BYTES) throw new HttpParseError("headers too large");
      return end;
    }
    const head = this.headText.slice(0, blank.index);
    const consumed = this.headText.length - (end - start);
    this.headText = "";
    this.parseHead(head);
    // Bytes after the blank line belong to the body (or the next response after a 1xx).
    return start + (blank.index + blank.length - consumed);
  }

  private parseHead(head: string): void {
    const lines = head.split(/\r?\n/);
    const status = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? "");
    if (!status) throw new HttpParseError(`bad status line ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
    const statusCode = Number(status[2]);
    // 1xx answers are informational; the real response follows on the same connection.
    if (statusCode >= 100 && statusCode < 200) return;
    let contentLength: number | undefined;
    let chunked = false;
    let connection = "";
    let keepAliveTimeoutMs: number | undefined;
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index] as string;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new HttpParseError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "content-length") {
        if (!/^\d+$/.test(value)) throw new HttpParseError(`bad content-length ${JSON.stringify(value)}`);
        contentLength = Number(value);
      } else if (name === "transfer-encoding") {
        chunked = value.toLowerCase().split(",").pop()?.trim() === "chunked";
      } else if (name === "connection") {
        connection = value.toLowerCase();
      } else if (name === "keep-alive") {
        const timeout = /timeout=(\d+)/i.exec(value);
        if (timeout) keepAliveTimeoutMs = Number(timeout[1]) * 1000;
      }
    }
    const http10 = status[1] === "0";
    this.keepAlive = http10 ? connection.includes("keep-alive") : !connection.includes("close");
    this.sink.head({ statusCode, keepAlive: this.keepAlive, keepAliveTimeoutMs });
    if (statusCode === 204 || statusCode === 304) this.finish();
    else if (chunked) this.state = "chunk-size";
    else if (contentLength !== undefined) this.startLength(contentLength);
    else {
      this.keepAlive = false;
      this.state = "until-close";
    }
  }

  private startLength(length: number): void {
    this.remaining = length;
    this.state = "length";
    if (length === 0) this.finish();
  }

  /** Reads one CRLF-terminated line of chunked framing. */
  private readLine(bytes: Buffer, start: number, end: number): number {
    const lf = bytes.indexOf(LF, start);
    if (lf === -1 || lf >= end) {
      this.lineText += bytes.toString("latin1", start, end);
      if (this.lineText.length > MAX_HEAD_BYTES) throw new HttpParseError("chunk framing line too long");
      return end;
    }
    let line = this.lineText + bytes.toString("latin1", start, lf);
    this.lineText = "";
    if (line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
    this.framingLine(line);
    return lf + 1;
  }

  private framingLine(line: string): void {
    if (this.state === "chunk-data-end") {
      if (line !== "") throw new HttpParseError("chunk data longer than its size");
      this.state = "chunk-size";
    } else if (this.state === "chunk-size") {
      const semicolon = line.indexOf(";");
      const sizeText = (semicolon === -1 ? line : line.slice(0, semicolon)).trim();
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new HttpParseError(`bad chunk size ${JSON.stringify(sizeText.slice(0, 20))}`);
      const size = parseInt(sizeText, 16);
      if (size === 0) this.state = "trailers";
      else {
        this.remaining = size;
        this.state = "chunk-data";
      }
    } else if (line === "") {
      this.finish(); // the blank line after the last chunk's trailers
    }
  }

  private finish(): void {
    this.state = "done";
    this.sink.complete();
  }

  /** Whether the connection may carry another request once this response is done. */
  get reusable(): boolean {
    return this.keepAlive;
  }
}

function findBlankLine(text: string): { index: number; length: number } | undefined {
  const crlf = text.indexOf("\r\n\r\n");
  const lf = text.indexOf("\n\n");
  if (crlf === -1 && lf === -1) return undefined;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return { index: crlf, length: 4 };
  return { index: lf, length: 2 };
}

/** The contract between the load generator's request sender and the transports that carry its requests. */
export type TransportKind = "auto" | "fast" | "undici";

export interface TransportHandler {
  /** The request is on its way; `abort` may be called from now on. */
  onStart(abort: (reason: Error) => void): void;
  /** The request's bytes were written to an open connection (again, if it had to be sent again). */
  onRequestWritten(): void;
  onResponseStart(statusCode: number): void;
  /** Body bytes; valid only during the call. */
  onResponseData(chunk: Buffer): void;
  onResponseEnd(): void;
  onResponseError(error: Error): void;
}

export interface TransportRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Transport {
  send(request: TransportRequest, handler: TransportHandler): void;
  /** Closes every connection. */
  close(): Promise<void>;
}

export interface TransportOptions {
  kind: TransportKind;
  /** Connections to open at most; null for no limit. */
  connections: number | null;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

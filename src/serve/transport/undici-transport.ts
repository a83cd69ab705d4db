/** The `undici` transport: one undici `Agent`, for `https:` and for comparison with the fast one. */
import { Agent, type Dispatcher } from "undici";
import type { Transport, TransportHandler, TransportRequest } from "./types.js";

export class UndiciTransport implements Transport {
  private readonly agent: Agent;
  private readonly origin: string;

  constructor(url: URL, connections: number | null, timeouts: { headersTimeoutMs: number; bodyTimeoutMs: number }) {
    this.origin = url.origin;
    this.agent = new Agent({
      connections,
      pipelining: 1,
      headersTimeout: timeouts.headersTimeoutMs,
      bodyTimeout: timeouts.bodyTimeoutMs,
    });
  }

  send(request: TransportRequest, handler: TransportHandler): void {
    this.agent.dispatch(
      { origin: this.origin, path: request.path, method: "POST", headers: request.headers, body: request.body },
      new UndiciHandler(handler),
    );
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

class UndiciHandler implements Dispatcher.DispatchHandler {
  constructor(private readonly handler: TransportHandler) {}

  /** undici starts a request on a connected socket and writes it right after this returns, in the same turn. */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.handler.onStart((reason) => controller.abort(reason));
    this.handler.onRequestWritten();
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.handler.onResponseStart(statusCode);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.handler.onResponseData(chunk);
  }

  onResponseEnd(): void {
    this.handler.onResponseEnd();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.handler.onResponseError(error);
  }
}

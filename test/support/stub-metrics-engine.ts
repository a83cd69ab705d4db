/**
 * A loopback HTTP server standing in for an engine's `/metrics` and `/health`, answering what
 * the test sets: a recorded exposition, an error status, or nothing at all (a hung engine).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type StubAnswer = { status: number; body: string; contentType?: string } | "hang";

export interface StubEngine extends AsyncDisposable {
  readonly url: string;
  /** Requests served so far, by path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startStubEngine(answer: (path: string) => StubAnswer): Promise<StubEngine> {
  const hits = new Map<string, number>();
  const hung = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://stub").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const reply = answer(path);
    if (reply === "hang") {
      hung.add(res);
      return;
    }
    res.writeHead(reply.status, { "content-type": reply.contentType ?? "text/plain; version=0.0.4; charset=utf-8" });
    res.end(reply.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const res of hung) res.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  return { url: `http://127.0.0.1:${port}`, hits, close, [Symbol.asyncDispose]: close };
}

/**
 * A pass-through HTTP proxy in front of an engine that records the prompt of every generation
 * request (`/v1/completions`, and the last message of `/v1/chat/completions`) in the order the
 * requests arrived. Everything else passes unrecorded.
 */
import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordingProxy extends AsyncDisposable {
  readonly url: string;
  /** Prompts of the generation requests so far, in arrival order. */
  readonly prompts: string[];
}

const GENERATION_PATHS = new Set(["/v1/completions", "/v1/chat/completions"]);

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const prompts: string[] = [];
  const server = createServer((incoming, outgoing) => {
    void readBody(incoming).then((body) => {
      if (GENERATION_PATHS.has(incoming.url ?? "")) prompts.push(promptOf(body));
      const forwarded = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on("error", () => outgoing.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    prompts,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    incoming.on("data", (part: Buffer) => parts.push(part));
    incoming.on("end", () => resolve(Buffer.concat(parts)));
    incoming.on("error", reject);
  });
}

function promptOf(body: Buffer): string {
  const parsed = JSON.parse(body.toString("utf8")) as { prompt?: unknown; messages?: Array<{ content?: unknown }> };
  if (typeof parsed.prompt === "string") return parsed.prompt;
  return String(parsed.messages?.at(-1)?.content ?? "");
}

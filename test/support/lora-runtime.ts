/**
 * The runtime's LoRA routes as tests serve them: mounted in a parent app as `kitt runtime`
 * mounts them, listening on a loopback port the OS picks, with kitt's downloader counting its
 * calls.
 */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import type { FetchArtifact } from "../../src/runtime-sidecar/lora/adapter-cache.js";
import { downloadArtifact } from "../../src/runtime-sidecar/lora/artifact-download.js";
import { loraRoutes, type LoraRoutesDeps } from "../../src/runtime-sidecar/lora-routes.js";

export interface CountingFetcher {
  fetch: FetchArtifact;
  /** URIs fetched, in order. */
  calls: string[];
}

/** kitt's downloader, counting its calls; `delayMs` keeps each download in flight a while first. */
export function countingDownloader(delayMs = 0): CountingFetcher {
  const calls: string[] = [];
  const fetch: FetchArtifact = async (uri, destDir, signal) => {
    calls.push(uri);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return downloadArtifact(uri, destDir, signal);
  };
  return { fetch, calls };
}

export interface LoraRuntime extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** POSTs JSON (or GETs without a body) and answers the status and the parsed body. */
  call(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** `token`: `/v1/*` needs it as a bearer token, as `kitt runtime` guards its API. */
export async function serveLoraRoutes(deps: LoraRoutesDeps, token?: string): Promise<LoraRuntime> {
  const app = new Hono();
  // The runtime app's own error answer, which the routes' own must win over.
  app.onError((error, c) => (error instanceof HTTPException ? error.getResponse() : c.json({ error: `runtime app: ${error.message}` }, 500)));
  if (token !== undefined) app.use("/v1/*", bearerAuth({ token }));
  app.route("/", loraRoutes(deps));
  const server: ServerType = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise((resolve) => {
      (server as Server).close(() => resolve());
      (server as Server).closeAllConnections();
    }));
  return {
    url,
    async call(path, body) {
      const response = await fetch(url + path, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

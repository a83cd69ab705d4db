/** A real `kitt web` app on a free port from the OS, over a store of the fixture runs, and a client for it. */
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { vi } from "vitest";
import { createApp, type AppOptions, type WebApp } from "../../src/server/app.js";
import { WebServer } from "../../src/server/web-server.js";

export const storeFixtures = fileURLToPath(new URL("../fixtures/store/", import.meta.url));

/** A suite run's folder with per-item outputs: the fixture run plus an items file (two right, one wrong). */
export async function runWithItems(startedAt = "2026-03-01T10:00:00.000Z"): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), "kitt-web-items-")), "run");
  await cp(join(storeFixtures, "kitt-run"), dir, { recursive: true });
  const metrics = JSON.parse(await readFile(join(dir, "metrics.json"), "utf8")) as { timestamp: string };
  // Another start time, so it is a different run from the fixture's.
  metrics.timestamp = startedAt;
  await writeFile(join(dir, "metrics.json"), JSON.stringify(metrics, null, 2));
  const items = [
    { key: "doc-0", subject: "astronomy", scores: { acc: 1 }, detail: { answer: "B" } },
    { key: "doc-1", subject: "astronomy", scores: { acc: 0 }, detail: { answer: "<script>alert(1)</script>" } },
    { key: "doc-2", subject: "virology", scores: { acc: 1 }, detail: { answer: "D" } },
  ];
  await writeFile(join(dir, "throughput-run1.items.jsonl"), items.map((item) => JSON.stringify(item)).join("\n") + "\n");
  return dir;
}

export interface TestServer {
  app: WebApp;
  server: WebServer;
  url: string;
  fetch(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
}

/** Without `env`, the app reads an environment of its own (a temp KITT_HOME), never this machine's model folder or keys. */
export async function startTestServer(options: AppOptions): Promise<TestServer> {
  const env = options.env ?? { KITT_HOME: await mkdtemp(join(tmpdir(), "kitt-web-home-")) };
  const app = createApp({ ...options, env });
  const server = await WebServer.listen(app, { host: "127.0.0.1", port: 0 });
  return {
    app,
    server,
    url: server.url,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.token !== undefined) headers.set("authorization", `Bearer ${init.token}`);
      return fetch(`${server.url}${path}`, { ...init, headers, redirect: "manual", signal: AbortSignal.timeout(10_000) });
    },
  };
}

/** What a command function printed on stdout. */
export async function stdoutOf(work: () => Promise<void>): Promise<string> {
  let out = "";
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await work();
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

/** The app's routes as (method, path), from the router itself; middleware entries left out. */
export function registeredRoutes(app: WebApp): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  const routes: Array<{ method: string; path: string }> = [];
  for (const route of app.routes) {
    if (route.method === "ALL") continue;
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method: route.method, path: route.path });
  }
  return routes;
}

/** A route's path with its parameters filled in. */
export function concretePath(path: string, value = "0000"): string {
  return path.replace(/:[A-Za-z_]+/g, encodeURIComponent(value));
}

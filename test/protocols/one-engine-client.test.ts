/**
 * Every HTTP request to an engine goes through kitt's engine client (`src/protocols/http`), so
 * that timeouts, aborts and the wording of ENGINE_REQUEST_FAILED are the same everywhere. Only
 * the serving benchmark's transports (`src/serve/transport`) send on their own, for speed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));
const ALLOWED = ["protocols/http/", "serve/transport/"];

/** A value import from undici, node's HTTP client, or a use of the global `fetch`; `import type` is no request. */
const SENDS = /^import (?!type )[^;]*from "undici"|^import [^;]*\b(request|get|Agent)\b[^;]*from "node:https?"|\bfetch\(/m;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : /\.tsx?$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe("requests to engines", () => {
  it("are sent only by the engine client and the serving benchmark's transports", () => {
    const senders = sources(SRC)
      .filter((file) => SENDS.test(readFileSync(file, "utf8")))
      .map((file) => relative(SRC, file).split("\\").join("/"));
    const elsewhere = senders.filter((file) => !ALLOWED.some((folder) => file.startsWith(folder)));
    // The Hugging Face download is no engine, nor is Devon, the model manager kitt web proxies,
    // nor kitt web, which kitt agent calls (the protocol client, preflight's health check and the
    // package download, all through the agent's one pinned connector).
    expect(elsewhere.sort()).toEqual([
      "agent/agent-client.ts",
      "agent/agent-preflight.ts",
      "agent/agent-update.ts",
      "agent/server-connection.ts",
      "downloads/hf/hub-api.ts",
      "downloads/hf/hub-request.ts",
      "server/devon/devon-proxy.ts",
      "server/devon/devon-status.ts",
    ]);
    expect(senders.some((file) => file.startsWith("protocols/http/"))).toBe(true);
  });
});

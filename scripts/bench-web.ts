/**
 * How fast `kitt web` answers under load: fills a temp SQLite store with 10,000 runs, starts the
 * built `kitt web` on it (a separate process, token required) and sends `GET
 * /api/v1/runs?engine=…&limit=50` from 20 concurrent clients, reporting p50/p99 latency.
 * Run: `npm run build && npx tsx scripts/bench-web.ts [--requests N]`.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { percentile } from "../src/stats.js";
import { openStore } from "../src/store/results-store.js";
import { FILL_ENGINES, fillStore } from "./lib/fill-store.js";
import { scriptArgs } from "./lib/script-args.js";

const args = scriptArgs("npx tsx scripts/bench-web.ts [--requests N]", { requests: { type: "string", default: "2000" } });
const REQUESTS = Number(args.requests);
if (!Number.isInteger(REQUESTS) || REQUESTS < 20) {
  process.stderr.write("--requests: give a whole number of at least 20\n");
  process.exit(2);
}
const RUNS = 10_000;
const CLIENTS = 20;
const TOKEN = "bench-web-token-0123456789abcdef";
const bin = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));

const dir = await mkdtemp(join(tmpdir(), "kitt-bench-web-"));
const db = join(dir, "kitt.db");
try {
  {
    await using store = await openStore({ url: db });
    await fillStore(store, RUNS);
  }
  const web = spawn(process.execPath, [bin, "web", "--port", "0", "--db", db], {
    env: { ...process.env, KITT_HOME: dir, KITT_AUTH_TOKEN: TOKEN, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = "";
      web.stdout.setEncoding("utf8").on("data", (text: string) => {
        out += text;
        const match = /serving (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      web.once("exit", (code) => reject(new Error(`kitt web exited (${code}) before serving`)));
    });
    const headers = { authorization: `Bearer ${TOKEN}` };
    const timed = async (path: (i: number) => string): Promise<number[]> => {
      const times: number[] = [];
      let next = 0;
      const client = async (): Promise<void> => {
        while (next < REQUESTS) {
          const i = next++;
          const t0 = performance.now();
          const response = await fetch(base + path(i), { headers, signal: AbortSignal.timeout(10_000) });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`${path(i)}: HTTP ${response.status}`);
          times.push(performance.now() - t0);
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      return times;
    };
    const report = (name: string, times: number[]): void => {
      const p = (q: number) => percentile(times, q).toFixed(1).padStart(7);
      console.log(`${name.padEnd(44)} p50 ${p(50)} ms  p99 ${p(99)} ms  (${times.length} requests, ${CLIENTS} clients)`);
    };
    await timed(() => "/api/v1/runs?limit=50"); // warm-up: connections, SQLite page cache, JIT
    console.log(`store: ${RUNS} runs; kitt web at ${base}`);
    report("GET /api/v1/runs?engine=…&limit=50", await timed((i) => `/api/v1/runs?engine=${FILL_ENGINES[i % FILL_ENGINES.length]}&limit=50`));
  } finally {
    web.kill("SIGINT");
    await new Promise((resolve) => web.once("close", resolve));
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

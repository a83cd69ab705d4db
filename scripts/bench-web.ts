/**
 * How fast `kitt web` answers under load: fills a temp SQLite store with 10,000 runs, starts the
 * built `kitt web` on it (a separate process, token required) and sends `GET
 * /api/v1/runs?engine=…&limit=50` and the Results page from 20 concurrent clients, reporting
 * p50/p99 latency. Then, unless `--no-jobs`, it runs quick-test jobs on the tiny llama.cpp model
 * (native llama-server, the quick suite run five times) in pairs, one with no viewer and one with
 * 100 SSE viewers of the job's events, and reports the jobs' wall times side by side. Where
 * `taskset` exists and the machine has two cores or more, each job (its `kitt run` and engine)
 * runs on the first core and `kitt web` with this script on the others, as on a GPU server where
 * the job does not share its cores with the dashboard: the figure shows whether serving viewers
 * holds the job up, not how much CPU they take from a job that already uses every core.
 * Run: `npm run build && npx tsx scripts/bench-web.ts [--requests N] [--jobs N] [--no-jobs] [--no-pin]`.
 */
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { mean, median, percentile } from "../src/stats.js";
import { openStore } from "../src/store/results-store.js";
import { ensureTestModel, freePort } from "../test/support/llama.js";
import { cpuWindow } from "./lib/cpu-window.js";
import { FILL_ENGINES, fillStore } from "./lib/fill-store.js";
import { canPin, coresAfterFirst, pin, pinDescendants } from "./lib/cpu-pinning.js";
import { processCpuSeconds } from "./lib/process-cpu.js";
import { scriptArgs } from "./lib/script-args.js";
import { startWeb } from "./lib/web-process.js";

const args = scriptArgs("npx tsx scripts/bench-web.ts [--requests N] [--jobs N] [--no-jobs] [--no-pin]", {
  requests: { type: "string", default: "2000" },
  jobs: { type: "string", default: "4" },
  "no-jobs": { type: "boolean", default: false },
  "no-pin": { type: "boolean", default: false },
});
const REQUESTS = Number(args.requests);
const JOB_PAIRS = Number(args.jobs);
if (!Number.isInteger(REQUESTS) || REQUESTS < 20 || !Number.isInteger(JOB_PAIRS) || JOB_PAIRS < 1) {
  process.stderr.write("--requests: a whole number of at least 20; --jobs: at least 1\n");
  process.exit(2);
}
const VIEWERS = 100;
// The tiny model's quick suite takes about a second after the engine starts; run it several
// times so the job streams events for a while, as a real quick test does for minutes.
const JOB_RUNS = 5;
const MODEL = "tiny.gguf";
const RUNS = 10_000;
const CLIENTS = 20;
const TOKEN = "bench-web-token-0123456789abcdef";

const dir = await mkdtemp(join(tmpdir(), "kitt-bench-web-"));
const db = join(dir, "kitt.db");
try {
  {
    await using store = await openStore({ url: db });
    await fillStore(store, RUNS);
  }
  await mkdir(join(dir, "models"));
  await copyFile(await ensureTestModel(), join(dir, "models", MODEL));
  await using web = await startWeb({ db, env: { KITT_HOME: dir, KITT_MODEL_DIR: join(dir, "models"), KITT_AUTH_TOKEN: TOKEN } });
  const { base } = web;
  const headers = { authorization: `Bearer ${TOKEN}` };
  // undici's pool rather than fetch: fetch spends several times the server's CPU per request,
  // and on a small machine that load generator, not the server, would set the latency.
  await using pool = Object.assign(new Pool(base, { connections: CLIENTS }), { [Symbol.asyncDispose]: () => pool.close() });
  const timed = async (path: (i: number) => string): Promise<Timed> => {
    const times: number[] = [];
    const cpu = cpuWindow();
    let next = 0;
    const client = async (): Promise<void> => {
      while (next < REQUESTS) {
        const i = next++;
        const t0 = performance.now();
        const response = await pool.request({ path: path(i), method: "GET", headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
        await response.body.arrayBuffer();
        if (response.statusCode !== 200) throw new Error(`${path(i)}: HTTP ${response.statusCode}`);
        times.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    return { times, steal: cpu.end().steal };
  };
  const report = (name: string, { times, steal }: Timed): void => {
    const p = (q: number) => percentile(times, q).toFixed(1).padStart(7);
    // A virtual machine's host taking CPU time ("steal") slows server and clients alike.
    const stolen = steal === null ? "" : `, CPU steal ${steal.toFixed(0)} %`;
    console.log(`${name.padEnd(44)} p50 ${p(50)} ms  p99 ${p(99)} ms  (${times.length} requests, ${CLIENTS} clients${stolen})`);
  };
  // Warm-up: connections, SQLite's page cache, the JIT.
  await timed(() => "/api/v1/runs?limit=50");
  await timed(() => "/results");
  console.log(`store: ${RUNS} runs; kitt web at ${base}`);
  report("GET /api/v1/runs?engine=…&limit=50", await timed((i) => `/api/v1/runs?engine=${FILL_ENGINES[i % FILL_ENGINES.length]}&limit=50`));
  report("GET /results (the Results page: 25 runs)", await timed(() => "/results"));
  if (!args["no-jobs"]) {
    // The jobs get core 0 (see pinDescendants below); kitt web and this script the others.
    const others = coresAfterFirst();
    const pinned = !args["no-pin"] && canPin() && pin(process.pid, others) && pin(web.pid, others);
    console.log(pinned ? "jobs: each on core 0, kitt web and this script on the others" : "jobs: sharing the cores with kitt web and this script");
    await jobsWithViewers(base, headers, web.pid, pinned);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** Latencies of one measurement, and the share of the machine's CPU time its host took meanwhile, in percent (null off Linux). */
interface Timed {
  times: number[];
  steal: number | null;
}

/** Pairs of quick-test jobs, one without and one with 100 SSE viewers; each job's wall time is its started_at → finished_at. */
async function jobsWithViewers(base: string, headers: Record<string, string>, webPid: number, pinned: boolean): Promise<void> {
  // The viewers' own pool: each event stream holds its connection until the job ends.
  await using viewerPool = Object.assign(new Pool(base, { connections: VIEWERS }), { [Symbol.asyncDispose]: () => viewerPool.close() });
  const wall: Record<"none" | "viewers", number[]> = { none: [], viewers: [] };
  // The server's own CPU time per job: what serving the viewers costs it, whatever else the machine does.
  const serverCpu: Record<"none" | "viewers", number[]> = { none: [], viewers: [] };
  for (let pair = 0; pair < JOB_PAIRS; pair++) {
    // Each pair in the other order than the last, so a drift in the machine's speed cancels out.
    for (const mode of pair % 2 === 0 ? (["none", "viewers"] as const) : (["viewers", "none"] as const)) {
      const body = { model: MODEL, engine: "llama_cpp", runtime: "native", suite: "quick", options: { port: await freePort(), skip_warmup: true, runs: JOB_RUNS } };
      const created = await fetch(`${base}/api/v1/jobs`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      if (created.status !== 201) throw new Error(`POST /api/v1/jobs: HTTP ${created.status} ${await created.text()}`);
      const { id } = (await created.json()) as { id: string };
      await using _jobCore = pinned ? pinDescendants(webPid, "0") : undefined;
      const cpuBefore = processCpuSeconds(webPid);
      const viewers = mode === "viewers" ? Array.from({ length: VIEWERS }, () => drain(viewerPool, `/api/v1/jobs/${id}/events`, headers)) : [];
      const job = await finished(base, id, headers);
      const received = await Promise.all(viewers);
      const cpuAfter = processCpuSeconds(webPid);
      if (cpuBefore !== null && cpuAfter !== null) serverCpu[mode].push(cpuAfter - cpuBefore);
      if (received.length > 0) console.log(`job ${id}: each viewer received ${Math.round(received.reduce((a, b) => a + b, 0) / received.length / 1024)} KiB of events`);
      if (job.status !== "completed") throw new Error(`job ${id} ended ${job.status}: ${job.error ?? ""}`);
      wall[mode].push((job.finished_at! - job.started_at!) / 1000);
    }
  }
  // Medians: one job slowed by something else on the machine does not move them.
  const [none, viewers] = [median(wall.none), median(wall.viewers)];
  console.log(`quick-test job wall time, no viewer:      ${wall.none.map((s) => s.toFixed(2)).join(", ")} s (median ${none.toFixed(2)} s)`);
  console.log(`quick-test job wall time, ${VIEWERS} viewers:  ${wall.viewers.map((s) => s.toFixed(2)).join(", ")} s (median ${viewers.toFixed(2)} s)`);
  console.log(`${VIEWERS} SSE viewers add ${(((viewers - none) / none) * 100).toFixed(1)} % to the job's median wall time`);
  if (serverCpu.none.length > 0 && serverCpu.viewers.length > 0) {
    console.log(`kitt web's CPU time per job: ${mean(serverCpu.none).toFixed(2)} s without viewers, ${mean(serverCpu.viewers).toFixed(2)} s with ${VIEWERS}`);
  }
}

/** Reads an SSE stream to its end (the job's final status closes it); the bytes it got. */
async function drain(pool: Pool, path: string, headers: Record<string, string>): Promise<number> {
  const response = await pool.request({ path, method: "GET", headers, headersTimeout: 10_000, bodyTimeout: 600_000 });
  if (response.statusCode !== 200) throw new Error(`${path}: HTTP ${response.statusCode}`);
  let bytes = 0;
  for await (const chunk of response.body) bytes += (chunk as Uint8Array).byteLength;
  return bytes;
}

/** The fields of a job this script reads. */
interface JobTimes {
  status: string;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
}

async function finished(base: string, id: string, headers: Record<string, string>): Promise<JobTimes> {
  for (;;) {
    const job = (await (await fetch(`${base}/api/v1/jobs/${id}`, { headers, signal: AbortSignal.timeout(10_000) })).json()) as JobTimes;
    if (!["queued", "running"].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * How `kitt web` copes with many agents: starts the built `kitt web` (a separate process, a temp
 * home, token required) on a fresh SQLite store and then on a fresh PostgreSQL database, enrols
 * `--agents` simulated agents through the real protocol (a code each, then `register` with a
 * real-sized hardware fingerprint), and has each send a real heartbeat every second, spread
 * evenly over the second, for `--seconds` (after 2 s of warm-up). Reports each heartbeat's
 * latency (p50/p90/p99/max), the heartbeats lost (an error, no answer within the agent's 15 s,
 * or anything but 200 with commands and settings), how late this client sent them (it shares
 * the machine), the CPU used by the server, this client and everything else, the host's steal,
 * and how many agents the server shows online at the end. Target: p99 < 50 ms, none lost.
 * `--pin` runs the server on CPU 0 and this client on CPU 1 (taskset), so they do not compete;
 * `--cpu-prof DIR` has the server write its CPU profiles (`.cpuprofile`, one per store) into DIR.
 * PostgreSQL: `--pg-url`, else `KITT_TEST_PG_URL`, else the server `.ci/postgres.sh` sets up;
 * its role needs CREATEDB (the script makes a database and drops it after).
 * Run: `npm run build && npx tsx scripts/bench-agents.ts [--agents N] [--seconds N] [--store sqlite|postgres|both] [--pg-url URL] [--pin] [--cpu-prof DIR] [--json]`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { percentile } from "../src/stats.js";
import { testPostgres } from "../test/support/postgres.js";
import { canPin, pin } from "./lib/cpu-pinning.js";
import { cpuWindow, type CpuUse } from "./lib/cpu-window.js";
import { FILL_HARDWARE } from "./lib/fill-store.js";
import { heartbeatLoad } from "./lib/heartbeat-load.js";
import { scriptArgs } from "./lib/script-args.js";
import { enrolAgents } from "./lib/simulated-agents.js";
import { startWeb } from "./lib/web-process.js";

const args = scriptArgs("npx tsx scripts/bench-agents.ts [--agents N] [--seconds N] [--store sqlite|postgres|both] [--pg-url URL] [--pin] [--cpu-prof DIR] [--json]", {
  agents: { type: "string", default: "500" },
  seconds: { type: "string", default: "60" },
  store: { type: "string", default: "both" },
  "pg-url": { type: "string" },
  pin: { type: "boolean", default: false },
  "cpu-prof": { type: "string" },
  json: { type: "boolean", default: false },
});
const AGENTS = Number(args.agents);
const SECONDS = Number(args.seconds);
if (!Number.isInteger(AGENTS) || AGENTS < 1 || AGENTS > 10_000 || !Number.isInteger(SECONDS) || SECONDS < 1) {
  process.stderr.write("--agents: a whole number from 1 to 10000; --seconds: a whole number of at least 1\n");
  process.exit(2);
}
if (!["sqlite", "postgres", "both"].includes(args.store)) {
  process.stderr.write("--store takes one of sqlite, postgres, both\n");
  process.exit(2);
}
if (args.pin && !canPin()) {
  process.stderr.write("--pin needs at least 2 CPUs and taskset\n");
  process.exit(2);
}
const INTERVAL_MS = 1_000;
const WARMUP_S = 2;
/** How long `kitt agent` waits for an answer. */
const TIMEOUT_MS = 15_000;
const P99_TARGET_MS = 50;
const TOKEN = "bench-agents-token-0123456789abcdef";

/** What one store's run measured; times in ms, CPU in percent of one core (steal: of the machine). */
interface StoreResult {
  store: "sqlite" | "postgres";
  agents: number;
  seconds: number;
  pinned: boolean;
  enrol_s: number;
  heartbeats: { scheduled: number; answered: number; lost: number; lost_reasons: Record<string, number> };
  latency_ms: { p50: number; p90: number; p99: number; max: number };
  send_lag_ms: { p50: number; p99: number; max: number };
  cpu: CpuUse;
  /** Agents the server shows online, with a heartbeat in the last two intervals, once the run ended. */
  online_at_end: number;
  target_met: boolean;
}

if (args.pin) pin(process.pid, "1");
const results: StoreResult[] = [];
if (args.store !== "postgres") results.push(await benchStore("sqlite"));
if (args.store !== "sqlite") results.push(await benchStore("postgres"));
if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

async function benchStore(store: StoreResult["store"]): Promise<StoreResult> {
  const home = await mkdtemp(join(tmpdir(), "kitt-bench-agents-"));
  const postgres = store === "postgres" ? await postgresServer() : undefined;
  try {
    const db = postgres === undefined ? join(home, "kitt.db") : await postgres.createDatabase();
    const result = await againstServer(store, db, home);
    if (!args.json) report(result);
    return result;
  } finally {
    await postgres?.dropAll();
    await rm(home, { recursive: true, force: true });
  }
}

async function againstServer(store: StoreResult["store"], db: string, home: string): Promise<StoreResult> {
  await using web = await startWeb({ db, env: { KITT_HOME: home, KITT_AUTH_TOKEN: TOKEN }, cpus: args.pin ? "0" : undefined, cpuProfileDir: args["cpu-prof"] });
  // undici's pool rather than fetch: fetch spends several times the server's CPU per request,
  // and on a small machine that load generator, not the server, would set the latency.
  await using pool = Object.assign(new Pool(web.base, { connections: AGENTS }), { [Symbol.asyncDispose]: () => pool.close() });
  progress(`${store}: kitt web at ${web.base}; enrolling ${AGENTS} agents`);
  const enrolStarted = performance.now();
  const agents = await enrolAgents(pool, { humanToken: TOKEN, count: AGENTS, machines: FILL_HARDWARE, prefix: "bench" });
  const enrolS = (performance.now() - enrolStarted) / 1000;
  progress(`${store}: enrolled in ${enrolS.toFixed(1)} s; ${WARMUP_S} s of warm-up, then ${SECONDS} s measured`);
  // Warm-up: connections, the JIT, the database's caches.
  await heartbeatLoad(pool, agents, { seconds: WARMUP_S, intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS });
  const cpu = cpuWindow(web.pid);
  const load = await heartbeatLoad(pool, agents, { seconds: SECONDS, intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS });
  const use = cpu.end();
  const online = await onlineAgents(pool);
  const lost = [...load.lost.values()].reduce((a, b) => a + b, 0);
  const stat = (values: number[], p: number) => (values.length === 0 ? Number.NaN : round(percentile(values, p)));
  const latency = { p50: stat(load.latencies, 50), p90: stat(load.latencies, 90), p99: stat(load.latencies, 99), max: stat(load.latencies, 100) };
  return {
    store,
    agents: AGENTS,
    seconds: SECONDS,
    pinned: args.pin,
    enrol_s: round(enrolS),
    heartbeats: { scheduled: load.scheduled, answered: load.latencies.length, lost, lost_reasons: Object.fromEntries(load.lost) },
    latency_ms: latency,
    send_lag_ms: { p50: stat(load.lags, 50), p99: stat(load.lags, 99), max: stat(load.lags, 100) },
    cpu: { server: roundOrNull(use.server), client: round(use.client), others: roundOrNull(use.others), steal: roundOrNull(use.steal) },
    online_at_end: online,
    target_met: lost === 0 && latency.p99 < P99_TARGET_MS,
  };
}

async function onlineAgents(pool: Pool): Promise<number> {
  const response = await pool.request({ path: "/api/v1/agents", method: "GET", headers: { authorization: `Bearer ${TOKEN}` }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET /api/v1/agents: HTTP ${response.statusCode} ${text}`);
  const { agents } = JSON.parse(text) as { agents: Array<{ status: string; last_heartbeat_at: number | null }> };
  const since = Date.now() - 2 * INTERVAL_MS;
  return agents.filter((agent) => agent.status !== "offline" && (agent.last_heartbeat_at ?? 0) >= since).length;
}

async function postgresServer() {
  const url = args["pg-url"] ?? process.env.KITT_TEST_PG_URL;
  const server = await testPostgres(url);
  if (server === undefined) {
    process.stderr.write(`no PostgreSQL at ${url ?? "the address .ci/postgres.sh sets up"}: give --pg-url URL or KITT_TEST_PG_URL (bash .ci/postgres.sh prints one), or --store sqlite\n`);
    process.exit(1);
  }
  return server;
}

function report(r: StoreResult): void {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const pct = (value: number | null) => (value === null ? "?" : `${value.toFixed(0)} %`);
  const reasons = Object.entries(r.heartbeats.lost_reasons).map(([why, count]) => `${count} ${why}`).join(", ");
  console.log(`${r.store === "sqlite" ? "SQLite" : "PostgreSQL"}: ${r.agents} agents, a heartbeat each per second for ${r.seconds} s${r.pinned ? " (server on CPU 0, client on CPU 1)" : ""}`);
  console.log(`  heartbeats: ${r.heartbeats.answered} of ${r.heartbeats.scheduled} answered, ${r.heartbeats.lost} lost${reasons === "" ? "" : ` (${reasons})`}`);
  console.log(`  latency: p50 ${ms(r.latency_ms.p50)}  p90 ${ms(r.latency_ms.p90)}  p99 ${ms(r.latency_ms.p99)}  max ${ms(r.latency_ms.max)}`);
  console.log(`  client sent late by: p50 ${ms(r.send_lag_ms.p50)}  p99 ${ms(r.send_lag_ms.p99)}  max ${ms(r.send_lag_ms.max)}`);
  console.log(`  CPU (100 % = one core): kitt web ${pct(r.cpu.server)}, this client ${pct(r.cpu.client)}, everything else ${pct(r.cpu.others)}; host steal ${pct(r.cpu.steal)} of the machine`);
  console.log(`  online at the end: ${r.online_at_end} of ${r.agents}; enrolment took ${r.enrol_s.toFixed(1)} s`);
  console.log(`  target (p99 < ${P99_TARGET_MS} ms, none lost): ${r.target_met ? "met" : "not met"}`);
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(value);
}

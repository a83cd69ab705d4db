/**
 * Chaos check of kitt's lifecycle: N Docker runs of the tiny model (`kitt run -e llama_cpp` with
 * the locally built kitt/llama-cpp:cpu image; a short throughput test with warmup), each hit at a random moment by
 * SIGINT, SIGTERM, a double SIGINT or SIGKILL (then `kitt engines cleanup`), while a bystander
 * `kitt run` under its own KITT_HOME runs beside them (restarted whenever it finishes).
 * Reports, per kind of hit and overall: exit codes, containers and processes left behind (only
 * this script's), each results folder's metrics.json and database row (a temp SQLite via
 * --db) — checked after a later `kitt storage list` has run the store's stale-run check — and
 * whether every bystander run exited 0. Exits 1 when any check fails.
 *
 *   npm run build && npx tsx scripts/chaos.ts [--runs 100] [--seed N]
 *
 * Needs Docker and `kitt engines setup llama_cpp --build`. Docker calls go through a wrapper
 * that labels this script's containers and lets `docker ps` list only those, so the cleanups
 * here never touch containers of other work on the machine (the bystander's included, which
 * is the point: cleanup sees it and must leave it alone).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { uniformSampler } from "../src/models/seeded-random.js";
import { ensureTinyModel } from "../src/models/tiny-model.js";
import { findFreePort } from "../src/preflight/port.js";
import { docker } from "../src/runtime/docker-cli.js";
import { LLAMA_CPP_IMAGE } from "../src/setup/llama-cpp-image.js";
import { kittProcessesNaming, type Exit, runKitt, startKitt } from "./lib/kitt-process.js";
import { scriptArgs } from "./lib/script-args.js";

const HITS = ["SIGINT", "SIGTERM", "double SIGINT", "SIGKILL"] as const;
type Hit = (typeof HITS)[number];

const values = scriptArgs("npm run build && npx tsx scripts/chaos.ts [--runs 100] [--seed N]", { runs: { type: "string", default: "100" }, seed: { type: "string" } });
const runCount = Number(values.runs);
if (!Number.isInteger(runCount) || runCount < 1) fail(`--runs must be a positive integer, got '${values.runs}'`);
const seed = values.seed === undefined ? Math.floor(Math.random() * 1e9) : Number(values.seed);
const random = uniformSampler(seed);

const kittBin = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));
if (!existsSync(kittBin)) fail("dist/cli/bin.js is missing: run `npm run build` first");
if ((await docker(["image", "inspect", LLAMA_CPP_IMAGE])).exitCode !== 0) fail(`image ${LLAMA_CPP_IMAGE} is missing: run \`npx kitt engines setup llama_cpp --build\``);
const model = await ensureTinyModel();

const root = mkdtempSync(join(tmpdir(), "kitt-chaos-"));
const scope = scopedDocker(root);
const chaosEnv = { KITT_HOME: join(root, "home"), KITT_DOCKER: scope.path };
const db = join(root, "chaos.db");
// Short, so a run passes through every phase within seconds: preflight, image, `docker run`, readiness, warmup, test, results.
const chaosSuite = join(root, "chaos.yaml");
writeFileSync(chaosSuite, "suite_name: chaos\nversion: '1'\ntests: [throughput]\ntest_overrides: {throughput: {max_tokens: 96, warmup_iterations: 2, warmup_max_tokens: 16}}\n");
const bystanderSuite = join(root, "bystander.yaml");
writeFileSync(bystanderSuite, "suite_name: bystander\nversion: '1'\ntests: [throughput]\ntest_overrides: {throughput: {max_tokens: 128}}\n");
console.log(`kitt chaos: ${runCount} runs, seed ${seed}, files in ${root}`);

const runArgs = async (out: string): Promise<string[]> =>
  ["run", "-m", model, "-e", "llama_cpp", "--port", String(await findFreePort()), "-s", chaosSuite, "-o", out, "--db", db];

const bystander = startBystander();
await bystander.alive;

// One run without a hit, beside the bystander: how long a run takes, so hits land anywhere in it, and proof the setup works.
const calibrationOut = join(root, "results", "calibration");
const calibrationStart = performance.now();
const calibration = await runKitt(kittBin, await runArgs(calibrationOut), chaosEnv);
const runMs = performance.now() - calibrationStart;
if (calibration.exit.code !== 0) {
  await bystander.abort();
  fail(`the calibration run failed (${describeExit(calibration.exit)}):\n${calibration.stderr}`);
}
console.log(`a run without a hit takes ${(runMs / 1000).toFixed(1)} s; hits land from 0 to ${((runMs * 1.2) / 1000).toFixed(1)} s`);

interface ChaosRun {
  index: number;
  hit: Hit;
  delayMs: number;
  /** False when the run had finished before the hit. */
  landed: boolean;
  exit: Exit;
  leftoverContainers: string[];
  leftoverProcesses: string[];
  /** metrics.json's status, or "none" when the run stopped before its folder existed. */
  folder: string;
  /** The database row's status before and after `kitt storage list` ran the stale-run check. */
  rowBefore: string;
  row: string;
  failures: string[];
}

const runs: ChaosRun[] = [];
const order = Array.from({ length: runCount }, (_, i) => HITS[i % HITS.length]!).sort(() => random() - 0.5);
for (const [index, hit] of order.entries()) {
  const run = await chaosRun(index, hit, Math.round(random() * runMs * 1.2));
  runs.push(run);
  const note = run.failures.length > 0 ? `FAILED: ${run.failures.join("; ")}` : "ok";
  console.log(`run ${index + 1}/${runCount}: ${hit} at ${run.delayMs} ms → ${describeExit(run.exit)}, folder ${run.folder}, row ${run.row} — ${note}`);
}
const bystanderRuns = await bystander.finish();
report(runs, bystanderRuns);

async function chaosRun(index: number, hit: Hit, delayMs: number): Promise<ChaosRun> {
  const out = join(root, "results", `run-${index + 1}`);
  const started = Date.now();
  const kitt = startKitt(kittBin, await runArgs(out), chaosEnv);
  const failures: string[] = [];
  const landed = await Promise.race([sleep(delayMs).then(() => true), kitt.exited.then(() => false)]);
  if (landed) {
    if (hit === "SIGKILL") kitt.child.kill("SIGKILL");
    else if (hit === "SIGTERM") kitt.child.kill("SIGTERM");
    else {
      kitt.child.kill("SIGINT");
      if (hit === "double SIGINT") {
        await sleep(10 + Math.round(random() * 190));
        kitt.child.kill("SIGINT");
      }
    }
  }
  const exit = await Promise.race([kitt.exited, sleep(180_000).then(() => undefined)]);
  if (!exit) {
    kitt.child.kill("SIGKILL");
    failures.push("still running 180 s after the hit");
  }
  const final = exit ?? (await kitt.exited);
  const expected = landed ? expectedExits(hit) : ["exit code 0"];
  if (!expected.includes(describeExit(final))) failures.push(`${describeExit(final)}, expected ${expected.join(" or ")}`);
  if (hit === "SIGKILL" && landed) {
    const cleanup = await runKitt(kittBin, ["engines", "cleanup"], chaosEnv);
    if (cleanup.exit.code !== 0) failures.push(`engines cleanup: ${describeExit(cleanup.exit)}`);
  }

  const pid = kitt.child.pid!;
  const { containers: leftoverContainers, processes: leftoverProcesses } = await settle(pid, kitt.stderr());
  if (leftoverContainers.length > 0) failures.push(`containers left: ${leftoverContainers.join(", ")}`);
  if (leftoverProcesses.length > 0) failures.push(`processes left: ${leftoverProcesses.join(", ")}`);

  const rowBefore = rowStatus(pid, started);
  const list = await runKitt(kittBin, ["storage", "list", "--db", db], chaosEnv);
  if (list.exit.code !== 0) failures.push(`storage list: ${describeExit(list.exit)}`);
  const folder = folderStatus(out);
  const row = rowStatus(pid, started);
  if (folder === "running") failures.push("metrics.json still says running after the stale-run check");
  else if (!["none", "completed", "interrupted"].includes(folder)) failures.push(`metrics.json says ${folder}`);
  if (row === "running") failures.push("the database row still says running after the stale-run check");
  if (!["none", "running"].includes(folder) && !["none", "running"].includes(row) && folder !== row) failures.push(`metrics.json says ${folder}, the database ${row}`);
  return { index, hit, delayMs, landed, exit: final, leftoverContainers, leftoverProcesses, folder, rowBefore, row, failures };
}

function expectedExits(hit: Hit): string[] {
  switch (hit) {
    case "SIGKILL":
      return ["signal SIGKILL", "exit code 0"];
    case "SIGTERM":
      // A signal before kitt installed its handlers ends node by the signal itself: nothing was started yet.
      return ["exit code 143", "signal SIGTERM", "exit code 0"];
    default:
      return ["exit code 130", "signal SIGINT", "exit code 0"];
  }
}

/**
 * Waits (up to 20 s: a second Ctrl+C leaves removal to a detached `docker rm -f`) until the
 * run's containers and the processes naming them are gone; removes what is still there.
 */
async function settle(pid: number, stderr: string): Promise<{ containers: string[]; processes: string[] }> {
  const named = [...stderr.matchAll(/container (kitt-[a-z0-9-]+)/g)].map((match) => match[1]!);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const containers = await containersOf(pid);
    const names = [...new Set([...named, ...containers])];
    const processes = kittProcessesNaming(names);
    if ((containers.length === 0 && processes.length === 0) || Date.now() > deadline) {
      if (containers.length > 0) await docker(["rm", "-f", ...containers]);
      for (const left of processes) process.kill(left.pid, "SIGKILL");
      return { containers, processes: processes.map((left) => `${left.pid} (${left.command})`) };
    }
    await sleep(250);
  }
}

async function containersOf(pid: number): Promise<string[]> {
  const list = await docker(["ps", "-a", "--filter", `label=${scope.label}`, "--filter", `label=kitt.owner.pid=${pid}`, "--format", "{{.Names}}"]);
  return list.stdout.split("\n").map((name) => name.trim()).filter(Boolean);
}

function folderStatus(out: string): string {
  try {
    return String(JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).status);
  } catch {
    return "none";
  }
}

/** The status of the database row written by kitt process `pid` (started after `since`), or "none". */
function rowStatus(pid: number, since: number): string {
  if (!existsSync(db)) return "none";
  const sqlite = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const row = sqlite
      .prepare("SELECT status FROM runs WHERE owner_pid = ? AND owner_host = ? AND started_at >= ? ORDER BY started_at DESC LIMIT 1")
      .get(pid, hostname(), since - 1_000) as { status: string } | undefined;
    return row?.status ?? "none";
  } finally {
    sqlite.close();
  }
}

/** The bystander: one `kitt run` after another under its own KITT_HOME, until told to finish. */
function startBystander(): { alive: Promise<void>; finish(): Promise<Array<{ exit: Exit; folder: string }>>; abort(): Promise<void> } {
  const env = { KITT_HOME: join(root, "bystander-home"), KITT_DOCKER: scope.path };
  const results: Array<{ exit: Exit; folder: string }> = [];
  let stopping = false;
  let current: ReturnType<typeof startKitt> | undefined;
  let markAlive: () => void = () => undefined;
  const alive = new Promise<void>((resolve) => (markAlive = resolve));
  const loop = (async () => {
    for (let n = 1; !stopping; n++) {
      const out = join(root, "bystander", `run-${n}`);
      const args = ["run", "-m", model, "-e", "llama_cpp", "--port", String(await findFreePort()), "-o", out, "-s", bystanderSuite, "--skip-warmup"];
      const kitt = (current = startKitt(kittBin, args, env));
      void kitt.waitFor(/throughput: run 1\/1/).then(markAlive, () => undefined);
      const exit = await kitt.exited;
      results.push({ exit, folder: folderStatus(out) });
      if (exit.code !== 0) console.log(`bystander run ${n}: ${describeExit(exit)}\n${kitt.stderr().split("\n").slice(-8).join("\n")}`);
      markAlive();
    }
  })();
  return {
    alive,
    async finish() {
      stopping = true;
      await loop;
      return results;
    },
    async abort() {
      stopping = true;
      current?.child.kill("SIGINT");
      await loop;
    },
  };
}

function report(all: ChaosRun[], bystanders: Array<{ exit: Exit; folder: string }>): never {
  const count = (values: string[]): string => {
    const counts = new Map<string, number>();
    for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
    return [...counts].map(([value, n]) => `${value} ×${n}`).join(", ") || "—";
  };
  const rows = [...HITS.map((hit) => [hit, all.filter((run) => run.hit === hit)] as const), ["all", all] as const];
  console.log("\nhit            runs  landed  exits                                   containers left  processes left  metrics.json                      database row (after stale check)  failed");
  for (const [name, group] of rows) {
    console.log(
      [
        name.padEnd(14),
        String(group.length).padStart(4),
        String(group.filter((run) => run.landed).length).padStart(7),
        count(group.map((run) => describeExit(run.exit))).padEnd(40),
        String(group.reduce((n, run) => n + run.leftoverContainers.length, 0)).padStart(15),
        String(group.reduce((n, run) => n + run.leftoverProcesses.length, 0)).padStart(15),
        count(group.map((run) => run.folder)).padEnd(33),
        count(group.map((run) => run.row)).padEnd(33),
        String(group.filter((run) => run.failures.length > 0).length).padStart(6),
      ].join("  "),
    );
  }
  const runningBefore = all.filter((run) => run.rowBefore === "running");
  console.log(`database rows still 'running' before the stale-run check: ${count(runningBefore.map((run) => run.hit))}`);
  const bystanderFailures = bystanders.filter((run) => run.exit.code !== 0 || run.folder !== "completed");
  console.log(`bystander: ${bystanders.length} run(s), ${count(bystanders.map((run) => describeExit(run.exit)))}; survived: ${bystanderFailures.length === 0 ? "yes" : "NO"}`);
  const failed = all.filter((run) => run.failures.length > 0);
  for (const run of failed) console.log(`  run ${run.index + 1} (${run.hit} at ${run.delayMs} ms): ${run.failures.join("; ")}`);
  const ok = failed.length === 0 && bystanderFailures.length === 0;
  console.log(ok ? `all checks passed (seed ${seed})` : `checks failed (seed ${seed}); files kept in ${root}`);
  if (ok) rmSync(root, { recursive: true, force: true });
  process.exit(ok ? 0 : 1);
}

/** A docker wrapper: `run` adds this script's label, `ps` lists only containers that carry it. */
function scopedDocker(dir: string): { path: string; label: string } {
  const label = `kitt.chaos=${dir.split("-").at(-1)}`;
  const path = join(dir, "bin", "docker");
  mkdirSync(join(dir, "bin"));
  writeFileSync(
    path,
    `#!/bin/sh\ncase "$1" in\n  run) shift; exec docker run --label '${label}' "$@";;\n  ps) shift; exec docker ps --filter 'label=${label}' "$@";;\nesac\nexec docker "$@"\n`,
  );
  chmodSync(path, 0o755);
  return { path, label };
}

function describeExit(exit: Exit): string {
  return exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fail(message: string): never {
  console.error(`chaos: ${message}`);
  process.exit(2);
}

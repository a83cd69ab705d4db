/**
 * A real Prometheus (Debian's `prometheus` package) started by a test: its own config and TSDB
 * in a temp folder, a free loopback port, a 1 s scrape interval; `query()` asks PromQL over the
 * HTTP API. Skipped on a machine without Prometheus, failed in CI (`unavailable`). A Prometheus
 * that some other program started is never touched.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, unavailable } from "./llama.js";

export const PROMETHEUS_BIN = "/usr/bin/prometheus";
export const PROMTOOL_BIN = "/usr/bin/promtool";

/** True when Prometheus and promtool are installed; false (skip) locally, a failure in CI. */
export function requirePrometheus(): boolean {
  if (existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN)) return true;
  return unavailable("Prometheus", `${PROMETHEUS_BIN} or ${PROMTOOL_BIN} is missing: apt-get install -y prometheus`) ?? false;
}

/**
 * `promtool check metrics` on an exposition: exit 1 means it does not parse, 3 that it parses
 * with lint problems (listed one per line), 0 that it is clean.
 */
export function promtoolCheckMetrics(exposition: string): { code: number; problems: string[] } {
  const result = spawnSync(PROMTOOL_BIN, ["check", "metrics"], { input: exposition, encoding: "utf8", timeout: 30_000 });
  const problems = `${result.stdout}${result.stderr}`.split("\n").filter((line) => line.trim() !== "");
  return { code: result.status ?? -1, problems };
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface ScrapeTarget {
  /** `host:port`. */
  address: string;
  path?: string;
}

export class TestPrometheus implements AsyncDisposable {
  #closing: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly output: () => string,
  ) {}

  /** Starts Prometheus scraping `targets` every second; resolves once it answers ready. */
  static async start(targets: readonly ScrapeTarget[], timeoutMs = 60_000): Promise<TestPrometheus> {
    const dir = await mkdtemp(join(tmpdir(), "kitt-prometheus-"));
    const jobs = targets.map(
      (target, index) =>
        `  - job_name: target-${index}\n    metrics_path: ${target.path ?? "/metrics"}\n    static_configs:\n      - targets: ["${target.address}"]\n`,
    );
    const config = join(dir, "prometheus.yml");
    await writeFile(config, `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${jobs.join("")}`);
    const port = await freePort();
    const args = [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${port}`];
    const child = spawn(PROMETHEUS_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (text: string) => (output += text));
    child.stderr?.setEncoding("utf8").on("data", (text: string) => (output += text));
    const prometheus = new TestPrometheus(child, dir, `http://127.0.0.1:${port}`, () => output);
    try {
      await prometheus.#waitReady(timeoutMs);
    } catch (error) {
      await prometheus.close();
      throw error;
    }
    return prometheus;
  }

  async #waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`prometheus exited (${this.child.exitCode}):\n${this.output()}`);
      const ready = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`prometheus was not ready within ${timeoutMs} ms:\n${this.output()}`);
  }

  /** An instant PromQL query's vector. */
  async query(promql: string): Promise<PromSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSample[] } };
    if (body.status !== "success" || body.data?.resultType !== "vector") throw new Error(`query ${promql} failed: ${body.error ?? JSON.stringify(body)}`);
    return body.data.result;
  }

  /** Polls `promql` until `accept` takes its result; returns that result. */
  async waitFor(promql: string, accept: (result: PromSample[]) => boolean, timeoutMs = 30_000): Promise<PromSample[]> {
    const deadline = Date.now() + timeoutMs;
    let last: PromSample[] = [];
    while (Date.now() < deadline) {
      last = await this.query(promql);
      if (accept(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${promql} never gave the expected result within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        const exited = new Promise((resolve) => this.child.once("close", resolve));
        this.child.kill("SIGTERM");
        const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

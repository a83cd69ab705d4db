/**
 * S3 download speed: kitt's `models download` against `curl` fetching the same 1 GiB object (a
 * multipart upload) by a presigned URL, from the same local S3 server (the tests' s3rver with
 * signatures checked) in the same run. Both are separate processes writing to the same disk,
 * timed from start to exit, each after a `sync` so neither pays for the other's writeback; they
 * take turns going first, each runs `rounds` times and its best round counts. The target is
 * kitt ≥ 0.8× curl. For scale, the same URL is also fetched by the smallest Node program that
 * can (`http.get` piped into a file, no checks): what Node's own I/O costs on the machine. The
 * CPU each client and the server used in that round is reported too: on a machine with few
 * cores, the server's and the client's CPU together bound how fast any client can go.
 *
 * Run as the s3 part of `scripts/bench-runtime.ts` (`npx tsx scripts/bench-runtime.ts --part s3`, after `npm run build`).
 */
import { spawn, spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { kittBin } from "../../test/support/cli.js";
import { startS3Server } from "../../test/support/s3-server.js";
import type { BenchRuntimePartReport } from "./bench-runtime-part.js";
import { endedChildrenCpuSeconds } from "./process-cpu.js";

/** One client's best round: wall seconds, and the CPU seconds it and the server used meanwhile (null where unknown). */
export interface ClientRun {
  seconds: number;
  clientCpu: number | null;
  serverCpu: number;
}

export interface S3DownloadBench {
  bytes: number;
  kitt: ClientRun;
  curl: ClientRun;
  /** A bare Node `http.get` piped into a file. */
  node: ClientRun;
  /** kitt's rate over curl's. */
  ratio: number;
}

const NODE_GET = `const [url, file] = process.argv.slice(1);
require("node:http").get(url, (res) => require("node:stream").pipeline(res, require("node:fs").createWriteStream(file), (error) => process.exit(error ? 1 : 0)));`;

const MiB = 1024 * 1024;

export async function benchS3Download(options: { mib?: number; rounds?: number; log?: (line: string) => void } = {}): Promise<S3DownloadBench> {
  const bytes = (options.mib ?? 1024) * MiB;
  const rounds = options.rounds ?? 2;
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), "kitt-bench-s3-"));
  try {
    await using s3 = await startS3Server();
    const body = Buffer.allocUnsafe(bytes);
    for (let offset = 0; offset < bytes; offset += 64 * MiB) randomFillSync(body, offset, Math.min(64 * MiB, bytes - offset));
    await s3.putMultipart("bench/model.safetensors", body, 16 * MiB);
    log(`uploaded ${bytes / MiB} MiB in 16 MiB parts`);
    const none: ClientRun = { seconds: Infinity, clientCpu: null, serverCpu: 0 };
    let [kittBest, curlBest, nodeBest] = [none, none, none];
    const best = (a: ClientRun, b: ClientRun): ClientRun => (b.seconds < a.seconds ? b : a);
    for (let round = 1; round <= rounds; round++) {
      const curl = async (): Promise<ClientRun> => {
        const out = join(work, `curl-${round}.bin`);
        const run = await timed("curl", ["-sS", "--fail", "-o", out, s3.presignGet("bench/model.safetensors")], {});
        if (statSync(out).size !== bytes) throw new Error(`curl wrote ${statSync(out).size} bytes, expected ${bytes}`);
        rmSync(out);
        return run;
      };
      const kitt = async (): Promise<ClientRun> => {
        const dest = join(work, `kitt-${round}`);
        const run = await timed(process.execPath, [kittBin, "models", "download", `s3://${s3.bucket}/bench`, "-o", dest], s3.env);
        rmSync(dest, { recursive: true });
        return run;
      };
      const node = async (): Promise<ClientRun> => {
        const out = join(work, `node-${round}.bin`);
        const run = await timed(process.execPath, ["-e", NODE_GET, s3.presignGet("bench/model.safetensors"), out], {});
        rmSync(out);
        return run;
      };
      const curlFirst = round % 2 === 1;
      const first = await (curlFirst ? curl() : kitt());
      const second = await (curlFirst ? kitt() : curl());
      const [curlRun, kittRun] = curlFirst ? [first, second] : [second, first];
      const nodeRun = await node();
      const rate = (run: ClientRun): string => `${(bytes / MiB / run.seconds).toFixed(0)} MiB/s`;
      log(`round ${round}: curl ${rate(curlRun)}, kitt ${rate(kittRun)}, bare node ${rate(nodeRun)}`);
      curlBest = best(curlBest, curlRun);
      kittBest = best(kittBest, kittRun);
      nodeBest = best(nodeBest, nodeRun);
    }
    return { bytes, kitt: kittBest, curl: curlBest, node: nodeBest, ratio: curlBest.seconds / kittBest.seconds };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Seconds from start to a successful exit, after flushing what earlier runs left to write, and the CPU used meanwhile. */
function timed(command: string, args: string[], env: Record<string, string>): Promise<ClientRun> {
  spawnSync("sync");
  const childrenBefore = endedChildrenCpuSeconds();
  const serverBefore = process.cpuUsage();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (err += text));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${command} exited ${code}: ${err.trim()}`));
      const seconds = (performance.now() - started) / 1000;
      const server = process.cpuUsage(serverBefore);
      const childrenAfter = endedChildrenCpuSeconds();
      const clientCpu = childrenBefore === null || childrenAfter === null ? null : childrenAfter - childrenBefore;
      resolve({ seconds, clientCpu, serverCpu: (server.user + server.system) / 1e6 });
    });
  });
}

/** The S3 part of `scripts/bench-runtime.ts`. */
export async function benchS3DownloadPart(options: { mib: number; rounds: number }): Promise<BenchRuntimePartReport> {
  const result = await benchS3Download({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
  const seconds = (value: number | null): string => (value === null ? "unknown" : `${value.toFixed(2)} s`);
  const row = (name: string, run: ClientRun): string[] => [name, `${(result.bytes / MiB / run.seconds).toFixed(0)} MiB/s`, seconds(run.seconds), seconds(run.clientCpu), seconds(run.serverCpu)];
  const cores = availableParallelism();
  const { kitt } = result;
  // With every core busy, no run can take less than all the CPU it needs spread over the cores.
  const floor = kitt.clientCpu === null ? null : (kitt.clientCpu + kitt.serverCpu) / cores;
  return {
    title: `S3 download of a ${result.bytes / MiB} MiB multipart object from the local S3 server, best of ${options.rounds} rounds, taking turns`,
    table: [
      ["client", "rate", "wall", "client CPU", "server CPU"],
      row("kitt models download (parallel ranges, ETag verified)", kitt),
      row("curl, presigned URL (no checks)", result.curl),
      row("bare Node http.get into a file (no checks)", result.node),
    ],
    target: `kitt ≥ 0.8× curl: ${result.ratio >= 0.8 ? "met" : "missed"} (${result.ratio.toFixed(2)}×)`,
    met: result.ratio >= 0.8,
    notes: [
      `cores: ${cores}; kitt's and the server's CPU over them: ${seconds(floor)}, against ${seconds(result.curl.seconds / 0.8)} for 0.8× curl`,
    ],
  };
}

/**
 * S3 download speed: kitt's `models download` against `curl` fetching the same 1 GiB object (a
 * multipart upload) by a presigned URL, from the same local S3 server (the tests' s3rver with
 * signatures checked) in the same run. Both are separate processes writing to the same disk,
 * timed from start to exit, each after a `sync` so neither pays for the other's writeback; they
 * take turns going first, each runs `rounds` times and its best round counts. The target is
 * kitt ≥ 0.8× curl. For scale, the same URL is also fetched by the smallest Node program that
 * can (`http.get` piped into a file, no checks): what Node's own I/O costs on the machine.
 *
 * Run as the s3 part of `scripts/bench-runtime.ts` (`npx tsx scripts/bench-runtime.ts --part s3`, after `npm run build`).
 */
import { spawn, spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kittBin } from "../../test/support/cli.js";
import { startS3Server } from "../../test/support/s3-server.js";
import type { BenchRuntimePartReport } from "./bench-runtime-part.js";

export interface S3DownloadBench {
  bytes: number;
  kittBytesPerSecond: number;
  curlBytesPerSecond: number;
  /** A bare Node `http.get` piped into a file. */
  nodeBytesPerSecond: number;
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
    let kittBest = Infinity;
    let curlBest = Infinity;
    let nodeBest = Infinity;
    for (let round = 1; round <= rounds; round++) {
      const curl = async (): Promise<number> => {
        const out = join(work, `curl-${round}.bin`);
        const seconds = await timed("curl", ["-sS", "--fail", "-o", out, s3.presignGet("bench/model.safetensors")], {});
        if (statSync(out).size !== bytes) throw new Error(`curl wrote ${statSync(out).size} bytes, expected ${bytes}`);
        rmSync(out);
        return seconds;
      };
      const kitt = async (): Promise<number> => {
        const dest = join(work, `kitt-${round}`);
        const seconds = await timed(process.execPath, [kittBin, "models", "download", `s3://${s3.bucket}/bench`, "-o", dest], s3.env);
        rmSync(dest, { recursive: true });
        return seconds;
      };
      const node = async (): Promise<number> => {
        const out = join(work, `node-${round}.bin`);
        const seconds = await timed(process.execPath, ["-e", NODE_GET, s3.presignGet("bench/model.safetensors"), out], {});
        rmSync(out);
        return seconds;
      };
      const curlFirst = round % 2 === 1;
      const first = await (curlFirst ? curl() : kitt());
      const second = await (curlFirst ? kitt() : curl());
      const [curlSeconds, kittSeconds] = curlFirst ? [first, second] : [second, first];
      const nodeSeconds = await node();
      const rate = (seconds: number): string => `${(bytes / MiB / seconds).toFixed(0)} MiB/s`;
      log(`round ${round}: curl ${rate(curlSeconds)}, kitt ${rate(kittSeconds)}, bare node ${rate(nodeSeconds)}`);
      curlBest = Math.min(curlBest, curlSeconds);
      kittBest = Math.min(kittBest, kittSeconds);
      nodeBest = Math.min(nodeBest, nodeSeconds);
    }
    const kittBytesPerSecond = bytes / kittBest;
    const curlBytesPerSecond = bytes / curlBest;
    return { bytes, kittBytesPerSecond, curlBytesPerSecond, nodeBytesPerSecond: bytes / nodeBest, ratio: kittBytesPerSecond / curlBytesPerSecond };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Seconds from start to a successful exit, after flushing what earlier runs left to write. */
function timed(command: string, args: string[], env: Record<string, string>): Promise<number> {
  spawnSync("sync");
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (err += text));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`${command} exited ${code}: ${err.trim()}`))));
  });
}

/** The S3 part of `scripts/bench-runtime.ts`. */
export async function benchS3DownloadPart(options: { mib: number; rounds: number }): Promise<BenchRuntimePartReport> {
  const result = await benchS3Download({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
  const rate = (bytesPerSecond: number): string => `${(bytesPerSecond / MiB).toFixed(0)} MiB/s`;
  return {
    title: `S3 download of a ${result.bytes / MiB} MiB multipart object from the local S3 server, best of ${options.rounds} rounds, taking turns`,
    table: [
      ["client", "rate"],
      ["kitt models download (parallel ranges, ETag verified)", rate(result.kittBytesPerSecond)],
      ["curl, presigned URL (no checks)", rate(result.curlBytesPerSecond)],
      ["bare Node http.get into a file (no checks)", rate(result.nodeBytesPerSecond)],
    ],
    target: `kitt ≥ 0.8× curl: ${result.ratio >= 0.8 ? "met" : "missed"} (${result.ratio.toFixed(2)}×)`,
    met: result.ratio >= 0.8,
  };
}

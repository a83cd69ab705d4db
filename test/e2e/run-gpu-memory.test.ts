/**
 * `kitt run` watches GPU memory for the whole run, so the report draws "GPU memory over time"
 * for any suite, not only the memory_usage test. No GPU here: a stand-in nvidia-smi first on
 * PATH replays a recorded two-GPU A800 stream while the real llama-server runs the quick suite.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runKitt, tempKittHome } from "../support/cli.js";
import { fakeNvidiaSmi, ticksOf } from "../support/fake-nvidia-smi.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";

const server = await requireLlamaServer();
const fake = fakeNvidiaSmi({ ticks: ticksOf("samples-a800-sxm4-80gb-x2.csv"), repeatLast: true });
afterAll(() => rmSync(fake.dir, { recursive: true, force: true }));

interface GpuSample {
  t: number;
  gpu: number;
  used_gb: number;
}

describe.skipIf(!server)("GPU memory over a kitt run", () => {
  it("is sampled once a second for the whole run, stored and drawn by the report", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kitt-run-gpu-")), "results");
    const home = tempKittHome();
    const env = { KITT_HOME: home, PATH: fake.env.PATH };
    const result = await runKitt(["run", "-m", await ensureTestModel(), "-e", "llama_cpp", "--runtime", "native", "--port", String(await freePort()), "-o", out, "--runs", "3"], env);
    expect(result.code, result.stderr).toBe(0);

    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as { gpu_memory: { available: boolean; source: string; interval_ms: number; samples: GpuSample[] } };
    expect(metrics.gpu_memory).toMatchObject({ available: true, source: "nvidia-smi", interval_ms: 1000 });
    expect(fake.started()?.args).toContain("-lms");
    expect(fake.started()?.args[fake.started()!.args.indexOf("-lms") + 1]).toBe("1000");
    // Both GPUs, with the recorded figures (MiB → GiB), over more than one reading.
    const samples = metrics.gpu_memory.samples;
    expect(new Set(samples.map((sample) => sample.gpu))).toEqual(new Set([0, 1]));
    expect(samples.filter((sample) => sample.gpu === 0).length).toBeGreaterThanOrEqual(2);
    expect(samples.find((sample) => sample.gpu === 0)?.used_gb).toBeCloseTo(33.64, 2);
    // The stand-in ended with the run.
    expect(() => process.kill(fake.started()!.pid, 0)).toThrow();

    const runs = JSON.parse((await runKitt(["storage", "list", "--json"], env)).stdout) as Array<{ id: string }>;
    const report = await runKitt(["report", runs[0]!.id, "--format", "html"], env);
    expect(report.code, report.stderr).toBe(0);
    const data = /<script type="application\/json" id="kitt-report-data">(.*?)<\/script>/s.exec(report.stdout)?.[1];
    const charts = (JSON.parse(data ?? "null") as { charts: Array<{ id: string; available: boolean; series?: Array<{ label: string }> }> }).charts;
    const gpu = charts.find((chart) => chart.id === "gpu-memory");
    expect(gpu?.available).toBe(true);
    expect(gpu?.series?.map((series) => series.label)).toEqual(["GPU 0", "GPU 1"]);
  }, 180_000);
});

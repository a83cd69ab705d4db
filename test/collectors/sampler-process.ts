/**
 * A separate process that samples GPU memory until it is killed, for the test that kills it
 * with SIGKILL: it prints `sampling` once the sampler holds `argv[2]` samples.
 */
import { GpuMemorySampler } from "../../src/collectors/gpu-sampler.js";

const wanted = Number(process.argv[2] ?? 1);
const sampler = new GpuMemorySampler({ intervalMs: 20 });
await sampler.start();
const timer = setInterval(() => {
  const report = sampler.snapshot();
  if (report.available && report.samples.length >= wanted) {
    process.stdout.write("sampling\n");
    clearInterval(timer);
    setInterval(() => undefined, 1_000);
  }
}, 10);

import { describe, expect, it } from "vitest";
import { containerName, DockerContainer } from "../../src/runtime/docker.js";

describe("docker run arguments", () => {
  it("names containers kitt-<engine>-<time>-<random>", () => {
    expect(containerName("llama_cpp", new Date("2026-01-02T03:04:05Z"))).toMatch(/^kitt-llama-cpp-20260102030405-[0-9a-f]{6}$/);
  });

  it("runs detached with init, host networking, kitt's labels, the model read-only, env and engine args", () => {
    const container = new DockerContainer({
      engineName: "vllm",
      image: "vllm/vllm-openai:latest",
      modelHostDir: "/data/models/llama",
      containerModelDir: "/models",
      gpus: true,
      env: { HF_TOKEN: "t" },
      dockerArgs: ["--shm-size=8g"],
      containerArgs: ["--model", "/models"],
    });
    const args = container.runArgs();
    expect(args.slice(0, 6)).toEqual(["run", "-d", "--init", "--network", "host", "--name"]);
    expect(args[6]).toBe(container.name);
    expect(args).toContain("kitt.managed=true");
    expect(args).toContain("kitt.engine=vllm");
    expect(args.join(" ")).toContain("--gpus all");
    expect(args.join(" ")).toContain("-v /data/models/llama:/models:ro");
    expect(args.join(" ")).toContain("-e HF_TOKEN=t");
    expect(args.slice(-4)).toEqual(["--shm-size=8g", "vllm/vllm-openai:latest", "--model", "/models"]);
  });

  it("leaves out --gpus without GPUs", () => {
    const container = new DockerContainer({ engineName: "llama_cpp", image: "x", gpus: false });
    expect(container.runArgs()).not.toContain("--gpus");
  });
});

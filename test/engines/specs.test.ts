import { describe, expect, it } from "vitest";
import { exllamav2 } from "../../src/engines/exllamav2.js";
import { llama_cpp } from "../../src/engines/llama_cpp.js";
import { mlx } from "../../src/engines/mlx.js";
import { ollama } from "../../src/engines/ollama.js";
import { sglang } from "../../src/engines/sglang.js";
import { tgi } from "../../src/engines/tgi.js";
import type { EngineSpec, LaunchContext } from "../../src/engines/types.js";
import { vllm } from "../../src/engines/vllm.js";
import type { HostFacts } from "../../src/hardware/host-facts.js";
import { protocols } from "../../src/protocols/index.js";
import type { ProbeResult } from "../../src/runtime/readiness.js";

const specs: EngineSpec[] = [vllm, sglang, tgi, ollama, exllamav2, mlx];

const ctx: LaunchContext = { modelPath: "/models/tiny-llama", modelName: "tiny-llama", host: "127.0.0.1", port: 18000, extraArgs: ["--extra", "1"] };
const linuxX64: HostFacts = { platform: "linux", arch: "x64" };

const refused: ProbeResult = { status: 0, body: "" };
const unavailable: ProbeResult = { status: 503, body: "" };
const loading: ProbeResult = { status: 200, body: '{"status":"loading model"}' };
const llamaLoading: ProbeResult = { status: 503, body: '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}' };

describe.each(specs.map((spec) => [spec.name, spec] as const))("%s spec", (_name, spec) => {
  it("names protocols kitt speaks, the first one for generation", () => {
    expect(spec.protocols.length).toBeGreaterThan(0);
    for (const name of spec.protocols) expect(protocols[name]).toBeDefined();
  });

  it("treats refused, 503 and loading answers as not ready", () => {
    for (const probe of [refused, unavailable, loading, llamaLoading]) expect(spec.readiness.isReady(probe)).toBe(false);
    expect(spec.readiness.notReadyDescription.length).toBeGreaterThan(10);
  });

  it("appends the user's extra arguments last", () => {
    const args = spec.nativeCommand?.(ctx).args ?? spec.containerArgs?.(ctx) ?? [];
    expect(args.slice(-2)).toEqual(["--extra", "1"]);
  });

  it("binds the host and port it is given", () => {
    const command = spec.nativeCommand?.(ctx);
    const args = [...(command?.args ?? spec.containerArgs?.(ctx) ?? []), ...(spec.dockerArgs?.(ctx) ?? [])].join(" ");
    const env = Object.values(command?.env ?? {}).join(" ");
    expect(`${args} ${env}`).toMatch(/127\.0\.0\.1/);
    expect(`${args} ${env}`).toMatch(/18000/);
  });
});

describe("readiness when up", () => {
  it("vLLM, SGLang and TGI are ready on 200 from /health", () => {
    for (const spec of [vllm, sglang, tgi]) {
      expect(spec.readiness.path).toBe("/health");
      expect(spec.readiness.isReady({ status: 200, body: "" })).toBe(true);
    }
  });

  it("Ollama is ready when / says it is running", () => {
    expect(ollama.readiness.path).toBe("/");
    expect(ollama.readiness.isReady({ status: 200, body: "Ollama is running" })).toBe(true);
    expect(ollama.readiness.isReady({ status: 200, body: "<html>some other server</html>" })).toBe(false);
  });

  it("TabbyAPI is ready when /health reports healthy, not after a generation error", () => {
    expect(exllamav2.readiness.path).toBe("/health");
    expect(exllamav2.readiness.isReady({ status: 200, body: '{"status":"healthy","issues":[]}' })).toBe(true);
    expect(exllamav2.readiness.isReady({ status: 503, body: '{"status":"unhealthy","issues":[{"description":"x"}]}' })).toBe(false);
  });
});

describe("vllm", () => {
  it("uses the upstream image below compute capability 10 and NVIDIA's build from 10.0", () => {
    expect(vllm.defaultImage).toBe("vllm/vllm-openai:latest");
    expect(vllm.chooseImage?.(linuxX64)).toBeUndefined();
    expect(vllm.chooseImage?.({ ...linuxX64, computeCapability: 9.0 })).toBeUndefined();
    expect(vllm.chooseImage?.({ ...linuxX64, computeCapability: 10.0 })).toMatch(/^nvcr\.io\/nvidia\/vllm:/);
    expect(vllm.chooseImage?.({ platform: "linux", arch: "arm64", computeCapability: 12.1 })).toMatch(/^nvcr\.io\/nvidia\/vllm:/);
  });

  it("serves the model under its name, natively and in either image", () => {
    const serve = ["serve", "/models/tiny-llama", "--host", "127.0.0.1", "--port", "18000", "--served-model-name", "tiny-llama", "--extra", "1"];
    expect(vllm.nativeCommand?.(ctx)).toEqual({ command: "vllm", args: serve });
    expect(vllm.containerArgs?.(ctx)).toEqual(serve);
    expect(vllm.dockerArgs?.(ctx)).toEqual(["--ipc=host", "--entrypoint", "vllm"]);
  });

  it("declares formats and capabilities", () => {
    expect(vllm.defaultPort).toBe(8000);
    expect(vllm.formats).toEqual(["safetensors", "pytorch", "gptq", "awq"]);
    expect(vllm.capabilities).toEqual({ promptLogprobs: true, topLogprobs: true, metricsPath: "/metrics", tokenizePath: "/tokenize", busyConcurrency: 64 });
    expect(vllm.protocols[0]).toBe("openai-completions");
  });
});

describe("sglang", () => {
  it("launches the server module with metrics on", () => {
    expect(sglang.nativeCommand?.(ctx)).toEqual({
      command: "python3",
      args: ["-m", "sglang.launch_server", "--model-path", "/models/tiny-llama", "--host", "127.0.0.1", "--port", "18000", "--served-model-name", "tiny-llama", "--enable-metrics", "--extra", "1"],
    });
    expect(sglang.containerArgs?.(ctx).slice(0, 3)).toEqual(["python3", "-m", "sglang.launch_server"]);
    expect(sglang.defaultPort).toBe(30000);
    expect(sglang.capabilities.metricsPath).toBe("/metrics");
  });
});

describe("tgi", () => {
  it("streams through its native protocol first and passes --port instead of the image's port 80", () => {
    expect(tgi.defaultImage).toBe("ghcr.io/huggingface/text-generation-inference:3.3.5");
    expect(tgi.protocols[0]).toBe("tgi-generate");
    expect(tgi.containerArgs?.(ctx)).toEqual(["--model-id", "/models/tiny-llama", "--hostname", "127.0.0.1", "--port", "18000", "--extra", "1"]);
    expect(tgi.nativeCommand?.(ctx).command).toBe("text-generation-launcher");
  });
});

describe("llama_cpp", () => {
  const launch = (more: Partial<LaunchContext>) => llama_cpp.nativeCommand?.({ ...ctx, extraArgs: [], ...more }).args ?? [];
  const sizing = (args: readonly string[]) => {
    const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
    return { c: value("-c"), np: value("-np") };
  };

  it("gives each of 4 slots 4,096 tokens of context, or the model's trained context when shorter", () => {
    expect(launch({ trainedContext: 131072 }).slice(0, 6)).toEqual(["-m", "/models/tiny-llama", "-c", "16384", "-np", "4"]);
    expect(sizing(launch({ trainedContext: 2048 }))).toEqual({ c: "8192", np: "4" });
    expect(sizing(launch({}))).toEqual({ c: "16384", np: "4" });
    expect(llama_cpp.containerArgs?.({ ...ctx, extraArgs: [], trainedContext: 2048 })).toEqual(launch({ trainedContext: 2048 }));
  });

  it("keeps the user's -c and -np, sizing only what the user left out", () => {
    // Both given: kitt adds neither, so the user's values are the only ones.
    expect(sizing(launch({ trainedContext: 2048, extraArgs: ["-c", "1024", "-np", "8"] }))).toEqual({ c: "1024", np: "8" });
    expect(launch({ extraArgs: ["--ctx-size", "1024", "--parallel", "8"] }).filter((arg) => arg === "-c" || arg === "-np")).toEqual([]);
    // Slots only: each still gets its context.
    expect(sizing(launch({ trainedContext: 2048, extraArgs: ["-np", "2"] }))).toEqual({ c: "4096", np: "2" });
    expect(launch({ extraArgs: ["--parallel", "8"] }).slice(2, 4)).toEqual(["-c", "32768"]);
    // Context only: as many slots (up to 4) as leave each its context; `-c 0` is the trained context.
    expect(sizing(launch({ trainedContext: 2048, extraArgs: ["-c", "4096"] }))).toEqual({ c: "4096", np: "2" });
    expect(launch({ extraArgs: ["--ctx_size", "1024"] }).slice(2, 4)).toEqual(["-np", "1"]);
    expect(sizing(launch({ trainedContext: 8192, extraArgs: ["-c", "0"] }))).toEqual({ c: "0", np: "2" });
    // The same through llama-server's environment variables.
    expect(sizing(launch({ extraEnv: { LLAMA_ARG_N_PARALLEL: "2" } }))).toEqual({ c: "8192", np: undefined });
    expect(sizing(launch({ extraEnv: { LLAMA_ARG_CTX_SIZE: "8192", LLAMA_ARG_N_PARALLEL: "1" } }))).toEqual({ c: undefined, np: undefined });
  });
});

describe("ollama", () => {
  it("serves GGUF files and registry tags, listening where OLLAMA_HOST says", () => {
    expect(ollama.formats).toEqual(["gguf", "ollama-tag"]);
    expect(ollama.defaultPort).toBe(11434);
    expect(ollama.nativeCommand?.(ctx)).toEqual({ command: "ollama", args: ["serve", "--extra", "1"], env: { OLLAMA_HOST: "127.0.0.1:18000" } });
    expect(ollama.dockerArgs?.(ctx)).toContain("OLLAMA_HOST=127.0.0.1:18000");
    expect(ollama.capabilities).toEqual({ promptLogprobs: false, topLogprobs: true, busyConcurrency: 8 });
    expect(ollama.protocols[0]).toBe("ollama-generate");
  });
});

describe("exllamav2 (TabbyAPI)", () => {
  it("serves and health-checks the same port", () => {
    const args = exllamav2.containerArgs?.(ctx) ?? [];
    expect(args[args.indexOf("--port") + 1]).toBe("18000");
    expect(exllamav2.readiness.path).toBe("/health");
    expect(exllamav2.defaultPort).toBe(5000);
  });

  it("loads <model-dir>/<model-name> without API keys", () => {
    expect(exllamav2.defaultImage).toBe("ghcr.io/theroyallab/tabbyapi:latest");
    expect(exllamav2.containerArgs?.(ctx)).toEqual([
      "main.py", "--host", "127.0.0.1", "--port", "18000", "--model-dir", "/models", "--model-name", "tiny-llama", "--disable-auth", "true", "--extra", "1",
    ]);
    expect(exllamav2.formats).toEqual(["gptq", "exl2"]);
    expect(exllamav2.capabilities.metricsPath).toBeUndefined();
  });
});

describe("mlx", () => {
  it("refuses on Linux with a message that says why and what to use", () => {
    const reason = mlx.unsupportedReason?.(linuxX64);
    expect(reason).toMatch(/Apple silicon/);
    expect(reason).toMatch(/linux\/x64/);
    expect(mlx.unsupportedReason?.({ platform: "linux", arch: "arm64" })).toMatch(/linux\/arm64/);
    expect(mlx.unsupportedReason?.({ platform: "darwin", arch: "x64" })).toMatch(/darwin\/x64/);
  });

  it("runs natively on macOS with Apple silicon only", () => {
    expect(mlx.unsupportedReason?.({ platform: "darwin", arch: "arm64" })).toBeUndefined();
    expect(mlx.defaultImage).toBeUndefined();
    expect(mlx.runtimes).not.toContain("docker");
    expect(mlx.formats).toEqual(["mlx", "safetensors"]);
    expect(mlx.nativeCommand?.(ctx)).toEqual({ command: "mlx_lm.server", args: ["--model", "/models/tiny-llama", "--host", "127.0.0.1", "--port", "18000", "--extra", "1"] });
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnginesConfig } from "../../src/config/engines-config.js";
import { KittError } from "../../src/errors.js";
import { chooseImage } from "../../src/engines/images.js";
import { llama_cpp } from "../../src/engines/llama_cpp.js";
import { mlx } from "../../src/engines/mlx.js";
import { vllm } from "../../src/engines/vllm.js";

const cpuHost = { arch: "x64", platform: "linux" as const };
const hopper = { ...cpuHost, computeCapability: 9.0 };
const blackwell = { ...cpuHost, computeCapability: 12.1 };
const none = { image_overrides: {} };

describe("image choice", () => {
  it("override wins over everything", () => {
    const config = { image_overrides: { vllm: "registry.local/vllm:pinned" } };
    expect(chooseImage(vllm, blackwell, config, false)).toEqual({ image: "registry.local/vllm:pinned", source: "override" });
  });

  it("a locally built image is preferred only without a GPU", () => {
    expect(chooseImage(llama_cpp, cpuHost, none, true)).toEqual({ image: "kitt/llama-cpp:cpu", source: "local-build" });
    expect(chooseImage(llama_cpp, hopper, none, true).image).toBe("ghcr.io/ggml-org/llama.cpp:server-cuda");
    expect(chooseImage(llama_cpp, cpuHost, none, false)).toEqual({ image: "ghcr.io/ggml-org/llama.cpp:server", source: "platform" });
  });

  it("platform-aware choice by compute capability, then the default", () => {
    expect(chooseImage(vllm, blackwell, none, false).image).toMatch(/^nvcr\.io\/nvidia\/vllm:/);
    expect(chooseImage(vllm, hopper, none, false).image).toBe("vllm/vllm-openai:latest");
  });

  it("an engine without an image says to run it natively", () => {
    const error = (() => {
      try {
        chooseImage(mlx, cpuHost, none, false);
      } catch (e) {
        return e;
      }
    })();
    expect((error as KittError).code).toBe("PLATFORM_UNSUPPORTED");
  });
});

describe("~/.kitt/engines.yaml", () => {
  it("is optional, reads image_overrides, and reports mistakes with file:line:col", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitt-engines-yaml-"));
    expect(await loadEnginesConfig(join(dir, "missing.yaml"))).toEqual({ image_overrides: {} });
    const good = join(dir, "engines.yaml");
    writeFileSync(good, "image_overrides:\n  vllm: my/vllm:1\n");
    expect((await loadEnginesConfig(good)).image_overrides).toEqual({ vllm: "my/vllm:1" });
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "image_overrides:\n  vllm: 42\n");
    await expect(loadEnginesConfig(bad)).rejects.toThrow(new RegExp(`^${bad}:2:9 image_overrides.vllm: `));
    const typo = join(dir, "typo.yaml");
    writeFileSync(typo, "image_override:\n  vllm: x\n");
    await expect(loadEnginesConfig(typo)).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });
});

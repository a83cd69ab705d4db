import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  LLAMA_CPP_CMAKE_FLAGS,
  ensureLlamaServer,
  installLlamaServerFromBuild,
  llamaServerEnv,
  llamaServerInfo,
} from "../../src/setup/llama-cpp-build.js";
import { LLAMA_SPM_VOCAB, NODE_LLAMA_CPP_PACKAGE, buildLockPath } from "../../src/setup/llama-cpp-paths.js";
import type { SetupProgress } from "../../src/setup/progress.js";
import { fakeTools } from "./fake-tools.js";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** cmake that "configures" and "builds" a llama-server script plus a versioned library chain. */
const FAKE_CMAKE = `
case "$1" in
  --version) echo "cmake version 3.25.1" ;;
  -B) mkdir -p build; echo "-- Configuring done"; echo "-- Generating done" ;;
  --build)
    mkdir -p build/bin
    echo "[ 12%] Building CXX object ggml/src/CMakeFiles/ggml-base.dir/ggml.cpp.o"
    echo "[ 50%] Linking CXX shared library ../bin/libggml.so"
    echo "warning: something unrelated"
    echo "[100%] Built target llama-server"
    printf '#!/bin/sh\\necho "version: fake"\\n' > build/bin/llama-server
    chmod +x build/bin/llama-server
    echo lib > build/bin/libggml.so.0.1.0
    ln -sf libggml.so.0.1.0 build/bin/libggml.so.0
    ln -sf libggml.so.0 build/bin/libggml.so
    echo "not installed" > build/bin/test-tokenizer ;;
esac`;

/** A cached source (as llama-cpp-source leaves it) so no npm is needed. */
function seedSource(cacheRoot: string, tag: string): string {
  const release = join(cacheRoot, "llama.cpp", tag);
  mkdirSync(join(release, "src", ".git"), { recursive: true });
  mkdirSync(join(release, "src", "models"), { recursive: true });
  writeFileSync(join(release, "src", "models", LLAMA_SPM_VOCAB), "vocab");
  writeFileSync(join(release, "source.json"), JSON.stringify({ package: NODE_LLAMA_CPP_PACKAGE, tag, commit: COMMIT }));
  return join(release, "src");
}

describe("ensureLlamaServer", () => {
  const tools = fakeTools({ cmake: FAKE_CMAKE, "c++": 'echo "c++ (fake) 12"' });
  const cacheRoot = join(tools.dir, "cache");
  afterAll(() => rmSync(tools.dir, { recursive: true, force: true }));

  it("configures, builds with progress, and installs the binary and its libraries by release", async () => {
    const sourceDir = seedSource(cacheRoot, "v1.2.3");
    const events: SetupProgress[] = [];
    const install = await ensureLlamaServer({ env: tools.env, onProgress: (event) => events.push(event) });

    const binDir = join(cacheRoot, "llama.cpp", "v1.2.3-0123456", "bin");
    expect(install).toMatchObject({
      package: NODE_LLAMA_CPP_PACKAGE,
      tag: "v1.2.3",
      commit: COMMIT,
      libDir: binDir,
      binary: join(binDir, "llama-server"),
      files: ["libggml.so", "libggml.so.0", "libggml.so.0.1.0", "llama-server"],
    });
    expect(lstatSync(join(binDir, "libggml.so.0")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(binDir, "libggml.so.0"))).toBe("libggml.so.0.1.0");
    expect(existsSync(join(binDir, "test-tokenizer"))).toBe(false);
    expect(execFileSync(install.binary, { encoding: "utf8" }).trim()).toBe("version: fake");

    const manifest = JSON.parse(readFileSync(join(binDir, "build.json"), "utf8"));
    expect(manifest).toMatchObject({ package: NODE_LLAMA_CPP_PACKAGE, tag: "v1.2.3", commit: COMMIT, files: install.files });
    expect(Number.isNaN(Date.parse(manifest.builtAt))).toBe(false);

    const cmakeCalls = tools.calls().filter((call) => call.startsWith("cmake -B") || call.startsWith("cmake --build"));
    expect(cmakeCalls[0]).toBe(`cmake -B build ${LLAMA_CPP_CMAKE_FLAGS.join(" ")}`);
    expect(cmakeCalls[1]).toMatch(/^cmake --build build --target llama-server -j\d+$/);
    expect(existsSync(join(sourceDir, "build", "bin", "llama-server"))).toBe(true);

    const build = events.filter((event) => event.phase === "build");
    expect(build.map((event) => event.percent)).toEqual([0, 12, 50, 100]);
    expect(build.slice(1).map((event) => event.message)).toEqual(["compiling ggml.cpp", "linking libggml.so", "built llama-server"]);
    expect(events.map((event) => event.phase)).toEqual(expect.arrayContaining(["configure", "build", "install"]));
    expect(events.find((event) => event.phase === "configure" && event.message === "Configuring done")).toBeDefined();
    expect(existsSync(buildLockPath(tools.env))).toBe(false);
  });

  it("reuses the install without building again, and rebuilds with force", async () => {
    const builds = () => tools.calls().filter((call) => call.startsWith("cmake --build")).length;
    const before = builds();
    const cached = await ensureLlamaServer({ env: tools.env });
    expect(cached.commit).toBe(COMMIT);
    expect(await llamaServerInfo(tools.env)).toEqual(cached);
    expect(builds()).toBe(before);

    await ensureLlamaServer({ env: tools.env, force: true });
    expect(builds()).toBe(before + 1);
  });

  it("names the missing tools before building", async () => {
    const env = { ...tools.env, CXX: "no-such-compiler-kitt", KITT_CACHE_DIR: join(tools.dir, "other-cache") };
    await expect(ensureLlamaServer({ env })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("a C++ compiler ($CXX=no-such-compiler-kitt)"),
      details: [expect.stringContaining("apt-get install -y g++")],
    });
  });

  it("reports a failed build with the tool's last lines", async () => {
    const failing = fakeTools({
      cmake: 'case "$1" in --build) echo "[ 10%] Building CXX object x.cpp.o"; sleep 0.05; echo "error: boom" >&2; exit 2 ;; esac',
      "c++": "true",
    });
    seedSource(join(failing.dir, "cache"), "v1.2.3");
    try {
      await expect(ensureLlamaServer({ env: failing.env })).rejects.toMatchObject({
        code: "BUILD_FAILED",
        message: "building llama-server failed (exit code 2): error: boom",
        details: expect.arrayContaining(["error: boom"]),
      });
      expect(await llamaServerInfo(failing.env)).toBeUndefined();
      expect(existsSync(buildLockPath(failing.env))).toBe(false);
    } finally {
      rmSync(failing.dir, { recursive: true, force: true });
    }
  });
});

describe("installLlamaServerFromBuild", () => {
  const tools = fakeTools({});
  afterAll(() => rmSync(tools.dir, { recursive: true, force: true }));

  function fakeBuild(name: string): string {
    const bin = join(tools.dir, name, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "llama-server"), "binary", { mode: 0o755 });
    writeFileSync(join(bin, "libllama.so.0.5.0"), "lib");
    symlinkSync("libllama.so.0.5.0", join(bin, "libllama.so.0"));
    writeFileSync(join(bin, "llama-cli"), "not ours");
    return join(tools.dir, name);
  }

  it("seeds the cache from an existing build folder and replaces an older install", async () => {
    const first = await installLlamaServerFromBuild({ buildDir: fakeBuild("build-a"), tag: "v0.5.0", commit: COMMIT, env: tools.env });
    expect(first.files).toEqual(["libllama.so.0", "libllama.so.0.5.0", "llama-server"]);
    expect(lstatSync(first.binary).mode & 0o111).not.toBe(0);

    writeFileSync(join(tools.dir, "build-a", "bin", "llama-server"), "rebuilt");
    const buildDir = join(tools.dir, "build-a");
    const second = await installLlamaServerFromBuild({ buildDir, tag: "v0.5.0", commit: COMMIT, env: tools.env });
    expect(second.libDir).toBe(first.libDir);
    expect(readFileSync(second.binary, "utf8")).toBe("rebuilt");
  });

  it("refuses a folder without a built llama-server", async () => {
    await expect(
      installLlamaServerFromBuild({ buildDir: join(tools.dir, "nothing"), tag: "v0.5.0", commit: COMMIT, env: tools.env }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("ignores an install whose files have gone missing", async () => {
    const install = await llamaServerInfo(tools.env);
    expect(install).toBeDefined();
    rmSync(join(install?.libDir ?? "", "libllama.so.0.5.0"));
    expect(await llamaServerInfo(tools.env)).toBeUndefined();
  });

  it("puts the install's folder first on LD_LIBRARY_PATH", () => {
    const install = { libDir: "/cache/bin" } as Parameters<typeof llamaServerEnv>[0];
    expect(llamaServerEnv(install, { PATH: "/bin" })).toEqual({ PATH: "/bin", LD_LIBRARY_PATH: "/cache/bin" });
    expect(llamaServerEnv(install, { LD_LIBRARY_PATH: "/opt/lib" }).LD_LIBRARY_PATH).toBe("/cache/bin:/opt/lib");
  });
});

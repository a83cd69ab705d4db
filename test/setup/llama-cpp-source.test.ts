import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LLAMA_SPM_VOCAB, NODE_LLAMA_CPP_PACKAGE } from "../../src/setup/llama-cpp-paths.js";
import { cachedLlamaCppSource, ensureLlamaCppSource, ensureVocabFile } from "../../src/setup/llama-cpp-source.js";
import type { SetupProgress } from "../../src/setup/progress.js";
import { fakeTools } from "./fake-tools.js";

/** A tarball shaped like node-llama-cpp's: a git bundle of a tiny "llama.cpp" and the release info. */
function fakePackageTarball(dir: string): { tarball: string; commit: string } {
  const repo = join(dir, "upstream");
  mkdirSync(join(repo, "models"), { recursive: true });
  writeFileSync(join(repo, "models", LLAMA_SPM_VOCAB), "vocab bytes");
  writeFileSync(join(repo, "models", "ggml-vocab-gpt-2.gguf"), "gpt-2 vocab bytes");
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
  execFileSync("git", ["init", "--quiet", repo]);
  git("add", ".");
  git("-c", "user.name=kitt", "-c", "user.email=kitt@example.invalid", "commit", "--quiet", "-m", "release");
  const commit = git("rev-parse", "HEAD");

  const llama = join(dir, "package", "llama");
  mkdirSync(llama, { recursive: true });
  git("bundle", "create", join(llama, "gitRelease.bundle"), "HEAD", "--all");
  writeFileSync(join(llama, "llama.cpp.info.json"), JSON.stringify({ tag: "v9.9.9", llamaCppGithubRepo: "ggml-org/llama.cpp" }));
  const tarball = join(dir, "node-llama-cpp-3.22.1.tgz");
  execFileSync("tar", ["-czf", tarball, "-C", dir, "package"]);
  return { tarball, commit };
}

describe("llama.cpp source from the node-llama-cpp tarball", () => {
  const tools = fakeTools({
    npm: [
      'if [ "$1" = "--version" ]; then echo 10.0.0; exit 0; fi',
      'while [ "$#" -gt 0 ]; do if [ "$1" = "--pack-destination" ]; then cp "$FAKE_TARBALL" "$2/"; fi; shift; done',
    ].join("\n"),
  });
  const { tarball, commit } = fakePackageTarball(tools.dir);
  const env = { ...tools.env, FAKE_TARBALL: tarball };
  const cache = join(tools.dir, "cache", "llama.cpp");
  afterAll(() => rmSync(tools.dir, { recursive: true, force: true }));

  it("packs, extracts and clones the release, caches it by tag, and copies the vocabulary out", async () => {
    const events: SetupProgress[] = [];
    const source = await ensureLlamaCppSource({ env, onProgress: (event) => events.push(event) });

    expect(source).toEqual({ package: NODE_LLAMA_CPP_PACKAGE, tag: "v9.9.9", commit, dir: join(cache, "v9.9.9", "src") });
    expect(readFileSync(join(source.dir, "models", LLAMA_SPM_VOCAB), "utf8")).toBe("vocab bytes");
    expect(JSON.parse(readFileSync(join(cache, "v9.9.9", "source.json"), "utf8"))).toEqual({
      package: NODE_LLAMA_CPP_PACKAGE,
      tag: "v9.9.9",
      commit,
    });
    expect(readFileSync(join(cache, "vocab", LLAMA_SPM_VOCAB), "utf8")).toBe("vocab bytes");
    expect(events.map((event) => event.phase)).toEqual(["fetch", "clone"]);
    expect(tools.calls()).toContainEqual(expect.stringMatching(new RegExp(`^npm pack ${NODE_LLAMA_CPP_PACKAGE} --pack-destination `)));
    // Nothing but the release folders and the vocabulary is left behind.
    expect(readdirSync(cache).sort()).toEqual(["v9.9.9", "vocab"]);
  });

  it("reuses the cached clone without fetching again", async () => {
    const packsBefore = tools.calls().filter((call) => call.startsWith("npm pack")).length;
    expect(await cachedLlamaCppSource(env)).toMatchObject({ tag: "v9.9.9", commit });
    expect((await ensureLlamaCppSource({ env })).commit).toBe(commit);
    expect(tools.calls().filter((call) => call.startsWith("npm pack"))).toHaveLength(packsBefore);
  });

  it("copies another vocabulary file on demand, and refuses one the release lacks", async () => {
    const gpt2 = await ensureVocabFile("ggml-vocab-gpt-2.gguf", { env });
    expect(gpt2).toBe(join(cache, "vocab", "ggml-vocab-gpt-2.gguf"));
    expect(readFileSync(gpt2, "utf8")).toBe("gpt-2 vocab bytes");
    await expect(ensureVocabFile("ggml-vocab-nope.gguf", { env })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(existsSync(join(cache, "vocab", "ggml-vocab-nope.gguf"))).toBe(false);
  });

  it("says which tool is missing before fetching anything", async () => {
    const empty = join(tools.dir, "empty-bin");
    mkdirSync(empty, { recursive: true });
    const bare = { ...env, PATH: empty, KITT_CACHE_DIR: join(tools.dir, "bare-cache") };
    await expect(ensureLlamaCppSource({ env: bare })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringMatching(/not installed: npm, tar, git$/),
    });
  });
});

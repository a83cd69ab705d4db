import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveModelReference } from "../../src/models/model-paths.js";

describe("resolveModelReference", () => {
  const base = mkdtempSync(join(tmpdir(), "kitt-model-ref-"));
  const dir = join(base, "models");
  const outside = join(base, "outside");
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  beforeAll(() => {
    mkdirSync(join(dir, "org", "folder"), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(dir, "org", "model.gguf"), "GGUF");
    writeFileSync(join(outside, "secret.gguf"), "GGUF");
    symlinkSync(join(outside, "secret.gguf"), join(dir, "escape.gguf"));
    symlinkSync("../outside", join(dir, "escape-folder"));
    symlinkSync("org/model.gguf", join(dir, "alias.gguf"));
    symlinkSync("loop-b", join(dir, "loop-a"));
    symlinkSync("loop-a", join(dir, "loop-b"));
  });

  it("resolves a path inside the model directory to its real path", async () => {
    const real = realpathSync(join(dir, "org", "model.gguf"));
    expect(await resolveModelReference(dir, "org/model.gguf")).toEqual({ path: real, relative: "org/model.gguf" });
    expect(await resolveModelReference(dir, "./org//model.gguf")).toEqual({ path: real, relative: "org/model.gguf" });
    expect(await resolveModelReference(dir, "alias.gguf")).toEqual({ path: real, relative: "org/model.gguf" });
    expect(await resolveModelReference(dir, "org/folder")).toEqual({ path: realpathSync(join(dir, "org", "folder")), relative: "org/folder" });
  });

  it.each([
    ["../outside/secret.gguf", /without '\.\.'/],
    ["org/../../outside/secret.gguf", /without '\.\.'/],
    ["org/../org/model.gguf", /without '\.\.'/],
    ["..\\outside\\secret.gguf", /without '\.\.'/],
    [join(outside, "secret.gguf"), /without '\.\.'/],
    ["/etc/passwd", /without '\.\.'/],
    ["", /must be a path inside the model directory/],
    ["org/model.gguf\0.txt", /must be a path inside the model directory/],
    ["escape.gguf", /leads outside the model directory/],
    ["escape-folder/secret.gguf", /leads outside the model directory/],
    ["loop-a", /symlink loop/],
  ])("refuses %j as a usage error", async (reference, message) => {
    await expect(resolveModelReference(dir, reference)).rejects.toMatchObject({ code: "USAGE", exitCode: 2, message: expect.stringMatching(message) });
  });

  it("says MODEL_NOT_FOUND for a path inside that does not exist, and for a missing directory", async () => {
    await expect(resolveModelReference(dir, "org/missing.gguf")).rejects.toMatchObject({ code: "MODEL_NOT_FOUND", message: expect.stringMatching(/^no model 'org\/missing\.gguf' in the model directory/) });
    await expect(resolveModelReference(join(base, "nope"), "model.gguf")).rejects.toMatchObject({ code: "MODEL_NOT_FOUND", message: expect.stringMatching(/^model directory not found/) });
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assertBuildTools, findMissingTools } from "../../src/setup/build-tools.js";

describe("build tool checks", () => {
  const empty = mkdtempSync(join(tmpdir(), "kitt-no-tools-"));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it("finds nothing missing where the tools are installed", async () => {
    expect(await findMissingTools(["git", "tar"])).toEqual([]);
  });

  it("names every missing tool and the Debian packages that provide them", async () => {
    const env = { PATH: empty };
    expect(await findMissingTools(["npm", "tar", "git", "cmake", "c++"], env)).toEqual(["npm", "tar", "git", "cmake", "c++"]);
    await expect(assertBuildTools(["cmake", "c++"], "building llama-server", env)).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "building llama-server needs tools that are not installed: cmake, a C++ compiler (c++, g++ or clang++)",
      details: ["On Debian or Ubuntu: apt-get install -y cmake g++"],
    });
  });
});

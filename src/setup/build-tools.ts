/**
 * Checks, before a long setup starts, that the tools it shells out to are installed, and
 * names every missing one with the Debian package that provides it.
 */
import { execa } from "execa";
import { KittError } from "../errors.js";

export type BuildTool = "npm" | "tar" | "git" | "cmake" | "c++";

export const LLAMA_CPP_BUILD_TOOLS: readonly BuildTool[] = ["npm", "tar", "git", "cmake", "c++"];

const DEBIAN_PACKAGES: Record<BuildTool, string> = { npm: "npm", tar: "tar", git: "git", cmake: "cmake", "c++": "g++" };

async function answers(command: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const result = await execa(command, ["--version"], { env, reject: false, timeout: 30_000 });
  return result.exitCode === 0;
}

/** cmake uses $CXX when set, otherwise finds `c++`, `g++` or `clang++` on PATH. */
async function hasCxxCompiler(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env.CXX) return answers(env.CXX, env);
  for (const candidate of ["c++", "g++", "clang++"]) if (await answers(candidate, env)) return true;
  return false;
}

function describeTool(tool: BuildTool, env: NodeJS.ProcessEnv): string {
  if (tool !== "c++") return tool;
  return env.CXX ? `a C++ compiler ($CXX=${env.CXX})` : "a C++ compiler (c++, g++ or clang++)";
}

export async function findMissingTools(tools: readonly BuildTool[], env: NodeJS.ProcessEnv = process.env): Promise<BuildTool[]> {
  const present = await Promise.all(tools.map((tool) => (tool === "c++" ? hasCxxCompiler(env) : answers(tool, env))));
  return tools.filter((_, index) => !present[index]);
}

/** Fails with NOT_FOUND naming every missing tool. */
export async function assertBuildTools(
  tools: readonly BuildTool[],
  purpose: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const missing = await findMissingTools(tools, env);
  if (missing.length === 0) return;
  const names = missing.map((tool) => describeTool(tool, env)).join(", ");
  const packages = missing.map((tool) => DEBIAN_PACKAGES[tool]).join(" ");
  throw new KittError("NOT_FOUND", `${purpose} needs tools that are not installed: ${names}`, {
    details: [`On Debian or Ubuntu: apt-get install -y ${packages}`],
  });
}

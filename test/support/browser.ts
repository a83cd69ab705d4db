/**
 * Headless Chromium for tests that look at a page as a person would. Chromium missing means
 * a skip on a developer's machine and a failure in CI (`CI=true`), like every other machine
 * requirement (`unavailable` in `llama.ts`).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { unavailable } from "./llama.js";

export const CHROMIUM_PATH = "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Chromium's path, or undefined (skip) when it is not installed; throws in CI. */
export function requireChromium(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : unavailable("Chromium", `${CHROMIUM_PATH} not found (apt-get install -y chromium)`);
}

export interface BrowserSession extends AsyncDisposable {
  context: BrowserContext;
}

/** A browser with a fresh profile folder, removed again on dispose. */
export async function launchBrowser(executablePath: string): Promise<BrowserSession> {
  const profile = await mkdtemp(join(tmpdir(), "kitt-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1100, height: 900 } });
  return {
    context,
    async [Symbol.asyncDispose]() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Runs the self-test server in a child process and talks to it over IPC. */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { KittError } from "../../errors.js";
import { runsFromSources, tsxLoaderUrl } from "../workers/tsx-loader.js";
import type { SelftestServerConfig, SelftestServerReport } from "./server.js";

export type ToSelftestServer = { type: "report" } | { type: "close" };
export type FromSelftestServer = { type: "listening"; url: string } | { type: "report"; report: SelftestServerReport };

export class SelftestServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    /** Base URL the server listens on. */
    readonly url: string,
  ) {}

  static async start(config: SelftestServerConfig): Promise<SelftestServerProcess> {
    const fromSources = runsFromSources(import.meta.url);
    const entry = new URL(fromSources ? "./server-main.ts" : "./server-main.js", import.meta.url);
    const child = fork(entry, [JSON.stringify(config)], {
      execArgv: fromSources ? ["--import", tsxLoaderUrl()] : [],
      // Typed arrays in the report cross as they are.
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const message = await nextMessage(child, "listening");
    return new SelftestServerProcess(child, message.url);
  }

  async report(): Promise<SelftestServerReport> {
    const reply = nextMessage(this.child, "report");
    this.child.send({ type: "report" } satisfies ToSelftestServer);
    return (await reply).report;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.send({ type: "close" } satisfies ToSelftestServer);
    await exited;
  }
}

function nextMessage<T extends FromSelftestServer["type"]>(
  child: ChildProcess,
  type: T,
): Promise<Extract<FromSelftestServer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromSelftestServer): void => {
      if (message.type !== type) return;
      child.off("exit", onExit);
      child.off("message", onMessage);
      resolve(message as Extract<FromSelftestServer, { type: T }>);
    };
    const onExit = (code: number | null): void => {
      child.off("message", onMessage);
      reject(new KittError("BENCHMARK_FAILED", `the self-test server exited (code ${code}) before answering`));
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

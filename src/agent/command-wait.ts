/**
 * Between heartbeats the agent holds one `commands/wait` request open; when the server answers
 * that a command waits, the heartbeat loop is woken to take it, so a test sent from the dashboard
 * starts within a second or two instead of at the next heartbeat. An older server without the
 * route is left to the heartbeats; an unreachable one is asked again after `retryMs`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { COMMANDS_WAIT_S } from "../server/agents/agent-protocol.js";
import type { AgentClient } from "./agent-client.js";

/** The least time between two wake-ups, so a command the heartbeat cannot take yet never makes a busy loop. */
const MIN_WAKE_SPACING_MS = 1000;

export async function waitForCommands(client: AgentClient, options: { signal: AbortSignal; onPending: () => void; retryMs: number }): Promise<void> {
  const { signal } = options;
  const pause = (ms: number) => sleep(ms, undefined, { signal }).catch(() => undefined);
  while (!signal.aborted) {
    const outcome = await client.commandsWait(COMMANDS_WAIT_S.default, signal);
    if (signal.aborted) return;
    if (outcome.kind === "ok") {
      if (outcome.value.pending) {
        options.onPending();
        await pause(MIN_WAKE_SPACING_MS);
      }
    } else if (outcome.kind === "rejected" && outcome.status === 404) {
      return;
    } else {
      // Unreachable, unknown, revoked: the heartbeat loop says so and acts; this one only waits.
      await pause(options.retryMs);
    }
  }
}

/**
 * What people do to agents, shared by the agents API and the Agents pages: make an enrolment code
 * with its install line, change an agent's settings, rotate or revoke its token, delete it, queue
 * a command. Each takes the request's fields already checked by the schemas here.
 */
import { z } from "@hono/zod-openapi";
import { KittError } from "../../errors.js";
import { queueAgentCommand } from "../../store/agent-commands.js";
import { deleteAgent, getAgent, replaceAgentToken, revokeAgent, setAgentSettings, type AgentRecord } from "../../store/agents.js";
import type { ResultsStore } from "../../store/results-store.js";
import { agentSettings } from "./agent-liveness.js";
import { HEARTBEAT_INTERVAL_S } from "./agent-protocol.js";
import type { AgentTokens } from "./agent-tokens.js";
import { DEFAULT_ENROLMENT_TTL_S, MAX_ENROLMENT_TTL_S, newEnrolment, type NewEnrolment } from "./enrolment.js";
import { installCommand } from "./install-script.js";

export const EnrolmentRequestSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, '_', '.', '-' (at most 64)")
    .optional()
    .openapi({ description: "the agent's name (default: its host's)" }),
  ttl_s: z.number().int().min(60).max(MAX_ENROLMENT_TTL_S).default(DEFAULT_ENROLMENT_TTL_S).openapi({ description: "how long the code is good for" }),
});

export const AgentSettingsChangeSchema = z.strictObject({
  heartbeat_interval_s: z.number().int().min(HEARTBEAT_INTERVAL_S.min).max(HEARTBEAT_INTERVAL_S.max).optional(),
  auto_cleanup: z.boolean().optional(),
});

/** What people may ask an agent to do besides tests (tests go through `POST /jobs` with a target). */
export const NewAgentCommandSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("check_docker") }),
  z.strictObject({ type: z.literal("setup_engine"), engine: z.string().regex(/^[a-z0-9_]{1,64}$/) }),
  z.strictObject({ type: z.literal("cleanup_storage"), model: z.string().min(1).max(1024).optional().openapi({ description: "one copied model, relative to the model directory; none: every copied model" }) }),
]);

export interface MadeEnrolment extends NewEnrolment {
  install_command: string;
}

/** A code and the line that installs with it; `serverUrl` is the origin the asker reached this server at. */
export async function makeEnrolment(
  store: ResultsStore,
  request: z.output<typeof EnrolmentRequestSchema>,
  server: { serverUrl: string; publicKeyPin?: string },
): Promise<MadeEnrolment> {
  const enrolment = await newEnrolment(store, { name: request.name, ttlSeconds: request.ttl_s });
  return { ...enrolment, install_command: installCommand({ ...server, code: enrolment.code }) };
}

/** NOT_FOUND for no such (or a deleted) agent. */
export async function existingAgent(store: ResultsStore, id: string): Promise<AgentRecord> {
  const agent = await getAgent(store, id);
  if (!agent) throw new KittError("NOT_FOUND", `no agent ${id}`);
  return agent;
}

/** The agent with the change applied to its settings; it gets them with its next heartbeat. */
export async function changeAgentSettings(store: ResultsStore, agent: AgentRecord, change: z.output<typeof AgentSettingsChangeSchema>): Promise<AgentRecord> {
  return (await setAgentSettings(store, agent.id, { ...agentSettings(agent), ...change })) ?? agent;
}

/** A new token (to be shown once); the old one is refused at once. USAGE for a revoked agent. */
export async function rotateAgentToken(store: ResultsStore, tokens: AgentTokens, agent: AgentRecord): Promise<string> {
  if (agent.revoked_at !== null) throw new KittError("USAGE", `agent ${agent.name} is revoked; enrol it again`);
  const issued = await tokens.issue(agent.id);
  if (!(await replaceAgentToken(store, agent.id, issued))) throw new KittError("NOT_FOUND", `no agent ${agent.id}`);
  return issued.token;
}

export async function revokeExistingAgent(store: ResultsStore, id: string): Promise<AgentRecord> {
  if (!(await revokeAgent(store, id))) throw new KittError("NOT_FOUND", `no agent ${id}`);
  return existingAgent(store, id);
}

export async function deleteExistingAgent(store: ResultsStore, id: string): Promise<void> {
  if (!(await deleteAgent(store, id))) throw new KittError("NOT_FOUND", `no agent ${id}`);
}

export type NewAgentCommand = z.output<typeof NewAgentCommandSchema>;

/** Queued for the agent's next heartbeat (`AgentJobs.queueCommand` also wakes a waiting agent); USAGE for a revoked agent. Returns the command's id. */
export async function queueCommandFor(store: ResultsStore, agent: AgentRecord, command: NewAgentCommand): Promise<string> {
  if (agent.revoked_at !== null) throw new KittError("USAGE", `agent ${agent.name} is revoked`);
  const { type, ...payload } = command;
  return queueAgentCommand(store, { agentId: agent.id, type, payload });
}

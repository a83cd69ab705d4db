/**
 * `agents`: what people do with agents — make an enrolment code (with the install line), list
 * and show agents (offline once silent for three heartbeats), change an agent's settings,
 * rotate or revoke its token, delete it. Agent tokens are refused on these routes.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { listAgentCommands } from "../../store/agent-commands.js";
import { listAgents, type AgentRecord } from "../../store/agents.js";
import type { ResultsStore } from "../../store/results-store.js";
import {
  AgentSettingsChangeSchema,
  changeAgentSettings,
  deleteExistingAgent,
  EnrolmentRequestSchema,
  existingAgent,
  makeEnrolment,
  NewAgentCommandSchema,
  revokeExistingAgent,
  rotateAgentToken,
} from "../agents/agent-admin.js";
import { agentSettings, shownAgent } from "../agents/agent-liveness.js";
import { AgentSettingsSchema } from "../agents/agent-protocol.js";
import type { AgentTokens } from "../agents/agent-tokens.js";
import { errorResponses, jsonContent } from "./schemas.js";
import type { AgentJobs } from "../agents/agent-jobs.js";

const AgentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    token_prefix: z.string().openapi({ description: "the token's first characters, to tell tokens apart" }),
    hardware: z.unknown().openapi({ description: "the hardware fingerprint it registered with" }),
    engines: z.unknown(),
    kitt_version: z.string(),
    settings: AgentSettingsSchema,
    status: z.enum(["idle", "busy", "offline"]),
    running_job: z.string().nullable(),
    last_heartbeat_at: z.number().nullable().openapi({ description: "epoch ms" }),
    last_status: z.unknown().openapi({ description: "the last heartbeat's GPUs and free model storage" }),
    created_at: z.number(),
    revoked_at: z.number().nullable(),
  })
  .openapi("Agent");

const AgentIdParams = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/)
    .openapi({ param: { name: "id", in: "path" }, description: "agent id" }),
});

const notFound = { 404: jsonContent(z.object({ error: z.string() }), "no such agent") };

const enrolRoute = createRoute({
  method: "post",
  path: "/agents/enrolments",
  summary: "a single-use enrolment code and the install line that uses it (the code is shown only now)",
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: EnrolmentRequestSchema,
        },
      },
    },
  },
  responses: {
    201: jsonContent(z.object({ id: z.string(), code: z.string(), name: z.string().nullable(), expires_at: z.number(), install_command: z.string() }), "the code"),
    ...errorResponses,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/agents",
  summary: "enrolled agents, by name",
  responses: { 200: jsonContent(z.object({ agents: z.array(AgentSchema) }), "the agents"), ...errorResponses },
});

const getRoute = createRoute({
  method: "get",
  path: "/agents/{id}",
  summary: "one agent",
  request: { params: AgentIdParams },
  responses: { 200: jsonContent(AgentSchema, "the agent"), ...notFound, ...errorResponses },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/agents/{id}",
  summary: "change an agent's settings; the agent gets them with its next heartbeat",
  request: {
    params: AgentIdParams,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: AgentSettingsChangeSchema,
        },
      },
    },
  },
  responses: { 200: jsonContent(AgentSchema, "the agent"), ...notFound, ...errorResponses },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/agents/{id}",
  summary: "delete an agent: its token is refused from now on and it leaves the listings",
  request: { params: AgentIdParams },
  responses: { 200: jsonContent(z.object({ deleted: z.string() }), "deleted"), ...notFound, ...errorResponses },
});

const rotateRoute = createRoute({
  method: "post",
  path: "/agents/{id}/rotate-token",
  summary: "a new token for the agent (shown only now); the old one is refused at once",
  request: { params: AgentIdParams },
  responses: { 200: jsonContent(z.object({ agent_id: z.string(), token: z.string() }), "the new token"), ...notFound, ...errorResponses },
});

const revokeRoute = createRoute({
  method: "post",
  path: "/agents/{id}/revoke",
  summary: "refuse the agent's token from now on (the agent stops); its queued commands are dropped",
  request: { params: AgentIdParams },
  responses: { 200: jsonContent(AgentSchema, "the agent"), ...notFound, ...errorResponses },
});

const CommandSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    payload: z.unknown(),
    job_id: z.string().nullable(),
    created_at: z.number(),
    delivered_at: z.number().nullable(),
    finished_at: z.number().nullable(),
    ok: z.boolean().nullable(),
    output: z.string().nullable(),
  })
  .openapi("AgentCommandRecord");

const commandRoute = createRoute({
  method: "post",
  path: "/agents/{id}/commands",
  summary: "queue a command for the agent: check_docker, setup_engine, cleanup_storage; handed out with its next heartbeat",
  request: { params: AgentIdParams, body: { required: true, content: { "application/json": { schema: NewAgentCommandSchema } } } },
  responses: { 201: jsonContent(z.object({ id: z.string() }), "the queued command"), ...notFound, ...errorResponses },
});

const commandsRoute = createRoute({
  method: "get",
  path: "/agents/{id}/commands",
  summary: "the agent's latest 50 commands, newest first, with how they went",
  request: { params: AgentIdParams },
  responses: { 200: jsonContent(z.object({ commands: z.array(CommandSchema) }), "the commands"), ...notFound, ...errorResponses },
});

export function agentsRoutes(api: OpenAPIHono, options: { store: ResultsStore; tokens: AgentTokens; jobs: AgentJobs; publicKeyPin?: string }): void {
  const { store, tokens, jobs } = options;

  api.openapi(enrolRoute, async (c) => {
    const made = await makeEnrolment(store, c.req.valid("json"), { serverUrl: new URL(c.req.url).origin, publicKeyPin: options.publicKeyPin });
    return c.json({ id: made.id, code: made.code, name: made.name, expires_at: made.expires_at, install_command: made.install_command }, 201);
  });

  api.openapi(listRoute, async (c) => {
    const now = Date.now();
    return c.json({ agents: (await listAgents(store)).map((agent) => view(agent, now)) }, 200);
  });

  api.openapi(getRoute, async (c) => c.json(view(await existingAgent(store, c.req.valid("param").id)), 200));

  api.openapi(patchRoute, async (c) => {
    const agent = await existingAgent(store, c.req.valid("param").id);
    return c.json(view(await changeAgentSettings(store, agent, c.req.valid("json"))), 200);
  });

  api.openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid("param");
    await deleteExistingAgent(store, id);
    return c.json({ deleted: id }, 200);
  });

  api.openapi(rotateRoute, async (c) => {
    const agent = await existingAgent(store, c.req.valid("param").id);
    return c.json({ agent_id: agent.id, token: await rotateAgentToken(store, tokens, agent) }, 200);
  });

  api.openapi(commandRoute, async (c) => {
    const agent = await existingAgent(store, c.req.valid("param").id);
    return c.json({ id: await jobs.queueCommand(agent, c.req.valid("json")) }, 201);
  });

  api.openapi(commandsRoute, async (c) => {
    const agent = await existingAgent(store, c.req.valid("param").id);
    return c.json({ commands: await listAgentCommands(store, agent.id, 50) }, 200);
  });

  api.openapi(revokeRoute, async (c) => c.json(view(await revokeExistingAgent(store, c.req.valid("param").id)), 200));
}

function view(agent: AgentRecord, now = Date.now()): z.infer<typeof AgentSchema> {
  const shown = shownAgent(agent, now);
  return { ...shown, settings: agentSettings(agent) };
}

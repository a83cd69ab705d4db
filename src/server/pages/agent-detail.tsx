/**
 * `/agents/:id`: one agent — hardware from its fingerprint, engines, GPUs as its last heartbeat
 * said, its settings (saved through the agents API's `changeAgentSettings`), commands (queued
 * through `AgentJobs.queueCommand`, with how the latest went), token rotation, revocation, deletion (a
 * confirmed form) and its job history, paged like the Jobs page. A rotated token is shown in the
 * answer to that form only.
 */
import { Hono } from "hono";
import { engineNames } from "../../engines/registry.js";
import { KittError } from "../../errors.js";
import { listAgentCommands, type CommandRecord } from "../../store/agent-commands.js";
import type { AgentRecord } from "../../store/agents.js";
import {
  AgentSettingsChangeSchema,
  changeAgentSettings,
  deleteExistingAgent,
  existingAgent,
  NewAgentCommandSchema,
  revokeExistingAgent,
  rotateAgentToken,
} from "../agents/agent-admin.js";
import { agentPresence, agentSettings, shownAgent } from "../agents/agent-liveness.js";
import { HEARTBEAT_INTERVAL_S } from "../agents/agent-protocol.js";
import { agentEngines, gpuSummary, hardwareLines, lastStatus } from "./agent-hardware.js";
import { freeStorage, LastHeartbeat } from "./agents.js";
import { formBody, issueLines, numberField, type FormBody } from "./form-body.js";
import { formatNumber, formatTime } from "./format.js";
import { JobsFragment, listedJobs } from "./job-list.js";
import { Layout } from "./layout.js";
import { chrome, type PageContext, type PageEnv, type PageOptions } from "./page-env.js";
import { FormErrors } from "./form-errors.js";

const AGENT_ID = /^[A-Za-z0-9-]{1,64}$/;
const SHOWN_COMMANDS = 10;

const DONE: Record<string, string> = {
  settings: "Settings saved: the agent gets them with its next heartbeat.",
  revoked: "Token revoked: the agent is refused from now on and stops.",
  queued: "Command queued: the agent gets it with its next heartbeat.",
};

/** What a posted form left to show: its errors (and fields), or a token shown this once. */
interface Outcome {
  settings?: { posted: FormBody; errors: string[] };
  command?: string[];
  token?: string;
}

function Hardware({ agent }: { agent: AgentRecord }) {
  const lines = hardwareLines(agent.hardware);
  const engines = agentEngines(agent.engines);
  return (
    <>
      <h2>Hardware</h2>
      <dl class="facts">
        {(lines ?? [{ label: "GPU", value: gpuSummary(agent.hardware) }]).map((line) => (
          <>
            <dt>{line.label}</dt>
            <dd>{line.value}</dd>
          </>
        ))}
      </dl>
      <details>
        <summary>the fingerprint it registered with</summary>
        <pre class="output">{JSON.stringify(agent.hardware, null, 2)}</pre>
      </details>
      <h2>Engines</h2>
      {engines.length === 0 ? (
        <p class="muted">None reported.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>engine</th>
              <th>native binary</th>
              <th>images</th>
            </tr>
          </thead>
          <tbody>
            {engines.map((engine) => (
              <tr>
                <td>{engine.engine}</td>
                <td>{engine.native ? "yes" : "no"}</td>
                <td>{engine.images.join(", ") || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function GpuStatusTable({ agent }: { agent: AgentRecord }) {
  const { gpus } = lastStatus(agent.last_status);
  return (
    <>
      <h2>GPUs at the last heartbeat</h2>
      {gpus.length === 0 ? (
        <p class="muted">No GPU reported.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>GPU</th>
              <th>memory used (GB)</th>
              <th>memory total (GB)</th>
              <th>utilisation</th>
            </tr>
          </thead>
          <tbody>
            {gpus.map((gpu) => (
              <tr>
                <td>{gpu.index}</td>
                <td class="num">{formatNumber(gpu.memory_used_gb, 1)}</td>
                <td class="num">{formatNumber(gpu.memory_total_gb, 1)}</td>
                <td class="num">{gpu.utilization_pct === undefined ? "—" : `${gpu.utilization_pct} %`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>free model storage: {freeStorage(agent)}</p>
    </>
  );
}

function SettingsForm({ agent, outcome }: { agent: AgentRecord; outcome: Outcome }) {
  const settings = agentSettings(agent);
  const posted = outcome.settings?.posted;
  return (
    <form class="stacked panel" method="post" action={`/agents/${agent.id}/settings`} data-settings>
      <FormErrors errors={outcome.settings?.errors} />
      <label>
        heartbeat interval (s, {HEARTBEAT_INTERVAL_S.min}–{HEARTBEAT_INTERVAL_S.max})
        <input name="heartbeat_interval_s" type="number" min={HEARTBEAT_INTERVAL_S.min} max={HEARTBEAT_INTERVAL_S.max} value={posted?.text("heartbeat_interval_s") ?? String(settings.heartbeat_interval_s)} />
      </label>
      <label class="inline">
        <input type="checkbox" name="auto_cleanup" value="1" checked={posted ? posted.has("auto_cleanup") : settings.auto_cleanup} /> delete a model copied from the share once its test ended
      </label>
      <div class="actions">
        <button type="submit">Save settings</button>
      </div>
    </form>
  );
}

function Commands({ agent, commands, errors }: { agent: AgentRecord; commands: CommandRecord[]; errors: string[] | undefined }) {
  const action = `/agents/${agent.id}/commands`;
  return (
    <>
      <h2>Commands</h2>
      <FormErrors errors={errors} />
      <div class="panel">
        <form class="filters" method="post" action={action}>
          <input type="hidden" name="type" value="cleanup_storage" />
          <label>
            copied model to delete (relative to the model directory; empty: every copied model)
            <input name="model" placeholder="every copied model" />
          </label>
          <button type="submit">Clean up storage</button>
        </form>
        <form class="filters" method="post" action={action}>
          <input type="hidden" name="type" value="setup_engine" />
          <label>
            engine
            <select name="engine">
              {engineNames.map((name) => (
                <option value={name}>{name}</option>
              ))}
            </select>
          </label>
          <button type="submit">Set up engine</button>
        </form>
        <form class="filters" method="post" action={action}>
          <input type="hidden" name="type" value="check_docker" />
          <button type="submit">Check Docker</button>
        </form>
      </div>
      {commands.length === 0 ? null : (
        <table class="commands">
          <thead>
            <tr>
              <th>command</th>
              <th>queued</th>
              <th>result</th>
            </tr>
          </thead>
          <tbody>
            {commands.map((command) => (
              <tr data-command={command.type}>
                <td>
                  {command.type} {Object.keys(command.payload).length === 0 ? "" : JSON.stringify(command.payload)}
                </td>
                <td>{formatTime(command.created_at)}</td>
                <td>
                  {command.ok === null ? (command.delivered_at === null ? "waiting for a heartbeat" : "sent") : command.ok ? "ok" : "failed"}
                  {command.output ? <pre class="output">{command.output}</pre> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function TokenActions({ agent, token }: { agent: AgentRecord; token: string | undefined }) {
  return (
    <>
      <h2>Token</h2>
      {token === undefined ? null : (
        <section class="panel" data-new-token>
          <p class="notice" role="status">
            The new token, shown only now. The old one is refused from now on: a running agent is answered 401 and stops. On the agent's machine, give it this one with
            <code>kitt agent token set</code> (it reads the token from stdin) and start the agent again — or revoke the agent and enrol the machine afresh with a new code.
          </p>
          <code class="secret">{token}</code>
        </section>
      )}
      <p class="meta">token {agent.token_prefix}</p>
      {agent.revoked_at !== null ? (
        <p class="muted">Revoked {formatTime(agent.revoked_at)}: enrol the machine again to use it.</p>
      ) : (
        <div class="actions">
          <form method="post" action={`/agents/${agent.id}/rotate-token`}>
            <button type="submit">Rotate token</button>
          </form>
          <form method="post" action={`/agents/${agent.id}/revoke`}>
            <button type="submit" class="danger">
              Revoke
            </button>
          </form>
        </div>
      )}
      <form class="actions" method="post" action={`/agents/${agent.id}/delete`}>
        <label class="inline">
          <input type="checkbox" name="confirm" value="1" required /> yes, delete {agent.name}
        </label>
        <button type="submit" class="danger">
          Delete
        </button>
      </form>
    </>
  );
}

export function agentDetailPages(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  const agentFor = (c: PageContext): Promise<AgentRecord> => {
    const id = c.req.param("id") ?? "";
    if (!AGENT_ID.test(id)) throw new KittError("NOT_FOUND", "no such agent");
    return existingAgent(options.store, id);
  };

  async function render(c: PageContext, agent: AgentRecord, outcome: Outcome = {}) {
    const now = Date.now();
    const presence = agentPresence(agent, now);
    const running = shownAgent(agent, now).running_job;
    const [commands, jobs] = await Promise.all([listAgentCommands(options.store, agent.id, SHOWN_COMMANDS), listedJobs(c, options, agent.id)]);
    const done = DONE[c.req.query("done") ?? ""];
    if (outcome.token !== undefined) c.header("Cache-Control", "no-store");
    const failed = (outcome.settings?.errors.length ?? 0) > 0 || (outcome.command?.length ?? 0) > 0 || !jobs.ok;
    return c.html(
      <Layout title={`Agent ${agent.name}`} active="agents" {...chrome(c)}>
        <section data-agent-id={agent.id} data-status={presence}>
          <h1>Agent {agent.name}</h1>
          <p>
            status <strong class={`status-${presence}`}>{presence}</strong> · last heartbeat <LastHeartbeat at={agent.last_heartbeat_at} now={now} /> · running{" "}
            {running === null || presence === "revoked" ? "nothing" : <a href={`/jobs/${running}`}>{`job ${running.slice(0, 8)}`}</a>}
          </p>
          <p class="meta">
            id {agent.id} · kitt {agent.kitt_version} · enrolled {formatTime(agent.created_at)}
          </p>
          {done === undefined ? null : (
            <p class="notice" role="status">
              {done}
            </p>
          )}
          <Hardware agent={agent} />
          <GpuStatusTable agent={agent} />
          {agent.revoked_at === null ? (
            <>
              <h2>Settings</h2>
              <SettingsForm agent={agent} outcome={outcome} />
              <Commands agent={agent} commands={commands} errors={outcome.command} />
            </>
          ) : null}
          <TokenActions agent={agent} token={outcome.token} />
          <h2>Jobs</h2>
          {jobs.ok ? (
            <JobsFragment page={jobs.page} query={jobs.query} base={`/agents/${agent.id}`} />
          ) : (
            <p class="alert" role="alert">
              {jobs.error}
            </p>
          )}
        </section>
      </Layout>,
      failed ? 400 : 200,
    );
  }

  app.get("/agents/:id", async (c) => render(c, await agentFor(c)));

  app.post("/agents/:id/settings", async (c) => {
    const agent = await agentFor(c);
    const form = await formBody(c);
    const parsed = AgentSettingsChangeSchema.safeParse({ heartbeat_interval_s: numberField(form.text("heartbeat_interval_s")), auto_cleanup: form.has("auto_cleanup") });
    if (!parsed.success) return render(c, agent, { settings: { posted: form, errors: issueLines(parsed.error.issues) } });
    await changeAgentSettings(options.store, agent, parsed.data);
    return c.redirect(`/agents/${agent.id}?done=settings`, 303);
  });

  app.post("/agents/:id/commands", async (c) => {
    const agent = await agentFor(c);
    const form = await formBody(c);
    const type = form.text("type");
    const fields = type === "setup_engine" ? { engine: form.text("engine") } : type === "cleanup_storage" ? { model: form.text("model") } : {};
    const parsed = NewAgentCommandSchema.safeParse({ type, ...fields });
    if (!parsed.success) return render(c, agent, { command: issueLines(parsed.error.issues) });
    await options.agentJobs.queueCommand(agent, parsed.data);
    return c.redirect(`/agents/${agent.id}?done=queued`, 303);
  });

  app.post("/agents/:id/rotate-token", async (c) => {
    const agent = await agentFor(c);
    const token = await rotateAgentToken(options.store, options.agentTokens, agent);
    return render(c, await existingAgent(options.store, agent.id), { token });
  });

  app.post("/agents/:id/revoke", async (c) => {
    const agent = await revokeExistingAgent(options.store, (await agentFor(c)).id);
    return c.redirect(`/agents/${agent.id}?done=revoked`, 303);
  });

  app.post("/agents/:id/delete", async (c) => {
    const agent = await agentFor(c);
    if (!(await formBody(c)).has("confirm")) throw new KittError("USAGE", `tick "yes, delete ${agent.name}" to delete it`);
    await deleteExistingAgent(options.store, agent.id);
    return c.redirect("/agents?done=deleted", 303);
  });
  return app;
}

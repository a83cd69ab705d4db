/**
 * `/agents`: every enrolled agent — status as the agents API computes it, last heartbeat, GPUs,
 * engines, running test, free model storage — and a form that makes a single-use enrolment code
 * through the API's `makeEnrolment`. The code and its install line are shown in the answer to
 * that form only (never stored in clear, never in a URL or a log).
 */
import { Hono } from "hono";
import { listAgents, type AgentRecord } from "../../store/agents.js";
import { EnrolmentRequestSchema, makeEnrolment, type MadeEnrolment } from "../agents/agent-admin.js";
import { agentPresence, shownAgent } from "../agents/agent-liveness.js";
import { agentEngines, gpuSummary, lastStatus } from "./agent-hardware.js";
import { formBody, issueLines, numberField, type FormBody } from "./form-body.js";
import { formatAgo, formatTime } from "./format.js";
import { Layout } from "./layout.js";
import { chrome, type PageContext, type PageEnv, type PageOptions } from "./page-env.js";
import { FormErrors } from "./form-errors.js";

const TTL_CHOICES: ReadonlyArray<[number, string]> = [
  [600, "10 minutes"],
  [3600, "1 hour"],
  [86_400, "1 day"],
  [7 * 86_400, "7 days"],
];

const DONE: Record<string, string> = { deleted: "Agent deleted: its token is refused from now on." };

export function LastHeartbeat({ at, now }: { at: number | null; now: number }) {
  return at === null ? <span class="muted">never</span> : <time datetime={new Date(at).toISOString()} title={formatTime(at)}>{`${formatAgo(at, now)} (${formatTime(at)})`}</time>;
}

export function freeStorage(agent: AgentRecord): string {
  const free = lastStatus(agent.last_status).freeModelStorageGb;
  return free === undefined ? "—" : `${free.toFixed(free < 10 ? 1 : 0)} GB`;
}

function AgentsTable({ agents, now }: { agents: AgentRecord[]; now: number }) {
  if (agents.length === 0) return <p class="muted">No agents yet: enrol one below.</p>;
  return (
    <div class="table-wrap">
      <table class="agents">
        <thead>
          <tr>
            <th>name</th>
            <th>status</th>
            <th>last heartbeat</th>
            <th>GPUs</th>
            <th>engines</th>
            <th>running test</th>
            <th>free model storage</th>
          </tr>
        </thead>
        <tbody>
          {agents.map((agent) => {
            const presence = agentPresence(agent, now);
            const running = shownAgent(agent, now).running_job;
            return (
              <tr data-agent-id={agent.id} data-status={presence}>
                <td>
                  <a href={`/agents/${agent.id}`}>{agent.name}</a>
                </td>
                <td class={`status-${presence}`}>{presence}</td>
                <td>
                  <LastHeartbeat at={agent.last_heartbeat_at} now={now} />
                </td>
                <td>{gpuSummary(agent.hardware)}</td>
                <td>{agentEngines(agent.engines).map((engine) => engine.engine).join(", ") || "—"}</td>
                <td>{running === null || presence === "revoked" ? "—" : <a href={`/jobs/${running}`}>{running.slice(0, 8)}</a>}</td>
                <td class="num">{freeStorage(agent)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function EnrolForm({ posted, errors }: { posted?: FormBody; errors: string[] }) {
  const ttl = posted?.text("ttl_s") ?? "3600";
  return (
    <form class="stacked panel" method="post" action="/agents/enrol">
      <FormErrors errors={errors} />
      <label>
        name (default: the agent's host name)
        <input name="name" value={posted?.text("name") ?? ""} maxlength={64} placeholder="gpu-a" />
      </label>
      <label>
        the code is good for
        <select name="ttl_s">
          {TTL_CHOICES.map(([seconds, label]) => (
            <option value={String(seconds)} selected={String(seconds) === ttl}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <div class="actions">
        <button type="submit">Make an enrolment code</button>
      </div>
    </form>
  );
}

function NewCode({ made }: { made: MadeEnrolment }) {
  return (
    <section class="panel" data-enrolment>
      <h2>Enrolment code{made.name === null ? "" : ` for ${made.name}`}</h2>
      <p class="notice" role="status">
        Shown only now: this server keeps only its hash. Good once, until {formatTime(made.expires_at)}.
      </p>
      <code class="secret" data-code>
        {made.code}
      </code>
      <p>On the GPU server, as the user that will run the agent:</p>
      <code class="secret" data-install-command>
        {made.install_command}
      </code>
    </section>
  );
}

export function agentsPages(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();

  async function render(c: PageContext, form: { posted?: FormBody; errors: string[]; made?: MadeEnrolment }) {
    const now = Date.now();
    const agents = await listAgents(options.store);
    const done = DONE[c.req.query("done") ?? ""];
    if (form.made) c.header("Cache-Control", "no-store");
    return c.html(
      <Layout title="Agents" active="agents" {...chrome(c)}>
        <h1>Agents</h1>
        <p class="meta">GPU servers running kitt agent: they take quick tests from this server (Quick Test's "run on"). An agent silent for three heartbeats is offline.</p>
        {done === undefined ? null : (
          <p class="notice" role="status">
            {done}
          </p>
        )}
        {form.made ? <NewCode made={form.made} /> : null}
        <AgentsTable agents={agents} now={now} />
        <h2>Enrol an agent</h2>
        <EnrolForm posted={form.posted} errors={form.errors} />
      </Layout>,
      form.errors.length > 0 ? 400 : 200,
    );
  }

  app.get("/agents", (c) => render(c, { errors: [] }));
  app.post("/agents/enrol", async (c) => {
    const form = await formBody(c);
    const parsed = EnrolmentRequestSchema.safeParse({ name: form.text("name"), ttl_s: numberField(form.text("ttl_s")) });
    if (!parsed.success) return render(c, { posted: form, errors: issueLines(parsed.error.issues) });
    const made = await makeEnrolment(options.store, parsed.data, { serverUrl: new URL(c.req.url).origin, publicKeyPin: options.publicKeyPin });
    return render(c, { errors: [], made });
  });
  return app;
}

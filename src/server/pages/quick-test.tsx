/**
 * `/quick-test`: a form over the model catalog (each model offered only with the engines that
 * load it), the built-in suites and the test registry, the runtime and the options a job request
 * allows. Posting it validates with the jobs API's `JobRequestSchema`, queues the job through the
 * same `JobRunner.submit`, and opens the job's live page; what does not fit is shown on the form.
 * "run on" picks this server or an online agent (the jobs API's `target`, `AgentJobs.submit`);
 * agents do not report their models, so an agent's model is a path typed in, which the agent
 * checks against its own model directory and share. A server without a job runner offers only
 * its online agents; with neither, nothing can run the test and the page says so.
 */
import { Hono } from "hono";
import { findCustomTests } from "../../bench/custom/registry.js";
import { builtinSuiteNames } from "../../config/suite-files.js";
import { type ModelCatalog } from "../../engines/model-catalog.js";
import { engineNames } from "../../engines/registry.js";
import { describeError, isKittError } from "../../errors.js";
import { listAgents, type AgentRecord } from "../../store/agents.js";
import { agentPresence } from "../agents/agent-liveness.js";
import { isJobRequestError, JobRequestSchema } from "../jobs/job-request.js";
import { modelCatalogFor } from "../settings/model-catalog-for.js";
import { gpuSummary } from "./agent-hardware.js";
import { formBody, issueLines, numberField, type FormBody } from "./form-body.js";
import { Layout } from "./layout.js";
import { chrome, type PageContext, type PageEnv, type PageOptions } from "./page-env.js";
import { FormErrors } from "./form-errors.js";

const RUNTIMES = ["native", "docker", "endpoint"] as const;
const NUMBER_OPTIONS = [
  ["port", "engine port", "the engine's own"],
  ["runs", "runs of each test", "1"],
  ["readiness_timeout_s", "readiness timeout (s)", "the engine's"],
  ["limit", "quality: first N documents", "all"],
  ["sample", "quality: N random documents", "—"],
  ["sample_seed", "sample seed", "—"],
] as const;

/** What the form shows: the choices, and what was posted (kept on an error). */
interface FormState {
  /** This server runs jobs itself (it has a job runner). */
  local: boolean;
  catalog?: ModelCatalog;
  catalogProblem?: string;
  suites: string[];
  tests: string[];
  /** Online agents a test may be sent to. */
  agents: AgentRecord[];
  posted?: FormBody;
  errors: string[];
}

function QuickTestForm({ state }: { state: FormState }) {
  const posted = state.posted;
  const models = (state.catalog?.models ?? []).filter((model) => model.source === "file" && model.problem === undefined && model.engines.length > 0);
  const target = posted?.text("target");
  const suite = posted === undefined ? "quick" : (posted.text("suite") ?? "");
  const tests = new Set(posted?.list("tests") ?? []);
  const runtime = posted?.text("runtime") ?? "native";
  const agent = posted?.text("agent") ?? "";
  const agentEngine = posted?.text("agent_engine") ?? "llama_cpp";
  return (
    <form class="stacked panel" method="post" action="/quick-test">
      <FormErrors errors={state.errors} />
      <label>
        run on
        <select name="agent">
          {state.local ? (
            <option value="" selected={agent === ""}>
              this server
            </option>
          ) : null}
          {state.agents.map((online) => (
            <option value={online.id} selected={online.id === agent}>
              {`agent ${online.name} — ${gpuSummary(online.hardware)}`}
            </option>
          ))}
        </select>
      </label>
      {state.local ? (
        <>
          <label>
            model and engine on this server (only engines that load the model)
            <select name="target" required={state.agents.length === 0}>
              {models.map((model) => (
                <optgroup label={model.path}>
                  {model.engines.map((engine) => {
                    const value = `${engine}:${model.path}`;
                    return (
                      <option value={value} selected={value === target}>
                        {`${model.path} — ${engine}`}
                      </option>
                    );
                  })}
                </optgroup>
              ))}
            </select>
          </label>
          {models.length === 0 ? <p class="notice">{state.catalogProblem ?? `No model in ${state.catalog?.dir ?? "the model directory"} that an engine loads; see Models.`}</p> : null}
        </>
      ) : null}
      {state.agents.length === 0 ? null : (
        <fieldset>
          <legend>on an agent</legend>
          <label>
            model (relative to the agent's model directory or share)
            <input name="agent_model" value={posted?.text("agent_model") ?? ""} placeholder="llama/tiny.gguf" required={!state.local} />
          </label>
          <label>
            engine
            <select name="agent_engine">
              {engineNames.map((name) => (
                <option value={name} selected={name === agentEngine}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
      )}
      <label>
        suite
        <select name="suite">
          <option value="" selected={suite === ""}>
            — the tests checked below —
          </option>
          {state.suites.map((name) => (
            <option value={name} selected={name === suite}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>or these tests</legend>
        {state.tests.map((name) => (
          <label class="inline">
            <input type="checkbox" name="tests" value={name} checked={tests.has(name)} /> {name}
          </label>
        ))}
      </fieldset>
      <label>
        runtime
        <select name="runtime">
          {RUNTIMES.map((name) => (
            <option value={name} selected={name === runtime}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        endpoint URL (runtime endpoint only)
        <input name="url" type="url" value={posted?.text("url") ?? ""} placeholder="http://host:8000" />
      </label>
      <fieldset>
        <legend>options</legend>
        {NUMBER_OPTIONS.map(([name, label, placeholder]) => (
          <label>
            {label}
            <input name={name} inputmode="numeric" value={posted?.text(name) ?? ""} placeholder={placeholder} />
          </label>
        ))}
        <label>
          GPUs (docker)
          <select name="gpus">
            {["", "auto", "all", "none"].map((value) => (
              <option value={value} selected={value === (posted?.text("gpus") ?? "")}>
                {value === "" ? "default" : value}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          <input type="checkbox" name="skip_warmup" value="1" checked={posted?.has("skip_warmup") ?? false} /> skip warm-up
        </label>
      </fieldset>
      <div class="actions">
        <button type="submit">Run quick test</button>
      </div>
    </form>
  );
}

/** The form's fields as a job request (before validation): only fields that were filled in. */
function requestFrom(form: FormBody): unknown {
  const onAgent = form.text("agent") !== undefined;
  const target = form.text("target") ?? "";
  const split = target.indexOf(":");
  const options = Object.fromEntries(
    [...NUMBER_OPTIONS.map(([name]) => [name, numberField(form.text(name))] as const), ["gpus", form.text("gpus")] as const, ["skip_warmup", form.has("skip_warmup") ? true : undefined] as const].filter(
      ([, value]) => value !== undefined,
    ),
  );
  const tests = form.list("tests");
  return {
    engine: onAgent ? form.text("agent_engine") : split < 0 ? undefined : target.slice(0, split),
    model: onAgent ? form.text("agent_model") : split < 0 ? undefined : target.slice(split + 1),
    suite: form.text("suite"),
    tests: tests.length > 0 ? tests : undefined,
    runtime: form.text("runtime"),
    url: form.text("url"),
    options,
  };
}

export function quickTestPage(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();

  async function onlineAgents(): Promise<AgentRecord[]> {
    const now = Date.now();
    return (await listAgents(options.store)).filter((agent) => agentPresence(agent, now) === "online");
  }

  async function render(c: PageContext, posted: FormBody | undefined, errors: string[], status: 200 | 400 | 503 = 200) {
    const agents = await onlineAgents();
    const local = options.jobs !== undefined;
    const state: FormState = { local, suites: builtinSuiteNames(), tests: [], agents, posted, errors };
    const canRun = local || agents.length > 0;
    if (canRun) {
      const [catalog, custom] = await Promise.all([
        // The catalog is this server's model directory: only its own jobs pick from it.
        local
          ? modelCatalogFor(await options.settings()).catch((error: unknown) => {
              if (!isKittError(error) || error.code !== "MODEL_NOT_FOUND") throw error;
              state.catalogProblem = describeError(error);
              return undefined;
            })
          : undefined,
        findCustomTests({ env: options.env }),
      ]);
      state.catalog = catalog;
      state.tests = [...custom.registry.keys()].sort();
      state.suites = [...state.suites, ...custom.tests.map((test) => test.name).filter((name) => !state.suites.includes(name))];
    }
    return c.html(
      <Layout title="Quick Test" active="quick-test" {...chrome(c)}>
        <h1>Quick Test</h1>
        {canRun ? (
          <>
            <p class="meta">
              {local ? (
                <>
                  Runs <code>kitt run</code> on this server's host, one job at a time, or on an online agent; its page shows progress and the log live.
                </>
              ) : (
                <>
                  This server runs no jobs itself: tests go to an online agent, which runs <code>kitt run</code>; the job's page shows progress and the log live.
                </>
              )}
            </p>
            <QuickTestForm state={state} />
          </>
        ) : (
          <p class="notice" role="alert">
            Jobs cannot run here: this server has no job runner and no agent is online; see <a href="/agents">Agents</a>.
          </p>
        )}
      </Layout>,
      status,
    );
  }

  app.get("/quick-test", (c) => render(c, undefined, []));
  app.post("/quick-test", async (c) => {
    const form = await formBody(c);
    const agent = form.text("agent");
    if (!options.jobs) {
      const agents = await onlineAgents();
      if (agents.length === 0) return render(c, form, [], 503);
      if (agent === undefined) return render(c, form, ["this server runs no jobs itself: pick an agent to run the test on"], 400);
      if (!agents.some((online) => online.id === agent)) return render(c, form, [`agent ${agent} is not online: pick an online agent`], 400);
    }
    const parsed = JobRequestSchema.safeParse(requestFrom(form));
    if (!parsed.success) return render(c, form, issueLines(parsed.error.issues), 400);
    try {
      // Without a runner, the checks above leave only an agent target.
      const job = agent === undefined ? await options.jobs!.submit(parsed.data) : await options.agentJobs.submit(agent, parsed.data);
      return c.redirect(`/jobs/${job.id}`, 303);
    } catch (error) {
      if (isJobRequestError(error)) return render(c, form, [error.message], 400);
      throw error;
    }
  });
  return app;
}

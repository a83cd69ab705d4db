/**
 * `PUT /api/v1/agent/jobs/{id}/results`: the finished results folder of the agent's job as a
 * `.tar.gz`, stored in the server's database under the run id the agent's run has. Retrying
 * the same upload stores nothing twice; a run id already stored by anyone else is refused.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { claimResultsUpload } from "../../store/agent-jobs.js";
import type { ResultsStore } from "../../store/results-store.js";
import type { AgentJobs } from "../agents/agent-jobs.js";
import { receiveResults } from "../agents/results-upload.js";
import { agentOf } from "./agent.js";
import { errorResponses, jsonContent } from "./schemas.js";

const Problem = z.object({ error: z.string() });

const resultsRoute = createRoute({
  method: "put",
  path: "/agent/jobs/{id}/results",
  summary: "the agent job's results folder as .tar.gz (headers X-Kitt-Sha256 and X-Kitt-Run-Id); a retried upload stores nothing twice",
  security: [{ agentToken: [] }],
  request: {
    params: z.object({ id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).openapi({ param: { name: "id", in: "path" }, description: "job id" }) }),
    headers: z.object({
      "x-kitt-sha256": z.string().regex(/^[0-9a-f]{64}$/).openapi({ description: "SHA-256 of the body, hex" }),
      "x-kitt-run-id": z.string().regex(/^[A-Za-z0-9_-]{1,128}$/).openapi({ description: "the run the folder holds" }),
    }),
    body: { required: true, content: { "application/gzip": { schema: z.string().openapi({ format: "binary" }) } } },
  },
  responses: {
    ...errorResponses,
    200: jsonContent(z.object({ run_id: z.string(), outcome: z.enum(["imported", "updated", "already stored"]) }), "stored"),
    401: jsonContent(Problem, "no valid agent token"),
    403: jsonContent(Problem, "not an agent's token"),
    404: jsonContent(Problem, "no such job for this agent, or unknown_agent"),
    409: jsonContent(Problem, "the run id is another run's"),
    413: jsonContent(Problem, "the upload is too big"),
  },
});

export function agentResultsRoutes(api: OpenAPIHono, options: { store: ResultsStore; jobs: AgentJobs; maxBytes: number }): void {
  const { store, jobs, maxBytes } = options;
  api.openapi(resultsRoute, async (c) => {
    const job = await jobs.own(agentOf(c), c.req.valid("param").id);
    const { "x-kitt-sha256": sha256, "x-kitt-run-id": runId } = c.req.valid("header");
    await using upload = await receiveResults(c.req.raw.body, sha256, maxBytes);
    if (upload.record.meta.id !== runId) throw new HTTPException(400, { message: `the folder holds run ${upload.record.meta.id ?? "(no id)"}, not ${runId}` });
    const claim = await claimResultsUpload(store, job, runId, sha256);
    if (claim === "not this job's run") throw new HTTPException(409, { message: `run ${runId} is stored already and is not this job's` });
    if (claim === "already stored") return c.json({ run_id: runId, outcome: "already stored" as const }, 200);
    const [imported] = await store.importPath(upload.folder);
    if (!imported || imported.id !== runId) throw new HTTPException(400, { message: `the folder did not import as run ${runId}` });
    if (imported.outcome === "still running") throw new HTTPException(409, { message: `run ${runId} is being written by a live kitt run on this server` });
    return c.json({ run_id: runId, outcome: imported.outcome }, 200);
  });
}

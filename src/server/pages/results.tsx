/**
 * `/results`: the stored runs with the filters of `kitt results list`, a page at a time (the
 * runs API's own listing and cursors). The filter form and the pager refresh only the table
 * (`/results/table`, through htmx) and keep the address bar in step; without script they load
 * the whole page.
 */
import { Hono } from "hono";
import { engineNames } from "../../engines/registry.js";
import { describeError, isKittError } from "../../errors.js";
import { listRunPage, RunPageQuerySchema, type RunPage, type RunPageQuery } from "../api/run-page.js";
import { queryString } from "./format.js";
import { Layout } from "./layout.js";
import { chrome, type PageContext, type PageEnv, type PageOptions } from "./page-env.js";
import { parseQuery } from "./query.js";
import { RunsTable } from "./runs-table.js";

const PAGE_SIZE = "25";

type Listing = { query?: RunPageQuery; page?: RunPage; error?: string };

async function listing(c: PageContext, options: PageOptions): Promise<Listing> {
  const parsed = parseQuery(c, RunPageQuerySchema, { limit: PAGE_SIZE });
  if (!parsed.ok) return { error: parsed.error };
  try {
    return { query: parsed.value, page: await listRunPage(options.store, parsed.value) };
  } catch (error) {
    if (isKittError(error) && error.code === "USAGE") return { query: parsed.value, error: describeError(error) };
    throw error;
  }
}

function filterValues(query: RunPageQuery | undefined) {
  return { model: query?.model, engine: query?.engine, suite: query?.suite, since: query?.since, hardware: query?.hardware, limit: query?.limit };
}

function RunsFragment({ listing }: { listing: Listing }) {
  if (listing.error !== undefined) return <p class="alert" role="alert">{listing.error}</p>;
  const { query, page } = listing as Required<Omit<Listing, "error">>;
  const filters = filterValues(query);
  const next = page.next_cursor === null ? undefined : queryString({ ...filters, cursor: page.next_cursor });
  const first = queryString(filters);
  return (
    <form action="/compare" method="get">
      <RunsTable runs={page.runs} selectable />
      <div class="pager">
        {query.cursor !== undefined ? (
          <a href={`/results${first}`} hx-get={`/results/table${first}`} hx-target="#runs" rel="first">
            First page
          </a>
        ) : null}
        {next !== undefined ? (
          <a href={`/results${next}`} hx-get={`/results/table${next}`} hx-target="#runs" rel="next">
            Next page
          </a>
        ) : null}
        {page.runs.length > 1 ? <button type="submit">Compare selected</button> : null}
      </div>
    </form>
  );
}

export function resultsPage(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/results", async (c) => {
    const found = await listing(c, options);
    const values = filterValues(found.query);
    const deleted = c.req.query("deleted");
    return c.html(
      <Layout title="Results" active="results" {...chrome(c)}>
        <h1>Results</h1>
        {deleted !== undefined ? <p class="notice">Deleted run {deleted}.</p> : null}
        <form class="filters panel" action="/results" method="get" hx-get="/results/table" hx-target="#runs" hx-trigger="submit, change">
          <label>
            model <input name="model" value={values.model ?? ""} placeholder="any" />
          </label>
          <label>
            engine
            <select name="engine">
              <option value="">any</option>
              {engineNames.map((engine) => (
                <option value={engine} selected={engine === values.engine}>
                  {engine}
                </option>
              ))}
            </select>
          </label>
          <label>
            suite <input name="suite" value={values.suite ?? ""} placeholder="any" />
          </label>
          <label>
            since <input name="since" value={values.since ?? ""} placeholder="7d, 2026-01-31" />
          </label>
          <label>
            GPU <input name="hardware" value={values.hardware ?? ""} placeholder="h100, 4090" />
          </label>
          <label>
            per page <input name="limit" type="number" min="1" max="500" value={String(values.limit ?? PAGE_SIZE)} />
          </label>
          <button type="submit">Filter</button>
        </form>
        <div id="runs">
          <RunsFragment listing={found} />
        </div>
      </Layout>,
      found.error === undefined ? 200 : 400,
    );
  });
  app.get("/results/table", async (c) => {
    const found = await listing(c, options);
    const pushed = `/results${queryString({ ...filterValues(found.query), cursor: found.query?.cursor })}`;
    return c.html(<RunsFragment listing={found} />, found.error === undefined ? 200 : 400, { "HX-Push-Url": pushed });
  });
  return app;
}

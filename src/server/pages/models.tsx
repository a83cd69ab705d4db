/**
 * `/models`: the local model browser — the model catalog `kitt models list` prints (the model
 * directory's GGUF files and model folders, their size and facts, and the engines whose formats
 * include each), and what could not be used, with why. Names are shown as they are on disk,
 * escaped like any text.
 */
import { Hono } from "hono";
import type { CatalogModel, ModelCatalog } from "../../engines/model-catalog.js";
import { describeError, isKittError } from "../../errors.js";
import { formatSize } from "./format.js";
import { Layout } from "./layout.js";
import { chrome, type PageEnv, type PageOptions } from "./page-env.js";
import { modelCatalogFor } from "../settings/model-catalog-for.js";

function facts(model: CatalogModel): string {
  const f = model.facts;
  return [
    f.architecture,
    f.parameterSize ?? (f.parameters === undefined ? undefined : `${(f.parameters / 1e6).toFixed(1)} M parameters`),
    f.quantization ?? f.dtype,
    f.contextLength === undefined ? undefined : `context ${f.contextLength}`,
  ]
    .filter((part) => part !== undefined)
    .join(" · ");
}

function ModelsTable({ catalog }: { catalog: ModelCatalog }) {
  const usable = catalog.models.filter((model) => model.problem === undefined);
  const unusable = catalog.models.filter((model) => model.problem !== undefined);
  return (
    <>
      {usable.length === 0 ? (
        <p class="muted">No models in {catalog.dir}.</p>
      ) : (
        <div class="table-wrap">
          <table class="models">
            <thead>
              <tr>
                <th>model</th>
                <th>format</th>
                <th>size</th>
                <th>facts</th>
                <th>compatible engines</th>
              </tr>
            </thead>
            <tbody>
              {usable.map((model) => (
                <tr data-model-path={model.path} data-engines={model.engines.join(" ")}>
                  <td>{model.path}</td>
                  <td>{model.format}</td>
                  <td class="num">{formatSize(model.sizeBytes)}</td>
                  <td>{facts(model)}</td>
                  <td class="engines">{model.engines.length > 0 ? model.engines.join(", ") : "none"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {unusable.length > 0 ? (
        <>
          <h2>Not usable</h2>
          <ul class="problems">
            {unusable.map((model) => (
              <li data-model-path={model.path}>
                {model.path}: {model.problem}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {catalog.notes.map((note) => (
        <p class="notice">{note}</p>
      ))}
    </>
  );
}

export function modelsPage(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/models", async (c) => {
    const settings = await options.settings();
    let catalog: ModelCatalog | undefined;
    let missing: string | undefined;
    try {
      catalog = await modelCatalogFor(settings);
    } catch (error) {
      if (!isKittError(error) || error.code !== "MODEL_NOT_FOUND") throw error;
      missing = describeError(error);
    }
    return c.html(
      <Layout title="Models" active="models" {...chrome(c)}>
        <h1>Models</h1>
        {catalog ? <p class="meta">{catalog.dir}</p> : null}
        {catalog ? <ModelsTable catalog={catalog} /> : <p class="alert">{missing}</p>}
      </Layout>,
    );
  });
  return app;
}

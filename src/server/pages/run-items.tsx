/** A run's per-item quality outputs (the items API's reading of the run's files), all or only the wrong ones. */
import { isKittError } from "../../errors.js";
import { runItems, type RunItem } from "../../results/run-items.js";
import { formatNumber } from "./format.js";

const SHOWN = 200;
const MAX_TEXT = 2000;

export type ItemsView = { items: RunItem[]; total: number } | { missing: string };

export function itemsView(files: Readonly<Record<string, string>>, label: string, wrong: boolean): ItemsView {
  try {
    const items = runItems(files, label, { wrong });
    return { items: items.slice(0, SHOWN), total: items.length };
  } catch (error) {
    if (isKittError(error) && error.code === "NOT_FOUND") return { missing: error.message };
    throw error;
  }
}

function detailText(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

export function ItemsTable({ view, wrong }: { view: ItemsView; wrong: boolean }) {
  if ("missing" in view) return <p class="muted">{view.missing}</p>;
  if (view.items.length === 0) return <p class="muted">{wrong ? "No wrong items." : "No items."}</p>;
  return (
    <div class="table-wrap">
      <p class="muted" data-items-total={String(view.total)}>
        {view.total > view.items.length ? `The first ${view.items.length} of ${view.total} items.` : `${view.total} items.`}
      </p>
      <table class="items">
        <thead>
          <tr>
            <th>test</th>
            <th>item</th>
            <th>scores</th>
            <th>detail</th>
          </tr>
        </thead>
        <tbody>
          {view.items.map((item) => (
            <tr data-item-key={item.key}>
              <td>{item.run > 1 ? `${item.test} #${item.run}` : item.test}</td>
              <td>
                {item.key}
                {item.subject !== undefined ? <div class="muted">{item.subject}</div> : null}
              </td>
              <td>
                {Object.entries(item.scores).map(([name, score]) => (
                  <div>
                    {name}: {formatNumber(score)}
                  </div>
                ))}
              </td>
              <td>
                {Object.entries(item.detail).map(([name, value]) => (
                  <div>
                    <strong>{name}</strong>
                    <pre class="output">{detailText(value)}</pre>
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

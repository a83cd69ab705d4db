/** uPlot's script and stylesheet, read from the installed package so the report embeds them. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export interface UplotAssets {
  script: string;
  css: string;
}

let assets: UplotAssets | undefined;

export function uplotAssets(): UplotAssets {
  assets ??= {
    script: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
    css: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  };
  return assets;
}

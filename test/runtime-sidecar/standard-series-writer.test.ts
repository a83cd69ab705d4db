/**
 * The writer reuses one scrape's renaming for the next when only values changed. Whichever way it
 * goes, its text must be exactly what reading the body in full gives: checked here over recorded
 * bodies of every engine and over many random edits of them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readRawFamilies } from "../../src/collectors/prometheus/parse.js";
import { sourceFamilies } from "../../src/collectors/prometheus/unified.js";
import type { EngineName } from "../../src/engines/types.js";
import { standardSeriesText } from "../../src/runtime-sidecar/standard-series.js";
import { StandardSeriesWriter } from "../../src/runtime-sidecar/standard-series-writer.js";
import { uniformSampler } from "../../src/models/seeded-random.js";

const identity = { pod: "pod-$1", model: 'm "q"' };
const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");
const RECORDED: ReadonlyArray<[EngineName, string]> = [
  ["vllm", "prometheus/vllm/metrics-datadog.prom"],
  ["vllm", "engines/vllm/metrics-head.prom"],
  ["sglang", "engines/sglang/metrics.prom"],
  ["tgi", "prometheus/tgi/metrics.prom"],
  ["llama_cpp", "prometheus/llamacpp/metrics-after-two-completions.prom"],
];

function readInFull(body: string, engine: EngineName): string {
  return standardSeriesText(readRawFamilies(body, sourceFamilies(engine)), engine, identity);
}

/** Every sample value (the number after a line's head) replaced by another. */
function newValues(body: string, next: () => number): string {
  return body.replace(/^([^#\n][^\n]*?(?:\}|[a-zA-Z0-9_:])[ \t]+)(\S+)/gm, (_, head: string) => `${head}${Math.round(next() * 1e6) / 100}`);
}

/** One random edit of the kind engines make between scrapes, or that the format allows. */
function edit(body: string, next: () => number): string {
  const lines = body.split("\n");
  const at = Math.floor(next() * lines.length);
  const line = lines[at]!;
  switch (Math.floor(next() * 11)) {
    case 0:
      lines.splice(at, 1);
      break;
    case 1:
      lines.splice(at, 0, line.replace(/\{/, '{extra="x",'));
      break;
    case 2:
      lines[at] = line.replace(/\{/, '{model="engine-model",');
      break;
    case 3:
      lines[at] = `${line}\r`;
      break;
    case 4:
      lines[at] = line.replace(/^# HELP (\S+) .*/, "# HELP $1 changed help");
      break;
    case 5:
      lines[at] = line.replace(/\} /, ",} ");
      break;
    case 6:
      lines[at] = line.replace(/^([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^}]*\}/, "$1");
      break;
    case 7:
      lines[at] = line.replace(/\}/, "");
      break;
    case 8:
      lines[at] = line.replace(/^# TYPE (\S+) \S+/, next() < 0.5 ? "# TYPE $1 untyped" : "# TYPE $1 gauge");
      break;
    case 9:
      lines[at] = line.replace(/^([a-zA-Z_:][a-zA-Z0-9_:]*?)(_total|_sum|_count|_bucket)?([{ ])/, (_, name: string, suffix = "", after: string) => `${name}${suffix === "" ? "_total" : ""}${after}`);
      break;
    default:
      lines[at] = `  ${line}`;
  }
  return lines.join("\n");
}

describe("the standard series writer", () => {
  it("writes each recorded body's next scrapes from its template, exactly as reading them in full does", () => {
    const next = uniformSampler(7);
    for (const [engine, path] of RECORDED) {
      const writer = new StandardSeriesWriter(engine, identity);
      const first = fixture(path);
      const expected = readInFull(first, engine);
      expect(expected, path).not.toBe("");
      expect(writer.text(first)).toBe(expected);
      for (let scrape = 0; scrape < 5; scrape++) {
        const body = newValues(first, next);
        expect(writer.text(body), `${path}, scrape ${scrape}`).toBe(readInFull(body, engine));
      }
      expect(writer.stats, path).toEqual({ reused: 5, templates: 1 });
    }
  });

  it("after any edit of names, labels, comments or line shapes, still writes exactly what reading in full gives", () => {
    const next = uniformSampler(11);
    for (const [engine, path] of RECORDED) {
      const writer = new StandardSeriesWriter(engine, identity);
      const original = fixture(path);
      let body = original;
      for (let scrape = 0; scrape < 300; scrape++) {
        // Edits pile up, values change, and now and then the engine is back to its first shape.
        const roll = next();
        body = roll < 0.2 ? newValues(original, next) : roll < 0.6 ? newValues(body, next) : edit(body, next);
        expect(writer.text(body), `${path}, scrape ${scrape}:\n${body}`).toBe(readInFull(body, engine));
      }
      expect(writer.stats.reused, path).toBeGreaterThan(0);
    }
  });

  it("does not take a longer name for the bare name it kept, nor keep a family whose type changed", () => {
    const writer = new StandardSeriesWriter("vllm", identity);
    const bare = "vllm:generation_tokens 5\n";
    const longer = "vllm:generation_tokens_total 5\n";
    expect(writer.text(bare)).toBe(readInFull(bare, "vllm"));
    expect(writer.text(longer)).toBe(readInFull(longer, "vllm"));
    expect(writer.text(longer)).toContain("kthena:generation_tokens_total{");
    const typed = (type: string, value: number) => `# TYPE vllm:num_requests_waiting ${type}\nvllm:num_requests_waiting{a="b"} ${value}\n`;
    expect(writer.text(typed("gauge", 1))).toContain("kthena:num_requests_waiting{");
    expect(writer.text(typed("histogram", 2))).toBe(readInFull(typed("histogram", 2), "vllm"));
    expect(readInFull(typed("histogram", 2), "vllm")).toBe("");
  });

  it("makes templates ever more rarely while the engine's series change on every scrape, and uses one again once they stay", () => {
    const writer = new StandardSeriesWriter("vllm", identity);
    const body = (series: number, value: number) => `# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{n="${series}"} ${value}\n`;
    for (let scrape = 0; scrape < 100; scrape++) expect(writer.text(body(scrape, 1))).toBe(readInFull(body(scrape, 1), "vllm"));
    // Made at full reads 1, 3, 6, 11, 20, 37 and 70: never used.
    expect(writer.stats).toEqual({ reused: 0, templates: 7 });
    for (let scrape = 0; scrape < 70; scrape++) expect(writer.text(body(100, scrape))).toBe(readInFull(body(100, scrape), "vllm"));
    expect(writer.stats.templates).toBe(8);
    expect(writer.stats.reused).toBeGreaterThan(0);
    // A used template that stops fitting is replaced at once.
    const reused = writer.stats.reused;
    for (let scrape = 0; scrape < 3; scrape++) writer.text(body(200, scrape));
    expect(writer.stats).toEqual({ reused: reused + 2, templates: 9 });
  });

  it("reads a body in full when a line it renames has its own pod or model label, or when nothing is renamed", () => {
    const writer = new StandardSeriesWriter("vllm", identity);
    const clash = '# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model="x"} 1\n';
    for (const value of ["1", "2", "3"]) expect(writer.text(clash.replace("} 1", `} ${value}`))).toBe(readInFull(clash.replace("} 1", `} ${value}`), "vllm"));
    expect(writer.stats.reused).toBe(0);
    expect(writer.text("# TYPE other gauge\nother 1\n")).toBe("");
    expect(() => writer.text("Not Found")).toThrow(/not a Prometheus text exposition/);
    expect(writer.stats.reused).toBe(0);
  });
});

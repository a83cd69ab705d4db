import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "../../src/collectors/prometheus/parse.js";
import type { MetricFamily } from "../../src/collectors/prometheus/types.js";
import { formatNumber, writePrometheusText } from "../../src/collectors/prometheus/write.js";

const fixtures = join(import.meta.dirname, "../fixtures");
const recorded = [
  ...["llamacpp", "tgi", "vllm"].flatMap((engine) => readdirSync(join(fixtures, "prometheus", engine)).map((file) => `prometheus/${engine}/${file}`)),
  "engines/vllm/metrics-head.prom",
  "engines/sglang/metrics.prom",
];

describe("writePrometheusText", () => {
  it.each(recorded)("round-trips the recorded exposition %s", (file) => {
    const parsed = parsePrometheusText(readFileSync(join(fixtures, file), "utf8"));
    const written = writePrometheusText(parsed.values());
    expect(parsePrometheusText(written)).toEqual(parsed);
    // And the second writing is the first, byte for byte.
    expect(writePrometheusText(parsePrometheusText(written).values())).toBe(written);
  });

  it("writes special values, escapes and timestamps the way the parser reads them", () => {
    const family: MetricFamily = {
      name: "odd_total",
      type: "counter",
      help: 'a help with \\ backslash,\nnewline and "quotes"',
      samples: [
        { name: "odd_total", labels: { path: 'C:\\dir "x"\nnext', empty: "" }, value: Infinity, timestamp: 1_700_000_000_123 },
        { name: "odd_total", labels: { path: "b" }, value: -Infinity },
        { name: "odd_total", labels: { path: "c" }, value: NaN },
        { name: "odd_total", labels: { path: "d" }, value: -0 },
        { name: "odd_total", labels: { path: "e" }, value: 1.7976931348623157e308 },
        { name: "odd_total", labels: { path: "f" }, value: 5e-324 },
        { name: "odd_total", labels: { path: "g" }, value: 0.1 + 0.2 },
      ],
    };
    const text = writePrometheusText([family]);
    expect(text.split("\n")[0]).toBe('# HELP odd_total a help with \\\\ backslash,\\nnewline and "quotes"');
    expect(text).toContain('odd_total{path="C:\\\\dir \\"x\\"\\nnext",empty=""} +Inf 1700000000123\n');
    const back = parsePrometheusText(text).get("odd_total")!;
    expect(back.help).toBe(family.help);
    expect(back.samples).toEqual(family.samples);
  });

  it("spells numbers as Go's ParseFloat reads them", () => {
    expect([Infinity, -Infinity, NaN, -0, 1e21, 2.5e-7, 42].map(formatNumber)).toEqual(["+Inf", "-Inf", "NaN", "-0", "1e+21", "2.5e-7", "42"]);
  });
});

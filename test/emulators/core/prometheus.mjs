/**
 * Prometheus text in the two dialects the emulated engines emit: Python's prometheus_client
 * (vLLM, SGLang: float values like `5.0`, `_created` series as separate gauges) and Rust's
 * metrics-exporter-prometheus (TGI: plain numbers, no `_created`).
 */

/** Python's `repr(float)`. */
function pyFloat(value) {
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return `${value}.0`;
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    return value.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return String(value);
}

/** prometheus_client's `floatToGoString`: large values in Go's exponent style (`1.7e+09`). */
function goFloat(value) {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  const repr = pyFloat(value);
  const dot = repr.indexOf(".");
  if (value > 0 && dot > 6 && !repr.includes("e")) {
    const mantissa = `${repr[0]}.${repr.slice(1, dot)}${repr.slice(dot + 1)}`.replace(/[0.]+$/, "");
    return `${mantissa}e+0${dot - 1}`;
  }
  return repr;
}

export class Histogram {
  constructor(buckets) {
    this.buckets = buckets;
    this.counts = buckets.map(() => 0);
    this.count = 0;
    this.sum = 0;
  }

  observe(value) {
    this.count += 1;
    this.sum += value;
    this.buckets.forEach((bound, i) => {
      if (value <= bound) this.counts[i] += 1;
    });
  }
}

function labelText(labels) {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return "";
  return `{${keys.map((key) => `${key}="${String(labels[key]).replace(/["\\\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`))}"`).join(",")}}`;
}

/**
 * Renders families in prometheus_client's style. A family: `{name, help, type, series}` where
 * a series is `{labels, value}` (gauge, counter) or `{labels, histogram}`; counters are named
 * without `_total`. `createdAt` (unix seconds) adds the `_created` gauges prometheus_client prints.
 */
export function renderPython(families, { createdAt, sumFirst = false } = {}) {
  const lines = [];
  for (const family of families) {
    const name = family.type === "counter" ? `${family.name}_total` : family.name;
    lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
    for (const series of family.series) {
      if (family.type !== "histogram") {
        lines.push(`${name}${labelText(series.labels)} ${goFloat(series.value)}`);
        continue;
      }
      const h = series.histogram;
      const sum = `${family.name}_sum${labelText(series.labels)} ${goFloat(h.sum)}`;
      if (sumFirst) lines.push(sum);
      h.buckets.forEach((bound, i) =>
        lines.push(`${family.name}_bucket${labelText({ ...series.labels, le: goFloat(bound) })} ${goFloat(h.counts[i])}`),
      );
      lines.push(`${family.name}_bucket${labelText({ ...series.labels, le: "+Inf" })} ${goFloat(h.count)}`);
      lines.push(`${family.name}_count${labelText(series.labels)} ${goFloat(h.count)}`);
      if (!sumFirst) lines.push(sum);
    }
    if (createdAt !== undefined && (family.type === "counter" || family.type === "histogram")) {
      lines.push(`# HELP ${family.name}_created ${family.help}`, `# TYPE ${family.name}_created gauge`);
      for (const series of family.series) lines.push(`${family.name}_created${labelText(series.labels)} ${goFloat(createdAt)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Renders families in metrics-exporter-prometheus style (TGI): counters keep their own name. */
export function renderRust(families) {
  const lines = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const series of family.series) {
      if (family.type !== "histogram") {
        lines.push(`${family.name}${labelText(series.labels)} ${series.value}`);
        continue;
      }
      const h = series.histogram;
      h.buckets.forEach((bound, i) => lines.push(`${family.name}_bucket${labelText({ ...series.labels, le: String(bound) })} ${h.counts[i]}`));
      lines.push(`${family.name}_bucket${labelText({ ...series.labels, le: "+Inf" })} ${h.count}`);
      lines.push(`${family.name}_sum${labelText(series.labels)} ${h.sum}`);
      lines.push(`${family.name}_count${labelText(series.labels)} ${h.count}`);
    }
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}

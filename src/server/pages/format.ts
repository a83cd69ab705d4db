/** How pages write times, durations, sizes and query strings. */

import { formatBytes } from "../../results/metric-format.js";

export function formatTime(ms: number | null): string {
  if (ms === null) return "—";
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatDuration(startMs: number, endMs: number | null): string {
  if (endMs === null) return "—";
  const seconds = Math.max(0, Math.round((endMs - startMs) / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** How long ago, roughly: "45 s ago", "12 min ago", "3 h ago", "2 d ago"; a dash for never. */
export function formatAgo(ms: number | null, now = Date.now()): string {
  if (ms === null) return "—";
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** A size, or a dash when unknown. */
export function formatSize(bytes: number | undefined): string {
  return bytes === undefined ? "—" : formatBytes(bytes);
}

export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return "—";
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

/** A query string of the values that are set, in the order given. */
export function queryString(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

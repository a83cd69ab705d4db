/**
 * Every table kitt prints. cli-table3 colours headers and borders with its own colour library,
 * which ignores NO_COLOR and pipes; here headers are bold through picocolors instead, so tables
 * follow the same rule as every other line (colour only on a terminal, never with NO_COLOR).
 */
import Table from "cli-table3";
import pc from "picocolors";

export type TextTableOptions = Omit<Table.TableConstructorOptions, "head" | "style"> & {
  head: string[];
  compact?: boolean;
  /** Colours on or off; picocolors' own detection (TTY, NO_COLOR, FORCE_COLOR) by default. */
  color?: boolean;
};

export function textTable({ head, compact, color, ...options }: TextTableOptions): Table.Table {
  const c = pc.createColors(color ?? pc.isColorSupported);
  return new Table({ ...options, head: head.map((title) => (title ? c.bold(title) : title)), style: { head: [], border: [], compact } });
}

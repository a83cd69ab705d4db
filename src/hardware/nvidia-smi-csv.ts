/**
 * Reads `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` output. nvidia-smi prints
 * `[N/A]` / `[Not Supported]` for values a device cannot report (unified-memory GPUs do so for
 * every memory field) and writes its errors to stdout, so every line is checked, not trusted.
 */

export type CsvRow<F extends string> = Record<F, string | undefined>;

/** `[N/A]`, `N/A`, `[Not Supported]`, `[Unknown Error]`, … and empty cells mean "not reported". */
function cellValue(cell: string): string | undefined {
  const value = cell.trim();
  if (value === "" || /^\[.*\]$/.test(value) || /^n\/a$/i.test(value)) return undefined;
  return value;
}

/**
 * Splits each line into the given fields. A GPU name may itself hold a comma, so surplus
 * cells are folded back into `nameField`; lines with too few cells (error messages) are dropped.
 */
export function parseCsvRows<F extends string>(text: string, fields: readonly F[], nameField?: F): CsvRow<F>[] {
  const rows: CsvRow<F>[] = [];
  const nameAt = nameField === undefined ? -1 : fields.indexOf(nameField);
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    let cells = line.split(",");
    if (cells.length < fields.length) continue;
    if (cells.length > fields.length) {
      if (nameAt < 0) continue;
      const after = fields.length - nameAt - 1;
      const name = cells.slice(nameAt, cells.length - after).join(",");
      cells = [...cells.slice(0, nameAt), name, ...cells.slice(cells.length - after)];
    }
    const row = {} as CsvRow<F>;
    fields.forEach((field, i) => (row[field] = cellValue(cells[i] ?? "")));
    rows.push(row);
  }
  return rows;
}

/** A numeric cell; tolerates a unit suffix ("81559 MiB") in case `nounits` was not honoured. */
export function numberCell(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^-?\d+(\.\d+)?/.exec(value);
  return match ? Number(match[0]) : undefined;
}

export function integerCell(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

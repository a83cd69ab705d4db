/**
 * RFC 4180 CSV, as Python's `csv.reader` reads the MMLU and TruthfulQA files: quoted fields may
 * hold commas, doubled quotes and line breaks (kept byte for byte, `\r\n` included); records end
 * at `\n` or `\r\n`; a leading UTF-8 byte-order mark is dropped.
 */
import { KittError } from "../../errors.js";

export function parseCsv(text: string, source: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let fieldStarted = false;
  let openedAt = 0;
  const endField = () => {
    row.push(field);
    field = "";
    fieldStarted = false;
  };
  const endRow = () => {
    // A blank line is no record (as in Python's reader).
    if (row.length === 0 && !fieldStarted) return;
    endField();
    rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      openedAt = line;
      fieldStarted = true;
    } else if (ch === ",") {
      endField();
    } else if (ch === "\n" || (ch === "\r" && text[i + 1] === "\n")) {
      if (ch === "\r") i++;
      endRow();
      line++;
    } else {
      field += ch;
      fieldStarted = true;
    }
    i++;
  }
  if (quoted) throw new KittError("CONFIG_INVALID", `${source}: the quoted field opened on line ${openedAt} is never closed`);
  endRow();
  return rows;
}

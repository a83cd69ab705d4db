/**
 * RFC 4180 CSV, as Python's `csv.reader` reads the MMLU and TruthfulQA files: quoted fields may
 * hold commas, doubled quotes and line breaks (kept byte for byte, `\r\n` included); records end
 * at `\n` or `\r\n`; a leading UTF-8 byte-order mark is dropped.
 */
import { KittError } from "../../errors.js";

const QUOTE = 0x22;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const RETURN = 0x0d;

export function parseCsv(text: string, source: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  // A field is taken from the text in runs (slices), not character by character: a string built
  // a character at a time is a chain of one-character pieces, and MMLU's 14,042 questions held
  // that way took about 180 MB that every garbage collection of a quality run had to walk.
  let field = "";
  let runStart = -1;
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let fieldStarted = false;
  let openedAt = 0;
  const endRun = (end: number) => {
    if (runStart < 0) return;
    field += text.slice(runStart, end);
    runStart = -1;
  };
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
    const code = text.charCodeAt(i);
    if (quoted) {
      if (code === QUOTE) {
        endRun(i);
        if (text.charCodeAt(i + 1) === QUOTE) {
          // A doubled quote is one quote of the field: the next run starts at the second.
          runStart = i + 1;
          i += 2;
        } else {
          quoted = false;
          i++;
        }
        continue;
      }
      if (code === NEWLINE) line++;
      if (runStart < 0) runStart = i;
      i++;
      continue;
    }
    if (code === QUOTE && !fieldStarted) {
      quoted = true;
      openedAt = line;
      fieldStarted = true;
    } else if (code === COMMA) {
      endRun(i);
      endField();
    } else if (code === NEWLINE || (code === RETURN && text.charCodeAt(i + 1) === NEWLINE)) {
      endRun(i);
      if (code === RETURN) i++;
      endRow();
      line++;
    } else {
      if (runStart < 0) runStart = i;
      fieldStarted = true;
    }
    i++;
  }
  if (quoted) throw new KittError("CONFIG_INVALID", `${source}: the quoted field opened on line ${openedAt} is never closed`);
  endRun(i);
  endRow();
  return rows;
}

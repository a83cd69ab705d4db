/**
 * Parquet files shaped as the Hub's (column names, types and nesting as the `datasets` library
 * writes them through pyarrow: strings, int64 class labels, `list<element>` sequences, structs of
 * lists for TruthfulQA's targets), built at test time with hyparquet-writer.
 */
import { parquetWriteBuffer, type SchemaElement } from "hyparquet-writer";

type Scalar = "string" | "int32" | "int64";
type ColumnType = Scalar | { list: Scalar } | { struct: Record<string, Scalar | { list: Scalar }> };

const SCALARS: Record<Scalar, Omit<SchemaElement, "name">> = {
  string: { type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
  int32: { type: "INT32", repetition_type: "OPTIONAL" },
  int64: { type: "INT64", repetition_type: "OPTIONAL" },
};

function elements(name: string, type: ColumnType): SchemaElement[] {
  if (typeof type === "string") return [{ name, ...SCALARS[type] }];
  if ("list" in type) {
    return [
      { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", ...SCALARS[type.list] },
    ];
  }
  const fields = Object.entries(type.struct);
  return [{ name, repetition_type: "OPTIONAL", num_children: fields.length }, ...fields.flatMap(([field, fieldType]) => elements(field, fieldType))];
}

function value(type: ColumnType, item: unknown): unknown {
  if (type === "int64") return BigInt(item as number);
  return item;
}

/** Rows → parquet bytes, with the columns in the given order. */
export function writeHubParquet(columns: Record<string, ColumnType>, rows: readonly Record<string, unknown>[]): Uint8Array {
  const entries = Object.entries(columns);
  const schema: SchemaElement[] = [{ name: "schema", num_children: entries.length }, ...entries.flatMap(([name, type]) => elements(name, type))];
  const buffer = parquetWriteBuffer({
    schema,
    columnData: entries.map(([name, type]) => ({ name, data: rows.map((row) => value(type, row[name])) })),
    rowGroupSize: 100_000,
  });
  return new Uint8Array(buffer);
}

/** `cais/mmlu`: question, subject, choices (sequence of strings), answer (class label, int64). */
export const MMLU_COLUMNS = { question: "string", subject: "string", choices: { list: "string" }, answer: "int64" } as const;
/** `openai/gsm8k` `main`. */
export const GSM8K_COLUMNS = { question: "string", answer: "string" } as const;
/** `truthfulqa/truthful_qa` `multiple_choice`: targets as structs of two sequences. */
export const TRUTHFULQA_MC_COLUMNS = {
  question: "string",
  mc1_targets: { struct: { choices: { list: "string" }, labels: { list: "int32" } } },
  mc2_targets: { struct: { choices: { list: "string" }, labels: { list: "int32" } } },
} as const;
/** `truthfulqa/truthful_qa` `generation`. */
export const TRUTHFULQA_GEN_COLUMNS = {
  type: "string",
  category: "string",
  question: "string",
  best_answer: "string",
  correct_answers: { list: "string" },
  incorrect_answers: { list: "string" },
  source: "string",
} as const;
/** `Rowan/hellaswag`: label a string. */
export const HELLASWAG_COLUMNS = {
  ind: "int32",
  activity_label: "string",
  ctx_a: "string",
  ctx_b: "string",
  ctx: "string",
  endings: { list: "string" },
  source_id: "string",
  split: "string",
  split_type: "string",
  label: "string",
} as const;

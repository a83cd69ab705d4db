import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KittError } from "../../src/errors.js";
import { loadGsm8k } from "../../src/quality/tasks/gsm8k/data.js";
import { GSM8K_DATASET } from "../../src/quality/tasks/gsm8k/dataset.js";
import { hellaswagRow, loadHellaswag } from "../../src/quality/tasks/hellaswag/data.js";
import { loadMmlu } from "../../src/quality/tasks/mmlu/data.js";
import { MMLU_DATASET } from "../../src/quality/tasks/mmlu/dataset.js";
import { locateTaskData, resolveTaskDir } from "../../src/quality/data/resolve.js";
import { selectBySubject, selectDocuments } from "../../src/quality/data/selection.js";
import { loadTruthfulQaMc } from "../../src/quality/tasks/truthfulqa/data.js";
import { TRUTHFULQA_DATASET } from "../../src/quality/tasks/truthfulqa/dataset.js";
import { FIXTURES } from "./fixture-paths.js";

describe("data resolution", () => {
  it("prefers an explicit path, then KITT_DATASETS_DIR/<task>", () => {
    expect(resolveTaskDir(GSM8K_DATASET, join(FIXTURES, "gsm8k"), {})).toBe(join(FIXTURES, "gsm8k"));
    expect(resolveTaskDir(MMLU_DATASET, undefined, { KITT_DATASETS_DIR: FIXTURES })).toBe(join(FIXTURES, "mmlu"));
  });

  it("says where to put the files when there are none", () => {
    expect(() => resolveTaskDir(GSM8K_DATASET, undefined, {})).toThrow(/set KITT_DATASETS_DIR to a folder holding gsm8k\/ with test\.jsonl and train\.jsonl/);
    const empty = mkdtempSync(join(tmpdir(), "kitt-quality-"));
    expect(() => resolveTaskDir(TRUTHFULQA_DATASET, undefined, { KITT_DATASETS_DIR: empty })).toThrow(/put mc_task\.json and TruthfulQA\.csv there/);
    try {
      resolveTaskDir(MMLU_DATASET, join(empty, "nope"), {});
    } catch (error) {
      expect(error).toBeInstanceOf(KittError);
      expect((error as KittError).code).toBe("NOT_FOUND");
    }
  });
});

describe("where data comes from (source)", () => {
  it("auto: data_dir, then KITT_DATASETS_DIR/<task>, then the Hub; local and hub force one", () => {
    expect(locateTaskData(GSM8K_DATASET, { dataDir: join(FIXTURES, "gsm8k"), env: {} })).toEqual({ kind: "local", dir: join(FIXTURES, "gsm8k") });
    expect(locateTaskData(MMLU_DATASET, { env: { KITT_DATASETS_DIR: FIXTURES } })).toEqual({ kind: "local", dir: join(FIXTURES, "mmlu") });
    const empty = mkdtempSync(join(tmpdir(), "kitt-quality-"));
    expect(locateTaskData(MMLU_DATASET, { env: { KITT_DATASETS_DIR: empty } })).toEqual({ kind: "hub" });
    expect(locateTaskData(MMLU_DATASET, { env: {} })).toEqual({ kind: "hub" });
    expect(locateTaskData(MMLU_DATASET, { source: "hub", env: { KITT_DATASETS_DIR: FIXTURES } })).toEqual({ kind: "hub" });
    expect(() => locateTaskData(MMLU_DATASET, { source: "local", env: { KITT_DATASETS_DIR: empty } })).toThrow(/no mmlu data in .*: put test\/<subject>_test\.csv/);
    expect(() => locateTaskData(MMLU_DATASET, { dataDir: join(empty, "nope"), env: {} })).toThrow(/mmlu data folder .*nope does not exist/);
    expect(() => locateTaskData(MMLU_DATASET, { source: "hub", dataDir: FIXTURES })).toThrow(/data_dir and source: hub exclude each other/);
  });

  it("the missing-data message names the Hub's files and the Hub download", () => {
    expect(() => resolveTaskDir(MMLU_DATASET, undefined, {})).toThrow(
      "no mmlu data: pass its folder, or set KITT_DATASETS_DIR to a folder holding mmlu/ with test/<subject>_test.csv, dev/<subject>_dev.csv and subject_categories.json " +
        "(or the Hub's all/test-00000-of-00001.parquet and all/dev-00000-of-00001.parquet); or let kitt download cais/mmlu from the Hugging Face Hub (source: auto or hub)",
    );
  });
});

describe("loaders", () => {
  it("reads MMLU csv folders: subjects sorted, global indexes, categories", () => {
    const data = loadMmlu(join(FIXTURES, "mmlu"));
    expect(data.test.map((d) => [d.index, d.subject, d.answer])).toEqual([
      [0, "astronomy", 1],
      [1, "astronomy", 0],
      [2, "world_religions", 0],
    ]);
    expect(data.test[1]!.question).toBe('Pick the true one:\r\nI. "Sun" is a star, hot.');
    expect(data.test[1]!.choices).toEqual(["I only", "None", "Both, really", "II only"]);
    expect(data.dev.get("astronomy")).toHaveLength(2);
    expect(data.categories.get("world_religions")).toBe("humanities");
  });

  it("reads GSM8K test and train", () => {
    const data = loadGsm8k(join(FIXTURES, "gsm8k"));
    expect(data.test).toHaveLength(2);
    expect(data.train).toHaveLength(8);
    expect(data.test[1]!.answer.endsWith("#### 600")).toBe(true);
  });

  it("reads TruthfulQA's {choice: label} objects and the Hub's {choices, labels}", () => {
    const docs = loadTruthfulQaMc(join(FIXTURES, "truthfulqa"));
    expect(docs[0]!.mc1).toEqual({ choices: ["Blue.", "Green.", "Red."], labels: [1, 0, 0] });
    expect(docs[0]!.mc2.labels).toEqual([1, 1, 0, 0]);
  });

  it("reads HellaSwag in the original shape and the Hub's string labels", () => {
    const data = loadHellaswag(join(FIXTURES, "hellaswag"));
    expect(data.validation.map((d) => d.label)).toEqual([0, 0]);
    expect(data.train!.map((d) => d.label).slice(0, 4)).toEqual([0, 1, 2, 3]);
    const hub = { activity_label: "a", ctx_a: "b", ctx_b: "c", endings: ["x", "y"], label: "1" };
    expect(hellaswagRow(hub, "row", 0).label).toBe(1);
    expect(hellaswagRow({ ...hub, label: "" }, "row", 0).label).toBe(-1);
    expect(() => hellaswagRow({ ...hub, label: "7" }, "row 3", 0)).toThrow(/row 3: label 7 is not an ending's index/);
  });
});

describe("document selection", () => {
  const docs = Array.from({ length: 10 }, (_, i) => i);

  it("takes the first N for --limit, as the harness's --limit does", () => {
    expect(selectDocuments(docs, { limit: 4 })).toEqual([0, 1, 2, 3]);
    expect(selectDocuments(docs, { limit: 40 })).toEqual(docs);
    expect(selectDocuments(docs, {})).toEqual(docs);
    expect(() => selectDocuments(docs, { limit: 0 })).toThrow(/--limit must be a positive integer/);
  });

  it("draws --sample with random.Random(seed).sample and keeps the original order", () => {
    // random.Random(1234).sample(range(10), 4) = [7, 1, 0, 9] → sorted [0, 1, 7, 9].
    expect(selectDocuments(docs, { sample: 4 })).toEqual([0, 1, 7, 9]);
    // random.Random(5).sample(range(10), 4) = [9, 4, 5, 6] → sorted [4, 5, 6, 9].
    expect(selectDocuments(docs, { sample: 4, seed: 5 })).toEqual([4, 5, 6, 9]);
    expect(selectDocuments(docs, { sample: 40 })).toEqual(docs);
    // With a limit too, the draw is from the first `limit`: random.Random(1234).sample(range(6), 2) = [3, 0].
    expect(selectDocuments(docs, { limit: 6, sample: 2 })).toEqual([0, 3]);
    expect(() => selectDocuments(docs, { sample: 0 })).toThrow(/--sample must be a positive integer/);
  });

  it("limits and samples MMLU per subject and filters --subjects", () => {
    const mmlu = [..."aaaabbb"].map((subject, i) => ({ subject, i }));
    expect(selectBySubject(mmlu, { limit: 2 }).map((d) => d.i)).toEqual([0, 1, 4, 5]);
    expect(selectBySubject(mmlu, { sample: 2 }).map((d) => d.subject)).toEqual(["a", "a", "b", "b"]);
    expect(selectBySubject(mmlu, { subjects: ["b"] }).map((d) => d.i)).toEqual([4, 5, 6]);
    expect(() => selectBySubject(mmlu, { subjects: ["c"] })).toThrow(/unknown subject c; known: a, b/);
  });
});

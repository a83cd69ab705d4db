/**
 * The quality tasks' data read from the Hub (through the local Hub emulator) and from the Hub's
 * parquet files placed in a folder: the documents equal those the local loaders read from the
 * original formats. The parquet files are built at test time, in the Hub's schemas, from the
 * real MMLU, GSM8K and TruthfulQA files under KITT_DATASETS_DIR (skipped where that folder is
 * absent; in CI, CI=true, its absence is a failure) and from the hand-made HellaSwag fixture.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../../src/quality/data/csv.js";
import { loadGsm8k } from "../../../src/quality/tasks/gsm8k/data.js";
import { GSM8K_DATASET, loadGsm8kData } from "../../../src/quality/tasks/gsm8k/dataset.js";
import { loadHellaswag } from "../../../src/quality/tasks/hellaswag/data.js";
import { HELLASWAG_DATASET, loadHellaswagData } from "../../../src/quality/tasks/hellaswag/dataset.js";
import { parseJsonl } from "../../../src/quality/data/jsonl.js";
import { MMLU_SUBJECT_CATEGORIES } from "../../../src/quality/tasks/mmlu/categories.js";
import { loadMmlu } from "../../../src/quality/tasks/mmlu/data.js";
import { MMLU_DATASET, loadMmluData } from "../../../src/quality/tasks/mmlu/dataset.js";
import { DATASETS_DIR_ENV } from "../../../src/quality/data/resolve.js";
import { loadTruthfulQaMc } from "../../../src/quality/tasks/truthfulqa/data.js";
import { TRUTHFULQA_DATASET, loadTruthfulQaMcData } from "../../../src/quality/tasks/truthfulqa/dataset.js";
import { loadTruthfulQaGen, loadTruthfulQaGenData } from "../../../src/quality/tasks/truthfulqa_gen/data.js";
import { FIXTURES } from "../fixture-paths.js";
import { HubEmulator } from "../../support/hub-emulator.js";
import { GSM8K_COLUMNS, HELLASWAG_COLUMNS, MMLU_COLUMNS, TRUTHFULQA_GEN_COLUMNS, TRUTHFULQA_MC_COLUMNS, writeHubParquet } from "./hub-parquet.js";

const root = process.env[DATASETS_DIR_ENV];
const available = root !== undefined && ["mmlu", "gsm8k", "truthfulqa"].every((task) => existsSync(join(root, task)));
const IN_CI = process.env.CI === "true";
const HUB_DATASETS = { mmlu: MMLU_DATASET.hub, gsm8k: GSM8K_DATASET.hub, truthfulqa: TRUTHFULQA_DATASET.hub, hellaswag: HELLASWAG_DATASET.hub };

let hub: HubEmulator;

beforeAll(async () => {
  hub = await HubEmulator.start({ commits: Object.fromEntries(Object.values(HUB_DATASETS).map((d) => [d.repo, d.revision])) });
});

afterAll(async () => {
  await hub.close();
});

/** A fresh cache, the emulator as HF_ENDPOINT, and no local data folder. */
function hubEnv(): NodeJS.ProcessEnv {
  return { KITT_CACHE_DIR: mkdtempSync(join(tmpdir(), "kitt-hub-data-")), HF_ENDPOINT: hub.url };
}

/** Serves the file on the emulated Hub and also writes it under `folder` at its Hub path. */
function publish(task: keyof typeof HUB_DATASETS, split: string, bytes: Uint8Array, folder: string): void {
  const { repo, files } = HUB_DATASETS[task];
  const path = (files as Record<string, string>)[split]!;
  hub.setFile({ repo, path, bytes });
  mkdirSync(dirname(join(folder, path)), { recursive: true });
  writeFileSync(join(folder, path), bytes);
}

describe("Hub data sets (real files)", () => {
  if (IN_CI) {
    it(`${DATASETS_DIR_ENV} points at the data sets (required in CI)`, () => {
      expect(available, `${DATASETS_DIR_ENV}=${String(root)} must hold mmlu/, gsm8k/ and truthfulqa/`).toBe(true);
    });
  }

  describe.skipIf(!available)("parquet built from KITT_DATASETS_DIR", () => {
    it("MMLU: all 14,042 test and 285 dev questions through the Hub's parquet equal the csv folders", async () => {
      const local = loadMmlu(join(root!, "mmlu"));
      const folder = mkdtempSync(join(tmpdir(), "kitt-mmlu-parquet-"));
      const rows = (docs: readonly { question: string; subject: string; choices: string[]; answer: number }[]) =>
        docs.map(({ question, subject, choices, answer }) => ({ question, subject, choices, answer }));
      publish("mmlu", "test", writeHubParquet(MMLU_COLUMNS, rows(local.test)), folder);
      publish("mmlu", "dev", writeHubParquet(MMLU_COLUMNS, rows([...local.dev.values()].flat())), folder);

      const env = hubEnv();
      const fromHub = await loadMmluData({ source: "hub", env });
      expect(fromHub.source).toBe("hub:cais/mmlu@c30699e8356da336a370243923dbaf21066bb9fe");
      expect(fromHub.data.test).toHaveLength(14_042);
      expect(fromHub.data.test).toEqual(local.test);
      expect([...fromHub.data.dev.entries()]).toEqual([...local.dev.entries()]);
      // cais/mmlu ships no categories: the embedded map is the mirror's subject_categories.json.
      expect([...fromHub.data.categories.entries()].sort()).toEqual([...local.categories.entries()].sort());

      // The Hub's parquet in a local folder (no subject_categories.json there) reads the same.
      const fromFolder = await loadMmluData({ dataDir: folder, env: {} });
      expect(fromFolder.source).toBe(folder);
      expect(fromFolder.data.test).toEqual(local.test);
      expect(fromFolder.data.categories).toBe(MMLU_SUBJECT_CATEGORIES);
    });

    it("GSM8K: 1,319 test and 7,473 train problems through the Hub's parquet equal the jsonl files", async () => {
      const local = loadGsm8k(join(root!, "gsm8k"));
      const folder = mkdtempSync(join(tmpdir(), "kitt-gsm8k-parquet-"));
      for (const split of ["test", "train"] as const) {
        publish("gsm8k", split, writeHubParquet(GSM8K_COLUMNS, local[split].map(({ question, answer }) => ({ question, answer }))), folder);
      }
      const fromHub = await loadGsm8kData({ source: "hub", env: hubEnv() });
      expect(fromHub.source).toBe("hub:openai/gsm8k@740312add88f781978c0658806c59bc2815b9866");
      expect(fromHub.data.test).toHaveLength(1_319);
      expect(fromHub.data).toEqual(local);
      expect((await loadGsm8kData({ dataDir: folder, env: {} })).data).toEqual(local);
    });

    it("TruthfulQA: 817 multiple-choice questions and the generation references through the Hub's parquet equal mc_task.json and TruthfulQA.csv", async () => {
      const dir = join(root!, "truthfulqa");
      const local = loadTruthfulQaMc(dir);
      const folder = mkdtempSync(join(tmpdir(), "kitt-truthfulqa-parquet-"));
      const mcRows = local.map(({ question, mc1, mc2 }) => ({ question, mc1_targets: mc1, mc2_targets: mc2 }));
      publish("truthfulqa", "multiple_choice", writeHubParquet(TRUTHFULQA_MC_COLUMNS, mcRows), folder);
      // The Hub's generation config: the csv's columns, the answer lists split on ";".
      const [header, ...csv] = parseCsv(readFileSync(join(dir, "TruthfulQA.csv"), "utf8"), "TruthfulQA.csv");
      const at = (name: string) => header!.indexOf(name);
      const split = (field: string) => field.split(";").map((answer) => answer.trim()).filter(Boolean);
      const genRows = csv.map((row) => ({
        type: row[at("Type")],
        category: row[at("Category")],
        question: row[at("Question")],
        best_answer: row[at("Best Answer")],
        correct_answers: split(row[at("Correct Answers")]!),
        incorrect_answers: split(row[at("Incorrect Answers")]!),
        source: row[at("Source")],
      }));
      publish("truthfulqa", "generation", writeHubParquet(TRUTHFULQA_GEN_COLUMNS, genRows), folder);

      const env = hubEnv();
      const fromHub = await loadTruthfulQaMcData({ source: "hub", env });
      expect(fromHub.source).toBe("hub:truthfulqa/truthful_qa@741b8276f2d1982aa3d5b832d3ee81ed3b896490");
      expect(fromHub.data).toHaveLength(817);
      expect(fromHub.data).toEqual(local);
      expect((await loadTruthfulQaGenData({ source: "hub", env })).data).toEqual(loadTruthfulQaGen(dir));
      // In a folder, the two configs share a file name: only their Hub paths tell them apart.
      expect((await loadTruthfulQaMcData({ dataDir: folder, env: {} })).data).toEqual(local);
      expect((await loadTruthfulQaGenData({ dataDir: folder, env: {} })).data).toEqual(loadTruthfulQaGen(dir));
    });
  });
});

describe("Hub data sets (hand-made HellaSwag)", () => {
  const jsonl = (name: string) => parseJsonl(readFileSync(join(FIXTURES, "hellaswag", name), "utf8"), name) as Record<string, unknown>[];
  // The Hub's rows: the same fields, the label a string.
  const hubRows = (rows: Record<string, unknown>[]) => rows.map((row) => ({ ...row, label: String(row.label) }));

  it("validation and train through Rowan/hellaswag's parquet equal the jsonl files; 0-shot runs skip the train download", async () => {
    const folder = mkdtempSync(join(tmpdir(), "kitt-hellaswag-parquet-"));
    publish("hellaswag", "validation", writeHubParquet(HELLASWAG_COLUMNS, hubRows(jsonl("hellaswag_val.jsonl"))), folder);
    publish("hellaswag", "train", writeHubParquet(HELLASWAG_COLUMNS, hubRows(jsonl("hellaswag_train.jsonl"))), folder);
    const local = loadHellaswag(join(FIXTURES, "hellaswag"));
    expect(local.train).toHaveLength(12);

    const env = hubEnv();
    const fromHub = await loadHellaswagData({ source: "hub", env });
    expect(fromHub.source).toBe("hub:Rowan/hellaswag@218ec52e09a7e7462a5400043bb9a69a41d06b76");
    expect(fromHub.data).toEqual(local);
    expect((await loadHellaswagData({ dataDir: folder, env: {} })).data).toEqual(local);

    const before = hub.requests.length;
    const zeroShot = await loadHellaswagData({ source: "hub", env: hubEnv(), train: false });
    expect(zeroShot.data).toEqual({ validation: local.validation });
    expect(hub.requests.slice(before).filter((r) => r.server === "hub").map((r) => r.path)).toEqual([
      "/datasets/Rowan/hellaswag/resolve/218ec52e09a7e7462a5400043bb9a69a41d06b76/data/validation-00000-of-00001.parquet",
    ]);
  });

  it("auto: a local folder wins; without one the Hub is used, then the cache, also offline", async () => {
    publish("hellaswag", "validation", writeHubParquet(HELLASWAG_COLUMNS, hubRows(jsonl("hellaswag_val.jsonl"))), mkdtempSync(join(tmpdir(), "kitt-")));
    publish("hellaswag", "train", writeHubParquet(HELLASWAG_COLUMNS, hubRows(jsonl("hellaswag_train.jsonl"))), mkdtempSync(join(tmpdir(), "kitt-")));
    const env = hubEnv();
    const withMirror = await loadHellaswagData({ env: { ...env, [DATASETS_DIR_ENV]: FIXTURES } });
    expect(withMirror.source).toBe(join(FIXTURES, "hellaswag"));

    // A mirror without hellaswag/ (like the shared data sets folder): the Hub.
    const before = hub.requests.length;
    const mirrorWithout = mkdtempSync(join(tmpdir(), "kitt-mirror-"));
    const downloaded = await loadHellaswagData({ env: { ...env, [DATASETS_DIR_ENV]: mirrorWithout } });
    expect(downloaded.source).toBe("hub:Rowan/hellaswag@218ec52e09a7e7462a5400043bb9a69a41d06b76");
    expect(hub.requests.length).toBeGreaterThan(before);

    const requests = hub.requests.length;
    const offline = await loadHellaswagData({ env: { ...env, HF_HUB_OFFLINE: "1" } });
    expect(offline.data).toEqual(downloaded.data);
    expect(hub.requests.length).toBe(requests);
    await expect(loadHellaswagData({ env: { ...hubEnv(), HF_HUB_OFFLINE: "1" } })).rejects.toThrow(/^HF_HUB_OFFLINE is set and Rowan\/hellaswag data\/validation-00000-of-00001\.parquet @ 218ec52e/);
  });

  it("revision overrides the pin; local never downloads; hub and data_dir exclude each other", async () => {
    await expect(loadHellaswagData({ source: "hub", revision: "v0.1", env: hubEnv() })).rejects.toThrow(/^Rowan\/hellaswag has no revision v0\.1 \(404 RevisionNotFound: Invalid rev id: v0\.1\)/);
    const main = await loadHellaswagData({ source: "hub", revision: "main", env: hubEnv(), train: false });
    expect(main.source).toBe("hub:Rowan/hellaswag@main");
    const requests = hub.requests.length;
    await expect(loadHellaswagData({ source: "local", env: hubEnv() })).rejects.toThrow(
      /^no hellaswag data: pass its folder, or set KITT_DATASETS_DIR .*; or let kitt download Rowan\/hellaswag from the Hugging Face Hub \(source: auto or hub\)$/,
    );
    expect(hub.requests.length).toBe(requests);
    await expect(loadHellaswagData({ source: "hub", dataDir: FIXTURES, env: hubEnv() })).rejects.toThrow("hellaswag: data_dir and source: hub exclude each other; drop one");
  });

  it("a folder with neither the original files nor the Hub's parquet says what it expected", async () => {
    const empty = mkdtempSync(join(tmpdir(), "kitt-empty-"));
    await expect(loadGsm8kData({ dataDir: empty, env: {} })).rejects.toThrow(
      `no gsm8k data in ${empty}: expected the original files or the Hub's parquet (main/test-00000-of-00001.parquet, main/train-00000-of-00001.parquet), none found for test`,
    );
  });
});

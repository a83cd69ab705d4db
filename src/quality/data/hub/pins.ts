/**
 * The Hub data sets behind the quality tasks, each pinned to a commit so that every run reads the
 * same bytes; a test can ask for another revision with `revision:`.
 *
 * Where the pins come from: each sha is the data set's commit as pinned by several independent
 * public evaluation projects (dataset revision constants and `resolve/<sha>/...` download URLs
 * found with a code search), the Hub's `main` since the files were converted to parquet:
 * cais/mmlu c30699e8 (also cited with all/test's sha256 74a41822…), openai/gsm8k 740312ad (with
 * main/test's sha256 ee7b8da9…), truthfulqa/truthful_qa 741b8276, Rowan/hellaswag 218ec52e (with
 * data/validation's sha256 89981307…, 10,042 rows). kitt does not embed file checksums: every
 * download is verified against the sha256 the Hub sends for it (`X-Linked-Etag`).
 */
import type { QualityTaskData } from "../resolve.js";

export interface HubDataset {
  repo: string;
  /** The commit kitt reads unless a test sets `revision`. */
  revision: string;
  /** Split (or config) name → file in the repository. */
  files: Readonly<Record<string, string>>;
}

export const HUB_DATASETS = {
  mmlu: {
    repo: "cais/mmlu",
    revision: "c30699e8356da336a370243923dbaf21066bb9fe",
    files: { test: "all/test-00000-of-00001.parquet", dev: "all/dev-00000-of-00001.parquet" },
  },
  gsm8k: {
    repo: "openai/gsm8k",
    revision: "740312add88f781978c0658806c59bc2815b9866",
    files: { test: "main/test-00000-of-00001.parquet", train: "main/train-00000-of-00001.parquet" },
  },
  truthfulqa: {
    repo: "truthfulqa/truthful_qa",
    revision: "741b8276f2d1982aa3d5b832d3ee81ed3b896490",
    files: { multiple_choice: "multiple_choice/validation-00000-of-00001.parquet", generation: "generation/validation-00000-of-00001.parquet" },
  },
  hellaswag: {
    repo: "Rowan/hellaswag",
    revision: "218ec52e09a7e7462a5400043bb9a69a41d06b76",
    files: { validation: "data/validation-00000-of-00001.parquet", train: "data/train-00000-of-00001.parquet" },
  },
} as const satisfies Record<QualityTaskData, HubDataset>;

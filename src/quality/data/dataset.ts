/**
 * A data set behind a quality task: the folder it has in a local mirror, and the Hub data set
 * pinned to a commit so that every run reads the same bytes; a test can ask for another revision
 * with `revision:`.
 *
 * Where the pins come from: each sha is the data set's commit as pinned by several independent
 * public evaluation projects (dataset revision constants and `resolve/<sha>/...` download URLs
 * found with a code search), the Hub's `main` since the files were converted to parquet. kitt does
 * not embed file checksums: every download is verified against the sha256 the Hub sends for it
 * (`X-Linked-Etag`).
 */

export interface HubDataset<Split extends string = string> {
  repo: string;
  /** The commit kitt reads unless a test sets `revision`. */
  revision: string;
  /** Split (or config) name → file in the repository. */
  files: Readonly<Record<Split, string>>;
}

export interface DataSet<Split extends string = string> {
  /** Its folder under `$KITT_DATASETS_DIR`, and its name in messages (`mmlu`). */
  name: string;
  /** The original release's files a local folder holds, as messages name them. */
  expectedFiles: string;
  hub: HubDataset<Split>;
}

/** Types for `devon.mjs`: an emulated Devon model manager server for tests. */

export interface DevonOptions {
  host?: string;
  /** A free one by default. */
  port?: number;
  /** When set, every `/api/v1/*` route needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Where downloaded models are said to be (default `/data/models`). */
  storagePath?: string;
  version?: string;
  /** The Hub's models as this Devon sees them (default `DEFAULT_REMOTE_MODELS`). */
  remoteModels?: Array<Record<string, unknown> & { model_id: string; files: Record<string, number> }>;
}

export interface RecordedDevonRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RunningDevon extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  /** Every request so far. */
  readonly requests: RecordedDevonRequest[];
  /** Local models by `source/model_id`. */
  readonly local: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export declare const DEFAULT_REMOTE_MODELS: Array<Record<string, unknown> & { model_id: string; files: Record<string, number> }>;
export declare function startDevon(options?: DevonOptions): Promise<RunningDevon>;

/**
 * The adapter cache's download step: kitt's downloader (`src/downloads`) with every source it
 * has (`s3://`, `obs://`, `pvc://`, local paths, and the Hub where it is built in), verified and
 * placed atomically in the adapter's cache folder, which it answers with.
 */
import { downloadModel } from "../../downloads/model-download.js";
import type { FetchArtifact } from "./adapter-cache.js";

export const downloadArtifact: FetchArtifact = async (uri, destDir, signal) => (await downloadModel(uri, destDir, { signal })).dest;

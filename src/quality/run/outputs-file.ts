/** Per-item records as gzip-compressed JSON lines, written as items finish. */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { finished } from "node:stream/promises";
import { createGzip, type Gzip } from "node:zlib";
import type { ItemRecord } from "./item-record.js";

export class OutputsFile {
  private constructor(
    private readonly gzip: Gzip,
    private readonly done: Promise<void>,
  ) {}

  static async open(path: string): Promise<OutputsFile> {
    await mkdir(dirname(path), { recursive: true });
    const gzip = createGzip();
    const file = createWriteStream(path);
    gzip.pipe(file);
    return new OutputsFile(gzip, finished(file));
  }

  write(record: ItemRecord): void {
    this.gzip.write(`${JSON.stringify(record)}\n`);
  }

  async close(): Promise<void> {
    this.gzip.end();
    await this.done;
  }
}

/** Making an enrolment code: a random code kept only as its SHA-256, good once and until it expires. */
import { createEnrolment, type EnrolmentRecord } from "../../store/agents.js";
import type { ResultsStore } from "../../store/results-store.js";
import { newEnrolmentCode, secretHash } from "./agent-tokens.js";

export const DEFAULT_ENROLMENT_TTL_S = 3600;
export const MAX_ENROLMENT_TTL_S = 7 * 86_400;

export interface NewEnrolment extends EnrolmentRecord {
  /** Shown once, to whoever made it. */
  code: string;
}

export async function newEnrolment(store: ResultsStore, options: { name?: string; ttlSeconds?: number } = {}): Promise<NewEnrolment> {
  const code = newEnrolmentCode();
  const record = await createEnrolment(store, { codeHash: secretHash(code), name: options.name, ttlMs: (options.ttlSeconds ?? DEFAULT_ENROLMENT_TTL_S) * 1000 });
  return { ...record, code };
}

/** Plain-JSON values: what metrics, results and stored records may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

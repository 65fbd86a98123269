/**
 * A JSON object, or undefined for anything else (not JSON, an array, a string, null). Server and SDK read request
 * and reply bodies through this one check, so "a JSON object" means the same on both sides.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

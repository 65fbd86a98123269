import { APPID_PATTERN, ERRCODE_BY_NUMBER, FAULT_APIS, type FaultApi, type FaultSpec } from '@wxmedia/protocol';

/** Longest latency a fault may add: past it clients and proxies time out anyway. */
export const MAX_FAULT_LATENCY_MS = 120_000;

/**
 * A fault as the admin API received it (JSON), checked: the spec, or a sentence saying what to change. Unknown
 * keys are refused, so a misspelt `probabilty` cannot silently make a fault that fires every time.
 */
export function parseFaultSpec(body: Record<string, unknown>): FaultSpec | string {
  const known = new Set(['appid', 'api', 'errcode', 'errmsg', 'count', 'probability', 'latencyMs', 'drop']);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (unknown.length > 0) return `unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${[...known].join(', ')})`;
  const { appid, api, errcode, errmsg, count, probability, latencyMs, drop } = body;
  if (appid !== undefined && (typeof appid !== 'string' || !APPID_PATTERN.test(appid))) return 'appid must be 1-64 characters of [A-Za-z0-9_-]';
  if (api !== undefined && !(FAULT_APIS as readonly unknown[]).includes(api)) return `api must be one of ${FAULT_APIS.join(', ')}`;
  if (errcode !== undefined && (!Number.isSafeInteger(errcode) || errcode === 0)) return 'errcode must be a non-zero integer';
  if (errmsg !== undefined && (typeof errmsg !== 'string' || errmsg.length === 0 || errmsg.length > 500)) return 'errmsg must be a string of 1-500 characters';
  if (errcode !== undefined && errmsg === undefined && !ERRCODE_BY_NUMBER.has(errcode as number)) {
    return `errcode ${String(errcode)} is not one wxmedia knows: give its errmsg too`;
  }
  if (errmsg !== undefined && errcode === undefined) return 'errmsg needs an errcode';
  if (count !== undefined && (!Number.isSafeInteger(count) || (count as number) < 1)) return 'count must be a positive integer';
  if (probability !== undefined && (typeof probability !== 'number' || !(probability > 0 && probability <= 1))) return 'probability must be a number in (0, 1]';
  if (latencyMs !== undefined && (!Number.isSafeInteger(latencyMs) || (latencyMs as number) < 0 || (latencyMs as number) > MAX_FAULT_LATENCY_MS)) {
    return `latencyMs must be an integer from 0 to ${MAX_FAULT_LATENCY_MS}`;
  }
  if (drop !== undefined && typeof drop !== 'boolean') return 'drop must be a boolean';
  if (drop === true && errcode !== undefined) return 'a fault either drops the connection or answers an errcode, not both';
  if (errcode === undefined && drop !== true && latencyMs === undefined) return 'a fault needs an effect: errcode, latencyMs or drop';
  return {
    ...(appid !== undefined ? { appid: appid as string } : {}),
    ...(api !== undefined ? { api: api as FaultApi } : {}),
    ...(errcode !== undefined ? { errcode: errcode as number } : {}),
    ...(errmsg !== undefined ? { errmsg: errmsg as string } : {}),
    ...(count !== undefined ? { count: count as number } : {}),
    ...(probability !== undefined ? { probability: probability as number } : {}),
    ...(latencyMs !== undefined ? { latencyMs: latencyMs as number } : {}),
    ...(drop === true ? { drop: true } : {}),
  };
}

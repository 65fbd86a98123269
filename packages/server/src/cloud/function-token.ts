/**
 * How a locally run function tells the gateway who it is and what its config.json allows, through the
 * UNMODIFIED wx-server-sdk.
 *
 * In the cloud, the gateway knows each deployed function's `permissions.openapi`. The one per-function value the
 * SDK forwards is `WX_API_TOKEN`: when `WX_CONTEXT_KEYS` lists it, @cloudbase/node-sdk sends it as the form field
 * `wxCloudApiToken` (and wx-server-sdk's getWXContext() hides it from user code, like a credential). In the
 * cloud that token is WeChat's; locally, `wxmedia run-function` sets it to this small text:
 *
 *   wxmedia-fn.<base64url(JSON {"v":1,"name":"<function name>","openapi":["customerServiceMessage.uploadTempMedia", …]})>
 *
 * No MAC of its own: the field is covered by the request's TC3 signature, so only a holder of the env's
 * secretKey can send it — who could call the API directly anyway. It narrows what a request may do; it never
 * widens what the env allows.
 */
export const FUNCTION_TOKEN_PREFIX = 'wxmedia-fn.';

export interface FunctionIdentity {
  /** The function's name (its folder name), for logs. */
  readonly name: string;
  /** Its config.json `permissions.openapi` list (empty when it has none: then it may call nothing, as in the cloud). */
  readonly openapi: readonly string[];
}

export function encodeFunctionToken(fn: FunctionIdentity): string {
  const json = JSON.stringify({ v: 1, name: fn.name, openapi: [...fn.openapi] });
  return FUNCTION_TOKEN_PREFIX + Buffer.from(json, 'utf8').toString('base64url');
}

/**
 * The identity in a `wxCloudApiToken`; undefined for an empty field or a token that is not ours (a real WeChat
 * token pasted in: ignored, like any field we do not use). Throws on a wxmedia token that is malformed.
 */
export function decodeFunctionToken(token: string): FunctionIdentity | undefined {
  if (!token.startsWith(FUNCTION_TOKEN_PREFIX)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token.slice(FUNCTION_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new TypeError('wxCloudApiToken is not valid base64url JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new TypeError('wxCloudApiToken is not an object');
  const { v, name, openapi } = parsed as Record<string, unknown>;
  if (v !== 1) throw new TypeError('wxCloudApiToken has an unknown version');
  if (typeof name !== 'string') throw new TypeError('wxCloudApiToken lacks a name');
  if (!Array.isArray(openapi) || !openapi.every((a): a is string => typeof a === 'string')) throw new TypeError('wxCloudApiToken openapi is not a list of strings');
  return { name, openapi };
}

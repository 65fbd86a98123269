import { ADMIN_PATHS, redact, type AppKind } from '@wxmedia/protocol';
import { UnexpectedResponseError } from './errors.ts';
import { readJsonReply, type ReadContext } from './reply-reader.ts';
import type { Transport } from './transport.ts';
import { createUndiciTransport } from './undici-transport.ts';

/** wxmedia's own admin API (not part of WeChat's): manage the apps a wxmedia server knows. */
export interface AdminClientOptions {
  /** The wxmedia server, e.g. `http://127.0.0.1:8720`. */
  readonly baseUrl: string;
  /** The server's admin key (it writes one to `<data dir>/admin.key` at start). */
  readonly adminKey: string;
  readonly transport?: Transport;
}

export interface AppSummary {
  readonly appid: string;
  readonly kind: AppKind;
  readonly createdAt: string | number;
}

export interface CreatedApp {
  readonly appid: string;
  readonly secret: string;
  readonly kind: AppKind;
}

export class WxMediaAdminClient {
  readonly #baseUrl: string;
  readonly #key: string;
  readonly #transport: Transport;
  readonly #owns: boolean;

  constructor(options: AdminClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#key = options.adminKey;
    this.#owns = options.transport === undefined;
    this.#transport = options.transport ?? createUndiciTransport();
  }

  async listApps(): Promise<AppSummary[]> {
    const reply = await this.#call('GET', ADMIN_PATHS.apps, 'admin.listApps');
    return (reply['apps'] as AppSummary[] | undefined) ?? [];
  }

  /** Registers an app; appid and secret are generated when omitted. The secret is only ever shown here. */
  async addApp(request: { readonly appid?: string; readonly secret?: string; readonly kind?: AppKind } = {}): Promise<CreatedApp> {
    return (await this.#call('POST', ADMIN_PATHS.apps, 'admin.addApp', request)) as unknown as CreatedApp;
  }

  async removeApp(appid: string): Promise<{ deleted: boolean }> {
    return (await this.#call('DELETE', `${ADMIN_PATHS.apps}/${encodeURIComponent(appid)}`, 'admin.removeApp')) as { deleted: boolean };
  }

  async close(): Promise<void> {
    if (this.#owns) await this.#transport.close?.();
  }

  async #call(method: 'GET' | 'POST' | 'DELETE', path: string, api: string, body?: object): Promise<Record<string, unknown>> {
    const url = this.#baseUrl + path;
    // The admin key is scrubbed from anything the server says back, like a token.
    const ctx: ReadContext = { api, method, url, request: `${method} ${redact(url)}`, secrets: [this.#key] };
    const headers: Record<string, string> = { authorization: `Bearer ${this.#key}` };
    if (body) headers['content-type'] = 'application/json';
    const res = await this.#transport.request({ method, url, headers, ...(body ? { body: JSON.stringify(body) } : {}) }, { api });
    // An admin error is WeChat's envelope with the HTTP status as errcode: readJsonReply throws it as a WeChatError.
    const reply = await readJsonReply(res, ctx);
    if (res.status >= 400) throw new UnexpectedResponseError({ api, request: ctx.request, status: res.status, detail: redact(JSON.stringify(reply).slice(0, 200)) });
    return reply;
  }
}

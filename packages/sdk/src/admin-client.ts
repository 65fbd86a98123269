import { createParser } from 'eventsource-parser';
import {
  ADMIN_PATHS,
  adminPath,
  redact,
  type AppDetail,
  type AppKind,
  type CallRecord,
  type ClockState,
  type Fault,
  type FaultSpec,
  type MediaEntry,
  type MediaKind,
  type Overview,
  type ResetResult,
} from '@wxmedia/protocol';
import { UnexpectedResponseError } from './errors.ts';
import { readCapped, throwIfWeChatError } from './reply-reader.ts';
import type { Transport, TransportResponse } from './transport.ts';
import { createUndiciTransport } from './undici-transport.ts';

/**
 * wxmedia's own admin API (not part of WeChat's): the apps a wxmedia server knows, its media, clock, faults, recent
 * calls, reset and overview. A refusal throws WeChatError with `errcode` = the HTTP status (401, 404, 409, 400).
 */
export interface AdminClientOptions {
  /** The wxmedia server, e.g. `http://127.0.0.1:8720`. */
  readonly baseUrl: string;
  /** The server's admin key (it writes one to `<data dir>/admin.key` at start). */
  readonly adminKey: string;
  readonly transport?: Transport;
}

export type { AppKind };

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

export interface CallListQuery {
  readonly limit?: number;
  readonly appid?: string;
  readonly api?: string;
  /** Only failed calls. */
  readonly failed?: boolean;
}

export interface MediaListQuery {
  readonly appid?: string;
  readonly kind?: MediaKind;
  readonly limit?: number;
}

const MAX_REPLY_BYTES = 4 * 1024 * 1024;
/** Larger than any temporary media. */
const MAX_MEDIA_BYTES = 64 * 1024 * 1024;
type Method = 'GET' | 'POST' | 'DELETE';

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

  // ------------------------------------------------------------------------------------------------- apps

  async listApps(): Promise<AppSummary[]> {
    return ((await this.#call('GET', ADMIN_PATHS.apps, 'admin.listApps'))['apps'] as AppSummary[] | undefined) ?? [];
  }

  /** Registers an app; appid and secret are generated when omitted. The secret is only ever shown here. */
  async addApp(request: { readonly appid?: string; readonly secret?: string; readonly kind?: AppKind } = {}): Promise<CreatedApp> {
    return (await this.#call('POST', ADMIN_PATHS.apps, 'admin.addApp', request)) as unknown as CreatedApp;
  }

  async removeApp(appid: string): Promise<{ deleted: boolean }> {
    return (await this.#call('DELETE', adminPath(ADMIN_PATHS.app, { appid }), 'admin.removeApp')) as { deleted: boolean };
  }

  /** An app with its token lanes and today's quotas. */
  async getApp(appid: string): Promise<AppDetail> {
    return (await this.#call('GET', adminPath(ADMIN_PATHS.app, { appid }), 'admin.getApp'))['app'] as AppDetail;
  }

  /** A new secret (generated unless given), returned once. */
  async rotateSecret(appid: string, secret?: string): Promise<{ appid: string; secret: string }> {
    const r = await this.#call('POST', adminPath(ADMIN_PATHS.appSecret, { appid }), 'admin.rotateSecret', secret ? { secret } : {});
    return { appid: String(r['appid']), secret: String(r['secret']) };
  }

  /** Revokes every token of the app at once (both lanes). */
  async refreshTokens(appid: string): Promise<AppDetail> {
    return (await this.#call('POST', adminPath(ADMIN_PATHS.appTokensRefresh, { appid }), 'admin.refreshTokens'))['app'] as AppDetail;
  }

  /** Today's quota counters back to zero (without spending a clear_quota). */
  async clearQuota(appid: string): Promise<AppDetail> {
    return (await this.#call('POST', adminPath(ADMIN_PATHS.appQuotaClear, { appid }), 'admin.clearQuota'))['app'] as AppDetail;
  }

  // ------------------------------------------------------------------------------------------------ clock

  async clock(): Promise<ClockState> {
    return (await this.#call('GET', ADMIN_PATHS.clock, 'admin.clock'))['clock'] as ClockState;
  }

  async advanceClock(seconds: number): Promise<ClockState> {
    return (await this.#call('POST', ADMIN_PATHS.clock, 'admin.advanceClock', { advance: seconds }))['clock'] as ClockState;
  }

  /** Sets the clock to a Date, Unix seconds, or an ISO 8601 date-time with a zone; it runs on from there. */
  async setClock(time: Date | number | string): Promise<ClockState> {
    const set = time instanceof Date ? time.toISOString() : time;
    return (await this.#call('POST', ADMIN_PATHS.clock, 'admin.setClock', { set }))['clock'] as ClockState;
  }

  async resetClock(): Promise<ClockState> {
    return (await this.#call('POST', ADMIN_PATHS.clock, 'admin.resetClock', { reset: true }))['clock'] as ClockState;
  }

  // ----------------------------------------------------------------------------------------------- faults

  async listFaults(): Promise<Fault[]> {
    return (await this.#call('GET', ADMIN_PATHS.faults, 'admin.listFaults'))['faults'] as Fault[];
  }

  async addFault(spec: FaultSpec): Promise<Fault> {
    return (await this.#call('POST', ADMIN_PATHS.faults, 'admin.addFault', spec))['fault'] as Fault;
  }

  async removeFault(id: string): Promise<{ deleted: boolean }> {
    return (await this.#call('DELETE', adminPath(ADMIN_PATHS.fault, { id }), 'admin.removeFault')) as { deleted: boolean };
  }

  /** Removes every fault, or those aimed at one app; resolves with how many. */
  async clearFaults(appid?: string): Promise<number> {
    return Number((await this.#call('DELETE', ADMIN_PATHS.faults + query({ appid }), 'admin.clearFaults'))['removed']);
  }

  // ------------------------------------------------------------------------------------------------ calls

  /** Recent WeChat API calls of the instance that answers, newest first. */
  async listCalls(q: CallListQuery = {}): Promise<CallRecord[]> {
    const qs = query({ limit: q.limit, appid: q.appid, api: q.api, failed: q.failed ? '1' : undefined });
    return (await this.#call('GET', ADMIN_PATHS.calls + qs, 'admin.listCalls'))['calls'] as CallRecord[];
  }

  /** The call with this rid (the one in a failed call's errmsg), if the answering instance still has it. */
  async getCall(rid: string): Promise<CallRecord> {
    return (await this.#call('GET', adminPath(ADMIN_PATHS.call, { rid }), 'admin.getCall'))['call'] as CallRecord;
  }

  /**
   * The calls as they happen (server-sent events), after the last `backlog` ones. Ends when `signal` aborts or the
   * server closes the stream.
   */
  async *streamCalls(options: { readonly backlog?: number; readonly signal?: AbortSignal } = {}): AsyncGenerator<CallRecord> {
    const url = this.#baseUrl + ADMIN_PATHS.callStream + query({ backlog: options.backlog });
    const res = await this.#transport.request(
      { method: 'GET', url, headers: { authorization: `Bearer ${this.#key}`, accept: 'text/event-stream' }, ...(options.signal ? { signal: options.signal } : {}) },
      { api: 'admin.streamCalls' },
    );
    if (res.status !== 200) await this.#json(res, 'admin.streamCalls', `GET ${redact(url)}`);
    const pending: CallRecord[] = [];
    const parser = createParser({
      onEvent: (event) => {
        if (event.event === 'call') pending.push(JSON.parse(event.data) as CallRecord);
      },
    });
    try {
      for await (const chunk of res.body) {
        parser.feed(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
        while (pending.length > 0) yield pending.shift()!;
      }
    } catch (e) {
      if (options.signal?.aborted) return;
      throw e;
    } finally {
      res.body.destroy();
    }
  }

  // ------------------------------------------------------------------------------------------------ media

  async listMedia(q: MediaListQuery = {}): Promise<MediaEntry[]> {
    return (await this.#call('GET', ADMIN_PATHS.media + query({ appid: q.appid, kind: q.kind, limit: q.limit }), 'admin.listMedia'))['media'] as MediaEntry[];
  }

  async getMedia(mediaId: string): Promise<MediaEntry> {
    return (await this.#call('GET', adminPath(ADMIN_PATHS.mediaItem, { id: mediaId }), 'admin.getMedia'))['media'] as MediaEntry;
  }

  /** The stored bytes, whichever app owns them and whatever the clock says. */
  async downloadMedia(mediaId: string): Promise<{ contentType: string; buffer: Buffer }> {
    const url = this.#baseUrl + adminPath(ADMIN_PATHS.mediaContent, { id: mediaId });
    const res = await this.#transport.request({ method: 'GET', url, headers: { authorization: `Bearer ${this.#key}` } }, { api: 'admin.downloadMedia' });
    if (res.status !== 200) await this.#json(res, 'admin.downloadMedia', `GET ${redact(url)}`);
    const buffer = await readCapped(res.body, MAX_MEDIA_BYTES, { api: 'admin.downloadMedia', request: `GET ${redact(url)}`, method: 'GET', url });
    return { contentType: res.headers['content-type'] ?? 'application/octet-stream', buffer };
  }

  async deleteMedia(mediaId: string): Promise<{ deleted: boolean }> {
    return (await this.#call('DELETE', adminPath(ADMIN_PATHS.mediaItem, { id: mediaId }), 'admin.deleteMedia')) as { deleted: boolean };
  }

  /** From now on get answers 40007, as after the three days. */
  async expireMedia(mediaId: string): Promise<{ expired: boolean }> {
    return (await this.#call('POST', adminPath(ADMIN_PATHS.mediaExpire, { id: mediaId }), 'admin.expireMedia')) as { expired: boolean };
  }

  // ------------------------------------------------------------------------------------------- and the rest

  /** Wipes one app's (or every app's) media, tokens, quotas, faults and recent calls. */
  async reset(appid?: string): Promise<ResetResult> {
    return (await this.#call('POST', ADMIN_PATHS.reset, 'admin.reset', appid ? { appid } : {}))['reset'] as ResetResult;
  }

  async overview(): Promise<Overview> {
    return (await this.#call('GET', ADMIN_PATHS.overview, 'admin.overview'))['overview'] as Overview;
  }

  async close(): Promise<void> {
    if (this.#owns) await this.#transport.close?.();
  }

  async #call(method: Method, path: string, api: string, body?: object): Promise<Record<string, unknown>> {
    const url = this.#baseUrl + path;
    const headers: Record<string, string> = { authorization: `Bearer ${this.#key}` };
    if (body) headers['content-type'] = 'application/json';
    const res = await this.#transport.request({ method, url, headers, ...(body ? { body: JSON.stringify(body) } : {}) }, { api });
    return this.#json(res, api, `${method} ${redact(url)}`);
  }

  /** A JSON reply, or the error it carries (WeChatError with errcode = HTTP status; UnexpectedResponseError). */
  async #json(res: TransportResponse, api: string, request: string): Promise<Record<string, unknown>> {
    const text = (await readCapped(res.body, MAX_REPLY_BYTES, { api, request, method: request.split(' ')[0]!, url: request.slice(request.indexOf(' ') + 1) })).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null) {
      throw new UnexpectedResponseError({ api, request, status: res.status, detail: redact(text.slice(0, 200)) });
    }
    throwIfWeChatError(parsed as Record<string, unknown>, api);
    if (res.status >= 400) throw new UnexpectedResponseError({ api, request, status: res.status, detail: redact(text.slice(0, 200)) });
    return parsed as Record<string, unknown>;
  }
}

/** `?a=1&b=2` of the defined values, or ''. */
function query(params: Readonly<Record<string, string | number | undefined>>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

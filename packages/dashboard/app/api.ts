import { createParser } from 'eventsource-parser';
import { ADMIN_PATHS, adminPath, type CallRecord } from '../../protocol/src/admin-wire.ts';

export { ADMIN_PATHS, adminPath };

const KEY_STORAGE = 'wxmedia.adminKey';

/**
 * The admin key for this tab: from the `#key=` of the link `wxmedia serve` prints (a URL fragment never reaches a
 * server, so never a request log), kept in sessionStorage (gone with the tab), or typed in. It travels only in the
 * Authorization header, never in a URL.
 */
export function takeKeyFromUrl(): void {
  const match = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (!match?.[1]) return;
  sessionStorage.setItem(KEY_STORAGE, decodeURIComponent(match[1]));
  // Out of the address bar and the history at once.
  history.replaceState(null, '', `${location.pathname}${location.search}#overview`);
}

export function storedKey(): string | undefined {
  return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** A refusal of the admin API, with the server's reason. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the admin API with the bearer key; a 401 forgets the key and tells the app (it then asks again). */
export class AdminApi {
  constructor(
    private readonly key: string,
    private readonly onUnauthorized: () => void,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.#json('GET', path);
  }

  post<T>(path: string, body: object = {}): Promise<T> {
    return this.#json('POST', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.#json('DELETE', path);
  }

  /** A media file's bytes and the headers /cgi-bin/media/get would send with them. */
  async media(mediaId: string): Promise<{ blob: Blob; headers: [string, string][] }> {
    const res = await this.#fetch('GET', adminPath(ADMIN_PATHS.mediaContent, { id: mediaId }));
    return { blob: await res.blob(), headers: [...res.headers.entries()] };
  }

  /** Calls as they happen, until `signal` aborts; resolves when the stream ends. */
  async streamCalls(onCall: (call: CallRecord) => void, signal: AbortSignal, backlog = 100): Promise<void> {
    const res = await this.#fetch('GET', `${ADMIN_PATHS.callStream}?backlog=${backlog}`, undefined, signal);
    const parser = createParser({ onEvent: (e) => e.event === 'call' && onCall(JSON.parse(e.data) as CallRecord) });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        parser.feed(value);
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    }
  }

  async #json<T>(method: string, path: string, body?: object): Promise<T> {
    const res = await this.#fetch(method, path, body);
    return (await res.json()) as T;
  }

  async #fetch(method: string, path: string, body?: object, signal?: AbortSignal): Promise<Response> {
    const res = await fetch(path.replace(/^\//, '../../'), {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    if (res.ok) return res;
    let message = `HTTP ${res.status}`;
    try {
      const reply = (await res.json()) as { errmsg?: string };
      if (reply.errmsg) message = reply.errmsg.replace(/ rid: \S+$/, '');
    } catch {
      // Not JSON: keep the status.
    }
    if (res.status === 401) this.onUnauthorized();
    throw new AdminApiError(res.status, message);
  }
}

import type { Readable } from 'node:stream';

/**
 * The one seam between the SDK and the network. Every operation goes through `Transport.request`, so a test, a
 * proxy-aware agent or another HTTP library plugs in here without touching operations, tokens or retries. Every
 * transport passes one test suite (transport.conformance.ts), which holds it to the contract below.
 */
export interface TransportRequest {
  readonly method: 'GET' | 'POST' | 'HEAD' | 'DELETE';
  /** Absolute URL, access_token included: a transport must never log it unredacted. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A fresh body for this attempt: replays build a new one, a consumed stream is never sent twice. */
  readonly body?: string | Uint8Array | Readable;
  readonly signal?: AbortSignal;
  /**
   * Use a connection of its own and close it afterwards. Set for uploads: a server may answer one (40001, 40005,
   * 40006) before reading the whole body, and a keep-alive connection with an unread body behind it can stall the
   * next request queued on it.
   */
  readonly closeConnection?: boolean;
}

export interface TransportResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * Must be consumed or destroyed by the caller. A failure while it is read (a reset, a stalled body) is emitted as
   * `NetworkError` / `TimeoutError`, as for the request itself.
   */
  readonly body: Readable;
}

export interface Transport {
  /**
   * Sends one request. Failures below HTTP are thrown as `NetworkError` / `TimeoutError` (see errors.ts) with
   * `reachedServer` set honestly: the retry policy trusts it to decide whether an upload may be sent again. A
   * caller's aborted `signal` rejects with the signal's own AbortError, which is not a network failure.
   */
  request(request: TransportRequest, context: { readonly api: string }): Promise<TransportResponse>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}

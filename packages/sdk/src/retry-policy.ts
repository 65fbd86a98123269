import { ERRCODES } from '@wxmedia/protocol';
import { NetworkError, TimeoutError, UnexpectedResponseError, WeChatError } from './errors.ts';

export interface RetryOptions {
  /** Further attempts after the first, for failures worth retrying. Default 2; 0 disables retries. */
  readonly maxRetries?: number;
  /** First backoff in ms; doubles each attempt. Default 200. */
  readonly baseDelayMs?: number;
  /** Upper bound of one backoff in ms. Default 3 000. */
  readonly maxDelayMs?: number;
}

export interface RetryDecisionInput {
  readonly error: unknown;
  readonly idempotent: boolean;
  /** 0 for the first retry. */
  readonly retry: number;
}

/**
 * stripe-node's `_shouldRetry`, for WeChat: only failures that are transient, and only when a repeat cannot do
 * harm. errcode -1 ("system error", backend busy) and network failures are retried on idempotent calls; a
 * non-idempotent call (upload, /cgi-bin/token, clear_quota) is retried only after a failure that proves the request
 * never left this machine. Token rejections (40001/40014/42001) are not handled here: the client refreshes the token
 * once and replays once, whatever this policy says.
 */
export class RetryPolicy {
  readonly maxRetries: number;
  readonly #base: number;
  readonly #max: number;

  constructor(options: RetryOptions = {}) {
    this.maxRetries = options.maxRetries ?? 2;
    this.#base = options.baseDelayMs ?? 200;
    this.#max = options.maxDelayMs ?? 3_000;
  }

  shouldRetry({ error, idempotent, retry }: RetryDecisionInput): boolean {
    if (retry >= this.maxRetries) return false;
    if (error instanceof NetworkError || error instanceof TimeoutError) return idempotent || !error.reachedServer;
    if (error instanceof WeChatError) return idempotent && error.errcode === ERRCODES.SYSTEM_ERROR.errcode;
    if (error instanceof UnexpectedResponseError) return idempotent && error.status >= 500;
    return false;
  }

  /** "Full jitter": a uniform delay in [0, min(max, base·2^retry)], so a fleet that failed together spreads out. */
  delayMs(retry: number): number {
    const ceiling = Math.min(this.#max, this.#base * 2 ** retry);
    return Math.round(Math.random() * ceiling);
  }
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Aggregator } from 'prom-client';
import type { BlobStats } from '../storage/blob-store.ts';

/** The metrics a WeChat API call counts in, bound to its label values (ServerMetrics.callSeries). */
export interface CallSeries {
  readonly requests: { inc(): void };
  readonly duration: { observe(seconds: number): void };
  readonly faultsInjected: { inc(): void };
  readonly uploadedBytes: { inc(bytes: number): void };
  readonly servedBytes: { inc(bytes: number): void };
}

export interface MetricsSources {
  /** Media stored (count, bytes): read at scrape time (media-stats.ts caches it). */
  readonly mediaStats: () => Promise<BlobStats>;
  readonly apps: () => Promise<number>;
  readonly faults: () => number;
}

/**
 * The Prometheus metrics of one server (GET /metrics), in a registry of its own so that several servers in one
 * process (tests, embedders) never share counters. Labels are bounded: `api` is one of wxmedia's API paths (a
 * cloud call counts under the path it stands for, an unknown cloud API as `other`), `errcode` one it answered.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = this.#counter('wxmedia_requests_total', ['api', 'channel', 'errcode'], 'WeChat API calls answered, by API, channel (https or cloud) and errcode ("dropped": the connection was closed by a fault)');
  readonly duration = new Histogram({
    name: 'wxmedia_request_duration_seconds',
    help: 'Time from a WeChat API request to the end of its answer, by API and channel',
    labelNames: ['api', 'channel'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly uploadedBytes = this.#counter('wxmedia_media_uploaded_bytes_total', ['channel'], 'Bytes of media stored by successful uploads, by channel');
  readonly servedBytes = this.#counter('wxmedia_media_served_bytes_total', ['channel'], 'Bytes of media sent by gets (ranges count what was sent; HEAD sends none), by channel');
  readonly tokensIssued = this.#counter('wxmedia_tokens_issued_total', ['lane'], 'Access tokens minted, by lane (token: /cgi-bin/token; stable: /cgi-bin/stable_token)');
  readonly quotaRejections = this.#counter('wxmedia_quota_rejections_total', ['api'], 'Calls refused with 45009 because the daily quota was spent, by API');
  readonly storeErrors = this.#counter('wxmedia_store_errors_total', ['store', 'op'], 'Failed storage operations, by store (blob or state) and operation');
  readonly faultsInjected = this.#counter('wxmedia_faults_injected_total', ['api'], 'Calls answered by an injected fault, by API');

  readonly #callSeries = new Map<string, CallSeries>();

  /**
   * The series one kind of call counts in (its API, channel and errcode label values), made on first use and kept:
   * a call then neither builds label objects nor has prom-client look its labels up by name (prom-client's
   * `labels()` children still hash the labels on each inc, which is cheap). As bounded as the labels themselves.
   */
  callSeries(api: string, channel: string, errcode: string): CallSeries {
    const k = `${api}\n${channel}\n${errcode}`;
    let series = this.#callSeries.get(k);
    if (!series) {
      series = {
        requests: this.requests.labels({ api, channel, errcode }),
        duration: this.duration.labels({ api, channel }),
        faultsInjected: this.faultsInjected.labels({ api }),
        uploadedBytes: this.uploadedBytes.labels({ channel }),
        servedBytes: this.servedBytes.labels({ channel }),
      };
      this.#callSeries.set(k, series);
    }
    return series;
  }

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'wxmedia_' });
    // prom-client sums its process metrics over the workers of one server (memory, CPU, handles: the server's
    // totals), but a sum of per-process limits is no limit: the tightest one is what a worker runs into. (Its Metric
    // type leaves out the `aggregator` field every metric has.)
    const maxFds = this.registry.getSingleMetric('wxmedia_process_max_fds');
    if (maxFds) (maxFds as unknown as { aggregator: Aggregator }).aggregator = 'min';
    const { mediaStats } = sources;
    // Each reads the shared stores: the workers of one server (cluster-metrics.ts) all see the same value.
    this.#gauge('wxmedia_media_stored', 'Media files stored (expired ones count until the sweeper removes them)', async () => (await mediaStats()).count);
    this.#gauge('wxmedia_media_stored_bytes', 'Total size of the media files stored', async () => (await mediaStats()).bytes);
    this.#gauge('wxmedia_apps', 'Apps in the state store', () => sources.apps());
    this.#gauge('wxmedia_faults_active', 'Injected faults in force', async () => sources.faults());
  }

  /** A counter of this registry; its labels bounded as the class comment says. */
  #counter<L extends string>(name: string, labelNames: readonly L[], help: string): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /**
   * A gauge of this registry, read at scrape time from the shared stores: aggregated over the workers of one server
   * by `max`, not summed (every worker reads the same store; one may hold a cached value a few seconds older).
   */
  #gauge(name: string, help: string, read: () => Promise<number>): void {
    new Gauge({
      name,
      help,
      aggregator: 'max',
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  /** The text exposition and its Content-Type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

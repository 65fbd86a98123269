import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BlobStats } from '../storage/blob-store.ts';

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
  readonly requests = new Counter({
    name: 'wxmedia_requests_total',
    help: 'WeChat API calls answered, by API, channel (https or cloud) and errcode ("dropped": the connection was closed by a fault)',
    labelNames: ['api', 'channel', 'errcode'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'wxmedia_request_duration_seconds',
    help: 'Time from a WeChat API request to the end of its answer, by API and channel',
    labelNames: ['api', 'channel'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly uploadedBytes = new Counter({
    name: 'wxmedia_media_uploaded_bytes_total',
    help: 'Bytes of media stored by successful uploads, by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly servedBytes = new Counter({
    name: 'wxmedia_media_served_bytes_total',
    help: 'Bytes of media sent by gets (ranges count what was sent; HEAD sends none), by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly tokensIssued = new Counter({
    name: 'wxmedia_tokens_issued_total',
    help: 'Access tokens minted, by lane (token: /cgi-bin/token; stable: /cgi-bin/stable_token)',
    labelNames: ['lane'] as const,
    registers: [this.registry],
  });
  readonly quotaRejections = new Counter({
    name: 'wxmedia_quota_rejections_total',
    help: 'Calls refused with 45009 because the daily quota was spent, by API',
    labelNames: ['api'] as const,
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({
    name: 'wxmedia_store_errors_total',
    help: 'Failed storage operations, by store (blob or state) and operation',
    labelNames: ['store', 'op'] as const,
    registers: [this.registry],
  });
  readonly faultsInjected = new Counter({
    name: 'wxmedia_faults_injected_total',
    help: 'Calls answered by an injected fault, by API',
    labelNames: ['api'] as const,
    registers: [this.registry],
  });

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'wxmedia_' });
    const { mediaStats } = sources;
    new Gauge({
      name: 'wxmedia_media_stored',
      help: 'Media files stored (expired ones count until the sweeper removes them)',
      registers: [this.registry],
      async collect() {
        this.set((await mediaStats()).count);
      },
    });
    new Gauge({
      name: 'wxmedia_media_stored_bytes',
      help: 'Total size of the media files stored',
      registers: [this.registry],
      async collect() {
        this.set((await mediaStats()).bytes);
      },
    });
    new Gauge({
      name: 'wxmedia_apps',
      help: 'Apps in the state store',
      registers: [this.registry],
      async collect() {
        this.set(await sources.apps());
      },
    });
    new Gauge({
      name: 'wxmedia_faults_active',
      help: 'Injected faults in force',
      registers: [this.registry],
      collect() {
        this.set(sources.faults());
      },
    });
  }

  /** The text exposition and its Content-Type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

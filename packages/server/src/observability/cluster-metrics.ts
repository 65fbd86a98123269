import { AggregatorRegistry, type Registry } from 'prom-client';

/** One worker's registry as `Registry.getMetricsAsJSON()` gives it (what crosses the IPC channel). */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * The metrics of the workers of `wxmedia serve --workers N` as one server's, in the primary (the CLI's
 * worker-peers.ts gathers each worker's registry as JSON): prom-client's AggregatorRegistry.aggregate adds them up
 * by each metric's `aggregator` (counters and histograms summed; the shared-store gauges `max` and the fd limit
 * `min`, set in metrics.ts; prom-client's choices for its process metrics: memory, CPU and handles summed, event
 * loop lag averaged, start time omitted).
 *
 * A worker that exits takes its counters with it, and the sum would drop: Prometheus would read that as a reset of
 * the whole counter and count the survivors' totals again as new increase. So the last counters and histograms seen
 * from each worker are kept, and those of a worker that is gone stay in every later sum ("retired"): counters stay
 * monotonic across worker restarts (what a worker counted after the last scrape before it died is lost).
 */
export class ClusterMetrics {
  readonly #lastSeen = new Map<number, MetricsJson>();
  /** The retired workers' counters, added up; folded in order (exits are rare, scrapes read the latest). */
  #retired: Promise<MetricsJson> = Promise.resolve([]);

  /** A worker's answer to a scrape: its monotonic part is remembered in case the worker goes. */
  seen(workerId: number, metrics: MetricsJson): void {
    this.#lastSeen.set(workerId, metrics.filter(isCumulative));
  }

  /** The worker is gone: what it last counted stays in the sums. */
  retire(workerId: number): void {
    const last = this.#lastSeen.get(workerId);
    this.#lastSeen.delete(workerId);
    if (!last || last.length === 0) return;
    // Should they not add up (they always do: one registry's shape), the sums lose that worker rather than fail.
    const before = this.#retired;
    this.#retired = before.then((retired) => json(AggregatorRegistry.aggregate([retired, last]))).catch(() => before);
  }

  /** The Prometheus text of the answers of the live workers plus the retired counters, and its Content-Type. */
  async render(answers: readonly MetricsJson[]): Promise<{ contentType: string; body: string }> {
    const registry = AggregatorRegistry.aggregate([...answers, await this.#retired]);
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}

/** Counters and histograms only ever grow while their process lives; gauges are read afresh at each scrape. */
function isCumulative(metric: MetricsJson[number]): boolean {
  // prom-client's types declare `type` a numeric enum; the objects carry its names ('counter', …).
  const type = String(metric.type);
  return (type === 'counter' || type === 'histogram') && (metric.aggregator ?? 'sum') === 'sum';
}

function json(registry: Registry): Promise<MetricsJson> {
  return registry.getMetricsAsJSON();
}

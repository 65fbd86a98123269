import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * The metrics of `wxmedia serve --workers N`, one server to whoever scrapes it: without this, each scrape of the
 * one port reads whichever worker takes it, and every counter seems to jump back and forth (to Prometheus, a
 * counter reset at each scrape). prom-client's AggregatorRegistry is the field's answer: the primary asks every
 * worker for its registry over the cluster channel and sums counters and histograms; a gauge says how its values
 * combine (`aggregator` in metrics.ts).
 */

/** In a worker: the registry the primary's AggregatorRegistry reads (instead of prom-client's global one). */
export function offerMetricsToPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // A worker answers the primary's requests only once an AggregatorRegistry was made in it: its constructor is
  // what installs the listener (once per process).
  new AggregatorRegistry();
}

/** In the primary: every worker's metrics, aggregated, in Prometheus text format. */
export async function clusterMetrics(): Promise<{ contentType: string; body: string }> {
  const aggregated = new AggregatorRegistry();
  return { contentType: aggregated.contentType, body: await aggregated.clusterMetrics() };
}

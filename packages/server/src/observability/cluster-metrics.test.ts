import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerMetrics } from './metrics.ts';
import { ClusterMetrics } from './cluster-metrics.ts';

/** A worker's registry, as the server builds it, with `calls` requests counted. */
async function worker(calls: number, apps = 3) {
  const metrics = new ServerMetrics({ mediaStats: async () => ({ count: 2, bytes: 10 }), apps: async () => apps, faults: () => 0 });
  for (let i = 0; i < calls; i++) {
    metrics.requests.inc({ api: '/cgi-bin/media/get', channel: 'https', errcode: '40007' });
    metrics.duration.observe({ api: '/cgi-bin/media/get', channel: 'https' }, 0.002);
  }
  return metrics;
}

function value(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

const GETS = 'wxmedia_requests_total{api="/cgi-bin/media/get",channel="https",errcode="40007"}';
const GET_DURATIONS = 'wxmedia_request_duration_seconds_count{api="/cgi-bin/media/get",channel="https"}';

describe('ClusterMetrics', () => {
  it('sums counters and histograms, reads a shared-store gauge once, and takes the tightest fd limit', async () => {
    const a = await worker(3);
    const b = await worker(4);
    const cluster = new ClusterMetrics();
    const { body, contentType } = await cluster.render([await a.registry.getMetricsAsJSON(), await b.registry.getMetricsAsJSON()]);
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    assert.equal(value(body, GETS), 7);
    assert.equal(value(body, GET_DURATIONS), 7);
    assert.equal(value(body, 'wxmedia_apps'), 3, 'every worker reads the same store: not 6');
    assert.equal(value(body, 'wxmedia_media_stored_bytes'), 10);
    const ownLimit = value(await a.registry.metrics(), 'wxmedia_process_max_fds');
    if (ownLimit !== undefined) assert.equal(value(body, 'wxmedia_process_max_fds'), ownLimit, 'a limit is not summed');
    assert.equal(value(body, 'wxmedia_process_start_time_seconds'), undefined, 'no one start time for several processes (prom-client omits it)');
  });

  it('keeps what a worker that exited had counted at the last scrape, so sums never go down', async () => {
    const a = await worker(3);
    const b = await worker(4);
    const cluster = new ClusterMetrics();
    const first = await a.registry.getMetricsAsJSON();
    const second = await b.registry.getMetricsAsJSON();
    cluster.seen(1, first);
    cluster.seen(2, second);
    assert.equal(value((await cluster.render([first, second])).body, GETS), 7);

    // Worker 2 exits; its replacement (3) starts from zero and counts 1.
    cluster.retire(2);
    const replacement = await worker(1);
    const third = await replacement.registry.getMetricsAsJSON();
    cluster.seen(3, third);
    let body = (await cluster.render([first, third])).body;
    assert.equal(value(body, GETS), 3 + 4 + 1);
    assert.equal(value(body, GET_DURATIONS), 3 + 4 + 1);
    assert.equal(value(body, 'wxmedia_apps'), 3, 'gauges are not kept: only live workers read them');

    // A worker never scraped leaves nothing behind; one retired twice counts once.
    cluster.retire(4);
    cluster.retire(2);
    body = (await cluster.render([first, third])).body;
    assert.equal(value(body, GETS), 8);
  });
});

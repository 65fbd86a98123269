import cluster, { type Worker } from 'node:cluster';
import { CliError, type ServeSettings } from '../serve-config.ts';
import { printBanner, type BannerFacts } from './serve-banner.ts';

/**
 * `wxmedia serve --workers N`: this process forks N workers (node:cluster), each a whole server on the same port
 * and the same stores, and only supervises them. Workers share nothing in memory: what makes them one service is
 * what makes N machines one service (the stores, and caches whose staleness is bounded), so every guarantee of
 * several instances holds here too. A worker that dies is replaced; SIGINT/SIGTERM stop them all gracefully.
 * What users read about the server — /metrics and the recent calls — is gathered from all the workers through this
 * process (worker-peers.ts), so that they see one server.
 */
const READY = 'wxmedia:ready';
/** More restarts than this within RESTART_WINDOW_MS means the workers cannot stay up: stop instead of looping. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
/** After SIGTERM, how long workers get to finish in-flight requests before they are killed. */
const STOP_GRACE_MS = 30_000;

interface ReadyMessage {
  readonly type: typeof READY;
  readonly facts: BannerFacts;
}

/** In a worker: tells the primary this worker listens, and what its banner would say. */
export function tellPrimary(facts: BannerFacts): void {
  const message: ReadyMessage = { type: READY, facts };
  process.send?.(message);
}

export async function runPrimary(settings: ServeSettings): Promise<void> {
  const ready = new Map<number, BannerFacts>();
  let stopping = false;
  let restarts: number[] = [];

  // The workers' calls records and metrics answer as one (worker-peers.ts); loaded here, as the server is, to serve.
  const { relayBetweenWorkers } = await import('./worker-peers.ts');
  const peers = relayBetweenWorkers(() => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && ready.has(w.id)));
  cluster.on('message', (worker: Worker, message: ReadyMessage) => {
    if (message?.type !== READY) return;
    ready.set(worker.id, message.facts);
    peers.workerReady();
  });

  // All start; the banner waits for every one of them (the first to fail stops the rest).
  const first = await new Promise<BannerFacts>((resolve, reject) => {
    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      if (ready.has(worker.id)) return;
      cluster.off('exit', onExit);
      stopAll();
      reject(new CliError(`a worker exited before it listened (${signal ?? `code ${code}`}); its error is above`));
    };
    cluster.on('exit', onExit);
    // Registered after the listener above, so it sees the message that listener recorded.
    const onReady = () => {
      if (ready.size < settings.workers) return;
      cluster.off('exit', onExit);
      cluster.off('message', onReady);
      resolve([...ready.values()][0]!);
    };
    cluster.on('message', onReady);
    for (let i = 0; i < settings.workers; i++) cluster.fork();
  });
  printBanner(first, Object.values(cluster.workers ?? {}).flatMap((w) => (w?.process.pid ? [w.process.pid] : [])));

  cluster.on('exit', (worker, code, signal) => {
    ready.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    restarts = [...restarts.filter((t) => now - t < RESTART_WINDOW_MS), now];
    if (restarts.length > MAX_RESTARTS) {
      process.stderr.write(`wxmedia: workers keep exiting (${restarts.length} in a minute); stopping\n`);
      stopping = true;
      stopAll();
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`wxmedia: worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another\n`);
    cluster.fork();
  });

  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`wxmedia: ${signal} again, killing the workers\n`);
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`wxmedia: ${signal}, workers finishing in-flight requests\n`);
    stopAll();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    }, STOP_GRACE_MS).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  function stopAll(): void {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  }
}

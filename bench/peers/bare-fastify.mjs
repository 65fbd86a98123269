// The start-up peer: a bare Fastify server (plain JavaScript, no TypeScript loader) with only GET /healthz, the
// floor for "an HTTP server built on Fastify". Prints its URL like `wxmedia serve` does, then idles until SIGTERM
// or until its stdin closes (the benchmark that started it is gone).
import Fastify from 'fastify';

const app = Fastify();
app.get('/healthz', async () => 'ok');
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${url}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop).resume();

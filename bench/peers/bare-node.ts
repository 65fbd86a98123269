/**
 * Peer "bare-node", the ceiling for a Node server with wxmedia's durability: bare `node:http`, no token, no checks.
 * Upload streams the multipart body through busboy (the field-standard streaming parser) and the `media` part's
 * bytes to a temp file, fsyncs it, renames it in and fsyncs the directory, then answers with a counter as id. Get
 * stats the file and streams it with Content-Length. The gap between this and wxmedia is what wxmedia's token and
 * id checks (HMAC), quota counter, sniffing, size limit, sidecar metadata, Fastify and logging cost.
 *
 *   node --import tsx bench/peers/bare-node.ts --dir <empty directory>     (started by the benchmarks)
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { commitDurably, mediaIdOf, notFound, peerDir, replyJson, servePeer, uploaded } from './peer-server.ts';
import { streamMediaPart } from './multipart.ts';

const dir = peerDir();
let next = 0;

servePeer('bare-node', async (req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'POST' && url.startsWith('/cgi-bin/media/upload')) {
    const id = await commitDurably(dir, String(++next), (tmp) => streamMediaPart(req, tmp));
    return uploaded(res, id);
  }
  if (req.method === 'GET' && url.startsWith('/cgi-bin/media/get')) {
    const id = mediaIdOf(url);
    if (id === undefined) return notFound(res);
    const path = join(dir, id);
    const size = await stat(path).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) return notFound(res);
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': size });
    return pipeline(createReadStream(path), res);
  }
  replyJson(res, 404, { errcode: -1, errmsg: 'not found' });
});

/**
 * Peer "bare-node", the ceiling: the same two routes with the least work that keeps wxmedia's durability. Upload
 * streams the raw request body (multipart framing and all: no parsing, no checks, no token) to a temp file, fsyncs
 * it, renames it in and fsyncs the directory, then answers with a counter as id. Get streams the file with
 * Content-Length. The gap between this and wxmedia is what wxmedia's token and id checks (HMAC), multipart parsing,
 * sniffing, size limit, sidecar metadata and logging cost.
 *
 *   node --import tsx bench/peers/bare-node.ts --dir <empty directory>     (started by the benchmarks)
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { commitDurably, mediaIdOf, notFound, peerDir, replyJson, servePeer, uploaded } from './peer-server.ts';

const dir = peerDir();
let next = 0;

servePeer('bare-node', async (req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'POST' && url.startsWith('/cgi-bin/media/upload')) {
    // `flush` fsyncs the file before the stream closes it, and pipeline settles only once it is closed.
    const id = await commitDurably(dir, String(++next), (tmp) => pipeline(req, createWriteStream(tmp, { flags: 'wx', flush: true })));
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

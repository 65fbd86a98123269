/**
 * Peer "buffering", the common naive emulator design: upload reads the WHOLE request body into memory
 * (Buffer.concat of every chunk) and writes it with fs.writeFile; get reads the whole file with fs.readFile and
 * sends it. No token, no parsing, no checks, like bare-node; the body is stored raw (multipart framing and all).
 *
 * Durability is kept equal to wxmedia's on purpose (writeFile with `flush`, i.e. fsync, then rename and a directory
 * fsync), so that against wxmedia and bare-node the one difference measured is buffering versus streaming, not
 * fsync versus none.
 *
 *   node --import tsx bench/peers/buffering.ts --dir <empty directory>     (started by the benchmarks)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitDurably, mediaIdOf, notFound, peerDir, replyJson, servePeer, uploaded } from './peer-server.ts';

const dir = peerDir();
let next = 0;

servePeer('buffering', async (req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'POST' && url.startsWith('/cgi-bin/media/upload')) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const id = await commitDurably(dir, String(++next), (tmp) => writeFile(tmp, body, { flush: true }));
    return uploaded(res, id);
  }
  if (req.method === 'GET' && url.startsWith('/cgi-bin/media/get')) {
    const id = mediaIdOf(url);
    if (id === undefined) return notFound(res);
    const body = await readFile(join(dir, id)).catch(() => undefined);
    if (body === undefined) return notFound(res);
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length });
    res.end(body);
    return;
  }
  replyJson(res, 404, { errcode: -1, errmsg: 'not found' });
});

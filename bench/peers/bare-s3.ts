/**
 * Peer "bare-s3", the ceiling of wxmedia's S3 configuration: bare `node:http`, no token, no checks, no Redis.
 * Upload streams the multipart body through busboy and the `media` part's bytes straight into an S3 PutObject
 * (chunked, unsigned: s3rver serves anonymous requests) on the same s3rver wxmedia-s3-redis uses; get streams the
 * object back from a GetObject. One keep-alive agent to s3rver, no SDK: what is left is the least a server that
 * keeps media in S3 must do per request.
 *
 *   node --import tsx bench/peers/bare-s3.ts --dir <dir> --s3 http://127.0.0.1:<port>/<bucket>   (started by the benchmarks)
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { mediaIdOf, notFound, peerBucket, replyJson, servePeer, uploaded } from './peer-server.ts';
import { pipeMediaPart } from './multipart.ts';

const bucket = peerBucket();
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let next = 0;

/** One S3 request on the agent; resolves with the response once its head arrived. */
function s3(method: 'PUT' | 'GET', key: string, headers: Record<string, string> = {}): { req: ReturnType<typeof request>; res: Promise<IncomingMessage> } {
  let req!: ReturnType<typeof request>;
  const res = new Promise<IncomingMessage>((resolve, reject) => {
    req = request(new URL(key, bucket), { method, agent, headers }, resolve);
    req.once('error', reject);
  });
  return { req, res };
}

servePeer('bare-s3', async (req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'POST' && url.startsWith('/cgi-bin/media/upload')) {
    const id = String(++next);
    const put = s3('PUT', id, { 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' });
    // The part's bytes go to S3 as they are parsed; the reply waits for S3's 200 (the object is stored).
    await pipeMediaPart(req, () => put.req);
    const reply = await put.res;
    reply.resume();
    if (reply.statusCode !== 200) throw new Error(`PutObject: ${reply.statusCode}`);
    return uploaded(res, id);
  }
  if (req.method === 'GET' && url.startsWith('/cgi-bin/media/get')) {
    const id = mediaIdOf(url);
    if (id === undefined) return notFound(res);
    const get = s3('GET', id);
    get.req.end();
    const object = await get.res;
    if (object.statusCode !== 200) {
      object.resume();
      return notFound(res);
    }
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': object.headers['content-length'] ?? '' });
    return pipeline(object, res);
  }
  replyJson(res, 404, { errcode: -1, errmsg: 'not found' });
});

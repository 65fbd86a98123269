import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PATHS, uploadReplyFields } from '@wxmedia/protocol';
import { WxError } from '../../errors.ts';
import { requestBody } from '../body.ts';
import type { ServerContext } from '../context.ts';
import { continueBody } from '../expect-continue.ts';
import { MultipartError, boundaryOf, parseMultipart, type MultipartPart } from '../multipart.ts';
import { DRAIN_ALLOWANCE, queryParam } from '../request.ts';
import { sendJson } from '../reply.ts';
import { authenticatedRoute } from './wechat-route.ts';

/** Room for multipart framing and small form fields beside the file, on top of the file's own limit. */
const FRAMING_ALLOWANCE = 1024 * 1024;

/**
 * POST /cgi-bin/media/upload?access_token=&type= (WeChat's uploadTempMedia page), one file part named `media`.
 * Order of checks: method (43002) → token → quota (45009) → type (40004) → body (41005, 40005, 44001, 40006).
 * The file streams to staging; it is committed only after the rest of the body proves well formed, so a second
 * `media` part or a truncated body leaves nothing behind.
 */
export function mediaUploadRoute(app: FastifyInstance, ctx: ServerContext): void {
  authenticatedRoute(app, ctx, { path: PATHS.upload, methods: ['POST'], group: 'media' }, async (request, reply, caller) => {
    await ctx.quotas.charge(caller.appid, PATHS.upload);
    const type = await ctx.media.checkType(caller.appid, queryParam(request, 'type'));
    const boundary = boundaryOf(request.headers['content-type']);
    if (!boundary) throw new WxError('MEDIA_DATA_MISSING', 'not multipart/form-data with a boundary');

    const limit = ctx.options.maxBytes[type] + FRAMING_ALLOWANCE;
    continueBody(request.raw);
    const body = boundedBody(request, limit);
    const parts = parseMultipart(body.chunks, boundary)[Symbol.asyncIterator]();
    try {
      const media = await nextMediaPart(parts);
      if (!media) throw new WxError('MEDIA_DATA_MISSING', 'no media part');
      if (media.filename === undefined) throw new WxError('MEDIA_DATA_MISSING', 'media part named only by filename*=');
      const result = await ctx.media.upload({
        appid: caller.appid,
        type,
        filename: media.filename,
        body: media.body,
        beforeCommit: async () => {
          if (await nextMediaPart(parts)) throw new WxError('MEDIA_DATA_MISSING', 'two media parts');
        },
      });
      if (request.wxCall) Object.assign(request.wxCall, { mediaId: result.mediaId, bytes: result.size });
      return sendJson(request, reply, ctx, { ...uploadReplyFields(result), item: [] });
    } catch (e) {
      // The client may still be sending: read the rest (bounded) so the reply reaches it and the kept-alive
      // connection is clean for its next request; past the bound, close the connection after replying.
      if (!(await body.drain(limit + DRAIN_ALLOWANCE))) reply.header('connection', 'close');
      if (e instanceof MultipartError) throw new WxError('MEDIA_DATA_MISSING', `multipart ${e.reason}`);
      throw e;
    } finally {
      await parts.return?.(undefined).catch(() => undefined);
    }
  });
}

/**
 * The next file part named `media` (a part with `filename=` or `filename*=`), skipping any other part; undefined
 * once the body ends. Throws MultipartError for a malformed or truncated body.
 */
async function nextMediaPart(parts: AsyncIterator<MultipartPart>): Promise<MultipartPart | undefined> {
  for (;;) {
    const r = await parts.next();
    if (r.done) return undefined;
    const part = r.value;
    if (part.name === 'media' && (part.filename !== undefined || part.filenameStar)) return part;
    await part.skip();
  }
}

interface BoundedBody {
  /** The request body, cut off with 41005 past `limit` bytes (the file's own limit is enforced while staging). */
  readonly chunks: AsyncGenerator<Buffer>;
  /** Reads and discards whatever is left, through the same iterator; false if more than `cap` bytes came in all. */
  drain(cap: number): Promise<boolean>;
}

function boundedBody(request: FastifyRequest, limit: number): BoundedBody {
  const source = requestBody(request);
  let total = 0;
  let ended = false;
  const pull = async (): Promise<Buffer | undefined> => {
    const r = await source.next();
    if (r.done) {
      ended = true;
      return undefined;
    }
    total += r.value.length;
    return r.value;
  };
  return {
    chunks: (async function* () {
      for (let chunk = await pull(); chunk; chunk = await pull()) {
        if (total > limit) throw new MultipartError('malformed', 'body over limit');
        yield chunk;
      }
    })(),
    async drain(cap) {
      try {
        while (!ended && total <= cap) await pull();
      } catch {
        return false;
      }
      return ended;
    },
  };
}

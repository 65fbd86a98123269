import type { FastifyInstance } from 'fastify';
import { ADMIN_PATHS, MEDIA_FORMATS, MEDIA_ID_PATTERN, MEDIA_TTL_SECONDS, type MediaEntry, type MediaKind } from '@wxmedia/protocol';
import type { BlobInfo } from '../../../storage/blob-store.ts';
import type { ServerContext } from '../../context.ts';
import { AdminError } from '../../../errors.ts';
import { intParam, ok } from './respond.ts';

type IdParams = { Params: { id: string } };
const KINDS: readonly MediaKind[] = ['image', 'voice', 'video'];
/** Most entries one listing returns. */
const MAX_LIST = 1000;
/** How many stored entries a filtered listing looks through at most. */
const MAX_SCAN = 10_000;

/**
 * Stored media: list (newest first; by app and kind), one entry, its bytes with the headers /cgi-bin/media/get
 * would send, delete, and "expire now" (the bytes go, so get answers 40007 as it would after the three days; the
 * id itself carries its creation time and cannot be changed).
 */
export function mediaRoutes(admin: FastifyInstance, ctx: ServerContext): void {
  const find = async (id: string): Promise<BlobInfo> => {
    const info = MEDIA_ID_PATTERN.test(id) ? await ctx.blobs.info(id) : undefined;
    if (!info) throw new AdminError('MEDIA_NOT_FOUND', id);
    return info;
  };

  admin.get<{ Querystring: { appid?: string; kind?: string; limit?: string } }>(ADMIN_PATHS.media, async (request, reply) => {
    const { appid, kind } = request.query;
    if (kind !== undefined && !(KINDS as readonly string[]).includes(kind)) throw new AdminError('INVALID_MEDIA_KIND', KINDS.join(', '));
    const limit = intParam(request.query.limit, 50, MAX_LIST);
    const listed = await ctx.blobs.list({ limit: kind ? MAX_SCAN : limit, ...(appid ? { appid } : {}) });
    const media = listed.map(entryOf).filter((m) => kind === undefined || m.kind === kind).slice(0, limit);
    return ok(request, reply, { media });
  });

  admin.get<IdParams>(ADMIN_PATHS.mediaItem, async (request, reply) => ok(request, reply, { media: entryOf(await find(request.params.id)) }));

  admin.route<IdParams>({
    method: ['GET', 'HEAD'],
    url: ADMIN_PATHS.mediaContent,
    handler: async (request, reply) => {
      const info = await find(request.params.id);
      const opened = request.method === 'HEAD' ? undefined : await ctx.blobs.open(info.id);
      if (request.method !== 'HEAD' && !opened) throw new AdminError('MEDIA_NOT_FOUND', info.id);
      const ext = MEDIA_FORMATS.find((f) => f.mime === info.contentType)?.ext ?? 'bin';
      request.wxErrcode = 0;
      reply.raw.setHeader('Content-disposition', `attachment; filename="${info.id}.${ext}"`);
      reply
        .code(200)
        .header('content-type', info.contentType)
        .header('cache-control', 'no-cache, must-revalidate')
        .header('content-length', opened?.size ?? info.size);
      return reply.send(opened?.bytes ?? opened?.stream);
    },
  });

  admin.delete<IdParams>(ADMIN_PATHS.mediaItem, async (request, reply) => {
    const info = await find(request.params.id);
    await ctx.blobs.delete(info.id);
    return ok(request, reply, { deleted: true });
  });

  admin.post<IdParams>(ADMIN_PATHS.mediaExpire, async (request, reply) => {
    const info = await find(request.params.id);
    await ctx.blobs.delete(info.id);
    return ok(request, reply, { expired: true });
  });
}

/** A stored blob as the admin API shows it. */
export function entryOf(info: BlobInfo): MediaEntry {
  return {
    mediaId: info.id,
    appid: info.appid,
    kind: kindOf(info.contentType),
    contentType: info.contentType,
    filename: info.filename,
    size: info.size,
    createdAt: info.createdAt,
    expiresAt: info.createdAt + MEDIA_TTL_SECONDS,
  };
}

function kindOf(contentType: string): MediaKind {
  if (contentType.startsWith('audio/')) return 'voice';
  if (contentType.startsWith('video/')) return 'video';
  return 'image';
}

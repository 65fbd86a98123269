import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import type { BlobInfo, BlobWriteMeta } from './blob-store.ts';

/**
 * How a blob's BlobWriteMeta rides on its S3 object: Content-Type as itself, the rest as user metadata
 * (`x-amz-meta-*`). Header values must be ASCII, and a filename is any text (`语音 留言.amr`), so it is
 * percent-encoded.
 */
export function toObjectMetadata(meta: BlobWriteMeta): { ContentType: string; Metadata: Record<string, string> } {
  return {
    ContentType: meta.contentType,
    Metadata: { appid: meta.appid, 'created-at': String(meta.createdAt), filename: encodeURIComponent(meta.filename) },
  };
}

/** The BlobInfo of an object written with toObjectMetadata; undefined if its metadata is not ours. */
export function fromObjectMetadata(id: string, head: HeadObjectCommandOutput): BlobInfo | undefined {
  const metadata = head.Metadata ?? {};
  const createdAt = Number(metadata['created-at']);
  const { appid, filename } = metadata;
  if (appid === undefined || filename === undefined || !Number.isSafeInteger(createdAt) || head.ContentLength === undefined) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(filename);
  } catch {
    return undefined;
  }
  return { appid, createdAt, contentType: head.ContentType ?? 'application/octet-stream', filename: name, id, size: head.ContentLength };
}

/** A 404 from S3 (NoSuchKey on GET, NotFound on HEAD, which has no body to name it). */
export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

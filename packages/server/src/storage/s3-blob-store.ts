import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { awsS3 } from './optional-sdks.ts';
import { MEDIA_ID_PATTERN, mediaIdCreatedAt } from '@wxmedia/protocol';
import type { BlobInfo, BlobStats, BlobStore, BlobWriteMeta, ByteRange, OpenedBlob, StagedBlob } from './blob-store.ts';
import { writeBodyFile } from './body-file.ts';
import { PRIVATE_DIR_MODE } from './file-modes.ts';
import { HOUR_BUCKET_NAME, HOUR_SECONDS, hourBucketName, hourBucketStart, listNewestFirst } from './hour-bucket.ts';
import { isLeftover, processFileName } from './process-files.ts';
import { fromObjectMetadata, isNotFound } from './s3-object-meta.ts';
import { exactRange } from './s3-range.ts';
import { S3StagedBlob, type S3UploadLimits } from './s3-staged-blob.ts';

export interface S3BlobStoreOptions {
  /** A configured client (s3-client.ts builds one from the AWS SDK's standard settings). Closed by close(). */
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix inside the bucket: '' or ending in '/' (e.g. `wxmedia/`), so one bucket can hold several services. */
  readonly prefix?: string;
  /**
   * A local directory where bodies are spooled while they arrive, so the object can be sent with its length and
   * without holding it in memory. Created; leftovers of processes that died are removed by init().
   */
  readonly spoolDir: string;
  /** Bodies larger than this go up as a multipart upload (default 64 MiB; at most 5 GiB, S3's single-PUT limit). */
  readonly multipartThreshold?: number;
  /** Part size of multipart uploads (default 16 MiB; at least 5 MiB, S3's minimum). */
  readonly partSize?: number;
}

const MiB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MiB;
const DEFAULT_PART_SIZE = 16 * MiB;
const DEFAULT_MULTIPART_THRESHOLD = 64 * MiB;
const SINGLE_PUT_MAX = 5 * 1024 * MiB;
/** DeleteObjects takes at most 1000 keys per request. */
const DELETE_BATCH = 1000;

/**
 * A BlobStore in an S3-compatible bucket (AWS S3, Tencent Cloud COS, MinIO, Ceph RGW), shared by every instance.
 *
 *   <prefix>media/<YYYYMMDDHH>/<id>    the bytes; Content-Type, and appid / created-at / filename as user metadata
 *
 * stage() streams the body to a local spool file (enforcing maxBytes as it goes, flat memory whatever the size);
 * commit() sends it as one PUT with its length, or as a multipart upload past `multipartThreshold`. S3 makes an
 * object visible only once it is stored whole and durably, so the PUT (or CompleteMultipartUpload) is the commit
 * point: nothing is in the bucket before it, a crash before it leaves only a local spool file (removed at the next
 * start) or an unfinished multipart upload (invisible; aborted at once on failure, and by the bucket lifecycle
 * rule of docs/deployment.md if the process died). Expiry sweeps drop whole hour prefixes with batch deletes.
 */
export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #spoolDir: string;
  readonly #limits: S3UploadLimits;

  constructor(options: S3BlobStoreOptions) {
    const prefix = options.prefix ?? '';
    if (prefix !== '' && (!prefix.endsWith('/') || prefix.startsWith('/'))) {
      throw new TypeError(`S3BlobStore: prefix "${prefix}" must end in "/" and not start with one`);
    }
    const partSize = options.partSize ?? DEFAULT_PART_SIZE;
    const multipartThreshold = options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) throw new TypeError('S3BlobStore: partSize must be at least 5 MiB');
    if (!Number.isSafeInteger(multipartThreshold) || multipartThreshold < 0 || multipartThreshold > SINGLE_PUT_MAX) {
      throw new TypeError('S3BlobStore: multipartThreshold must be from 0 to 5 GiB');
    }
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = prefix;
    this.#spoolDir = options.spoolDir;
    this.#limits = { partSize, multipartThreshold };
  }

  async init(): Promise<void> {
    await mkdir(this.#spoolDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // Spool files of a dead process (or of this store before a restart) belong to uploads that never committed.
    const leftovers = (await readdir(this.#spoolDir)).filter(isLeftover);
    await Promise.all(leftovers.map((name) => rm(join(this.#spoolDir, name), { recursive: true, force: true })));
    try {
      await this.ping();
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const why = e.$metadata?.httpStatusCode === 404 ? 'it does not exist' : e.$metadata?.httpStatusCode === 403 ? 'access denied' : `${e.name}: ${e.message}`;
      throw new Error(`cannot use S3 bucket "${this.#bucket}": ${why}`);
    }
  }

  /** Resolves when the bucket answers and this client may use it. */
  async ping(): Promise<void> {
    await this.#client.send(new (awsS3().HeadBucketCommand)({ Bucket: this.#bucket }));
  }

  async stage(id: string, meta: BlobWriteMeta, body: AsyncIterable<Uint8Array>, options: { maxBytes: number }): Promise<StagedBlob> {
    if (!MEDIA_ID_PATTERN.test(id)) throw new TypeError('S3BlobStore.stage: id is not a media id');
    // Reads find a blob through the created_at written in its id (the hour prefix of its key).
    if (mediaIdCreatedAt(id) !== meta.createdAt) throw new TypeError('S3BlobStore.stage: meta.createdAt differs from the id');
    const spoolPath = join(this.#spoolDir, processFileName(id));
    // No fsync: the spool only carries the bytes to the bucket, whose PUT is what makes them durable.
    const size = await writeBodyFile(spoolPath, body, { maxBytes: options.maxBytes, sync: false });
    return new S3StagedBlob({
      client: this.#client,
      bucket: this.#bucket,
      key: this.#key(id, meta.createdAt),
      info: { ...meta, id, size },
      spoolPath,
      limits: this.#limits,
    });
  }

  async size(id: string): Promise<number | undefined> {
    return (await this.#head(id))?.ContentLength;
  }

  async open(id: string, range?: ByteRange): Promise<OpenedBlob | undefined> {
    const key = this.#keyOf(id);
    if (key === undefined) return undefined;
    let reply;
    try {
      reply = await this.#client.send(
        new (awsS3().GetObjectCommand)({ Bucket: this.#bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const body = reply.Body as Readable;
    if (range) return exactRange({ body, contentRange: reply.ContentRange, contentLength: reply.ContentLength }, range);
    if (reply.ContentLength === undefined) {
      body.destroy();
      throw new Error(`S3BlobStore: GetObject of ${key} said no Content-Length`);
    }
    return { size: reply.ContentLength, stream: body };
  }

  async info(id: string): Promise<BlobInfo | undefined> {
    const head = await this.#head(id);
    return head ? fromObjectMetadata(id, head) : undefined;
  }

  async list(options: { appid?: string; limit: number }): Promise<BlobInfo[]> {
    return listNewestFirst({ buckets: () => this.#hours(), idsIn: (hour) => this.#idsIn(hour), info: (_hour, id) => this.info(id) }, options);
  }

  async delete(id: string): Promise<boolean> {
    const key = this.#keyOf(id);
    if (key === undefined) return false;
    // S3's DELETE answers the same whether or not the object was there: ask first.
    const existed = (await this.#head(id)) !== undefined;
    await this.#client.send(new (awsS3().DeleteObjectCommand)({ Bucket: this.#bucket, Key: key }));
    return existed;
  }

  /** From the listings alone (they carry each object's size): one request per 1000 objects, no HEAD. */
  async stats(): Promise<BlobStats> {
    let count = 0;
    let bytes = 0;
    for (const hour of await this.#hours()) {
      const prefix = this.#hourPrefix(hour);
      for await (const page of this.#pages(prefix)) {
        for (const object of page.Contents ?? []) {
          if (!MEDIA_ID_PATTERN.test(object.Key?.slice(prefix.length) ?? '')) continue;
          count += 1;
          bytes += object.Size ?? 0;
        }
      }
    }
    return { count, bytes };
  }

  async sweep(createdBefore: number): Promise<number> {
    let removed = 0;
    for (const hour of await this.#hours()) {
      const start = hourBucketStart(hour);
      if (start >= createdBefore) continue;
      const ids = await this.#idsIn(hour);
      // A wholly expired hour goes without looking at its ids; the hour the boundary cuts is read from each id.
      const doomed = start + HOUR_SECONDS <= createdBefore ? ids : ids.filter((id) => (mediaIdCreatedAt(id) ?? 0) < createdBefore);
      for (let i = 0; i < doomed.length; i += DELETE_BATCH) {
        const batch = doomed.slice(i, i + DELETE_BATCH);
        const reply = await this.#client.send(
          new (awsS3().DeleteObjectsCommand)({
            Bucket: this.#bucket,
            Delete: { Quiet: true, Objects: batch.map((id) => ({ Key: `${this.#hourPrefix(hour)}${id}` })) },
          }),
        );
        const failed = reply.Errors ?? [];
        if (failed.length > 0) throw new Error(`S3BlobStore: ${failed.length} expired objects were not deleted (${failed[0]?.Code ?? 'no code'})`);
        removed += batch.length;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  #key(id: string, createdAt: number): string {
    return `${this.#hourPrefix(hourBucketName(createdAt))}${id}`;
  }

  /** The object key of a media id, or undefined for anything that is not one (so no id can name another key). */
  #keyOf(id: string): string | undefined {
    const createdAt = mediaIdCreatedAt(id);
    return createdAt === undefined ? undefined : this.#key(id, createdAt);
  }

  #hourPrefix(hour: string): string {
    return `${this.#prefix}media/${hour}/`;
  }

  async #head(id: string): Promise<HeadObjectCommandOutput | undefined> {
    const key = this.#keyOf(id);
    if (key === undefined) return undefined;
    try {
      return await this.#client.send(new (awsS3().HeadObjectCommand)({ Bucket: this.#bucket, Key: key }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The hour prefixes present (one delimiter listing: a few dozen entries, however many objects). */
  async #hours(): Promise<string[]> {
    const root = `${this.#prefix}media/`;
    const hours: string[] = [];
    for await (const page of this.#pages(root, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        const hour = common.Prefix?.slice(root.length, -1) ?? '';
        if (HOUR_BUCKET_NAME.test(hour)) hours.push(hour);
      }
    }
    return hours;
  }

  /** The media ids stored under one hour prefix. */
  async #idsIn(hour: string): Promise<string[]> {
    const prefix = this.#hourPrefix(hour);
    const ids: string[] = [];
    for await (const page of this.#pages(prefix)) {
      for (const object of page.Contents ?? []) {
        const id = object.Key?.slice(prefix.length) ?? '';
        if (MEDIA_ID_PATTERN.test(id)) ids.push(id);
      }
    }
    return ids;
  }

  async *#pages(prefix: string, delimiter?: string) {
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new (awsS3().ListObjectsV2Command)({
          Bucket: this.#bucket,
          Prefix: prefix,
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

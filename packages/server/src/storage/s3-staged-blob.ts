import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
import { awsS3 } from './optional-sdks.ts';
import type { BlobInfo } from './blob-store.ts';
import { toObjectMetadata } from './s3-object-meta.ts';
import { StagedOnce } from './staged-once.ts';

export interface S3UploadLimits {
  /** Bodies up to this size go up in one PUT; larger ones as a multipart upload. */
  readonly multipartThreshold: number;
  readonly partSize: number;
}

export interface S3StagedBlobInit {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly info: BlobInfo;
  /** The whole body, in a local file. */
  readonly spoolPath: string;
  readonly limits: S3UploadLimits;
}

/**
 * A body spooled by S3BlobStore.stage(), not yet in the bucket. commit() uploads it from the spool file with its
 * exact length (never buffered: the SDK streams the file) and resolves once S3 has it whole and durably; abort()
 * removes the spool file.
 *
 * Why not @aws-sdk/lib-storage's Upload: it buffers every part in memory (at least 5 MiB per upload in flight, times
 * its queue size), which at 32 concurrent 10 MiB uploads costs several times what the filesystem store uses. The
 * spool file gives S3 the length it needs without that.
 */
export class S3StagedBlob extends StagedOnce {
  readonly size: number;
  readonly #init: S3StagedBlobInit;

  constructor(init: S3StagedBlobInit) {
    super();
    this.#init = init;
    this.size = init.info.size;
  }

  protected async doCommit(): Promise<BlobInfo> {
    const { info, spoolPath, limits } = this.#init;
    if (info.size > limits.multipartThreshold) await this.#putInParts();
    else await this.#put();
    await rm(spoolPath, { force: true });
    return info;
  }

  protected async doAbort(): Promise<void> {
    await rm(this.#init.spoolPath, { force: true });
  }

  async #put(): Promise<void> {
    const { client, bucket, key, info, spoolPath } = this.#init;
    await client.send(
      new (awsS3().PutObjectCommand)({
        Bucket: bucket,
        Key: key,
        // An empty file stream would still be a stream of unknown length to some SDK middleware: send no body.
        Body: info.size === 0 ? Buffer.alloc(0) : createReadStream(spoolPath),
        ContentLength: info.size,
        ...toObjectMetadata(info),
      }),
    );
  }

  async #putInParts(): Promise<void> {
    const { client, bucket, key, info, spoolPath, limits } = this.#init;
    const created = await client.send(new (awsS3().CreateMultipartUploadCommand)({ Bucket: bucket, Key: key, ...toObjectMetadata(info) }));
    const uploadId = created.UploadId;
    if (!uploadId) throw new Error(`S3BlobStore: CreateMultipartUpload of ${key} returned no UploadId`);
    try {
      const parts: CompletedPart[] = [];
      for (let start = 0, number = 1; start < info.size; start += limits.partSize, number += 1) {
        const end = Math.min(start + limits.partSize, info.size) - 1;
        const part = await client.send(
          new (awsS3().UploadPartCommand)({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: number,
            Body: createReadStream(spoolPath, { start, end }),
            ContentLength: end - start + 1,
          }),
        );
        parts.push({ PartNumber: number, ETag: part.ETag });
      }
      await client.send(new (awsS3().CompleteMultipartUploadCommand)({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      // Best effort: an upload that cannot be aborted now stays invisible and is removed by the lifecycle rule.
      await client.send(new (awsS3().AbortMultipartUploadCommand)({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw error;
    }
  }
}

/**
 * s3rver (npm), the S3-compatible server the tests run against, in this process on 127.0.0.1:
 *
 *   const s3 = await startS3rver({ buckets: ['media'] });   // own temp dir, free port
 *   s3.env                                                   // AWS_* variables for a `wxmedia serve` child
 *   const client = s3.client();                              // an S3Client with the settings wxmedia uses
 *   await s3.stop();  await s3.start();                      // the bucket goes away and comes back (same port, same data)
 *   await s3.dispose();                                      // stops it and removes its directory
 */
import { DeleteBucketCommand, DeleteObjectsCommand, CreateBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { createS3Client } from '@wxmedia/server';
import { tempDir } from './server.ts';

/** s3rver's fixed credentials. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3 {
  readonly endpoint: string;
  readonly port: number;
  /** Environment for a child process that should use this server through the AWS SDK's standard chain. */
  readonly env: Readonly<Record<string, string>>;
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  /** Every object key in `bucket`, sorted. */
  keys(bucket: string): Promise<string[]>;
  /** Deletes every object of `bucket`, then the bucket. */
  removeBucket(bucket: string): Promise<void>;
  /** Stops serving (the port closes); the data stays. */
  stop(): Promise<void>;
  /** Serves again on the same port and data after stop(). */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startS3rver(options: { buckets?: readonly string[] } = {}): Promise<LocalS3> {
  const dir = await tempDir('wxmedia-s3rver-');
  let port = 0;
  let server: S3rver | undefined;
  const start = async () => {
    const s = new S3rver({
      address: '127.0.0.1',
      port,
      directory: dir.path,
      silent: true,
      configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
    });
    const address = await s.run();
    port = address.port;
    server = s;
  };
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  const admin = createS3Client({ endpoint, credentials: CREDENTIALS });
  const keys = async (bucket: string): Promise<string[]> => {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
      for (const object of page.Contents ?? []) if (object.Key) found.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort();
  };
  return {
    endpoint,
    port,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
    client: () => createS3Client({ endpoint, credentials: CREDENTIALS }),
    async createBucket(name) {
      await admin.send(new CreateBucketCommand({ Bucket: name }));
    },
    keys,
    async removeBucket(bucket) {
      const all = await keys(bucket);
      for (let i = 0; i < all.length; i += 1000) {
        await admin.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: all.slice(i, i + 1000).map((Key) => ({ Key })) } }));
      }
      await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
    start,
    async dispose() {
      admin.destroy();
      await server?.close();
      server = undefined;
      await dir.cleanup();
    },
  };
}

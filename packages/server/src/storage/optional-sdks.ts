import { createRequire } from 'node:module';

/**
 * The AWS S3 SDK and ioredis, loaded when a store that needs them is first made, not when the server starts: with
 * the default stores (files + LMDB) neither is used, and together they cost about 17 MB of idle RSS
 * (docs/benchmarks.md). The package index still exports S3BlobStore, RedisStateStore and their helpers, so these
 * modules are imported (as types only) everywhere and required here, synchronously, by the code that uses them.
 * Both ship CommonJS builds, so `require` gives the same objects an `import` would.
 */
const require = createRequire(import.meta.url);

let s3: typeof import('@aws-sdk/client-s3') | undefined;
let redis: typeof import('ioredis') | undefined;

export function awsS3(): typeof import('@aws-sdk/client-s3') {
  return (s3 ??= require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3'));
}

export function ioredis(): typeof import('ioredis') {
  return (redis ??= require('ioredis') as typeof import('ioredis'));
}

import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { action, clientFrom, withClientOptions, type ClientFlags } from './client-options.ts';

interface GetFlags extends ClientFlags {
  output?: string;
}

/**
 * `wxmedia get MEDIA_ID [-o FILE]`: the media's bytes to FILE (written atomically) or stdout. An error reply is
 * never written as if it were the image: it becomes a one-line message and exit code 1.
 */
export function addGetCommand(program: Command): void {
  withClientOptions(program.command('get'))
    .description('download temporary media to a file or stdout')
    .argument('<media_id>', 'the id an upload returned')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(
      action(
        async (mediaId: string, flags: GetFlags) => {
          const { client } = clientFrom(flags);
          try {
            if (flags.output) {
              const saved = await client.https.saveTempMedia({ media_id: mediaId, path: flags.output });
              process.stderr.write(`${saved.path}: ${saved.bytes} bytes, ${saved.content_type}\n`);
            } else {
              const media = await client.https.getTempMediaStream({ media_id: mediaId });
              await pipeline(media.stream, process.stdout);
            }
          } finally {
            await client.close();
          }
        },
        (_id, flags) => [flags.secret],
      ),
    );
}

import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { fsProblem } from '../fs-errors.ts';
import { CliError } from '../serve-config.ts';
import { action, clientFrom, withClientOptions, type ClientFlags } from './client-options.ts';

interface GetFlags extends ClientFlags {
  output?: string;
}

/**
 * `wxmedia get MEDIA_ID [-o FILE]`: the media's bytes to FILE (written atomically) or stdout. An error reply is
 * never written as if it were the image: it becomes a one-line message and exit code 1. Like curl, it will not
 * pour binary into a terminal unless told to (`-o -`).
 */
export function addGetCommand(program: Command): void {
  withClientOptions(program.command('get'))
    .description('download temporary media to a file or stdout')
    .argument('<media_id>', 'the id an upload returned')
    .option('-o, --output <file>', 'write to this file (- for stdout, even a terminal) instead of stdout')
    .action(
      action(
        async (mediaId: string, flags: GetFlags) => {
          const toStdout = flags.output === undefined || flags.output === '-';
          if (flags.output === undefined && process.stdout.isTTY) {
            throw new CliError('not writing binary media to the terminal: pass -o FILE, redirect (> file), or -o - to write it here anyway');
          }
          if (!toStdout) await checkOutputFolder(flags.output!);
          const { client } = await clientFrom(flags);
          try {
            if (!toStdout) {
              const saved = await client.https.saveTempMedia({ media_id: mediaId, path: flags.output! });
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

/** `-o` into a folder that does not exist (or is not a folder) is refused before anything is downloaded. */
async function checkOutputFolder(output: string): Promise<void> {
  const folder = dirname(output);
  const info = await stat(folder).catch((e: unknown) => {
    throw new CliError(`cannot write ${output}: the folder ${folder} ${fsProblem(e) === 'no such file or folder' ? 'does not exist (create it first)' : `cannot be read (${fsProblem(e) ?? String(e)})`}`);
  });
  if (!info.isDirectory()) throw new CliError(`cannot write ${output}: ${folder} is not a folder`);
  const target = await stat(output).catch(() => undefined);
  if (target?.isDirectory()) throw new CliError(`cannot write ${output}: it is a folder; give a file name, e.g. -o ${output.replace(/\/+$/, '')}/photo.jpg`);
}

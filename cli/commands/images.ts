// `tscompose images`: the images in the local store (docker images style).
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('images')
    .description('List images in the local store')
    .option('--format <format>', 'Format the output: table or json', 'table')
    .option('-q, --quiet', 'Only show image IDs')
    .action(async (opts: { format: string; quiet?: boolean }) => {
      const { runImages } = await import('./image-run.ts');
      await runImages(opts);
    });
}

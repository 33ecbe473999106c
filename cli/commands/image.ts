// `tscompose image <load|import|ls|rm|prune|pull|inspect>`: manage the local image store.
import type { Command } from 'commander';
import { globalsOf } from '../global-options.ts';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function register(program: Command): void {
  const image = program.command('image').description('Manage images in the local store');
  image
    .command('load')
    .description('Load images from a docker save or OCI archive (tar or tar.gz)')
    .requiredOption('-i, --input <file>', 'Archive to read')
    .option('--name <ref>', 'Name for images the archive does not name (OCI layouts with only a tag)')
    .option('--platform <os/arch>', 'Platform to pick from a multi-platform archive')
    .option('-q, --quiet', 'Print only the loaded references')
    .action(async (opts: { input: string; name?: string; platform?: string; quiet?: boolean }) => {
      const { runLoad } = await import('./image-run.ts');
      await runLoad(opts);
    });
  image
    .command('import')
    .description('Create a one-layer image from a root filesystem (directory or tarball)')
    .argument('<source>', 'Directory, or tarball (plain, gzip or zstd)')
    .argument('<reference>', 'Name for the image, NAME[:TAG]')
    .option('-c, --change <instruction>', 'Apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, STOPSIGNAL (repeatable)', collect)
    .option('-m, --message <text>', 'Commit message for the image history')
    .action(async (src: string, ref: string, opts: { change?: string[]; message?: string }) => {
      const { runImport } = await import('./image-run.ts');
      await runImport(src, ref, opts);
    });
  image
    .command('ls')
    .description('List images')
    .option('--format <format>', 'Format the output: table or json', 'table')
    .option('-q, --quiet', 'Only show image IDs')
    .action(async (opts: { format: string; quiet?: boolean }) => {
      const { runImages } = await import('./image-run.ts');
      await runImages(opts);
    });
  image
    .command('rm')
    .description('Remove images (untag; the data goes with the last tag)')
    .argument('<images...>', 'References or image IDs')
    .option('-f, --force', 'Remove even if a container still uses it (its layers stay until prune)')
    .action(async (refs: string[], opts: { force?: boolean }) => {
      const { runRm } = await import('./image-run.ts');
      await runRm(refs, opts);
    });
  image
    .command('prune')
    .description('Remove blobs and unpacked layers that no image and no container uses')
    .option('-f, --force', 'Do not prompt (accepted for docker compatibility; never prompts)')
    .option('-a, --all', 'Accepted for docker compatibility')
    .action(async () => {
      const { runPrune } = await import('./image-run.ts');
      await runPrune();
    });
  image
    .command('pull')
    .description('Pull an image from a registry')
    .argument('<reference>', 'Image reference')
    .option('--platform <os/arch>', 'Platform to pull (default linux/amd64)')
    .option('--insecure-registry <host>', 'Registry that may use plain HTTP or unverified TLS (repeatable)', collect)
    .option('-q, --quiet', 'Print only the reference')
    .action(async (ref: string, opts: { platform?: string; insecureRegistry?: string[]; quiet?: boolean }, cmd: Command) => {
      const { runPullRefs } = await import('./image-run.ts');
      await runPullRefs(globalsOf(cmd), [ref], opts);
    });
  image
    .command('inspect')
    .description('Show an image\'s details as JSON')
    .argument('<images...>', 'References or image IDs')
    .action(async (refs: string[]) => {
      const { runInspect } = await import('./image-run.ts');
      await runInspect(refs);
    });
}

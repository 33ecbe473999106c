import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('version')
    .description('Show the tscompose version information')
    .option('--short', 'Show only the version number')
    .option('--format <format>', 'Format the output: pretty or json', 'pretty')
    .action(async (opts: { short?: boolean; format: string }) => {
      const { readFileSync } = await import('node:fs');
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      if (opts.short) console.log(pkg.version);
      else if (opts.format === 'json') console.log(JSON.stringify({ version: pkg.version, node: process.version }));
      else console.log(`tscompose version ${pkg.version} (node ${process.version})`);
    });
}

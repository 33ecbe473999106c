// tscompose CLI entry. Commands are thin files under cli/commands/ that declare their flags
// and lazily import the one API they call, so `tscompose ps` never loads the image puller.
import { Command } from 'commander';
import { COMMANDS } from './commands.ts';
import { renderError } from './render-error.ts';
import { globalOptions } from './global-options.ts';

async function main(argv: string[]): Promise<number> {
  const program = new Command('tscompose')
    .description('Daemonless compose-file orchestrator: runs your compose stacks with its own container engine')
    .version(await readVersion(), '-v, --version', 'Show the tscompose version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride();
  globalOptions(program);
  for (const register of COMMANDS) register(program);
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    const code = (e as { code?: string }).code;
    // commander's own exits (help, version, usage errors) have already printed their text.
    if (typeof code === 'string' && code.startsWith('commander.')) {
      return (e as { exitCode?: number }).exitCode ?? 1;
    }
    return renderError(e, { debug: argv.includes('--debug') });
  }
}

async function readVersion(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `tscompose version ${pkg.version}`;
}

process.exitCode = await main(process.argv);

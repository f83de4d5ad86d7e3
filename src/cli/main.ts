import { parseArgs } from 'node:util';
import type { Command, Io } from './command';
import { commands } from './commands';
import { EXIT_USAGE, UsageError } from './usage';

const io: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: packetwalk <command> FILE [options]',
    '',
    'Walk packets through a Kubernetes topology file, hop by hop.',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'packetwalk <command> --help' for a command's options.",
    'Exit codes: 0 ran, 1 input errors, 2 usage errors; lab verify also 3 a difference from the',
    'kernel, 4 the lab cannot run here, 5 a probe could not be sent (never read as a difference).',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return [`usage: packetwalk ${c.synopsis}`, '', c.summary, ...(c.optionHelp.length ? ['', 'options:', ...c.optionHelp.map((l) => `  ${l}`)] : [])].join('\n');
}

export async function main(argv: readonly string[], out: Io = io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.out(topHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    out.err(`packetwalk: unknown command '${name}'; run 'packetwalk --help' for the list`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.out(commandHelp(command));
    return 0;
  }
  try {
    const parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
    const [min, max] = command.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(`expected: packetwalk ${command.synopsis}`);
    }
    return await command.run({ positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | undefined>, io: out });
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      out.err(`packetwalk ${command.name}: ${(e as Error).message}`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => { process.stderr.write(`packetwalk: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`); process.exitCode = 70; },
  );
}

import { parseArgs } from 'node:util';
import type { Command, Io } from './command';
import { commands } from './commands';
import { EXIT_USAGE, UsageError } from './usage';

/** sysexits' EX_IOERR: the output could not be written for a reason other than a reader that left. */
const EXIT_OUTPUT = 74;

/**
 * The one place the CLI writes. A reader that goes away (`packetwalk rules … | head -1`) is the
 * ordinary end of a pipeline: Node ignores SIGPIPE and reports EPIPE as an 'error' event, which
 * unhandled ends the process with a stack trace. Here it only stops the output; the command
 * finishes and exits with its own status, as it would have with every line read. Any other
 * write failure (a full disk) is one line on stderr and a failing status.
 */
function processIo(): Io {
  const closed = { out: false, err: false };
  const line = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    closed.out = true;
    if (e.code === 'EPIPE') return;
    if (!closed.err) process.stderr.write(`packetwalk: cannot write the output: ${e.message}\n`);
    process.exitCode = EXIT_OUTPUT;
  });
  process.stderr.on('error', () => { closed.err = true; });
  return {
    out: (text) => { if (!closed.out) process.stdout.write(line(text)); },
    err: (text) => { if (!closed.err) process.stderr.write(line(text)); },
  };
}

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

export async function main(argv: readonly string[], out: Io): Promise<number> {
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
  main(process.argv.slice(2), processIo()).then(
    (code) => { process.exitCode ??= code; },
    (e: unknown) => { process.stderr.write(`packetwalk: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`); process.exitCode = 70; },
  );
}

import type { Command } from '../command';
import { EXIT_USAGE } from '../usage';

/** A command whose options and help exist but whose engine stage does not yet: one line, exit 2. */
export function notYet(spec: Omit<Command, 'run'> & { readonly engine: string }): Command {
  const { engine, ...command } = spec;
  return {
    ...command,
    run: ({ io }) => {
      io.err(`packetwalk ${spec.name}: not available in this version (${engine} is not built yet)`);
      return EXIT_USAGE;
    },
  };
}

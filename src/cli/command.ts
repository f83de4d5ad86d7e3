import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Invocation {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly io: Io;
}

/** One CLI command: its help text, its options, and a handler returning the exit code. */
export interface Command {
  readonly name: string;
  readonly synopsis: string;
  readonly summary: string;
  /** Lines of option help, printed under the synopsis by --help. */
  readonly optionHelp: readonly string[];
  readonly options: OptionSpec;
  /** Positionals accepted (sub-commands included), min and max. */
  readonly positionals: readonly [number, number];
  run(inv: Invocation): Promise<number> | number;
}

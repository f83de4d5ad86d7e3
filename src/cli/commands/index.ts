import type { Command } from '../command';
import { check } from './check';
import { diff } from './diff';
import { generate } from './generate';
import { importCommand } from './import';
import { lab } from './lab';
import { ipvs } from './ipvs';
import { rules } from './rules';
import { reach } from './reach';
import { show } from './show';
import { trace } from './trace';

/** The command table of DESIGN.md §5; each handler lives in its own module. */
export const commands: readonly Command[] = [
  check,
  trace,
  rules,
  ipvs,
  show,
  reach,
  diff,
  lab,
  generate,
  importCommand,
];

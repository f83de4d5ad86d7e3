import type { Command } from '../command';
import { check } from './check';
import { generate } from './generate';
import { lab } from './lab';
import { notYet } from './notYet';
import { rules } from './rules';
import { reach } from './reach';
import { show } from './show';
import { trace } from './trace';

/** The command table of DESIGN.md §5; each handler lives in its own module. */
export const commands: readonly Command[] = [
  check,
  trace,
  rules,
  notYet({
    name: 'ipvs',
    synopsis: 'ipvs FILE --node NAME [--ipset]',
    summary: "Print kube-proxy's IPVS state for a node as `ipvsadm -Ln` does.",
    optionHelp: ['--node NAME   the node', '--ipset       print `ipset list` of kube-proxy\'s sets instead'],
    options: { node: { type: 'string' }, ipset: { type: 'boolean' } },
    positionals: [1, 1],
    engine: "kube-proxy's IPVS model",
  }),
  show,
  reach,
  lab,
  generate,
];

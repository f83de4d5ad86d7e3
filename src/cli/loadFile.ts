import { compareDiagnostics, formatDiagnostic, loadTopology, type SourceFile, type Topology } from '../engine/index';
import type { Io } from './command';
import { nodeHost, readSource } from './nodeHost';
import { EXIT_INPUT, EXIT_USAGE } from './usage';

/** Reads FILE; an unreadable file is printed as its diagnostic and answered with the exit code. */
export function readOrReport(file: string, io: Io): SourceFile | number {
  const source = readSource(file);
  if ('diagnostic' in source) {
    io.err(formatDiagnostic(source.diagnostic));
    return EXIT_INPUT;
  }
  return source;
}

/**
 * Loads FILE, printing its errors (warnings are check's business); the exit code when it cannot be
 * used. A topology with errors is still used when the loader gave one: it left out each object in
 * error, and the rest of a real cluster's dump is worth walking (`check` still fails on it).
 */
export function loadOrReport(file: string, io: Io): Topology | number {
  const source = readOrReport(file, io);
  return typeof source === 'number' ? source : loadSourceOrReport(source, io);
}

/** The same for a source already read (a file's text at a git revision, say). */
export function loadSourceOrReport(source: SourceFile, io: Io): Topology | number {
  const file = source.path;
  const result = loadTopology(source, nodeHost);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').sort(compareDiagnostics);
  for (const d of errors) io.err(formatDiagnostic(d));
  if (!result.value) {
    // The loader explains every topology it gives up on; this only guards a silent refusal.
    if (errors.length === 0) io.err(`${file}:1:1: error: the topology could not be loaded`);
    return EXIT_INPUT;
  }
  if (errors.length) io.err(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'} above; what they name is left out and the rest is simulated (packetwalk check lists every diagnostic)`);
  return result.value;
}

/** Loads FILE and finds --node; prints diagnostics and returns an exit code when it cannot. */
export function loadForNode(file: string, node: unknown, io: Io, command: string): { topology: Topology; node: string } | number {
  if (typeof node !== 'string' || node === '') {
    io.err(`packetwalk ${command}: --node NAME is required`);
    return EXIT_USAGE;
  }
  const topology = loadOrReport(file, io);
  if (typeof topology === 'number') return topology;
  if (!topology.nodes.some((n) => n.name === node)) {
    io.err(`packetwalk ${command}: no node named '${node}' (nodes: ${topology.nodes.map((n) => n.name).join(', ')})`);
    return EXIT_USAGE;
  }
  return { topology, node };
}

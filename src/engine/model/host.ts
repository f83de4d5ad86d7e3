/**
 * What the loader needs from the outside world, supplied by each face (CLI: node:fs; extension:
 * workspace.fs; tests: a map). The engine itself never touches a file system.
 */
export interface SourceFile {
  /** Path as it should appear in diagnostics. */
  readonly path: string;
  readonly text: string;
}

export interface LoadHost {
  /** Files matching a glob relative to `fromFile`'s directory, sorted, for `spec.include`. */
  expandInclude(pattern: string, fromFile: string): readonly string[];
  /** The text of a file, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
}

/** A host for single-file loads: `spec.include` finds nothing. */
export const noIncludes: LoadHost = {
  expandInclude: () => [],
  readFile: () => undefined,
};

/** Usage errors exit 2 with one line (DESIGN.md §5); thrown only inside the CLI's argument handling. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;

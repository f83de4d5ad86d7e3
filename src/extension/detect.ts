/**
 * Cheap detection of topology files, so the extension does nothing for other YAML. Only the start
 * of the text is scanned: the Cluster document is conventionally first, and a stream that hides it
 * deep inside a large file is still recognised by name (`*.packetwalk.yaml`).
 */

/** How much of the start of a file is scanned. */
export const scanLimit = 64 * 1024;
const clusterApiVersion = /^\s*apiVersion:\s*["']?packetwalk\.io\/v1alpha1["']?\s*$/m;

export function isTopologyFileName(path: string): boolean {
  return /\.packetwalk\.ya?ml$/i.test(path);
}

export function isTopologyText(text: string): boolean {
  return clusterApiVersion.test(text.length > scanLimit ? text.slice(0, scanLimit) : text);
}

/**
 * `generate --json` and `import --json`: a topology written as YAML, as the JSON a `kubectl get -o
 * json` list has (`{"apiVersion": "v1", "kind": "List", "items": [...]}`), which the loader reads
 * through its JSON path. Each YAML document is read back with the loader's own schema, so both
 * files describe the same objects.
 */

import * as yaml from 'js-yaml';
import { topologySchema } from '../model/yamlSchema';
import { generateTopology, type GenerateOptions } from './topology';

/**
 * YAML documents, given in chunks, as the JSON list, one item at a time, so a large topology
 * streams out; `firstItem` may add to the first document (import's sources) before it is written.
 */
export function* jsonList(chunks: Iterable<string>, firstItem: (doc: unknown) => unknown = (d) => d): Generator<string> {
  yield '{"apiVersion": "v1", "kind": "List", "items": [\n';
  let pending = '';
  let first = true;
  const item = (text: string): string | undefined => {
    const doc: unknown = yaml.load(text, { schema: topologySchema });
    if (doc === null || doc === undefined) return undefined;
    const json = `${first ? '' : ',\n'}${JSON.stringify(first ? firstItem(doc) : doc)}`;
    first = false;
    return json;
  };
  for (const chunk of chunks) {
    pending += chunk;
    const docs = pending.split(/^---$/m);
    pending = docs.pop()!;
    const out = docs.map(item).filter((j) => j !== undefined);
    if (out.length) yield out.join('');
  }
  const last = item(pending);
  yield `${last ?? ''}\n]}\n`;
}

export function generateJson(o: GenerateOptions): Generator<string> {
  return jsonList(generateTopology(o));
}

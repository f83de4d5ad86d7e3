/**
 * `generate --json`: the same topology as `generateTopology` writes, as the JSON a `kubectl get -o
 * json` list has (`{"apiVersion": "v1", "kind": "List", "items": [...]}`), which the loader reads
 * through its JSON path. Each YAML document is read back with the loader's own schema, so both
 * files describe the same objects.
 */

import * as yaml from 'js-yaml';
import { topologySchema } from '../model/yamlSchema';
import { generateTopology, type GenerateOptions } from './topology';

/** The JSON list as chunks, one item at a time, so a large topology streams out. */
export function* generateJson(o: GenerateOptions): Generator<string> {
  yield '{"apiVersion": "v1", "kind": "List", "items": [\n';
  let pending = '';
  let first = true;
  const item = (text: string): string | undefined => {
    const doc: unknown = yaml.load(text, { schema: topologySchema });
    if (doc === null || doc === undefined) return undefined;
    const json = `${first ? '' : ',\n'}${JSON.stringify(doc)}`;
    first = false;
    return json;
  };
  for (const chunk of generateTopology(o)) {
    pending += chunk;
    const docs = pending.split(/^---$/m);
    pending = docs.pop()!;
    const out = docs.map(item).filter((j) => j !== undefined);
    if (out.length) yield out.join('');
  }
  const last = item(pending);
  yield `${last ?? ''}\n]}\n`;
}

/**
 * js-yaml's default schema with the same types, resolved the same way, but cheaper to try. Every
 * plain scalar of a document (each name, label and address) is offered to the float and
 * timestamp types in turn, and each answers with a regular expression; most scalars cannot be
 * either, and one look at their first characters says so. Only a scalar that passes that look
 * goes on to the type's own test, so what each scalar becomes is exactly what the default
 * schema makes of it.
 */

import * as yaml from 'js-yaml';

/** A copy of `base` that asks `mayBe` before its own resolver. */
function guarded(base: yaml.Type, mayBe: (data: string) => boolean): yaml.Type {
  const resolve = base.resolve.bind(base);
  const copy = Object.assign(Object.create(Object.getPrototypeOf(base) as object) as yaml.Type, base);
  copy.resolve = (data: unknown): boolean => (typeof data === 'string' ? mayBe(data) && resolve(data) : resolve(data));
  return copy;
}

/** js-yaml exports its built-in types as `types`; its type declarations leave that out. */
const builtIn = (yaml as unknown as { readonly types: { readonly float: yaml.Type; readonly timestamp: yaml.Type } }).types;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A YAML float begins with a digit, a sign or a dot (`.5`, `.inf`, `.nan`). */
const float = guarded(builtIn.float, (d) => {
  const c = d.charCodeAt(0);
  return isDigit(c) || c === 43 || c === 45 || c === 46;
});

/** A YAML timestamp begins with a four-digit year and a dash. */
const timestamp = guarded(builtIn.timestamp, (d) => d.charCodeAt(4) === 45 && isDigit(d.charCodeAt(0)) && isDigit(d.charCodeAt(1)) && isDigit(d.charCodeAt(2)) && isDigit(d.charCodeAt(3)));

/** Replacing a type of the same tag keeps its place in the order implicit types are tried. */
export const topologySchema: yaml.Schema = yaml.DEFAULT_SCHEMA.extend({ implicit: [float, timestamp] });

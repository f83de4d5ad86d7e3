/**
 * Helpers for the loader's plain paths: the common shape of an object (every field of the
 * expected type and a known name) read straight off the parsed value. Each answers undefined where
 * the general reader would report something or read the value differently; the caller then takes
 * the general path, so drafts and diagnostics never depend on which path read them.
 */

import { metaAccepted, nameFormatOf } from './apiNames';
import { metadataFields, type FieldSet } from './k8sFields';
import type { Meta } from './meta';
import { acceptedNames, isRecord, onlyNames } from './reader';

/** The names a field set accepts, as the general reader's `fields` check does. */
export const fieldNames = (f: FieldSet): ReadonlySet<string> => acceptedNames(f.reads, f.known);

const metadataNames = fieldNames(metadataFields);
/** Absent annotations, one object for every object without any: they are only read. */
const noAnnotations: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * An array of exactly `n` slots, to be filled by index. One grown by push keeps room for 17,
 * which over a 150,000-pod file is tens of megabytes the collector copies for nothing.
 */
export function sized<T>(n: number): T[] {
  return new Array<T>(n);
}

export function absent(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

/** A map of strings as `Reader.strMap` keeps it unchanged, or undefined when it would report or copy. */
export function plainStrings(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  for (const k in v) if (typeof v[k] !== 'string') return undefined;
  return v as Record<string, string>;
}

/** `metadata` of a `kind` object as `readMeta` reads it (name required), when it would report nothing. */
export function plainMeta(meta: unknown, kind: string): Meta | undefined {
  if (!isRecord(meta) || !onlyNames(meta, metadataNames)) return undefined;
  const name = meta.name;
  const namespace = meta.namespace;
  if (typeof name !== 'string' || (!absent(namespace) && typeof namespace !== 'string')) return undefined;
  const labels = absent(meta.labels) ? {} : plainStrings(meta.labels);
  if (!labels) return undefined;
  const annotations = meta.annotations;
  if (!absent(annotations) && !plainStrings(annotations)) return undefined;
  if (!metaAccepted(nameFormatOf(kind), name, namespace ?? undefined, labels)) return undefined;
  return { name, namespace: namespace ?? 'default', labels, annotations: (annotations as Record<string, string> | null | undefined) ?? noAnnotations };
}

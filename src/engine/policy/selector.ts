/**
 * metav1.LabelSelector semantics: matchLabels and every matchExpressions requirement are ANDed,
 * and a selector with neither selects everything.
 */

import type { LabelSelector, LabelSelectorRequirement } from '../model/types';
import { assertNever } from '../trace/types';

type Labels = Readonly<Record<string, string>>;

function has(labels: Labels, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

function requirementMatches(req: LabelSelectorRequirement, labels: Labels): boolean {
  switch (req.operator) {
    case 'In':
      return has(labels, req.key) && req.values.includes(labels[req.key]!);
    // NotIn also selects objects that lack the key altogether, as apimachinery's selection.Operator does.
    case 'NotIn':
      return !has(labels, req.key) || !req.values.includes(labels[req.key]!);
    case 'Exists':
      return has(labels, req.key);
    case 'DoesNotExist':
      return !has(labels, req.key);
    default:
      return assertNever(req.operator);
  }
}

export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const key of Object.keys(selector.matchLabels)) {
    if (!has(labels, key) || labels[key] !== selector.matchLabels[key]) return false;
  }
  return selector.matchExpressions.every((req) => requirementMatches(req, labels));
}

/** The selector as `kubectl get -l` would take it: `pod=b,tier in (web,api),!legacy`; `(any)` when empty. */
export function describeSelector(selector: LabelSelector): string {
  const parts = Object.keys(selector.matchLabels).map((k) => `${k}=${selector.matchLabels[k]}`);
  for (const req of selector.matchExpressions) {
    switch (req.operator) {
      case 'In':
        parts.push(`${req.key} in (${req.values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${req.key} notin (${req.values.join(',')})`);
        break;
      case 'Exists':
        parts.push(req.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${req.key}`);
        break;
      default:
        assertNever(req.operator);
    }
  }
  return parts.length ? parts.join(',') : '(any)';
}

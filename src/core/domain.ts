/**
 * Input/output domains and distance metrics: the "spaces" that chaining
 * checks, so a transformation's output fits the next step's input.
 * @module
 */
import { edgeKind } from '../numeric/edge.js';

/** A set of values a function accepts or returns. */
export type Domain =
  | { readonly kind: 'float'; readonly lower?: number; readonly upper?: number }
  | { readonly kind: 'int'; readonly lower?: number; readonly upper?: number }
  | { readonly kind: 'bigint' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'category'; readonly size: number }
  | { readonly kind: 'vector'; readonly element: Domain; readonly size?: number }
  | { readonly kind: 'any'; readonly description: string };

/** How far apart two inputs are. */
export type Metric =
  /** |x − x'| for scalars. */
  | 'absolute-distance'
  /** ‖x − x'‖₁ for vectors. */
  | 'l1-distance'
  /** ‖x − x'‖₂ for vectors. */
  | 'l2-distance'
  /** ‖x − x'‖∞ for vectors. */
  | 'linf-distance'
  /** Size of the symmetric difference of two multisets (add/remove rows). */
  | 'symmetric-distance'
  /** Number of rows inserted or deleted, order kept. */
  | 'insert-delete-distance'
  /** Number of rows changed, size kept. */
  | 'change-one-distance'
  /** 0 if equal, 1 otherwise. */
  | 'discrete-distance';

/** Float scalars, optionally bounded. */
export function floatDomain(bounds?: { lower: number; upper: number }): Domain {
  return bounds ? { kind: 'float', lower: bounds.lower, upper: bounds.upper } : { kind: 'float' };
}
/** Safe-integer scalars, optionally bounded. */
export function intDomain(bounds?: { lower: number; upper: number }): Domain {
  return bounds ? { kind: 'int', lower: bounds.lower, upper: bounds.upper } : { kind: 'int' };
}
/** BigInt scalars. */
export function bigintDomain(): Domain {
  return { kind: 'bigint' };
}
/** Vectors of `element`, of fixed `size` when given. */
export function vectorDomain(element: Domain, size?: number): Domain {
  return size === undefined ? { kind: 'vector', element } : { kind: 'vector', element, size };
}
/** Anything, described for error messages. */
export function anyDomain(description: string): Domain {
  return { kind: 'any', description };
}

/** Structural equality of domains. */
export function domainEquals(a: Domain, b: Domain): boolean {
  edgeKind(a, 'a');
  edgeKind(b, 'b');
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** True when every value of `inner` is in `outer` (bounds nested, `any` contains all). */
export function domainWithin(inner: Domain, outer: Domain): boolean {
  edgeKind(inner, 'inner');
  edgeKind(outer, 'outer');
  if (outer.kind === 'any') return true;
  if (inner.kind !== outer.kind) return false;
  if ((inner.kind === 'float' || inner.kind === 'int') && (outer.kind === 'float' || outer.kind === 'int')) {
    const lo = outer.lower === undefined || (inner.lower !== undefined && inner.lower >= outer.lower);
    const hi = outer.upper === undefined || (inner.upper !== undefined && inner.upper <= outer.upper);
    return lo && hi;
  }
  if (inner.kind === 'vector' && outer.kind === 'vector') {
    return (outer.size === undefined || inner.size === outer.size) && domainWithin(inner.element, outer.element);
  }
  return domainEquals(inner, outer);
}

function canonical(d: Domain): unknown {
  const entries = Object.entries(d).sort(([x], [y]) => (x < y ? -1 : 1));
  return entries.map(([k, v]) => [k, typeof v === 'object' && v !== null ? canonical(v as Domain) : v]);
}

/** A one-line description of a domain for messages. */
export function describeDomain(d: Domain): string {
  edgeKind(d, 'domain');
  switch (d.kind) {
    case 'float':
    case 'int':
      return d.lower === undefined ? d.kind : `${d.kind}[${d.lower}, ${d.upper}]`;
    case 'vector':
      return `vector<${describeDomain(d.element)}>${d.size === undefined ? '' : `(${d.size})`}`;
    case 'category':
      return `category(${d.size})`;
    case 'any':
      return d.description;
    default:
      return d.kind;
  }
}

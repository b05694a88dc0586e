/** Tiny DOM helpers of the playground (no framework). */

type Child = Node | string | null | undefined | false;

/** Creates an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A labelled control: `<label for=id>text</label>` followed by the control. */
export function labelled(text: string, control: HTMLElement): HTMLElement {
  return h('span', { class: 'field' }, h('label', { for: control.id, text }), ' ', control);
}

/** Replaces an element's children. */
export function show(el: Element, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/** An error box (role=alert) for a server DpError. */
export function errorBox(e: { code: string; message: string }): HTMLElement {
  return h('div', { class: 'error', role: 'alert', 'data-code': e.code }, h('strong', { text: e.code }), `: ${e.message}`);
}

/** A number for people. */
export function fmt(x: unknown, digits = 3): string {
  if (typeof x !== 'number') return String(x);
  if (Number.isInteger(x)) return x.toLocaleString('en');
  return x.toLocaleString('en', { maximumSignificantDigits: digits + 2 });
}

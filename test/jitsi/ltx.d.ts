// ltx ships no types; the few members the test client uses.
declare module 'ltx' {
  export class Element {
    name: string;
    attrs: Record<string, string>;
    children: Array<Element | string>;
    constructor(name: string, attrs?: Record<string, string>);
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    c(name: string, attrs?: Record<string, string>): Element;
    t(text: string): Element;
    up(): Element;
    root(): Element;
    toString(): string;
  }
  export function parse(xml: string): Element;
  export function escapeXML(value: string): string;
}

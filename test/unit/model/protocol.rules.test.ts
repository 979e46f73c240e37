// The sync contract's rules (docs/sync-protocol.md, numbered S1, S2, … in bold at the start of a
// paragraph, bullet or table row) and the tests that prove them (an id at the start of a test's
// or describe's title: 'S4: …', or 'S4, S16: …'): every rule is cited by some test, and every id
// a test cites is a rule of the document. Ids are never reused, so a removed rule leaves a gap.
import { describe, expect, it } from 'vitest';
import doc from '../../../docs/sync-protocol.md?raw';

// Every source under test/ but this file, read as text by Vite.
const SOURCES = import.meta.glob<string>(['/test/**/*.ts', '/test/**/*.tsx', '!**/protocol.rules.test.ts'], { query: '?raw', import: 'default', eager: true });

/** Ids a document defines: a bold id opening a line, a bullet or a table row. */
function definedRules(text: string): string[] {
  return [...text.matchAll(/^(?:- |\| )?\*\*(S\d+)\b/gm)].map((m) => m[1]!);
}

/** Ids a source cites: a string literal (a title) that opens with ids and a colon. */
function citedRules(source: string): string[] {
  return [...source.matchAll(/['"`]((?:S\d+, )*S\d+): /g)].flatMap((m) => m[1]!.split(', '));
}

const defined = definedRules(doc);
/** Each cited id with the test files that cite it. */
const citations = new Map<string, Set<string>>();
for (const [file, source] of Object.entries(SOURCES)) {
  for (const id of citedRules(source)) {
    const files = citations.get(id) ?? new Set<string>();
    files.add(file);
    citations.set(id, files);
  }
}

describe('the rules of docs/sync-protocol.md', () => {
  it('are numbered, each id defined once', () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(50);
    expect(defined.length).toBeGreaterThan(20);
    expect(defined.filter((id, i) => defined.indexOf(id) !== i)).toEqual([]);
  });

  it('are each cited by a test', () => {
    expect(defined.filter((id) => !citations.has(id))).toEqual([]);
  });

  it('are the only ids the tests cite', () => {
    const unknown = [...citations].filter(([id]) => !defined.includes(id)).map(([id, files]) => `${id} (${[...files].join(', ')})`);
    expect(unknown).toEqual([]);
  });

  it('are found as the document and the tests write them', () => {
    expect(definedRules('**S1 Unknown fields.** …\n- **S27 Every entry** …\n| **S22** request body |\nsee **S3**, (**S15**)')).toEqual(['S1', 'S27', 'S22']);
    const source = `it('S4: merges', …); it("S4, S16: keeps", …); describe(\`S9: creates \${x}\`, …); it('is S5: not a citation')`;
    expect(citedRules(source)).toEqual(['S4', 'S4', 'S16', 'S9']);
  });
});

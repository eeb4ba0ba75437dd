import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist') return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|lua)$/.test(name) ? [path] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
function anchorsOf(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) =>
      (match[1] ?? '')
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} -]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

/** Code comments point at the project's own docs, and every page and section they name exists. */
describe('references from the code to the docs', () => {
  const files = ['packages', 'services', 'bench', 'scripts'].flatMap((dir) => sourceFiles(join(ROOT, dir)));
  const references = files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\b(docs\/[\w-]+\.md)(#[\w-]+)?/g)].map((match) => ({
      from: relative(ROOT, file),
      page: match[1] ?? '',
      anchor: match[2]?.slice(1),
    })),
  );

  it('name no document outside the repository', () => {
    const outside = files.filter((file) => /PRODUCT\.md|EXAMPLES\.md/.test(readFileSync(file, 'utf8')));
    expect(outside.map((file) => relative(ROOT, file))).toEqual([]);
  });

  it('name pages and sections that exist', () => {
    expect(references.length).toBeGreaterThan(5);
    for (const { from, page, anchor } of references) {
      let markdown: string;
      try {
        markdown = readFileSync(join(ROOT, page), 'utf8');
      } catch {
        throw new Error(`${from} cites ${page}, which does not exist`);
      }
      if (anchor !== undefined)
        expect(anchorsOf(markdown), `${from} cites ${page}#${anchor}`).toContain(anchor);
    }
  });
});

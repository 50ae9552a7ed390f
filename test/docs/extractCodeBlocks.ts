export type CodeBlock = {
  /**
   * The block's lines, without its fences.
   */
  readonly code: string;

  /**
   * The 1-based line of the block's first line of code in its Markdown file.
   */
  readonly line: number;

  /**
   * Declarations placed before the block when it is compiled and not shown to readers: the text
   * of a `<!-- ts-prelude: … -->` comment that ends on the line right before the opening fence.
   */
  readonly prelude: string;
};

const typeScriptLanguages = new Set(['ts', 'typescript']);

const fencePattern = /^ {0,3}(?<fence>`{3,}|~{3,})\s*(?<info>[^`\s]*)/u;

const preludePattern = /<!--\s*ts-prelude:(?<prelude>[\s\S]*?)-->\s*$/u;

/**
 * Finds the prelude comment that ends on `lines[index]`, if any.
 */
const readPrelude = (lines: readonly string[], index: number): string => {
  if (index < 0 || !lines[index]?.trimEnd().endsWith('-->')) {
    return '';
  }

  for (let start = index; start >= 0; start--) {
    if (lines[start]?.includes('<!--')) {
      const match = preludePattern.exec(lines.slice(start, index + 1).join('\n'));

      return match?.groups?.prelude?.trim() ?? '';
    }
  }

  return '';
};

/**
 * The fenced ```ts and ```typescript blocks of a Markdown text, in order. Blocks of other
 * languages (sh, sql, text) are skipped, along with whatever they contain.
 */
export const extractCodeBlocks = (markdown: string): CodeBlock[] => {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];

  for (let index = 0; index < lines.length; index++) {
    const opening = fencePattern.exec(lines[index] ?? '');

    if (!opening?.groups) {
      continue;
    }

    const fence = opening.groups.fence ?? '```';
    const start = index + 1;
    let end = start;

    while (end < lines.length && !(lines[end] ?? '').trimStart().startsWith(fence)) {
      end++;
    }

    if (typeScriptLanguages.has((opening.groups.info ?? '').toLowerCase())) {
      blocks.push({
        code: lines.slice(start, end).join('\n'),
        line: start + 1,
        prelude: readPrelude(lines, index - 1),
      });
    }

    index = end;
  }

  return blocks;
};

/** A plain text table: a header, a rule, one row each; numbers right-aligned. */
export const formatTable = (header: readonly string[], rows: ReadonlyArray<readonly string[]>): string => {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const isNumeric = header.map((_title, column) => rows.every((row) => /^[\d.,\s–-]*(?:ms|s|%|MB)?$/.test(row[column] ?? '')));
  const line = (cells: readonly string[]) => cells
    .map((cell, column) => (isNumeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
    .join('  ')
    .trimEnd();

  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
};

/**
 * A migration file's statements, one query each (mysql2 runs one statement per query unless the
 * user's pool enabled `multipleStatements`, which Planton does not ask for). Whole-line `--`
 * comments are dropped; a statement ends with `;` at the end of a line. Migration files follow
 * that layout: no line inside a statement ends with `;` (the files hold no procedures or triggers).
 */
export const splitMysqlStatements = (text: string): readonly string[] => {
  const statements: string[] = [];
  let current: string[] = [];

  for (const line of text.split(/\r?\n/u)) {
    if (/^\s*--/u.test(line) || (current.length === 0 && line.trim() === '')) {
      continue;
    }

    if (/;\s*$/u.test(line)) {
      current.push(line.replace(/;\s*$/u, ''));
      statements.push(current.join('\n').trim());
      current = [];
    } else {
      current.push(line);
    }
  }

  const rest = current.join('\n').trim();

  if (rest !== '') {
    statements.push(rest);
  }

  return statements.filter((statement) => statement !== '');
};

/**
 * Why PostgreSQL (text and jsonb, the one database every store shares) cannot store `text` as it
 * is, or `null`: a NUL (U+0000), which neither holds; a lone surrogate, which jsonb refuses and
 * text receives as U+FFFD (so two strings would become one); or more than `maxBytes` UTF-8 bytes,
 * when given (a btree index entry holds 2,704 on a server). Pure.
 */
export const findUnstorableText = (text: string, maxBytes = Number.POSITIVE_INFINITY): string | null => {
  if (text.includes('\u0000')) {
    return 'holds NUL (U+0000)';
  }

  if (!text.isWellFormed()) {
    return 'holds a lone surrogate';
  }

  if (maxBytes !== Number.POSITIVE_INFINITY && Buffer.byteLength(text) > maxBytes) {
    return `is longer than ${maxBytes} bytes`;
  }

  return null;
};

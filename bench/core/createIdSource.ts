/**
 * Fresh instructions: incrementing integers rendered as strings, because planton@3 rejects numbers.
 * Both systems get strings, so both do the same work per instruction.
 */
export const createIdSource = () => {
  let next = 0;

  return (limit: number): string[] => {
    return Array.from({length: limit}, () => String(next++));
  };
};

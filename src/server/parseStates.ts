/** `'ERROR,CANCELED'` → `['ERROR', 'CANCELED']` (the query's pattern has checked the names); `undefined` stays. Pure. */
export const parseStates = <State extends string>(value: string | undefined): State[] | undefined => {
  return value === undefined ? undefined : [...new Set(value.split(','))] as State[];
};

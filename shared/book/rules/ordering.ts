/**
 * The orders every replica sorts the book's entries in: by UTF-16 code units for pseudonyms
 * and ids (never a locale), and trade ids `<periodIndex>-<tradeSeq>` numerically, so trade
 * 9-1 comes before 10-2. Comparators are total, so a sort gives one result everywhere.
 */

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const tradeIdForm = /^(\d{1,15})-(\d{1,15})$/;

/** Trade ids of the market's form numerically (period, then sequence); any other id after them, by text. */
export function compareTradeIds(a: string, b: string): number {
  const x = tradeIdForm.exec(a);
  const y = tradeIdForm.exec(b);
  if (x === null || y === null) {
    if (x !== y) return x === null ? 1 : -1;
    return compareText(a, b);
  }
  return Number(x[1]) - Number(y[1]) || Number(x[2]) - Number(y[2]) || compareText(a, b);
}

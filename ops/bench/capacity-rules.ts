import type { AttributeValue } from '@aws-sdk/client-dynamodb';

// DynamoDB's documented billing rules, for the bench: DynamoDB Local answers ReturnConsumedCapacity
// with one CapacityUnits figure (no read/write split) and bills nothing for a transaction's
// ConditionCheck, which is exactly the cost a join must not grow with.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Bytes of a number: one per two significant digits, plus one. */
function numberSize(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, entry) => sum + utf8(entry), 0);
  if (value.NS) return value.NS.reduce((sum, entry) => sum + numberSize(entry), 0);
  if (value.BS) return value.BS.reduce((sum, entry) => sum + entry.byteLength, 0);
  // Lists and maps: 3 bytes, plus 1 per element.
  if (value.L) return 3 + value.L.reduce((sum, entry) => sum + 1 + valueSize(entry), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((sum, [name, entry]) => sum + 1 + utf8(name) + valueSize(entry), 0);
  return 0;
}

/** An item's size: every attribute's name plus its value. */
export const itemSize = (item: Record<string, AttributeValue> | undefined) =>
  item ? Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0) : 0;

/** Read units: 4 KB each (at least one), half for an eventually consistent read, twice in a transaction. */
export const readUnits = (bytes: number, mode: 'eventual' | 'strong' | 'transactional') =>
  Math.max(1, Math.ceil(bytes / 4096)) * { eventual: 0.5, strong: 1, transactional: 2 }[mode];

/** Write units: 1 KB each (at least one), twice in a transaction; an update bills the larger of before and after. */
export const writeUnits = (bytes: number, transactional = false) => Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);

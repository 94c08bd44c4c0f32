import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

// The cold-start floor: a function that only loads the DynamoDB client and does one GetItem.
// ops/bench/cold-start.ts builds it with the same options as every function and compares.
const client = new DynamoDBClient({});

export const handler = async () => {
  const { Item } = await client.send(new GetItemCommand({ TableName: 'floor', Key: { pk: { S: 'floor' }, sk: { S: 'floor' } } }));
  return Item ?? null;
};

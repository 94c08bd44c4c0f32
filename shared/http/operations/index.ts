import type { Contract } from '../contract';
import { callOperations } from './calls';
import { jitsiOperations } from './jitsi';
import { courseOperations, liveClassOperations } from './live-classes';
import { publicOperations } from './public';
import { recordingOperations } from './recordings';
import { threadOperations } from './threads';

// Every operation of the API. A handler imports only its own group, so a bundle carries
// only the schemas of its resource; the route table and the OpenAPI document read this.

export type OperationId =
  | keyof typeof threadOperations
  | keyof typeof callOperations
  | keyof typeof recordingOperations
  | keyof typeof courseOperations
  | keyof typeof liveClassOperations
  | keyof typeof publicOperations
  | keyof typeof jitsiOperations;

export const operations = {
  ...threadOperations,
  ...callOperations,
  ...recordingOperations,
  ...courseOperations,
  ...liveClassOperations,
  ...publicOperations,
  ...jitsiOperations,
} satisfies { readonly [K in OperationId]: Contract<K> };

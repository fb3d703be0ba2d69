export {
  startEsFake,
  type EsFake,
  type EsFakeFaults,
  type EsFakeOptions,
  type RecordedRequest,
} from './es-fake';
export type { BulkAction, BulkOp } from './bulk';
export {
  anyFault,
  failItemsRandomly,
  failRequests,
  failRequestsFor,
  poisonItems,
  seededRandom,
  type FakeRequestInfo,
  type ItemFault,
  type RequestFault,
} from './faults';

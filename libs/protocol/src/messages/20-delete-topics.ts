import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// DeleteTopics v0-3. v1 adds throttle to the response; v2-3 are layout-identical.
export const DeleteTopicsRequest = message(ApiKey.DeleteTopics, 'DeleteTopicsRequest', '0-3', [
  f.scalarArray('topicNames', 'string'),
  f.int32('timeoutMs'),
] as const);

export const DeleteTopicsResponse = message(ApiKey.DeleteTopics, 'DeleteTopicsResponse', '0-3', [
  f.int32('throttleTimeMs', { versions: '1+' }),
  f.array('responses', [f.string('name'), f.int16('errorCode')] as const),
] as const);

export type DeleteTopicsRequest = MessageOf<typeof DeleteTopicsRequest>;
export type DeleteTopicsResponse = MessageOf<typeof DeleteTopicsResponse>;

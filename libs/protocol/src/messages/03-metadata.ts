import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// Metadata v0-8. Request topics: v0 non-null (empty = all), v1+ nullable (null = all). v4 allow_auto_topic_creation;
// v8 authorized-operations flags. Response: v1 rack, controller_id, is_internal; v2 cluster_id; v3 throttle;
// v5 offline_replicas; v7 leader_epoch; v8 authorized operations.
export const MetadataRequest = message(ApiKey.Metadata, 'MetadataRequest', '0-8', [
  f.nullableArray('topics', [f.string('name')] as const, { nullable: '1+' }),
  f.bool('allowAutoTopicCreation', { versions: '4+', default: true }),
  f.bool('includeClusterAuthorizedOperations', { versions: '8+' }),
  f.bool('includeTopicAuthorizedOperations', { versions: '8+' }),
] as const);

export const MetadataResponse = message(ApiKey.Metadata, 'MetadataResponse', '0-8', [
  f.int32('throttleTimeMs', { versions: '3+' }),
  f.array('brokers', [
    f.int32('nodeId'),
    f.string('host'),
    f.int32('port'),
    f.nullableString('rack', { versions: '1+' }),
  ] as const),
  f.nullableString('clusterId', { versions: '2+' }),
  f.int32('controllerId', { versions: '1+', default: -1 }),
  f.array('topics', [
    f.int16('errorCode'),
    f.string('name'),
    f.bool('isInternal', { versions: '1+' }),
    f.array('partitions', [
      f.int16('errorCode'),
      f.int32('partitionIndex'),
      f.int32('leaderId'),
      f.int32('leaderEpoch', { versions: '7+', default: -1 }),
      f.scalarArray('replicaNodes', 'int32'),
      f.scalarArray('isrNodes', 'int32'),
      f.scalarArray('offlineReplicas', 'int32', { versions: '5+' }),
    ] as const),
    f.int32('topicAuthorizedOperations', { versions: '8+', default: -2147483648 }),
  ] as const),
  f.int32('clusterAuthorizedOperations', { versions: '8+', default: -2147483648 }),
] as const);

export type MetadataRequest = MessageOf<typeof MetadataRequest>;
export type MetadataResponse = MessageOf<typeof MetadataResponse>;

import { ProduceHandler } from './00-produce.handler';
import { FetchHandler } from './01-fetch.handler';
import { ListOffsetsHandler } from './02-list-offsets.handler';
import { MetadataHandler } from './03-metadata.handler';
import { OffsetCommitHandler } from './08-offset-commit.handler';
import { OffsetFetchHandler } from './09-offset-fetch.handler';
import { FindCoordinatorHandler } from './10-find-coordinator.handler';
import { JoinGroupHandler } from './11-join-group.handler';
import { HeartbeatHandler } from './12-heartbeat.handler';
import { LeaveGroupHandler } from './13-leave-group.handler';
import { SyncGroupHandler } from './14-sync-group.handler';
import { DescribeGroupsHandler } from './15-describe-groups.handler';
import { ListGroupsHandler } from './16-list-groups.handler';
import { ApiVersionsHandler } from './18-api-versions.handler';
import { CreateTopicsHandler } from './19-create-topics.handler';
import { DeleteTopicsHandler } from './20-delete-topics.handler';
import { InitProducerIdHandler } from './22-init-producer-id.handler';
import { OffsetForLeaderEpochHandler } from './23-offset-for-leader-epoch.handler';
import { DescribeConfigsHandler } from './32-describe-configs.handler';
import { CreatePartitionsHandler } from './37-create-partitions.handler';
import { DeleteGroupsHandler } from './42-delete-groups.handler';

/** Every API the broker serves, one class per key. ApiVersions is derived from this list. */
export const HANDLERS = [
  ProduceHandler,
  FetchHandler,
  ListOffsetsHandler,
  MetadataHandler,
  OffsetCommitHandler,
  OffsetFetchHandler,
  FindCoordinatorHandler,
  JoinGroupHandler,
  HeartbeatHandler,
  LeaveGroupHandler,
  SyncGroupHandler,
  DescribeGroupsHandler,
  ListGroupsHandler,
  ApiVersionsHandler,
  CreateTopicsHandler,
  DeleteTopicsHandler,
  InitProducerIdHandler,
  OffsetForLeaderEpochHandler,
  DescribeConfigsHandler,
  CreatePartitionsHandler,
  DeleteGroupsHandler,
] as const;

export { ApiVersionsHandler };
